#!/usr/bin/env bash
# make demo: the paper's comparison on the default data — SGD, importance
# sampling (IS), SGLD and heat regularization (HR) on 784-200-10 with Table 1's
# settings (experiments/table1.json) and the default sampler — then
# `valley flatness --quick` on the four runs: one table and the figures.
# Usage: scripts/demo.sh VALLEY_BINARY OUT_DIR
set -euo pipefail
valley=$1
out=$2
mkdir -p "$out"
common=(--net 784-200-10 --updates 500 --batch 20 --eval-every 100 --eval-size 1000 --seed 1 --threads 2 --overwrite)
train() {
  local name=$1
  shift
  echo "training $name (784-200-10, 500 updates; log: $out/$name.log)"
  "$valley" train "$@" "${common[@]}" --out "$out/$name" > "$out/$name.log"
}
train sgd --method sgd --lr 0.01
train is --method is --tau 0.01 --samples 1000
echo "SGLD runs with noise of standard deviation eps_j (--sgld-noise stddev), the reading the paper's"
echo "numbers need; as printed (variance eps_j) its chain does not settle at tau = 0.01 (docs/REPRODUCTION.md)"
train sgld --method sgld --tau 0.01 --samples 1000 --eps0 1000 --sgld-noise stddev
train heat --method heat --tau 0.01 --rm-iters 30 --rm-samples 30 --rm-c 0.1 --rm-alpha 0.7
echo
echo "How flat is the minimum each method found? (valley flatness --quick; held-out accuracy on"
echo "1000 held-out images, train loss on the first 2000 training images, ΔF_τ = F_τ(x*) − f(x*),"
echo "λ_max the Hessian's top eigenvalue, heat width the largest τ with F^H_τ(x*) − f(x*) ≤ 0.1)"
echo
"$valley" flatness "$out/sgd" "$out/is" "$out/sgld" "$out/heat" --quick --brief --threads 2 --out "$out/flatness"
echo "figure: $out/flatness/profiles.png (and spectrum.png, landscape_1d.png, landscape_2d.png);"
echo "every measure side by side: $out/flatness/flatness.json, or run"
echo "  $valley flatness $out/{sgd,is,sgld,heat} --out DIR"
