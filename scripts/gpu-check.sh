#!/usr/bin/env bash
# Build here, check there: valley's CUDA backend on a GPU machine in one call.
#
#   scripts/gpu-check.sh pack   here (nvcc, no GPU needed): a portable CUDA build
#                               (-march=x86-64-v3, static libstdc++/libgcc, sm_90) and a
#                               bundle in build-gpu/bundle (< 55 MiB): the binaries, the
#                               shared libraries a bare machine lacks (OpenBLAS, libgfortran,
#                               libquadmath, fmt, Highway, zlib; xz-compressed) and the
#                               official MNIST files.
#   scripts/gpu-check.sh run    there, from the repository root with build-gpu/bundle
#                               beside it: prints the card and driver, runs the CUDA tests,
#                               compute-sanitizer (memcheck, racecheck) on short tests,
#                               `valley bench --device cuda` (and the CPU beside it),
#                               the PyTorch peer eager and as CUDA graphs, and Table 1
#                               (valley reproduce, seed 1) on MNIST on the CPU and the GPU
#                               (--jobs 1 and 4), writing everything
#                               under $OUT (at most 8 files). About 5 minutes; every step has
#                               a timeout, 8 minutes in all. Exit status 0 only if every check
#                               passed; 3 when this machine cannot run the check at all.
#
# On the GPU machine: a copy of this working tree with build-gpu/bundle copied along, then
# `OUT=DIR bash scripts/gpu-check.sh run` (OUT defaults to build-gpu/out), allowing it 9 minutes.
set -uo pipefail
cd "$(dirname "$0")/.."
bundle=build-gpu/bundle

pack() {
  set -e
  local obj=build-gpu/obj
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$obj" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVALLEY_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DCMAKE_CXX_FLAGS_RELEASE="-O3 -march=x86-64-v3 -DNDEBUG" \
    -DCMAKE_EXE_LINKER_FLAGS="-static-libstdc++ -static-libgcc" \
    -DVALLEY_WERROR=ON -DVALLEY_MPI=OFF -DVALLEY_PYTHON=OFF "${launcher[@]}" >/dev/null
  cmake --build "$obj" -j"${JOBS:-2}" --target valley valley_cuda_tests
  rm -rf "$bundle"
  mkdir -p "$bundle"/{bin,data} build-gpu/libs
  cp "$obj/src/valley" "$obj/tests/valley_cuda_tests" "$bundle/bin/"
  strip "$bundle"/bin/*
  # Every shared library but glibc's and the C++ runtime's (static in valley;
  # every Linux has them, newer), under the name the binaries ask for.
  rm -rf build-gpu/libs/*
  ldd "$bundle"/bin/* | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u |
    grep -Ev '^(libc|libm|libdl|librt|libpthread|libstdc\+\+|libgcc_s|ld-linux[^ ]*)\.so' |
    while read -r soname path; do cp -L "$path" "build-gpu/libs/$soname"; done
  tar -C build-gpu/libs -cf - . | xz -T"${JOBS:-2}" -6 > "$bundle/libs.tar.xz"
  cp /work/shared/data/mnist/*.gz "$bundle/data/" 2>/dev/null || cp ../shared/data/mnist/*.gz "$bundle/data/"
  echo "gpu-check pack: $(du -sh --apparent-size "$bundle" | cut -f1) in $bundle:"
  (cd "$bundle" && du -ah --apparent-size . | sort -k2)
  local bytes
  bytes=$(du -sb --apparent-size "$bundle" | cut -f1)
  if [ "$bytes" -ge $((55 * 1024 * 1024)) ]; then echo "gpu-check pack: the bundle is over 55 MiB" >&2; exit 1; fi
}

# step NAME SECONDS COMMAND…: runs it with a timeout, its output to the log;
# records a failure (a timeout too) without stopping the other steps.
failures=()
step() {
  local name=$1 seconds=$2
  shift 2
  echo "== $name (timeout ${seconds}s): $*" | tee -a "$log"
  local start=$SECONDS
  timeout --kill-after=10 "$seconds" "$@" 2>&1 | tee -a "$log"
  local status=${PIPESTATUS[0]}
  echo "== $name: exit status $status after $((SECONDS - start)) s" | tee -a "$log"
  [ "$status" -eq 0 ] || failures+=("$name (exit status $status)")
  return "$status"
}

run() {
  local out=${OUT:-build-gpu/out}
  mkdir -p "$out"
  if [ ! -x "$bundle/bin/valley" ]; then
    echo "gpu-check run: $bundle/bin/valley is missing: run 'scripts/gpu-check.sh pack' first and copy $bundle along" >&2
    exit 3
  fi
  if ! nvidia-smi -L >/dev/null 2>&1; then
    echo "gpu-check run: no GPU here (nvidia-smi finds none); run this on a machine with an NVIDIA GPU" >&2
    exit 3
  fi
  local libs
  libs=$(mktemp -d)
  xz -dc "$bundle/libs.tar.xz" | tar -C "$libs" -xf -
  # The bundle's libraries for valley's programs only (not for python3 and
  # its PyTorch, nor for the tools).
  local with_libs=(env "LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
  local bin=$bundle/bin
  {
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
    ldd --version | head -1
    lscpu | grep -m1 'Model name'
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    nvcc --version 2>/dev/null | tail -1
  } | tee "$out/env.txt"
  if "${with_libs[@]}" ldd "$bin/valley" "$bin/valley_cuda_tests" | grep 'not found'; then
    echo "gpu-check run: libraries missing here (above); build there instead" >&2
    exit 3
  fi

  # Table 1 on the CPU, for the accuracies compared at the end: in the
  # background from the start (4 trainings at once, 3 threads each, about a
  # minute), waited for before the benches so that they time an idle machine.
  local runs
  runs=$(mktemp -d)
  local reproduce=(reproduce table1 --experiments experiments --data "$bundle/data" --seeds 1 --no-progress)
  (timeout --kill-after=10 165 "${with_libs[@]}" "$bin/valley" "${reproduce[@]}" --device cpu --jobs 4 --threads 3 \
    --out "$runs/cpu" > "$runs/cpu.log" 2>&1
   echo $? > "$runs/cpu.status") &

  log="$out/cuda-tests.log"
  : > "$log"
  # On a GPU every CUDA test must run: a skip is a failure here.
  if step "CUDA tests" 75 "${with_libs[@]}" "$bin/valley_cuda_tests" --gtest_output=xml:"$out/cuda-tests.xml"; then
    if grep -q '\[  SKIPPED \]' "$log"; then failures+=("CUDA tests (skipped on a GPU)"); fi
  fi
  log="$out/sanitizer.log"
  : > "$log"
  step "memcheck" 60 compute-sanitizer --tool memcheck --error-exitcode 9 \
    "${with_libs[@]}" "$bin/valley_cuda_tests" --gtest_filter='CudaUpdates.GradientMatchesCpu:CudaUpdates.EveryMethodAtSmallSizes'
  step "racecheck" 30 compute-sanitizer --tool racecheck --error-exitcode 9 \
    "${with_libs[@]}" "$bin/valley_cuda_tests" --gtest_filter='CudaUpdates.GradientMatchesCpu'

  wait  # the CPU's Table 1
  log="$out/bench.txt"
  : > "$log"
  step "valley bench --device cuda" 40 "${with_libs[@]}" "$bin/valley" bench --device cuda --nets 784-200-10 --min-seconds 0.5 \
    --json "$out/bench.json"
  step "valley bench on the CPU, same machine" 40 "${with_libs[@]}" "$bin/valley" bench --nets 784-200-10 --methods sgd,is,sgld,heat \
    --samplers full --min-seconds 0.5

  log="$out/torch.txt"
  : > "$log"
  step "PyTorch peer, eager" 70 python3 bench/peers/torch_methods.py --device cuda --nets 784-200-10
  step "PyTorch peer, CUDA graphs" 45 python3 bench/peers/torch_methods.py --device cuda --graph --nets 784-200-10

  # Table 1 on the official MNIST (500 updates of SGD, IS, SGLD and heat,
  # seed 1): the GPU's final held-out accuracy within 0.01 of the CPU's for
  # each run. The CPU trained them in the background (above); the GPU trains
  # them one at a time (--jobs 1), then four at once (--jobs 4): the wall
  # times of the two, and their files equal but for wall time.
  log="$out/accuracy.txt"
  : > "$log"
  step "reproduce table1 on cuda, --jobs 1" 75 "${with_libs[@]}" "$bin/valley" "${reproduce[@]}" --device cuda \
    --jobs 1 --out "$runs/cuda-1"
  step "reproduce table1 on cuda, --jobs 4" 45 "${with_libs[@]}" "$bin/valley" "${reproduce[@]}" --device cuda \
    --jobs 4 --out "$runs/cuda-4"
  local status
  status=$(cat "$runs/cpu.status" 2>/dev/null || echo '?')
  { echo "== reproduce table1 on cpu: exit status $status"; cat "$runs/cpu.log"; } >> "$log"
  [ "$status" = 0 ] || failures+=("reproduce table1 on cpu (exit status $status)")
  for method in sgd is sgld heat; do
    local cpu gpu one four
    cpu=$(tail -1 "$runs/cpu/runs/$method/seed-1/metrics.csv" 2>/dev/null | cut -d, -f4)
    gpu=$(tail -1 "$runs/cuda-4/runs/$method/seed-1/metrics.csv" 2>/dev/null | cut -d, -f4)
    if [ -n "$cpu" ] && [ -n "$gpu" ] && awk -v a="$cpu" -v b="$gpu" 'BEGIN { d = a - b; exit !(d <= 0.01 && d >= -0.01) }'; then
      echo "accuracy $method after 500 updates: cpu $cpu, cuda $gpu: within 0.01" | tee -a "$log"
    else
      echo "accuracy $method after 500 updates: cpu ${cpu:-?}, cuda ${gpu:-?}: NOT within 0.01" | tee -a "$log"
      failures+=("accuracy of $method")
    fi
    one=$(cut -d, -f1,3- "$runs/cuda-1/runs/$method/seed-1/metrics.csv" 2>/dev/null | md5sum)
    four=$(cut -d, -f1,3- "$runs/cuda-4/runs/$method/seed-1/metrics.csv" 2>/dev/null | md5sum)
    if [ "$one" = "$four" ]; then
      echo "$method on cuda: --jobs 1 and --jobs 4 give the same metrics" | tee -a "$log"
    else
      echo "$method on cuda: --jobs 1 and --jobs 4 give DIFFERENT metrics" | tee -a "$log"
      failures+=("--jobs changed $method's metrics on cuda")
    fi
  done

  echo
  echo "gpu-check run: results in $out"
  tail -n 20 "$out/bench.txt"
  if [ ${#failures[@]} -gt 0 ]; then
    printf 'gpu-check run: FAILED: %s\n' "${failures[@]}"
    exit 1
  fi
  echo "gpu-check run: every check passed"
}

case "${1:-}" in
  pack) pack ;;
  run) run ;;
  *) echo "usage: scripts/gpu-check.sh pack|run" >&2; exit 2 ;;
esac
