#!/usr/bin/env bash
# Benchmark (not a test) of a distributed training: seconds per update of
# `valley train` on R = 1 and R = 2 MPI ranks of one thread each, run
# interleaved (R=1, R=2, R=1, …) so that a changing load hits both alike,
# medians of --repeats runs, the speed-up, and rank 0's seconds in MPI calls
# per update (waiting for the other rank included). Prints a table with the
# CPU's name and the load.
#
# Usage: scripts/bench_distributed.sh [VALLEY] [REPEATS]
#   VALLEY   the valley binary (default build/release/src/valley)
#   REPEATS  runs per setting and rank count (default 3)
set -euo pipefail
valley=${1:-build/release/src/valley}
repeats=${2:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# name | flags (784-200-10, one minibatch per update, full sampler). Enough
# updates that a run's one-time costs (the first messages set up MPI's
# shared-memory transport; buffers are first touched) do not count for much:
# with 2 updates they made IS J=8000 on R=2 look 15% slower.
settings=(
  "IS J=1000|--method is --samples 1000 --updates 10"
  "IS J=8000|--method is --samples 8000 --updates 6"
  "heat M=J=30|--method heat --updates 10"
)

field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))" "$1" "$2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "valley distributed benchmark: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %12s %12s %8s %16s\n' setting "R=1 s/upd" "R=2 s/upd" speedup "R=2 comm s/upd"
for entry in "${settings[@]}"; do
  IFS='|' read -r name flags <<< "$entry"
  one=() two=() comm=()
  for ((i = 0; i < repeats; ++i)); do
    common="train --net 784-200-10 --sampler full --threads 1 --eval-size 100 --no-progress --overwrite $flags"
    # shellcheck disable=SC2086
    "$valley" $common --eval-every 1000 --out "$out/one" > /dev/null
    one+=("$(field "$out/one/summary.json" seconds_per_update)")
    # shellcheck disable=SC2086
    mpirun -q --bind-to none -np 2 "$valley" $common --eval-every 1000 --out "$out/two" > /dev/null
    two+=("$(field "$out/two/summary.json" seconds_per_update)")
    comm+=("$(field "$out/two/summary.json" communication_seconds_per_update)")
  done
  m1=$(median "${one[@]}") m2=$(median "${two[@]}") mc=$(median "${comm[@]}")
  printf '%-28s %12.4f %12.4f %7.2fx %16.4f\n' "$name" "$m1" "$m2" "$(echo "$m1 / $m2" | bc -l)" "$mc"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
