# gdtrain solve --summary: the summary(lm) table, its JSON, and what the
# model file then carries. The numbers are checked in tests/test_summary.c;
# here, the command line around them.
. "$(dirname "$0")/lib.bash"
# NIST StRD Longley as CSV (data lines 61-76: y x1 .. x6).
awk 'NR >= 61 && NR <= 76 { sub(/\r$/, ""); print $2 "," $3 "," $4 "," $5 "," $6 "," $7 "," $1 }
     NR == 60 { print "x1,x2,x3,x4,x5,x6,y" }' "$SRC/tests/data/nist/Longley.dat" >longley.csv

run "$GDTRAIN" solve --data longley.csv --summary --out l.model
expect_status 0 "solve --summary"
grep -q '^Coefficients:$' out || fail "no table header"
# Certified values to the table's 7 digits.
grep -Eq '^\(Intercept\) +-3482259 +890420\.4 +-3\.911 +0\.00356 \*\*$' out ||
    { cat out >&2; fail "intercept row"; }
grep -Eq '^x4 +-1\.033227 +0\.2142742 +-4\.822 +0\.0009444 \*\*\*$' out || fail "x4 row"
grep -q '^Residual standard error: 304.8541 on 9 degrees of freedom$' out || fail "sigma line"
grep -q '^Multiple R-squared: 0.995479,	Adjusted R-squared: 0.992465$' out || fail "R^2 line"
grep -q '^F-statistic: 330.2853 on 6 and 9 DF,  p-value: 4.984e-10$' out || fail "F line"
[ "$(model_info l.model fit_df)" = 9 ] || fail "fit_df in the model"
[ -n "$(model_info l.model fit_factor_row_6)" ] || fail "the factor in the model"

# --json carries the same, and no table.
run "$GDTRAIN" solve --data longley.csv --summary --json --quiet --out l.model
expect_status 0 "solve --summary --json"
"$JSONCHECK" out >/dev/null || fail "--json is not valid JSON"
grep -q '"summary":{"coefficients":\[{"name":"(Intercept)","estimate":' out || fail "summary in JSON"
grep -q '"f_df1":6,"f_df2":9' out || fail "F's degrees of freedom in JSON"
grep -q 'Coefficients' out && fail "a table in the JSON output"

# A constant and a duplicated column: NA rows that say why.
awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0, "twice", "const"; next }
         { print $0, 2 * $6, 7 }' longley.csv >collinear.csv
run "$GDTRAIN" solve --data collinear.csv --target y --summary --out c.model
expect_status 0 "solve --summary on collinear columns"
grep -Eq '^x6 .* NA +NA +NA  \(not estimable: collinear\)$' out || { cat out >&2; fail "x6 row"; }
grep -Eq '^twice .*\(not estimable: collinear\)$' out || fail "twice row"
grep -Eq '^const .*\(constant column\)$' out || fail "const row"
grep -Eq '^x4 +-1\.033227 +0\.2142742 ' out || fail "x4 keeps its standard error"
[ "$(model_info c.model fit_factor_columns)" = collinear ] || fail "collinear factor not saved"

run "$GDTRAIN" solve --data longley.csv --summary --l2 0.1
expect_status 2 "--summary with --l2"
expect_err_line "^gdtrain: error: --summary is for ordinary least squares" "--l2 message"

done_ok
