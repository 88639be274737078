# train --cv: per-fold validation MSEs against exact least squares on each
# fold (tests/data/cv_reference.csv, made by tests/cv_reference.py with
# numpy), the folds' sizes, shuffled folds, and the final model unchanged.
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv
REF=$SRC/tests/data/cv_reference.csv

for k in 5 3; do
    # gd to a tight tolerance reaches the optimum of each fold's training rows.
    run "$GDTRAIN" --data "$DATA" --opt gd --tol 1e-12 --cv $k --json --out cv.model
    expect_status 0 "--cv $k"
    "$JSONCHECK" out >/dev/null || fail "--json with --cv is not valid JSON"
    expect_err_line "^gdtrain: $k-fold cross-validation \(contiguous folds\)" "report header"
    expect_err_line "^  mean \+- sd over $k folds: MSE " "mean line"
    # One "k fold train val mse" line per fold from the JSON.
    grep -o '"train_rows":[0-9]*,"val_rows":[0-9]*,[^}]*"val_mse":[^,]*' out |
        sed -E 's/"train_rows":([0-9]*),"val_rows":([0-9]*),.*"val_mse":(.*)/\1 \2 \3/' >folds
    [ "$(wc -l <folds)" -eq $k ] || fail "$k folds in the JSON"
    awk -v k=$k -F'[, ]' 'NR == FNR { if ($1 == k) { tr[$2] = $3; va[$2] = $4; mse[$2] = $5 } next }
        { f = FNR; if ($1 != tr[f] || $2 != va[f]) { print "fold " f ": sizes " $1 "/" $2 > "/dev/stderr"; bad = 1 }
          d = ($3 - mse[f]) / mse[f]; if (d < 0) d = -d
          if (d > 1e-6) { printf "fold %d: val MSE %s, reference %s (rel %.3g)\n", f, $3, mse[f], d > "/dev/stderr"; bad = 1 } }
        END { exit bad }' "$REF" folds || fail "--cv $k: per-fold validation MSE off the reference"
    CHECKS=$((CHECKS + 1))
done

# The mean and the population sd of the folds' MSEs, as the JSON says.
awk '{ s += $3; ss += $3 * $3; n++ } END { m = s / n; printf "%.10g %.10g\n", m, sqrt(ss / n - m * m) }' folds >stats
mean=$(grep -o '"val_mse":{"mean":[^,]*' out | sed 's/.*://')
awk -v m="$mean" '{ d = ($1 - m) / m; if (d < 0) d = -d; exit d > 1e-9 }' stats || fail "mean of the folds"

# The final model is the one a run without --cv writes.
run "$GDTRAIN" --data "$DATA" --opt gd --tol 1e-12 --quiet --out plain.model
cmp -s <(grep -v '^info' cv.model) <(grep -v '^info' plain.model) || fail "--cv changed the final model"

# Shuffled folds: the same seed, the same folds; another seed, others.
run "$GDTRAIN" --data "$DATA" --cv 4 --cv-shuffle --seed 3 --quiet --json --out s.model
expect_status 0 "--cv-shuffle"
grep -o '"cv":.*' out | sed 's/"seconds".*//' >cv3
run "$GDTRAIN" --data "$DATA" --cv 4 --cv-shuffle --seed 3 --quiet --json --out s.model
grep -o '"cv":.*' out | sed 's/"seconds".*//' | cmp -s - cv3 || fail "same seed, different folds"
run "$GDTRAIN" --data "$DATA" --cv 4 --cv-shuffle --seed 4 --quiet --json --out s.model
grep -o '"cv":.*' out | sed 's/"seconds".*//' | cmp -s - cv3 && fail "another seed, the same folds"
grep -q '"val_rows":500,' out || fail "four folds of 500 rows"

# Each fold is encoded from its own training rows (tests/cv_fold_encoding.py):
# x's fill under --na mean is the mean of the training rows' present cells
# (20 for fold 1, 2 for fold 2), and a level only the held-out fold has ('a'
# in fold 1, 'z' in fold 2) reads as the training rows' reference level. With
# the fill and levels of all eight rows the MSEs were 199.39 and 1155.4.
printf 'x,c,y\n1,a,3\n2,b,10\nNA,a,7\n3,b,12\n10,b,26\n20,z,41\nNA,z,50\n30,b,64\n' >leak.csv
run "$GDTRAIN" --data leak.csv --na mean --cv 2 --opt gd --tol 0 --epochs 3000 --json --out leak.model
expect_status 0 "--cv on an encoded table"
grep -o '"val_rows":4,[^}]*"val_mse":[^,]*' out | sed 's/.*"val_mse"://' >folds
printf '369.98499999999962\n799.75000000000091\n' | paste - folds |
    awk '{ d = ($2 - $1) / $1; if (d < 0) d = -d; if (d > 1e-6) { print "fold " NR ": " $2 ", reference " $1 > "/dev/stderr"; bad = 1 } }
         END { exit bad || NR != 2 }' || fail "--cv: the folds' encodings are not their training rows' own"
CHECKS=$((CHECKS + 1))
expect_err_line "^gdtrain: warning: 4 held-out rows had a level" "the held-out rows read as the reference level"

# Usage errors.
run "$GDTRAIN" --data "$DATA" --cv 1
expect_status 2 "--cv 1"
run "$GDTRAIN" --data "$DATA" --cv 2001
expect_status 2 "more folds than rows"
run "$GDTRAIN" --data "$DATA" --cv 5 --val-split 0.2
expect_status 2 "--cv with --val-split"
run "$GDTRAIN" --data "$DATA" --cv-shuffle
expect_status 2 "--cv-shuffle alone"
run "$GDTRAIN" --data - --cv 5 <"$DATA"
expect_status 2 "--cv on standard input"

done_ok
