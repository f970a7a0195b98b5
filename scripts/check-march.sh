#!/usr/bin/env bash
# Compiles every source that uses Highway for several x86 CPUs, so that the
# `native` preset (-march=native) builds on each: Highway picks its targets
# from the -march (src/valley/simd/hwy_targets.h tells what once went wrong).
#
#   scripts/check-march.sh [BUILD_DIR]
#
# With a BUILD_DIR that has compile_commands.json each file gets that build's
# flags (its -march and -O replaced); without one, the flags of
# CMakeLists.txt written out below. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

marches=(x86-64 x86-64-v3 znver4 sapphirerapids native)
db=${1:+$1/compile_commands.json}
if [[ -n $db && ! -f $db ]]; then
  echo "check-march: no $db" >&2
  exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The compiler and its flags for source $1, one a line, without -c, -o, -O,
# -march, -mtune and the source itself.
command_of() {
  if [[ -z $db ]]; then
    # CMakeLists.txt's and src/CMakeLists.txt's, with VALLEY_WERROR.
    printf '%s\n' "${CXX:-g++}" -std=c++20 -DNDEBUG -Wall -Wextra -ffp-contract=off -fno-math-errno \
      -Wno-maybe-uninitialized -Isrc -isystem /usr/include/eigen3 -I/usr/include/x86_64-linux-gnu/openblas-pthread
    return
  fi
  python3 - "$db" "$1" <<'EOF'
import json, os, shlex, sys
db, src = sys.argv[1], os.path.realpath(sys.argv[2])
for e in json.load(open(db)):
    file = os.path.realpath(os.path.join(e["directory"], e["file"]))
    if file != src:
        continue
    args = e.get("arguments") or shlex.split(e["command"])
    kept, skip = [args[0]], False
    for a in args[1:]:
        if skip or a == "-c" or a.startswith(("-O", "-march=", "-mtune=")):
            skip = False
        elif a == "-o":
            skip = True
        elif os.path.realpath(os.path.join(e["directory"], a)) != file:
            kept.append(a)
    print("\n".join(kept))
    sys.exit(0)
sys.exit(f"check-march: {sys.argv[2]} is not in {db} (configure the build again)")
EOF
}

# -march=$1 for compiler $2; GCC 12.2 has no znver4, which is GCC 13's znver3
# and AVX-512 extensions, spelled out.
march_flags() {
  if [[ $1 != znver4 ]] || "$2" -march=znver4 -E -x c++ /dev/null >/dev/null 2>&1; then
    echo "-march=$1"
  else
    echo "-march=znver3 -mavx512f -mavx512dq -mavx512ifma -mavx512cd -mavx512bw -mavx512vl -mavx512bf16" \
         "-mavx512vbmi -mavx512vbmi2 -mgfni -mavx512vnni -mavx512bitalg -mavx512vpopcntdq"
  fi
}

mapfile -t sources < <(grep -rlE '^#include <hwy/' src | sort)
if ((${#sources[@]} == 0)); then
  echo "check-march: no source in src/ includes Highway" >&2
  exit 2
fi
start=$SECONDS
for src in "${sources[@]}"; do
  cmd_lines=$(command_of "$src")
  mapfile -t cmd <<<"$cmd_lines"
  for march in "${marches[@]}"; do
    # shellcheck disable=SC2046  # march_flags gives several words
    if "${cmd[@]}" -O2 -Werror $(march_flags "$march" "${cmd[0]}") -c "$src" -o "$tmp/out.o" 2>"$tmp/err"; then
      printf 'ok    %-15s %s\n' "$march" "$src"
    else
      printf 'FAIL  %-15s %s: %s\n' "$march" "$src" "$(grep -m1 'error' "$tmp/err" || head -n1 "$tmp/err")"
      exit 1
    fi
  done
done
echo "check-march: all passed in $((SECONDS - start)) s"
