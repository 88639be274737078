#!/bin/sh
# batch.sh: a small grid of optimizers x learning rates, one table, one plot.
#
#   examples/batch.sh GDTRAIN OUTDIR [DATA.csv]
#
# Trains one model per (optimizer, learning rate) on DATA (default: the
# project's data/houses.csv), each with
#     --json --quiet --curve OUTDIR/<opt>-<lr>.csv --out OUTDIR/<opt>-<lr>.model
# and collects what the runs print (one JSON object per line on standard
# output) into
#     OUTDIR/runs.jsonl   the JSON lines as printed
#     OUTDIR/runs.csv     one row per run: opt,lr,exit,stop_reason,epochs,
#                         train_mse,val_mse,gap,r2,train_seconds,curve
#                         (curve: the file name in OUTDIR, empty if it failed)
#     OUTDIR/compare.svg  every run's curve in one picture (gdtrain plot): the
#                         gap to the optimum (its MSE taken from the first
#                         run that succeeded) on a log scale against the
#                         epoch on a log scale, which keeps apart runs that
#                         converge at different speeds
# and prints the table, aligned, on standard output. A run that fails (a
# rate too large for the optimizer diverges: exit status 1) is a row with its
# exit status and no curve; the script goes on.
#
# The grid is set by the environment: OPTS (default "gd sgd rmsprop adam")
# and LRS (default "0.001 0.01 0.1"); any other gdtrain training options can
# be given in GDTRAIN_ARGS (e.g. "--epochs 2000 --val-split 0.2").
#
# Plain POSIX sh and awk: the JSON is read by the small awk reader below,
# which knows just enough JSON for gdtrain's output (objects, arrays,
# strings with escapes, numbers, true/false/null).
set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 GDTRAIN OUTDIR [DATA.csv]" >&2
    exit 2
fi
GDTRAIN=$1
OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${3:-$(cd "$HERE/.." && pwd)/data/houses.csv}
OPTS=${OPTS:-gd sgd rmsprop adam}
LRS=${LRS:-0.001 0.01 0.1}
GDTRAIN_ARGS=${GDTRAIN_ARGS:-}

[ -x "$GDTRAIN" ] || command -v "$GDTRAIN" >/dev/null 2>&1 || {
    echo "$0: cannot run '$GDTRAIN'" >&2
    exit 2
}
[ -r "$DATA" ] || { echo "$0: cannot read '$DATA'" >&2; exit 2; }
mkdir -p "$OUT"

# json_fields: reads JSON objects, one per line, and prints for each line
# one "PATH<TAB>VALUE" line per scalar (PATH like options.lr, weights.garage,
# features.0), then a line "--". Strings are unquoted and unescaped; null,
# true and false are printed as such.
json_fields() {
    awk '
    function fail(msg) { printf "batch.sh: bad JSON at byte %d: %s\n", i, msg > "/dev/stderr"; exit 3 }
    function skip_space() { while (i <= n && substr(s, i, 1) ~ /[ \t\r\n]/) i++ }
    function read_string(   out, c, e) {
        out = ""; i++                               # past the opening quote
        while (i <= n) {
            c = substr(s, i, 1)
            if (c == "\"") { i++; return out }
            if (c == "\\") {
                e = substr(s, i + 1, 1); i += 2
                if (e == "n") out = out "\n"; else if (e == "t") out = out "\t"
                else if (e == "r") out = out "\r"; else if (e == "u") { out = out "\\u" substr(s, i, 4); i += 4 }
                else out = out e                    # \" \\ \/ and the rest
                continue
            }
            out = out c; i++
        }
        fail("unterminated string")
    }
    # read_value(PATH): one value at i; prints its scalars.
    function read_value(path,   c, k, idx, start) {
        skip_space()
        c = substr(s, i, 1)
        if (c == "{") {
            i++; skip_space()
            if (substr(s, i, 1) == "}") { i++; return }
            while (1) {
                skip_space()
                if (substr(s, i, 1) != "\"") fail("expected a key")
                k = read_string(); skip_space()
                if (substr(s, i, 1) != ":") fail("expected :")
                i++
                read_value(path == "" ? k : path "." k)
                skip_space(); c = substr(s, i, 1); i++
                if (c == "}") return
                if (c != ",") fail("expected , or }")
            }
        }
        if (c == "[") {
            i++; skip_space(); idx = 0
            if (substr(s, i, 1) == "]") { i++; return }
            while (1) {
                read_value(path "." idx++)
                skip_space(); c = substr(s, i, 1); i++
                if (c == "]") return
                if (c != ",") fail("expected , or ]")
            }
        }
        if (c == "\"") { printf "%s\t%s\n", path, read_string(); return }
        start = i
        while (i <= n && substr(s, i, 1) !~ /[,}\] \t\r\n]/) i++
        if (i == start) fail("expected a value")
        printf "%s\t%s\n", path, substr(s, start, i - start)
    }
    NF { s = $0; n = length(s); i = 1; read_value(""); print "--" }
    '
}

# The table from the fields: one CSV row per run. Text is quoted when it
# has a comma, a quote or a line break.
csv_row() {
    awk -F '\t' -v opt="$1" -v lr="$2" -v status="$3" -v curve="$4" '
    function q(v) { if (v ~ /[",\n]/) { gsub(/"/, "\"\"", v); v = "\"" v "\"" } return v }
    function num(v) { return v == "null" ? "" : v }     # null: no value
    $1 != "--" { f[$1] = $2 }
    END {
        print q(opt) "," q(lr) "," status "," q(f["stop_reason"]) "," num(f["epochs"]) "," \
              num(f["train_mse"]) "," num(f["val_mse"]) "," num(f["gap"]) "," num(f["r2"]) "," \
              num(f["seconds.train"]) "," q(curve)
    }'
}

JSONL=$OUT/runs.jsonl
TABLE=$OUT/runs.csv
: >"$JSONL"
echo "opt,lr,exit,stop_reason,epochs,train_mse,val_mse,gap,r2,train_seconds,curve" >"$TABLE"
set -- # the curves to plot, collected as the positional parameters
OPTIMUM="" # the optimum's MSE, as the first successful run reports it
for opt in $OPTS; do
    for lr in $LRS; do
        name=$opt-$lr
        status=0
        # shellcheck disable=SC2086 # GDTRAIN_ARGS is a list of words
        "$GDTRAIN" --data "$DATA" --opt "$opt" --lr "$lr" $GDTRAIN_ARGS --json --quiet \
            --curve "$OUT/$name.csv" --out "$OUT/$name.model" >"$OUT/$name.json" 2>"$OUT/$name.err" ||
            status=$?
        if [ -s "$OUT/$name.err" ]; then
            sed "s/^/$name: /" "$OUT/$name.err" >&2
        fi
        rm -f "$OUT/$name.err"
        cat "$OUT/$name.json" >>"$JSONL"
        curve=""
        if [ "$status" -eq 0 ] && [ -s "$OUT/$name.csv" ]; then
            curve=$name.csv
            set -- "$@" "$OUT/$name.csv"
            [ -n "$OPTIMUM" ] ||
                OPTIMUM=$(json_fields <"$OUT/$name.json" | awk -F '\t' '$1 == "optimum_mse" && $2 != "null" { print $2 }')
        fi
        json_fields <"$OUT/$name.json" | csv_row "$opt" "$lr" "$status" "$curve" >>"$TABLE"
        rm -f "$OUT/$name.json"
    done
done

# One picture of every curve: their gaps to the optimum, or their losses if
# no run reported it.
if [ $# -gt 0 ]; then
    if [ -n "$OPTIMUM" ]; then
        set -- "$@" --optimum "$OPTIMUM" --y gap --x log
    fi
    "$GDTRAIN" plot --quiet "$@" -o "$OUT/compare.svg" --title "$(basename "$DATA"): optimizers x learning rates"
fi

# The table, aligned, for a person.
awk -F, '
    { for (k = 1; k <= NF; k++) { cell[NR, k] = $k; if (length($k) > w[k]) w[k] = length($k) } nf = NF > nf ? NF : nf }
    END {
        for (r = 1; r <= NR; r++) {
            line = ""
            for (k = 1; k < nf; k++) line = line sprintf("%-" w[k] "s  ", cell[r, k])
            print line cell[r, nf]
        }
    }
' "$TABLE"
if [ $# -gt 0 ]; then
    echo "table: $TABLE; JSON lines: $JSONL; plot: $OUT/compare.svg" >&2
else
    echo "table: $TABLE; JSON lines: $JSONL; no run succeeded, so no plot" >&2
fi
