# Training with --curve, --check-curve and --plot.
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv

run "$GDTRAIN" --data "$DATA" --opt sgd --val-split 0.2 --curve c.csv --plot p.svg --out m.model --quiet
expect_status 0 "--curve --plot"
head -1 c.csv | grep -qx 'epoch,train_loss,val_loss,grad_norm,lr,seconds' || fail "curve header"
epochs=$(model_info m.model epochs)
[ "$(($(wc -l <c.csv) - 1))" -eq "$epochs" ] || fail "one curve row per epoch"
awk -F, 'NR > 1 && (NF != 6 || $1 != NR - 1 || $3 == "") { exit 1 }' c.csv || fail "curve rows"
# The model's training MSE is the curve's lowest train_loss: a mini-batch run
# that stalls keeps its best epoch's weights.
[ "$(model_info m.model stop_reason)" = stalled ] || fail "sgd did not stop on a stall"
awk -F, -v m="$(model_info m.model train_mse)" 'NR > 1 { if ($2 == m) found = 1
        if (min == "" || $2 + 0 < min) min = $2 + 0 }
    END { exit !(found && m + 0 == min) }' c.csv || fail "train_mse is not the best train_loss"
# A full-batch run keeps its last epoch: the last row's train_loss is the
# model's training MSE.
run "$GDTRAIN" --data "$DATA" --opt gd --epochs 30 --curve g.csv --out g.model --quiet
[ "$(tail -1 g.csv | cut -d, -f2)" = "$(model_info g.model train_mse)" ] || fail "last train_loss"
# Deterministic: a second run's curve differs only in the seconds column.
run "$GDTRAIN" --data "$DATA" --opt sgd --val-split 0.2 --curve c2.csv --out m2.model --quiet
cmp -s <(cut -d, -f1-5 c.csv) <(cut -d, -f1-5 c2.csv) || fail "curves differ between runs"
# ... and whatever --threads says (the loss passes add fixed row blocks in a
# fixed order). 50000 rows make 13 blocks, enough for the worker pool.
"$GDTRAIN" gen --rows 50000 --seed 3 --out big.csv
for t in 1 2 3; do
    "$GDTRAIN" --data big.csv --opt adam --tol 0 --epochs 30 --threads $t --curve t$t.csv \
        --out t$t.model --quiet || fail "--threads $t"
done
for t in 2 3; do
    cmp -s <(cut -d, -f1-5 t1.csv) <(cut -d, -f1-5 t$t.csv) || fail "curve with --threads $t differs"
    cmp -s t1.model t$t.model || fail "model with --threads $t differs"
done
# The SVG has a polyline/path per series and the optimum line.
grep -q '<svg' p.svg || fail "not an SVG"
grep -q 'optimum' p.svg || fail "no optimum line"

# --check-curve: same run passes, another fails fast with exit 1 and no model.
run "$GDTRAIN" --data "$DATA" --opt sgd --val-split 0.2 --check-curve c.csv --out ok.model --quiet
expect_status 0 "--check-curve on the same run"
run "$GDTRAIN" --data "$DATA" --opt sgd --val-split 0.2 --seed 5 --check-curve c.csv --out bad.model
expect_status 1 "--check-curve on another run"
expect_err_line '^gdtrain: error: --check-curve: curves differ at epoch 1, column (train_loss|val_loss): ' "difference message"
expect_no_file bad.model "model after a failed check"
# A shorter run is checked over the epochs it ran, and says so; it passes
# only if they agree. A longer run than the reference differs.
run "$GDTRAIN" --data "$DATA" --opt sgd --val-split 0.2 --epochs 3 --check-curve c.csv --out short.model
expect_status 0 "--check-curve on a shorter run"
last=$(tail -n 1 c.csv | cut -d, -f1)
expect_err_line "^  --check-curve: epochs 1 to 3 agree with c\.csv, which goes on to epoch $last; the rest was not compared$" \
    "the prefix note"
expect_file short.model "model after a checked prefix"
run "$GDTRAIN" --data "$DATA" --opt sgd --val-split 0.2 --seed 5 --epochs 3 --check-curve c.csv --out short2.model
expect_status 1 "--check-curve on a shorter run that differs"
expect_err_line '^gdtrain: error: --check-curve: curves differ at epoch 1, ' "the prefix's difference"
expect_no_file short2.model "model after a failed prefix check"
run "$GDTRAIN" --data "$DATA" --opt sgd --val-split 0.2 --epochs "$((last + 2))" --tol 0 --check-curve c.csv --out long.model
expect_status 1 "--check-curve on a longer run"
expect_err_line "epoch $((last + 1)) is in this run but not in c\.csv" "length message"
expect_no_file long.model "model after a longer run"
# Tolerances: a slightly different rate passes a loose check.
run "$GDTRAIN" --data "$DATA" --opt gd --tol 0 --epochs 20 --curve g.csv --out g.model --quiet
run "$GDTRAIN" --data "$DATA" --opt gd --tol 0 --epochs 20 --lr 0.1000001 --check-curve g.csv --out g2.model --quiet
expect_status 1 "--check-curve with default rtol"
run "$GDTRAIN" --data "$DATA" --opt gd --tol 0 --epochs 20 --lr 0.1000001 --check-curve g.csv --rtol 1e-4 --out g2.model --quiet
expect_status 0 "--check-curve with --rtol 1e-4"
# A malformed reference is bad input.
printf 'epoch,train_loss,val_loss\n1,abc,\n' >broken.csv
run "$GDTRAIN" --data "$DATA" --check-curve broken.csv
expect_status 3 "malformed reference"
expect_err_line '^gdtrain: error: broken.csv:2:3: ' "malformed reference message"

# A killed run leaves every finished epoch on disk, each line complete.
signal_during_training KILL killed.csv "$GDTRAIN" --data "$DATA" --opt sgd --batch-size 1 \
    --tol 0 --epochs 100000 --curve killed.csv --out killed.model --quiet
expect_status 137 "SIGKILL"
[ "$(wc -l <killed.csv)" -ge 2 ] || fail "nothing streamed before the kill"
awk -F, 'NR > 1 && (NF != 6 || $1 != NR - 1) { exit 1 }' killed.csv || fail "a torn curve row"
expect_no_file killed.model "model of a killed run"

# Output errors: exit 4.
run "$GDTRAIN" --data "$DATA" --curve no/such/dir/c.csv
expect_status 4 "curve in a missing folder"
if [ -c /dev/full ]; then
    run "$GDTRAIN" --data "$DATA" --curve /dev/full
    expect_status 4 "curve on a full disk"
fi

done_ok
