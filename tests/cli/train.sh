# Training from the command line: the quick-start job, determinism, column
# selection, stopping, divergence, and that output files are never
# half-written.
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv

run "$GDTRAIN" --data "$DATA" --opt adam
expect_status 0 "quick start"
expect_file gdtrain.model "default model path"
expect_err_line '^  price = [0-9.e+]+ [+-] [0-9.e+]+\*area_sqm' "fitted formula"
expect_err_line '^  epochs [0-9]+, stop: converged' "stop reason"
expect_err_line 'R\^2 0\.8[0-9]+' "R^2"
[ ! -s out ] || fail "training printed to stdout"
[ "$(model_info gdtrain.model optimizer)" = adam ] || fail "model info optimizer"
[ "$(model_info gdtrain.model stop_reason)" = converged ] || fail "model info stop_reason"
head -2 gdtrain.model | grep -qx 'gdtrain-model 1' || fail "model header"
[ "$(grep -c '^feature ' gdtrain.model)" -eq 7 ] || fail "7 feature lines"

# The summary's stop line begins with the model file's stop reason where it
# names one: default sgd stalls (a mini-batch run's rule), it does not
# converge by --tol.
run "$GDTRAIN" --data "$DATA" --opt sgd --out sgd.model
expect_status 0 "sgd"
[ "$(model_info sgd.model stop_reason)" = stalled ] || fail "sgd's stop_reason: $(model_info sgd.model stop_reason)"
expect_err_line '^  epochs [0-9]+, stop: stalled: the best loss improved by less than 1e-05' "sgd's stop line"

# 'train' is the default subcommand; runs are bit-reproducible.
run "$GDTRAIN" train --data "$DATA" --opt adam --out again.model
expect_status 0 "train subcommand"
cmp -s gdtrain.model again.model || fail "same run twice gives different model files"
for opt in gd sgd rmsprop; do
    run "$GDTRAIN" --data "$DATA" --opt $opt --out $opt-1.model
    expect_status 0 "$opt"
    run "$GDTRAIN" --data "$DATA" --opt $opt --out $opt-2.model
    cmp -s $opt-1.model $opt-2.model || fail "$opt is not reproducible"
done
# A different seed shuffles differently.
run "$GDTRAIN" --data "$DATA" --opt sgd --seed 7 --out sgd-7.model
cmp -s sgd-1.model sgd-7.model && fail "--seed has no effect on sgd"

# Block-wise shuffling: recorded; with 4096 rows or fewer there is one
# block, so the order, and the model, are those of row shuffling.
run "$GDTRAIN" --data "$DATA" --opt sgd --shuffle blocks --out sgd-blocks.model
expect_status 0 "--shuffle blocks"
grep -qx 'info shuffle blocks' sgd-blocks.model || fail "--shuffle blocks not recorded"
cmp -s <(grep -v '^info shuffle' sgd-1.model) <(grep -v '^info shuffle' sgd-blocks.model) ||
    fail "--shuffle blocks on one block differs from --shuffle rows"

# Standard input.
run "$GDTRAIN" --data - --out stdin.model <"$DATA"
expect_status 0 "--data -"
diff <(grep '^feature' gdtrain.model) <(grep '^feature' stdin.model) >/dev/null ||
    fail "stdin gives another model"

# Columns by name, in any order.
run "$GDTRAIN" --data "$DATA" --target area_sqm --features "garage, price,age_years" --out cols.model
expect_status 0 "--target/--features"
[ "$(awk '$1 == "feature" { printf "%s ", $6 }' cols.model)" = "garage price age_years " ] ||
    fail "feature order: $(grep '^feature' cols.model)"
grep -qx 'target area_sqm' cols.model || fail "target name"

# --tol 0 runs exactly --epochs epochs.
run "$GDTRAIN" --data "$DATA" --opt sgd --tol 0 --epochs 7 --out seven.model
expect_status 0 "--tol 0"
[ "$(model_info seven.model epochs)" = 7 ] || fail "--tol 0 --epochs 7 ran $(model_info seven.model epochs)"
[ "$(model_info seven.model stop_reason)" = max_epochs ] || fail "stop reason max_epochs"

# --strict: not converging within the limit is a failure (the model is kept).
run "$GDTRAIN" --data "$DATA" --epochs 3 --strict --out strict.model
expect_status 1 "--strict"
expect_err_line '^gdtrain: error: did not converge within 3 epochs' "--strict message"
run "$GDTRAIN" --data "$DATA" --epochs 3 --out lax.model
expect_status 0 "no --strict"
expect_err_line '^gdtrain: warning: did not converge within 3 epochs' "not converged warning"

# Divergence: exit 1, a hint about --lr, and no model file.
run "$GDTRAIN" --data "$DATA" --opt gd --lr 100 --out diverged.model
expect_status 1 "divergence"
expect_err_line '^gdtrain: error: training diverged at epoch [0-9]+.*smaller --lr' "divergence message"
expect_no_file diverged.model "model after divergence"

# --quiet prints nothing on success.
run "$GDTRAIN" --data "$DATA" --quiet --out quiet.model
expect_status 0 "--quiet"
[ ! -s err ] || fail "--quiet printed: $(cat err)"

# Nothing half-written: a missing folder, a bad input over an existing model,
# a full disk.
run "$GDTRAIN" --data "$DATA" --out no/such/folder/m.model
expect_status 4 "missing folder"
expect_err_line '^gdtrain: error: no/such/folder/m.model: ' "missing folder message"
expect_no_file no "folder created"
# The files written at the end (--out, --plot, --checkpoint) are checked
# before training: no epoch runs (the curve, opened after that check, is
# never made), nothing is written, and no JSON claims a run.
for bad in "--out no/such/m.model" "--plot no/such/p.svg" "--checkpoint no/such/c.ckpt"; do
    read -r -a B <<<"$bad"
    run "$GDTRAIN" --data "$DATA" --out early.model "${B[@]}" --curve early.csv --json
    expect_status 4 "$bad"
    expect_err_line "^gdtrain: error: ${B[1]}: cannot create a temporary file in folder 'no/such'" "$bad message"
    expect_no_file early.csv "$bad: training began (the curve)"
    expect_no_file early.model "$bad: the model was written"
    [ ! -s out ] || fail "$bad: printed JSON of a run that never trained: $(cat out)"
done
cp gdtrain.model keep.model
printf 'a,b\n1,2\n3,x\n' >bad.csv
run "$GDTRAIN" --data bad.csv --out keep.model
expect_status 3 "bad data"
cmp -s gdtrain.model keep.model || fail "an existing model was changed by a failed run"
if [ -c /dev/full ]; then
    run "$GDTRAIN" --data "$DATA" --out /dev/full
    expect_status 4 "/dev/full"
    expect_err_line '^gdtrain: error: /dev/full: .*No space left on device' "/dev/full message"
    [ -c /dev/full ] || fail "/dev/full is no longer a device"
fi
# A read-only folder: the model there cannot be replaced and stays as it
# was. Root writes anywhere through its CAP_DAC_OVERRIDE capability, so as
# root the run is made without it: still root, the owner of everything here
# (and of the Valgrind logs when tests/valgrind.sh wraps gdtrain), but held
# to the folder's mode like any owner.
mkdir ro
cp keep.model ro/m.model
chmod 555 ro
as_owner=()
[ "$(id -u)" -ne 0 ] || as_owner=(setpriv --bounding-set=-dac_override,-dac_read_search)
run "${as_owner[@]}" "$GDTRAIN" --data "$DATA" --out ro/m.model
expect_status 4 "read-only folder"
expect_err_line '^gdtrain: error: ro/m\.model: .*Permission denied' "read-only folder message"
cmp -s ro/m.model keep.model || fail "the model in a read-only folder was changed"
[ "$(ls -A ro)" = m.model ] || fail "files left in the read-only folder: $(ls -A ro)"
chmod 755 ro
[ -z "$(ls -A | grep '\.tmp')" ] || fail "temporary files left: $(ls -A)"

done_ok
