# '-' is standard input or output for every file option, and writes no file
# named '-'; two options that would share one stream are refused (exit 2).
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv

# same_bytes A B DESCRIPTION
same_bytes() {
    CHECKS=$((CHECKS + 1))
    cmp -s "$1" "$2" || fail "$3: $1 and $2 differ"
}
no_dash_file() {
    CHECKS=$((CHECKS + 1))
    [ ! -e ./- ] || fail "$1: a file named '-' was written"
}

# Written to standard output: the same bytes as the file.
run "$GDTRAIN" --data "$DATA" --opt gd --out gd.model
expect_status 0 "train --out FILE"
run "$GDTRAIN" --data "$DATA" --opt gd --out -
expect_status 0 "train --out -"
same_bytes "$WORK/out" gd.model "train --out -"
expect_err_line "model written to standard output" "train --out -: the summary"
no_dash_file "train --out -"

run "$GDTRAIN" solve --data "$DATA" --out solve.model
run "$GDTRAIN" solve --data "$DATA" --out -
expect_status 0 "solve --out -"
same_bytes "$WORK/out" solve.model "solve --out -"
no_dash_file "solve --out -"

head -n 5 "$DATA" >new.csv
run "$GDTRAIN" predict --model gd.model --data new.csv
cp "$WORK/out" predictions
run "$GDTRAIN" predict --model gd.model --data new.csv --out -
expect_status 0 "predict --out -"
same_bytes "$WORK/out" predictions "predict --out -"
no_dash_file "predict --out -"

run "$GDTRAIN" gen --rows 5 --out -
expect_status 0 "gen --out -"
"$GDTRAIN" gen --rows 5 >gen.csv
same_bytes "$WORK/out" gen.csv "gen --out -"
no_dash_file "gen --out -"

run "$GDTRAIN" --data "$DATA" --opt gd --curve gd.csv --plot gd.svg --out gd2.model
expect_status 0 "train --curve --plot"
run "$GDTRAIN" --data "$DATA" --opt gd --plot - --out gd3.model
expect_status 0 "train --plot -"
same_bytes "$WORK/out" gd.svg "train --plot -"
run "$GDTRAIN" plot gd.csv -o plot.svg
run "$GDTRAIN" plot gd.csv -o -
expect_status 0 "plot -o -"
same_bytes "$WORK/out" plot.svg "plot -o -"
expect_err_line "drawn to standard output" "plot -o -: the summary"
no_dash_file "plot -o -"

# Read from standard input.
run "$GDTRAIN" predict --model - --data new.csv <gd.model
expect_status 0 "predict --model -"
same_bytes "$WORK/out" predictions "predict --model -"
run "$GDTRAIN" eval --model - --data "$DATA" <gd.model
expect_status 0 "eval --model -"
run "$GDTRAIN" --data "$DATA" --opt gd --check-curve - --out gd4.model <gd.csv
expect_status 0 "train --check-curve -"
run "$GDTRAIN" --data "$DATA" --opt gd --init-from - --epochs 3 --out warm.model <gd.model
expect_status 0 "train --init-from -"
expect_err_line "^  epochs [123]," "a warm start from the optimum stops at once"
# A paused run through a pipe: --checkpoint - then --resume -, the same model
# as one run.
"$GDTRAIN" --data "$DATA" --opt sgd --epochs 4 --checkpoint - --out /dev/null -q >ck ||
    fail "train --checkpoint -"
run "$GDTRAIN" --resume - --epochs 8 --out resumed.model <ck
expect_status 0 "train --resume -"
run "$GDTRAIN" --data "$DATA" --opt sgd --epochs 8 --out straight.model
same_bytes resumed.model straight.model "--checkpoint - then --resume -"
no_dash_file "the reads"

# One stream, one thing.
# refused DESCRIPTION REGEX ARGS...: exit 2, the message, nothing on stdout, no '-' file.
refused() {
    local what=$1 re=$2
    shift 2
    run "$GDTRAIN" "$@" <"$DATA"
    expect_status 2 "$what"
    expect_err_line "^gdtrain: error: $re" "$what"
    expect_err_lines 2 "$what"
    CHECKS=$((CHECKS + 1))
    [ ! -s "$WORK/out" ] || fail "$what: wrote to standard output"
    no_dash_file "$what"
}
out="would both write to standard output; send one of them to a file"
in="would both read standard input; give one of them a file"
refused "--curve - --json" "--json and --curve - $out" --data "$DATA" --curve - --json
refused "--out - --json" "--json and --out - $out" --data "$DATA" --out - --json
refused "--out - --curve -" "--out - and --curve - $out" --data "$DATA" --out - --curve -
refused "--plot - --curve -" "--curve - and --plot - $out" --data "$DATA" --plot - --curve -
refused "--checkpoint - --out -" "--out - and --checkpoint - $out" --data "$DATA" --out - --checkpoint -
refused "--data - --val -" "--data - and --val - $in" --data - --val -
refused "--data - --init-from -" "--data - and --init-from - $in" --data - --init-from -
refused "--data - --check-curve -" "--data - and --check-curve - $in" --data - --check-curve -
refused "--data - --resume -" "--data - and --resume - $in" --data - --resume -
refused "solve --out - --json" "--json and --out - $out" solve --data "$DATA" --out - --json
refused "predict --model - --data -" "--model - and --data - $in" predict --model - --data -
refused "eval --model - --data -" "--model - and --data - $in" eval --model - --data -
refused "split TRAIN - TEST -" "TRAIN - and TEST - $out" split "$DATA" - -

done_ok
