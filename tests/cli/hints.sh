# Hints for the usual slips: a mistyped or foreign option name, a mistyped
# subcommand, a data file without --data, data piped in without --data -,
# and a value after a flag. And each subcommand's --help lists the exit
# codes it can return, not the others'.
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv

# hint DESCRIPTION EXPECTED-MESSAGE ARGS...: exit 2, the message exactly, the --help line.
hint() {
    local what=$1 message=$2
    shift 2
    run "$GDTRAIN" "$@" </dev/null
    expect_status 2 "$what"
    CHECKS=$((CHECKS + 1))
    [ "$(head -n 1 "$WORK/err")" = "gdtrain: error: $message" ] ||
        { cat "$WORK/err" >&2; fail "$what: expected 'gdtrain: error: $message'"; }
    expect_err_lines 2 "$what"
}
hint "--epoch" "unknown option '--epoch' (did you mean '--epochs'?)" --data "$DATA" --epoch 5
hint "--learning-rate" "unknown option '--learning-rate' (did you mean '--lr'?)" \
    --data "$DATA" --learning-rate 0.1
hint "--learning_rate" "unknown option '--learning_rate' (did you mean '--lr'?)" \
    --data "$DATA" --learning_rate 0.1
hint "--optimizer" "unknown option '--optimizer' (did you mean '--opt'?)" --data "$DATA" --optimizer sgd
hint "--batch" "unknown option '--batch' (did you mean '--batch-size'?)" --data "$DATA" --batch 8
hint "--nestrov" "unknown option '--nestrov' (did you mean '--nesterov'?)" --data "$DATA" --nestrov
hint "--batch_size" "unknown option '--batch_size' (did you mean '--batch-size'?)" --data "$DATA" --batch_size 8
hint "--modle" "unknown option '--modle' (did you mean '--model'?)" predict --modle m --data "$DATA"
hint "nothing close" "unknown option '--frobnicate'" --data "$DATA" --frobnicate
hint "one dash" "unknown option '-lr' (did you mean '--lr'?)" --data "$DATA" -lr 0.1
hint "one dash, mistyped" "unknown option '-epoch' (did you mean '--epochs'?)" --data "$DATA" -epoch 3
hint "unknown short option" "unknown option '-x'" --data "$DATA" -x
# An alias is offered only where the subcommand has the option.
hint "alias elsewhere" "unknown option '--learning-rate'" gen --learning-rate 0.1
hint "file as subcommand" "unknown subcommand 'houses.csv' (did you mean '--data houses.csv'?)" houses.csv
: >prices
hint "existing file as subcommand" "unknown subcommand 'prices' (did you mean '--data prices'?)" prices
: >plots
hint "existing file, close to a subcommand" "unknown subcommand 'plots' (did you mean '--data plots'?)" plots
hint "close to a subcommand" "unknown subcommand 'plt' (did you mean 'plot'?)" plt
hint "mistyped subcommand" "unknown subcommand 'predcit' (did you mean 'predict'?)" predcit --model m
hint "curvediff" "unknown subcommand 'curvediff' (did you mean 'curve-diff'?)" curvediff a b
hint "unrelated word" \
    "unknown subcommand 'fly' (the subcommands are: train, predict, solve, eval, sweep, cache, split, gen, curve-diff, plot)" fly
hint "file after options" "unexpected argument 'houses.csv' (did you mean '--data houses.csv'?)" \
    --opt adam houses.csv
hint "file after --data" "unexpected argument 'more.csv'" --data "$DATA" more.csv
hint "a number is no file" "unexpected argument '0.2'" --data "$DATA" --lr 0.1 0.2
hint "predict file" "unexpected argument 'new.csv' (did you mean '--data new.csv'?)" \
    predict --model m new.csv
hint "value after a flag" "unexpected argument '0.9' ('--nesterov' takes no value)" \
    --data "$DATA" --opt sgd --momentum 0.5 --nesterov 0.9

# Data piped in but no --data: the message says that '--data -' reads it.
# With standard input on a terminal (a pseudo-terminal from script(1)) it
# does not.
command -v script >/dev/null 2>&1 || fail "script(1) is needed for a terminal"
script -qec "'$GDTRAIN' --opt adam" tty.log >/dev/null 2>&1
CHECKS=$((CHECKS + 1))
grep -q "no training data: give --data FILE" tty.log || fail "on a terminal: $(cat tty.log)"
grep -q "data -" tty.log && fail "on a terminal, the --data - hint: $(cat tty.log)"
run "$GDTRAIN" --opt adam <"$DATA"
expect_status 2 "training data piped in without --data"
expect_err_line "^gdtrain: error: no training data: give --data FILE \(standard input is not a terminal: to read it, give --data -\)$" \
    "the --data - hint"
for sub in solve "predict --model m" "eval --model m"; do
    # shellcheck disable=SC2086 # sub is a subcommand and its words
    run "$GDTRAIN" $sub <"$DATA"
    expect_status 2 "$sub with data piped in"
    expect_err_line "give --data -\)$" "$sub: the --data - hint"
done
run "$GDTRAIN" predict --data "$DATA" <"$DATA"
expect_status 2 "predict without --model"
CHECKS=$((CHECKS + 1))
grep -q "data -" "$WORK/err" && fail "predict: --data was given, yet the --data - hint"
# And with --data -, the piped data trains.
run "$GDTRAIN" --data - --opt gd --out piped.model <"$DATA"
expect_status 0 "--data - reads standard input"

# exit_codes SUBCOMMAND CODES...: the Exit status list of its --help, exactly.
exit_codes() {
    local sub=$1
    shift
    run "$GDTRAIN" $sub --help
    expect_status 0 "$sub --help"
    local got
    got=$(sed -n '/^Exit status:/,/^$/p' "$WORK/out" | sed -nE 's/^  ([0-9]+(, [0-9]+)*)  .*/\1/p' |
          tr -d ',' | tr '\n' ' ' | sed 's/ *$//')
    CHECKS=$((CHECKS + 1))
    [ "$got" = "$*" ] || { cat "$WORK/out" >&2; fail "$sub --help lists exit codes '$got', expected '$*'"; }
}
exit_codes train 0 1 2 3 4 130 143
exit_codes "" 0 1 2 3 4 130 143
exit_codes predict 0 2 3 4
exit_codes eval 0 2 3 4
exit_codes solve 0 2 3 4
exit_codes split 0 2 3 4
exit_codes gen 0 2 4
exit_codes curve-diff 0 1 2 3 4
exit_codes plot 0 2 3 4
exit_codes cache 0 2 3 4

# The README's table of exit statuses lists the codes gdtrain --help lists.
readme_codes=$(sed -n '/^## Exit status/,/^## /p' "$SRC/README.md" |
               sed -nE 's/^\| ([0-9]+(, [0-9]+)*) \|.*/\1/p' | tr -d ',' | tr '\n' ' ' | sed 's/ *$//')
CHECKS=$((CHECKS + 1))
[ "$readme_codes" = "0 1 2 3 4 130 143" ] ||
    fail "README's exit status table lists '$readme_codes', gdtrain --help '0 1 2 3 4 130 143'"

done_ok
