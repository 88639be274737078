#!/usr/bin/env bash
# Builds the libFuzzer targets (every tests/fuzz/fuzz_<target>.c) with clang
# and runs each for SECONDS seconds on its seed corpus (tests/fuzz/corpus/
# <target>, copied: the checked-in corpus is not changed) and with
# tests/fuzz/<target>.dict if there is one. Fails on any crash, failed check,
# sanitizer report, leak, timeout or out-of-memory. As many fuzzer processes
# at a time as there are processors (each is single-threaded), at most
# FUZZ_JOBS when that is set: each target still gets its SECONDS, and the
# step takes a fraction of their sum.
#
#   tests/fuzz/smoke.sh SECONDS [BUILD_DIR]      (default BUILD_DIR: build-fuzz)
#
# A failing input is kept as BUILD_DIR/fuzz-artifacts/<target>-crash-<sha1>
# (or leak-, timeout-, oom-); reproduce with
#   BUILD_DIR/tests/fuzz/fuzz_<target> FILE
set -euo pipefail
[ $# -ge 1 ] && [ "$1" -gt 0 ] 2>/dev/null || { echo "usage: $0 SECONDS [BUILD_DIR]" >&2; exit 2; }
SECONDS_EACH=$1
cd "$(dirname "$0")/../.."
SRC=$PWD
BUILD=${2:-build-fuzz}
command -v clang >/dev/null 2>&1 || { echo "fuzz: clang is not installed" >&2; exit 2; }

# Debug keeps assert() on; -O1 is what libFuzzer's documentation suggests for
# speed with usable stack traces.
targets=()
for f in "$SRC"/tests/fuzz/fuzz_*.c; do
    t=${f##*/fuzz_}
    targets+=("${t%.c}")
done
cmake -S "$SRC" -B "$BUILD" -DCMAKE_C_COMPILER=clang -DGDTRAIN_FUZZ=ON \
    -DGDTRAIN_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=-O1 >/dev/null
cmake --build "$BUILD" -j2 --target "${targets[@]/#/fuzz_}" >/dev/null

ARTIFACTS=$(cd "$BUILD" && pwd)/fuzz-artifacts
mkdir -p "$ARTIFACTS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gdtrain-fuzz-smoke.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export GDTRAIN_FUZZ_TMPDIR=$WORK

# fuzz_one TARGET: runs one target on a copy of its corpus; its summary (or
# the end of its log on failure) goes to $WORK/TARGET.out. The file
# $WORK/TARGET.failed stays unless the target ran and found nothing, so a
# step that fails under set -e counts as a failure too.
fuzz_one() {
    local target=$1
    local corpus=$WORK/corpus-$target log=$WORK/$target.log out=$WORK/$target.out
    touch "$WORK/$target.failed"
    mkdir -p "$corpus"
    if [ -d "$SRC/tests/fuzz/corpus/$target" ]; then
        cp "$SRC/tests/fuzz/corpus/$target"/* "$corpus"/
    fi
    local dict=()
    [ -f "$SRC/tests/fuzz/$target.dict" ] && dict=(-dict="$SRC/tests/fuzz/$target.dict")
    echo "== fuzz_$target: $SECONDS_EACH s ==" >"$out"
    # -timeout: one input taking this long is a hang; -rss_limit_mb: a leak
    # or runaway allocation. Leaks are checked (-detect_leaks=1, the default).
    if "$BUILD/tests/fuzz/fuzz_$target" -max_total_time="$SECONDS_EACH" \
        -print_final_stats=1 -timeout=30 -rss_limit_mb=2048 \
        -artifact_prefix="$ARTIFACTS/$target-" "${dict[@]}" "$corpus" >"$log" 2>&1; then
        {
            grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true
            grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
            echo "corpus: $(find "$corpus" -type f | wc -l) files"
        } >>"$out"
        rm -f "$WORK/$target.failed"
    else
        {
            echo "fuzz_$target FAILED; the end of its log:"
            tail -n 60 "$log"
        } >>"$out"
    fi
}

jobs_max=${FUZZ_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
[ "$jobs_max" -ge 1 ] 2>/dev/null || jobs_max=1
running=0
for target in "${targets[@]}"; do
    if [ "$running" -ge "$jobs_max" ]; then
        wait -n || true # a failure is in its .failed file
        running=$((running - 1))
    fi
    fuzz_one "$target" &
    running=$((running + 1))
done
wait || true

# The reports in the targets' order, whichever finished first.
status=0
for target in "${targets[@]}"; do
    if [ -f "$WORK/$target.failed" ]; then
        cat "$WORK/$target.out" >&2 2>/dev/null || echo "fuzz_$target: did not run" >&2
        status=1
    else
        cat "$WORK/$target.out"
    fi
done
[ "$status" -eq 0 ] && echo "fuzz: no findings" || echo "fuzz: failures above (inputs in $ARTIFACTS)" >&2
exit "$status"
