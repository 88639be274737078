# Command-line usage: help, version, and every kind of usage error (exit 2).
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv

run "$GDTRAIN" --help
expect_status 0 "--help"
for opt in --data --target --features --out --opt --lr --epochs --batch-size --momentum \
           --nesterov --alpha --beta1 --beta2 --eps --seed --shuffle --init --tol \
           --patience --grad-tol --delimiter --strict; do
    CHECKS=$((CHECKS + 1))
    grep -q -- "$opt" "$WORK/out" || fail "--help does not mention $opt"
done
grep -q "Exit status" "$WORK/out" || fail "--help lacks the exit codes"
for o in gd sgd rmsprop adam; do
    grep -Eq "^  $o " "$WORK/out" || fail "--help does not list optimizer $o"
done
run "$GDTRAIN" train --help
expect_status 0 "train --help"
run "$GDTRAIN" predict --help
expect_status 0 "predict --help"
run "$GDTRAIN" gen --help
expect_status 0 "gen --help"
run "$GDTRAIN" --version
expect_status 0 "--version"
grep -Eq '^gdtrain [0-9]+\.[0-9]+' "$WORK/out" || fail "--version output"

# usage_error DESCRIPTION REGEX ARGS...: exit 2, the message, and the hint.
usage_error() {
    local what=$1 re=$2
    shift 2
    run "$GDTRAIN" "$@"
    expect_status 2 "$what"
    expect_err_line "^gdtrain: error: .*$re" "$what"
    expect_err_line "^try 'gdtrain( [a-z]+)? --help'$" "$what hint"
    expect_err_lines 2 "$what"
}
usage_error "no data" "--data" --opt adam
usage_error "lr abc" "'--lr' expects a positive number, got 'abc'" --data "$DATA" --lr abc
usage_error "lr negative" "--lr" --data "$DATA" --lr -0.1
usage_error "lr zero" "--lr" --data "$DATA" --lr 0
usage_error "lr nan" "--lr" --data "$DATA" --lr nan
usage_error "lr inf" "--lr" --data "$DATA" --lr inf
usage_error "lr hex" "--lr" --data "$DATA" --lr 0x10
usage_error "lr trailing" "--lr" --data "$DATA" --lr 0.1x
usage_error "epochs -3" "'--epochs' expects a positive integer, got '-3'" --data "$DATA" --epochs -3
usage_error "epochs 1.5" "--epochs" --data "$DATA" --epochs 1.5
usage_error "epochs empty" "--epochs" --data "$DATA" --epochs ""
usage_error "batch -1" "--batch-size" --data "$DATA" --batch-size -1
usage_error "momentum 1" "--momentum" --data "$DATA" --opt sgd --momentum 1
usage_error "beta2 1.5" "--beta2" --data "$DATA" --beta2 1.5
usage_error "seed -1" "--seed" --data "$DATA" --seed -1
usage_error "unknown option" "unknown option '--learning-rate'" --data "$DATA" --learning-rate 0.1
usage_error "missing value" "needs a value" --data "$DATA" --lr
usage_error "unknown optimizer" "unknown optimizer 'adamax'.*gd, sgd, rmsprop, adam" --data "$DATA" --opt adamax
usage_error "unknown init" "--init" --data "$DATA" --init ones
usage_error "unknown schedule" "--schedule" --data "$DATA" --schedule wavy
usage_error "nesterov without momentum" "nesterov" --data "$DATA" --opt sgd --nesterov
usage_error "flag with value" "takes no value" --data "$DATA" --nesterov=1
usage_error "unknown shuffle order" "--shuffle' expects \\[rows\\|blocks\\] or nothing, got '1'" \
    --data "$DATA" --shuffle=1
usage_error "unknown shuffle word" "'blockz' \\('--shuffle' takes \\[rows\\|blocks\\] or nothing\\)" \
    --data "$DATA" --shuffle blockz
usage_error "stray argument" "unexpected argument" --data "$DATA" extra
usage_error "bad delimiter" "--delimiter" --data "$DATA" --delimiter ';;'
usage_error "empty feature name" "--features" --data "$DATA" --features "area_sqm,,age_years"
usage_error "unknown subcommand" "unknown subcommand" fly --data "$DATA"
usage_error "predict without model" "--model" predict --data "$DATA"
usage_error "gen bad rows" "--rows" gen --rows ten

done_ok
