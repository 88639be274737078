# gdtrain eval: metrics of a model on labelled data, their agreement with
# what training recorded and with hand-computed values, the JSON line, and
# the errors.
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv

# json_field KEY: the value of "KEY" in the one-line JSON object in $WORK/out
# (numbers, null, or a string's raw text).
json_field() {
    sed -n 's/.*"'"$1"'":\("[^"]*"\|[^,}]*\).*/\1/p' "$WORK/out"
}


# is_json: out is one valid JSON value (the project's strict checker).
[ -x "${JSONCHECK:-}" ] || fail "JSONCHECK is not set to the jsoncheck tool"
is_json() {
    CHECKS=$((CHECKS + 1))
    [ "$(wc -l <"$WORK/out")" -eq 1 ] || fail "$1: not one line"
    "$JSONCHECK" "$WORK/out" >/dev/null || fail "$1: not valid JSON: $(cat "$WORK/out")"
}

# --- on the training data, eval reproduces what training recorded
run "$GDTRAIN" --data "$DATA" --out m.model --quiet
expect_status 0 "train"
run "$GDTRAIN" eval --model m.model --data "$DATA" --json
expect_status 0 "eval --json"
is_json "eval --json"
expect_err_line '^gdtrain: eval of m\.model on .*houses\.csv: 2000 rows' "summary line"
expect_err_line '^  MSE [0-9.e+]+, RMSE [0-9.e+]+, MAE [0-9.e+]+, R\^2 0\.[0-9]+$' "metrics line"
[ "$(json_field command)" = '"eval"' ] || fail "command field"
[ "$(json_field model)" = '"m.model"' ] || fail "model field"
[ "$(json_field rows)" = 2000 ] || fail "rows field: $(json_field rows)"
mse=$(json_field mse)
close "$mse" "$(model_info m.model train_mse)" 1e-9 "eval MSE vs info train_mse"
# R^2 = 1 - MSE / MSE of predicting the mean (constant_mse in the model).
r2=$(json_field r2)
close "$r2" "$(awk -v m="$mse" -v c="$(model_info m.model constant_mse)" 'BEGIN { printf "%.17g", 1 - m / c }')" 1e-9 "R^2"
close "$(json_field rmse)" "$(awk -v m="$mse" 'BEGIN { printf "%.17g", sqrt(m) }')" 1e-12 "RMSE"
# MAE from the predictions, summed by awk.
mae=$(json_field mae)
run "$GDTRAIN" predict --model m.model --data "$DATA"
expect_status 0 "predict"
want_mae=$(paste -d, "$WORK/out" <(tail -n +2 "$DATA" | cut -d, -f8) |
    awk -F, '{ e = $1 - $2; s += e < 0 ? -e : e; n++ } END { printf "%.17g", s / n }')
close "$mae" "$want_mae" 1e-9 "MAE vs predictions"

# Without --json: nothing on stdout.
run "$GDTRAIN" eval --model m.model --data "$DATA"
expect_status 0 "eval"
CHECKS=$((CHECKS + 1))
[ ! -s "$WORK/out" ] || fail "eval without --json wrote to stdout"

# Columns by name: reordered, an extra column, another delimiter, stdin.
awk -F, 'BEGIN { OFS = ";" } { print $8, "extra", $7, $1, $2, $3, $4, $5, $6 }' "$DATA" >reordered.csv
run "$GDTRAIN" eval --model m.model --data reordered.csv --delimiter ';' --json
expect_status 0 "eval reordered"
close "$(json_field mse)" "$mse" 1e-15 "reordered columns"
run "$GDTRAIN" eval --model m.model --data - --json <"$DATA"
expect_status 0 "eval from stdin"
close "$(json_field mse)" "$mse" 1e-15 "stdin"

# --- hand-computed metrics: y = 2x + 1 fitted exactly on three rows, then
# scored on four: errors 0, 0, 0, -3 -> MSE 9/4, RMSE 3/2, MAE 3/4; the mean
# of y is 4.75, SST = 3.75^2 + 1.75^2 + 0.25^2 + 5.25^2 = 44.75,
# R^2 = 1 - 9/44.75 = 1 - 36/179.
printf 'x,y\n0,1\n1,3\n2,5\n' >line.csv
printf 'x,y\n0,1\n1,3\n2,5\n3,10\n' >line4.csv
run "$GDTRAIN" solve --data line.csv --out line.model --quiet
expect_status 0 "solve line"
run "$GDTRAIN" eval --model line.model --data line4.csv --json
expect_status 0 "eval line"
is_json "eval line"
[ "$(json_field rows)" = 4 ] || fail "rows 4"
close "$(json_field mse)" 2.25 1e-12 "hand MSE"
close "$(json_field rmse)" 1.5 1e-12 "hand RMSE"
close "$(json_field mae)" 0.75 1e-12 "hand MAE"
close "$(json_field r2)" "$(awk 'BEGIN { printf "%.17g", 1 - 36 / 179 }')" 1e-12 "hand R^2"

# A constant target in the data: R^2 is undefined -> n/a and null.
printf 'x,y\n0,7\n1,7\n5,7\n' >const.csv
run "$GDTRAIN" eval --model line.model --data const.csv --json
expect_status 0 "eval constant target"
is_json "eval constant target"
[ "$(json_field r2)" = null ] || fail "R^2 of a constant target: $(json_field r2), expected null"
# errors -6, -4, 4: MSE 68/3, MAE 14/3
close "$(json_field mse)" "$(awk 'BEGIN { printf "%.17g", 68 / 3 }')" 1e-12 "constant-target MSE"
close "$(json_field mae)" "$(awk 'BEGIN { printf "%.17g", 14 / 3 }')" 1e-12 "constant-target MAE"
expect_err_line 'R\^2 n/a' "constant target summary"
# One row is a constant target too.
printf 'x,y\n4,9\n' >one.csv
run "$GDTRAIN" eval --model line.model --data one.csv --json
expect_status 0 "eval one row"
expect_err_line '^gdtrain: eval of line\.model on one\.csv: 1 row, ' "one row, singular"
[ "$(json_field r2)" = null ] || fail "R^2 of one row"
close "$(json_field mse)" 0 0 "one row on the line: MSE 0"

# --- bad data
cut -d, -f1-7 "$DATA" >no_target.csv
run "$GDTRAIN" eval --model m.model --data no_target.csv
expect_status 3 "missing target column"
expect_err_line "^gdtrain: error: no_target\.csv:1:[0-9]+: .*'price'" "missing target message"
expect_err_lines 1 "missing target: one line"
cut -d, -f1,3- "$DATA" >no_age.csv
run "$GDTRAIN" eval --model m.model --data no_age.csv
expect_status 3 "missing feature column"
expect_err_line "^gdtrain: error: no_age\.csv:1:[0-9]+: .*'age_years'" "missing feature message"
{ head -n 3 "$DATA"; echo "82.3,67,2,1,15.12,755,1,abc"; } >text.csv
run "$GDTRAIN" eval --model m.model --data text.csv
expect_status 3 "text in the target"
expect_err_line "^gdtrain: error: text\.csv:4:[0-9]+: .*price" "text message"
printf 'hello\n' >bad.model
run "$GDTRAIN" eval --model bad.model --data "$DATA"
expect_status 3 "bad model"
expect_err_line '^gdtrain: error: bad\.model:1:1: ' "bad model message"
run "$GDTRAIN" eval --model missing.model --data "$DATA"
expect_status 4 "missing model"
run "$GDTRAIN" eval --model m.model --data missing.csv
expect_status 4 "missing data"

# --- usage
run "$GDTRAIN" eval
expect_status 2 "no arguments"
expect_err_line "^try 'gdtrain eval --help'" "usage hint"
run "$GDTRAIN" eval --model m.model
expect_status 2 "no --data"
run "$GDTRAIN" eval --data "$DATA"
expect_status 2 "no --model"
run "$GDTRAIN" eval --model m.model --data "$DATA" --frobnicate
expect_status 2 "unknown option"
expect_err_line "unknown option '--frobnicate'" "unknown option message"
run "$GDTRAIN" eval --model m.model --data "$DATA" --delimiter ab
expect_status 2 "bad delimiter"
run "$GDTRAIN" eval --model m.model --data "$DATA" --json=1
expect_status 2 "flag with a value"
run "$GDTRAIN" eval --model m.model --data "$DATA" extra
expect_status 2 "positional argument"
run "$GDTRAIN" eval --help
expect_status 0 "--help"
grep -q -- '--json' "$WORK/out" || fail "--help lists --json"
run "$GDTRAIN" --help
grep -q '^  eval ' "$WORK/out" || fail "main help lists eval"

done_ok
