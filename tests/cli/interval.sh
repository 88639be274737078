# gdtrain predict --interval: confidence and prediction intervals against
# 50-digit references (tests/data/interval_reference.csv, made by
# tests/interval_reference.py with mpmath), to 1e-9 relative; and models
# that cannot give them.
. "$(dirname "$0")/lib.bash"
REF=$SRC/tests/data/interval_reference.csv
awk 'NR >= 61 && NR <= 76 { sub(/\r$/, ""); print $2 "," $3 "," $4 "," $5 "," $6 "," $7 "," $1 }
     NR == 60 { print "x1,x2,x3,x4,x5,x6,y" }' "$SRC/tests/data/nist/Longley.dat" >longley.csv

run "$GDTRAIN" solve --data "$SRC/data/houses.csv" --out houses.model --quiet
expect_status 0 "solve houses"
run "$GDTRAIN" solve --data longley.csv --out longley.model --quiet
expect_status 0 "solve longley"

for case in houses longley; do
    for level in 0.95 0.9; do
        for kind in confidence prediction; do
            run "$GDTRAIN" predict --model $case.model --data "$SRC/tests/data/interval_rows_$case.csv" \
                --interval $kind --level $level
            expect_status 0 "predict --interval $kind --level $level ($case)"
            [ "$(head -n 1 out)" = "fit,lower,upper" ] || fail "header"
            awk -F, -v c=$case -v l=$level -v k=$kind '
                NR == FNR { if ($1 == c && $2 == l && $3 == k) { f[$4] = $5; lo[$4] = $6; hi[$4] = $7; n++ } next }
                FNR == 1 { next }
                function off(got, want) { d = got - want; if (d < 0) d = -d; w = want < 0 ? -want : want; return d > 1e-9 * w }
                { r = FNR - 1; seen++
                  if (off($1, f[r]) || off($2, lo[r]) || off($3, hi[r])) {
                      printf "row %d: %s,%s,%s vs %s,%s,%s\n", r, $1, $2, $3, f[r], lo[r], hi[r] > "/dev/stderr"; bad = 1 } }
                END { if (bad || seen != n || n == 0) exit 1 }' "$REF" out ||
                fail "$case $kind $level: intervals differ from the reference"
            CHECKS=$((CHECKS + 1))
        done
    done
done

# Without --interval, predictions are unchanged: the fit column.
run "$GDTRAIN" predict --model houses.model --data "$SRC/tests/data/interval_rows_houses.csv"
cp out plain
run "$GDTRAIN" predict --model houses.model --data "$SRC/tests/data/interval_rows_houses.csv" -i confidence
cmp -s plain <(tail -n +2 out | cut -d, -f1) || fail "the fit column differs from plain predictions"

# Models without the statistics load and say why.
run "$GDTRAIN" train --data "$SRC/data/houses.csv" --out trained.model --quiet
run "$GDTRAIN" predict --model trained.model --data "$SRC/data/houses.csv" --interval confidence
expect_status 3 "a trained model"
expect_err_line "^gdtrain: error: trained.model: this model cannot give intervals: it carries no fit statistics" "trained model message"
expect_no_file out.csv "nothing written"
run "$GDTRAIN" predict --model trained.model --data "$SRC/data/houses.csv"
expect_status 0 "the same model predicts"
run "$GDTRAIN" solve --data "$SRC/data/houses.csv" --l2 0.1 --out ridge.model --quiet
run "$GDTRAIN" predict --model ridge.model --data "$SRC/data/houses.csv" --interval prediction
expect_status 3 "a ridge model"
awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0, "twice"; next } { print $0, 2 * $1 }' \
    "$SRC/data/houses.csv" >collinear.csv
run "$GDTRAIN" solve --data collinear.csv --target price --out collinear.model --quiet
run "$GDTRAIN" predict --model collinear.model --data collinear.csv --interval confidence
expect_status 3 "a collinear model"
expect_err_line "features are collinear" "collinear message"

run "$GDTRAIN" predict --model houses.model --data "$SRC/data/houses.csv" --interval both
expect_status 2 "unknown kind"
run "$GDTRAIN" predict --model houses.model --data "$SRC/data/houses.csv" --level 0.9
expect_status 2 "--level without --interval"
run "$GDTRAIN" predict --model houses.model --data "$SRC/data/houses.csv" -i confidence --level 1
expect_status 2 "--level 1"

done_ok
