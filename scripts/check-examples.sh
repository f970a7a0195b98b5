#!/usr/bin/env bash
# Installs valley from a build into a temporary prefix, then builds each
# project in examples/ against that prefix alone (find_package(valley)) and
# runs it, and imports the installed Python module. Nothing is left behind.
#
# Usage: scripts/check-examples.sh [BUILD_DIR]   (default: build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
python=/usr/bin/python3  # Debian's, with numpy: the module is built for it

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

echo "check-examples: installing $build into a temporary prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null

for example in deconvolution train_mlp; do
  echo "check-examples: building examples/$example against it"
  cmake -S "examples/$example" -B "$tmp/build-$example" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$tmp/build-$example" >/dev/null
done

echo "check-examples: running deconvolution"
"$tmp/build-deconvolution/deconvolution"
echo "check-examples: running train_mlp"
"$tmp/build-train_mlp/train_mlp" "$tmp/mlp-run"
test -s "$tmp/mlp-run/metrics.csv"

if [ -d "$prefix/lib/python3/dist-packages/valley" ]; then
  echo "check-examples: importing the installed Python module"
  PYTHONPATH="$prefix/lib/python3/dist-packages" "$python" -c '
import numpy as np, valley
r = valley.local_entropy_step(lambda x: 0.5 * float(x @ x), x=np.ones(3, np.float32), tau=0.5,
                              samples=2000)
assert np.all(np.abs(r["mean"] - 1 / 1.5) < 0.1), r["mean"]
print("valley", valley.__version__, "from", valley.__file__)'
fi
echo "check-examples: passed"
