# Prediction: one number per row, columns by name, errors for what is missing.
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv

run "$GDTRAIN" --data "$DATA" --out m.model --quiet
expect_status 0 "train"
run "$GDTRAIN" predict --model m.model --data "$DATA"
expect_status 0 "predict"
[ "$(wc -l <out)" -eq 2000 ] || fail "one prediction per row"
cp out pred.txt
# Columns in another order, the target dropped, an extra column: same numbers.
awk -F, 'BEGIN { OFS = "," } { print $7, "extra", $1, $2, $3, $4, $5, $6 }' "$DATA" >shuffled.csv
run "$GDTRAIN" predict --model m.model --data shuffled.csv
expect_status 0 "predict on reordered columns"
cmp -s out pred.txt || fail "column order changes predictions"
run "$GDTRAIN" predict --model m.model --data "$DATA" --out pred2.txt
expect_status 0 "predict --out"
cmp -s pred2.txt pred.txt || fail "--out differs from stdout"
# Predictions are close to the prices (R^2 about 0.89).
paste -d, pred.txt <(tail -n +2 "$DATA" | cut -d, -f8) |
    awk -F, '{ e = $1 - $2; s += e * e; n++ } END { if (sqrt(s / n) > 40000) exit 1 }' ||
    fail "predictions far from the prices"

# A missing feature column.
cut -d, -f1,3- "$DATA" >no_age.csv
run "$GDTRAIN" predict --model m.model --data no_age.csv
expect_status 3 "missing feature"
expect_err_line "^gdtrain: error: no_age.csv:1(:[0-9]+)?: .*age_years" "missing feature message"
# A model file that is not one.
printf 'hello\n' >bad.model
run "$GDTRAIN" predict --model bad.model --data "$DATA"
expect_status 3 "bad model"
expect_err_line '^gdtrain: error: bad.model:1:1: ' "bad model message"
run "$GDTRAIN" predict --model missing.model --data "$DATA"
expect_status 4 "missing model"

done_ok
