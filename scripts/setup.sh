#!/usr/bin/env bash
# Installs valley's build and run dependencies from Debian packages.
# Idempotent: packages already present are skipped, and apt is not touched at
# all when everything is there.
#
# Usage: scripts/setup.sh [--fuzz]
#   --fuzz  also clang and its libFuzzer runtime, for the fuzz targets (CI)
#
# The CUDA backend (--device cuda, docs/GPU.md) is built when CMake finds
# nvcc (NVIDIA's CUDA toolkit, 12.8 or later for C++20 with g++ 12; not a
# Debian package here): only its static runtime is linked.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libopenblas-dev libeigen3-dev librandom123-dev libcli11-dev libfmt-dev
  nlohmann-json3-dev zlib1g-dev libgtest-dev libgmock-dev libbenchmark-dev libhwy-dev
  gnuplot-nox npm python3-numpy
  pybind11-dev python3-dev python3-pytest
  libopenmpi-dev openmpi-bin
)
if [ "${1:-}" = "--fuzz" ]; then
  packages+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# npm may come with a Node.js installed outside Debian's packages.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/npm/}")
fi
read -r -a missing <<< "${missing[*]}"

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all dependencies present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
