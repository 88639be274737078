# SIGINT and SIGTERM during training: stop after the current batch, keep the
# finished epochs of the curve, write no model, leave no temporary files, and
# exit 128 + the signal number. Outside training (gen, predict), a signal
# ends the process after removing the temporary file of the output being
# written. Also --init-from (warm starts).
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv

for sig in INT TERM; do
    code=$((128 + $(kill -l $sig)))
    signal_during_training $sig $sig.csv "$GDTRAIN" --data "$DATA" --opt sgd --batch-size 1 \
        --tol 0 --epochs 1000000 --curve $sig.csv --out $sig.model
    expect_status $code "SIG$sig"
    expect_err_line "^gdtrain: error: interrupted by SIG$sig after epoch [0-9]+; no model was written" "SIG$sig message"
    expect_no_file $sig.model "model after SIG$sig"
    epochs=$(sed -E 's/.*after epoch ([0-9]+);.*/\1/' err)
    [ "$(($(wc -l <$sig.csv) - 1))" -eq "$epochs" ] || fail "SIG$sig: curve rows vs epochs reported"
    awk -F, 'NR > 1 && (NF != 6 || $1 != NR - 1) { exit 1 }' $sig.csv || fail "SIG$sig: torn curve"
done
[ -z "$(ls -A | grep -v -E '^(INT|TERM)\.csv$|^err$|^out$')" ] || fail "files left behind: $(ls -A)"

# A signal while gen or predict writes: no temporary file stays, no output
# appears. (SIGTERM: a script's background job ignores SIGINT, and gdtrain
# leaves an ignored signal ignored.)
# term_while_writing DESCRIPTION OUTPUT CMD...: CMD, in the background,
# gets SIGTERM once its temporary file for OUTPUT exists.
# Under tests/valgrind.sh, $GDTRAIN is a wrapper and the program itself is
# $GDTRAIN.real. Valgrind reports a process that a signal ends for the
# memory it still held, which no exit path freed; these runs end by a
# signal on purpose, so they run the program itself.
KILLED=$GDTRAIN
[ -x "$GDTRAIN.real" ] && KILLED=$GDTRAIN.real
term_while_writing() {
    local what=$1 output=$2 pid waited=0
    shift 2
    "$@" 2>/dev/null &
    pid=$!
    until compgen -G ".$output.tmp*" >/dev/null; do
        kill -0 $pid 2>/dev/null || fail "$what: ended before its temporary file appeared"
        [ $waited -lt 1200 ] || fail "$what: no temporary file within 120 s"
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -TERM $pid
    wait $pid
    STATUS=$?
    expect_status 143 "$what: SIGTERM"
    CHECKS=$((CHECKS + 2))
    [ -z "$(compgen -G ".$output.tmp*")" ] || fail "$what: temporary file left: $(ls -A)"
    [ ! -e "$output" ] || fail "$what: $output appeared"
}
term_while_writing "gen" big.csv "$KILLED" gen --rows 50000000 --out big.csv
"$GDTRAIN" gen --rows 400000 --out rows.csv
run "$GDTRAIN" --data rows.csv --epochs 2 --out rows.model --quiet
expect_status 0 "a model for predict"
cat rows.csv rows.csv rows.csv rows.csv rows.csv rows.csv rows.csv rows.csv rows.csv rows.csv | awk 'NR == 1 || $0 !~ /^area/' >more.csv
term_while_writing "predict" pred.txt "$KILLED" predict --model rows.model --data more.csv --out pred.txt
rm -f rows.csv more.csv rows.model

# Warm start: from a converged model, gd converges at once, to the same optimum.
run "$GDTRAIN" --data "$DATA" --out adam.model --quiet
run "$GDTRAIN" --data "$DATA" --opt gd --init-from adam.model --out warm.model
expect_status 0 "--init-from"
[ "$(model_info warm.model epochs)" -lt 50 ] || fail "a warm start took $(model_info warm.model epochs) epochs"
run "$GDTRAIN" --data "$DATA" --opt gd --out cold.model --quiet
[ "$(model_info cold.model epochs)" -gt 100 ] || fail "the cold start was not slower"
# The model's features must match the data's.
run "$GDTRAIN" --data "$DATA" --features area_sqm,age_years --init-from adam.model
expect_status 3 "--init-from with other features"
expect_err_line "^gdtrain: error: adam.model: the model has 7 features, the data 2" "feature mismatch message"
run "$GDTRAIN" --data "$DATA" --init-from adam.model --init random
expect_status 2 "--init-from with --init"

done_ok
