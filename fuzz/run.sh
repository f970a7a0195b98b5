#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time, two at a time, and fails on
# any crash, leak, timeout or sanitizer report. New inputs go to a scratch
# corpus in the build directory; the seeds in fuzz/corpus are only read.
#
# Usage: fuzz/run.sh BUILD_DIR [SECONDS_PER_TARGET]
set -euo pipefail

build=$(cd "${1:?usage: fuzz/run.sh BUILD_DIR [SECONDS]}" && pwd)
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
work="$build/fuzz-work"
rm -rf "$work"
mkdir -p "$work/tmp"
export TMPDIR="$work/tmp"

run_one() {
  local reader=$1
  local dict=()
  if [ "$reader" != idx ]; then dict=(-dict="$here/json.dict"); fi
  mkdir -p "$work/corpus-$reader" "$work/artifacts-$reader"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: a reader
  # that believes a huge declared size runs out of memory here.
  "$build/fuzz/fuzz_$reader" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "${dict[@]}" -artifact_prefix="$work/artifacts-$reader/" \
    "$work/corpus-$reader" "$here/corpus/$reader" > "$work/$reader.log" 2>&1
}

readers=(idx digits_json checkpoint experiment model_file)
status=0
for ((i = 0; i < ${#readers[@]}; i += 2)); do
  pids=()
  for reader in "${readers[@]:i:2}"; do
    run_one "$reader" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || status=1; done
done

for reader in "${readers[@]}"; do
  log="$work/$reader.log"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  if grep -q -E "ERROR: libFuzzer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|==[0-9]+==ERROR" "$log" \
      || [ -z "$runs" ]; then
    echo "fuzz: $reader FAILED (see $log)"
    tail -40 "$log"
    status=1
  else
    echo "fuzz: $reader: ${runs} executions in ${secs:-?} s, no findings"
  fi
done
exit $status
