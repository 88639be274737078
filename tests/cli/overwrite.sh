# No command writes over a file it reads: an output option that names one
# of the run's inputs (by any spelling: the same path, another relative
# path, a hard link) is a usage error (exit 2) naming both, and the input is
# left as it was; so are two outputs that are one file (existing or not).
# A checkpoint may go where --resume read it.
. "$(dirname "$0")/lib.bash"
cp "$SRC/data/houses.csv" d.csv
cp d.csv pristine.csv
mkdir sub
ln d.csv sub/link.csv

# refused DESCRIPTION OUTPUT_OPTION INPUT_OPTION CMD...: CMD was refused,
# the message names both options, and d.csv is untouched.
refused() {
    local what=$1 out=$2 in=$3
    shift 3
    run "$@"
    expect_status 2 "$what"
    expect_err_line "^gdtrain.*: $out [^ ]+ is the file that $in reads: writing it would replace that file; name another$" \
        "$what: the message"
    CHECKS=$((CHECKS + 1))
    cmp -s d.csv pristine.csv || fail "$what: d.csv was changed"
}

refused "train --out the data" --out --data "$GDTRAIN" --data d.csv --out d.csv
refused "train --out the data, spelled ./" --out --data "$GDTRAIN" --data d.csv --out ./d.csv
refused "train --out a hard link to the data" --out --data "$GDTRAIN" --data d.csv --out sub/link.csv
refused "train --curve the data" --curve --data "$GDTRAIN" --data d.csv --curve d.csv --out m.model
refused "train --plot the validation file" --plot --val \
    "$GDTRAIN" --data "$SRC/data/houses.csv" --val d.csv --plot d.csv --out m.model
refused "train --checkpoint the data" --checkpoint --data \
    "$GDTRAIN" --data d.csv --checkpoint d.csv --epochs 3 --out m.model
expect_no_file m.model

run "$GDTRAIN" --data d.csv --out m.model --epochs 20 --quiet
expect_status 0 "a model to predict with"
refused "predict --out the data" --out --data "$GDTRAIN" predict --model m.model --data d.csv --out d.csv
cp m.model m_before.model
run "$GDTRAIN" predict --model m.model --data d.csv --out m.model
expect_status 2 "predict --out the model"
expect_err_line "--out m\.model is the file that --model reads" "predict --out the model: the message"
CHECKS=$((CHECKS + 1))
cmp -s m.model m_before.model || fail "predict --out the model: the model was changed"
refused "solve --out the data" --out --data "$GDTRAIN" solve --data d.csv --out d.csv
refused "split TEST the input" TEST IN "$GDTRAIN" split d.csv train.csv d.csv
expect_no_file train.csv
refused "sweep --results the data" --results --data \
    "$GDTRAIN" sweep --data d.csv --lr 0.1,0.2 --epochs 2 --results d.csv

# sweep: its per-run files in --curves and --models, and --init-from.
mkdir runs
cp d.csv runs/run-1.csv
run "$GDTRAIN" sweep --data runs/run-1.csv --opt gd,adam --epochs 2 --curves runs -q --out s.model
expect_status 2 "sweep --curves over the data"
expect_err_line "--curves runs/run-1\.csv is the file that --data reads" "sweep --curves: the message"
CHECKS=$((CHECKS + 1))
cmp -s runs/run-1.csv d.csv || fail "sweep --curves replaced the data"
cp m.model init.model
run "$GDTRAIN" sweep --data d.csv --opt gd,adam --epochs 2 --init-from init.model --out init.model -q
expect_status 2 "sweep --out over --init-from"
expect_err_line "--out init\.model is the file that --init-from reads" "sweep --init-from: the message"
CHECKS=$((CHECKS + 1))
cmp -s init.model m.model || fail "sweep --out replaced the --init-from model"

# Two outputs that are one file: the second would replace the first.
run "$GDTRAIN" --data d.csv --epochs 3 --out two.model --curve ./two.model
expect_status 2 "train --out and --curve one file"
expect_err_line "--out two\.model and --curve \./two\.model are one file: one would replace the other; name two files$" \
    "train --out and --curve one file: the message"
expect_no_file two.model
run "$GDTRAIN" split d.csv part.csv sub/../part.csv
expect_status 2 "split TRAIN and TEST one file (not there yet)"
expect_err_line "TRAIN part\.csv and TEST sub/\.\./part\.csv are one file" "split one file: the message"
expect_no_file part.csv
run "$GDTRAIN" sweep --data d.csv --opt gd,adam --epochs 2 --results r.csv --plot r.csv -q
expect_status 2 "sweep --results and --plot one file"

"$GDTRAIN" --data d.csv --epochs 5 --curve c.csv --out m.model --quiet || fail "a curve to plot"
cp c.csv c_before.csv
run "$GDTRAIN" plot c.csv --out c.csv
expect_status 2 "plot --out its curve"
expect_err_line "--out c\.csv is the file that CURVE reads" "plot --out its curve: the message"
CHECKS=$((CHECKS + 1))
cmp -s c.csv c_before.csv || fail "plot --out its curve: the curve was changed"

# A checkpoint saved where --resume read it: the run goes on saving there.
run "$GDTRAIN" --data d.csv --epochs 5 --checkpoint ck.txt --out m.model --quiet
expect_status 0 "a checkpoint"
run "$GDTRAIN" --resume ck.txt --epochs 10 --checkpoint ck.txt --out m.model --quiet
expect_status 0 "--checkpoint where --resume read"
CHECKS=$((CHECKS + 1))
grep -q '^epoch 10$' ck.txt || fail "the checkpoint was not saved again at epoch 10: $(grep '^epoch' ck.txt)"
# Outputs that name no input, and standard output, are fine.
run "$GDTRAIN" --data d.csv --epochs 3 --out - --quiet
expect_status 0 "--out - with --data d.csv"
done_ok
