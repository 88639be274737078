#!/usr/bin/env bash
# bench/sweep.sh: one `gdtrain sweep` of 12 configurations against the same
# 12 configurations as separate `gdtrain train` runs, on a generated table
# (never in the repository). Prints both wall times and their ratio.
#
#   bench/sweep.sh [GDTRAIN] [ROWS]     defaults: build/gdtrain, 1000000 rows
#
# The sweep parses and standardizes the file once and runs --jobs (one per
# CPU) single-threaded runs at a time; each separate run parses the file
# again and uses every CPU for its passes over the data.
set -euo pipefail
GDTRAIN=${1:-build/gdtrain}
ROWS=${2:-1000000}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gdtrain-sweep-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
"$GDTRAIN" gen --rows "$ROWS" --seed 1 >"$TMP/big.csv"
COMMON=(--data "$TMP/big.csv" --epochs 30 --tol 0 --grad-tol 0)
now() { date +%s.%N; }

t0=$(now)
"$GDTRAIN" sweep "${COMMON[@]}" --opt gd,adam --lr 0.001,0.01,0.1 --batch-size 0,1024 \
    --results "$TMP/sweep.csv" --out "$TMP/best.model" --quiet
t1=$(now)
for opt in gd adam; do
    for lr in 0.001 0.01 0.1; do
        for batch in 0 1024; do
            "$GDTRAIN" train "${COMMON[@]}" --opt $opt --lr $lr --batch-size $batch \
                --out "$TMP/one.model" --quiet
        done
    done
done
t2=$(now)
[ "$(wc -l <"$TMP/sweep.csv")" -eq 13 ] || { echo "the sweep has not 12 rows" >&2; exit 1; }
awk -v a="$t0" -v b="$t1" -v c="$t2" -v rows="$ROWS" 'BEGIN {
    s = b - a; r = c - b
    printf "rows %d, 12 configurations, 30 epochs each\n", rows
    printf "sweep (one load, --jobs = CPUs):  %.2f s\n", s
    printf "12 separate train runs:           %.2f s\n", r
    printf "separate / sweep:                 %.2f\n", r / s }'
