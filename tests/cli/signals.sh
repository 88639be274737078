# SIGINT and SIGTERM during training: stop after the current batch, keep the
# finished epochs of the curve, write no model, leave no temporary files, and
# exit 128 + the signal number. Also --init-from (warm starts).
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
