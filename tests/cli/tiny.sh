# Tiny and rank-deficient inputs, end to end: each goes through training and
# 'gdtrain solve' and must have a clear outcome (a model, or a one-line
# error), never NaN or Inf in a model file. Expected weights are derived by
# hand in the comments; where that is impractical, two independent methods
# are compared: gradient descent started at 0 stays in the row space of the
# design and so converges to its minimum-norm solution, which is what solve
# computes by a complete orthogonal decomposition.
. "$(dirname "$0")/lib.bash"

# field FILE KEY [COL]: column COL (default 2) of the line starting with KEY.
field() {
    awk -v k="$2" -v c="${3:-2}" '$1 == k { print $c; exit }' "$1"
}
# weight FILE NAME [COL]: a feature's weight in original units (COL 2) or on
# standardized data (COL 3).
weight() {
    awk -v n="$2" -v c="${3:-2}" '$1 == "feature" && $6 == n { print $c; exit }' "$1"
}

# close A B TOL WHAT: |A - B| <= TOL * max(1, |A|, |B|).
close() {
    CHECKS=$((CHECKS + 1))
    awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN {
        d = a - b; if (d < 0) d = -d
        s = a < 0 ? -a : a; t = b < 0 ? -b : b; if (t > s) s = t; if (s < 1) s = 1
        exit !(a != "" && b != "" && d <= tol * s) }' ||
        fail "$4: $1 vs $2 (tolerance $3)"
}

# sane_model FILE WHAT: the model file exists and has no NaN or Inf in it
# (as words: "info" lines must not match).
sane_model() {
    expect_file "$1" "$2"
    CHECKS=$((CHECKS + 1))
    if grep -Eiq '(^|[^a-z])[-+]?(nan|inf|infinity)([^a-z]|$)' "$1"; then
        grep -Ein '(^|[^a-z])[-+]?(nan|inf|infinity)([^a-z]|$)' "$1" >&2
        fail "$2: NaN or Inf in $1"
    fi
}

# no_nan_output WHAT: neither stdout nor stderr of the last run says nan/inf.
no_nan_output() {
    CHECKS=$((CHECKS + 1))
    ! grep -Eiq '(^|[^a-z])[-+]?(nan|inf|infinity)([^a-z]|$)' "$WORK/out" "$WORK/err" ||
        { cat "$WORK/err" >&2; fail "$1: nan/inf in the output"; }
}

# Runs compared with solve use gd at a constant rate to a gradient norm of
# 1e-13: the default plateau schedule cuts the rate once the loss is flat to
# double precision, which happens while the parameters still move by ~1e-8,
# and its floor then leaves them there.

# converged MODEL WHAT: training stopped because the gradient vanished.
converged() {
    CHECKS=$((CHECKS + 1))
    [ "$(awk '$2 == "stop_reason" { print $3 }' "$1")" = gradient ] ||
        fail "$2: stop_reason $(awk '$2 == "stop_reason" { print $3 }' "$1"), expected gradient"
}

# fit KIND FILE MODEL [FLAGS...]: KIND is train or solve; expects success.
fit() {
    local kind=$1 data=$2 model=$3
    shift 3
    run "$GDTRAIN" "$kind" --data "$data" --out "$model" "$@"
    expect_status 0 "$kind $data"
    no_nan_output "$kind $data"
    sane_model "$model" "$kind $data"
}

# --- one row: every column is constant. Nothing can be learned but the
# target's value: weights 0, intercept 3.
printf 'a,b,y\n1,2,3\n' >one.csv
for kind in train solve; do
    fit "$kind" one.csv one.$kind.model
    expect_err_line "warning: feature 'a' is constant" "one row, $kind: constant warning"
    expect_err_line "warning: the target 'y' is constant" "one row, $kind: target warning"
    close "$(field one.$kind.model intercept)" 3 0 "one row, $kind: intercept"
    close "$(weight one.$kind.model a)" 0 0 "one row, $kind: weight a"
    close "$(weight one.$kind.model b)" 0 0 "one row, $kind: weight b"
    run "$GDTRAIN" predict --model one.$kind.model --data one.csv
    expect_status 0 "one row, $kind: predict"
    close "$(cat "$WORK/out")" 3 0 "one row, $kind: prediction"
    run "$GDTRAIN" eval --model one.$kind.model --data one.csv --json
    expect_status 0 "one row, $kind: eval"
    grep -q '"mse":0,.*"r2":null' "$WORK/out" || fail "one row, $kind: eval $(cat "$WORK/out")"
done

# --- two rows, three features (an underdetermined problem). Standardized,
# a -> (-1, 1), b -> (1, -1), c -> (-1, 1), y -> (-1, 1) (means 1.5, 1.5, 4,
# 15; stds 0.5, 0.5, 1, 5). Every [w, bias] with w_a - w_b + w_c = 1 and
# bias 0 fits exactly; the minimum-norm one is w = (1, -1, 1)/3. In original
# units: weight_j = 5 * w_j / std_j = 10/3, -10/3, 5/3 and the intercept
# 15 - (10/3 * 1.5 - 10/3 * 1.5 + 5/3 * 4) = 25/3.
printf 'a,b,c,y\n1,2,3,10\n2,1,5,20\n' >two.csv
fit solve two.csv two.solve.model
expect_err_line "warning: the features are collinear \(rank 2 of 4\)" "two rows: rank warning"
close "$(weight two.solve.model a 3)" "$(awk 'BEGIN { printf "%.17g", 1 / 3 }')" 1e-12 "two rows: w_std a"
close "$(weight two.solve.model b 3)" "$(awk 'BEGIN { printf "%.17g", -1 / 3 }')" 1e-12 "two rows: w_std b"
close "$(weight two.solve.model c 3)" "$(awk 'BEGIN { printf "%.17g", 1 / 3 }')" 1e-12 "two rows: w_std c"
close "$(weight two.solve.model a)" "$(awk 'BEGIN { printf "%.17g", 10 / 3 }')" 1e-12 "two rows: weight a"
close "$(weight two.solve.model b)" "$(awk 'BEGIN { printf "%.17g", -10 / 3 }')" 1e-12 "two rows: weight b"
close "$(weight two.solve.model c)" "$(awk 'BEGIN { printf "%.17g", 5 / 3 }')" 1e-12 "two rows: weight c"
close "$(field two.solve.model intercept)" "$(awk 'BEGIN { printf "%.17g", 25 / 3 }')" 1e-12 "two rows: intercept"
# Gradient descent from 0 finds the same minimum-norm interpolant.
fit train two.csv two.gd.model --opt gd --tol 0 --grad-tol 1e-13 --schedule constant
converged two.gd.model "two rows, gd"
close "$(weight two.gd.model a 3)" "$(awk 'BEGIN { printf "%.17g", 1 / 3 }')" 1e-9 "two rows, gd: w_std a"
close "$(weight two.gd.model b 3)" "$(awk 'BEGIN { printf "%.17g", -1 / 3 }')" 1e-9 "two rows, gd: w_std b"
close "$(weight two.gd.model c 3)" "$(awk 'BEGIN { printf "%.17g", 1 / 3 }')" 1e-9 "two rows, gd: w_std c"
# The default optimizer: a model, and a fit of the two rows.
fit train two.csv two.train.model
run "$GDTRAIN" eval --model two.train.model --data two.csv --json
expect_status 0 "two rows: eval"
r2=$(sed -n 's/.*"r2":\([^,}]*\).*/\1/p' "$WORK/out")
close "$r2" 1 1e-2 "two rows, default optimizer: R^2"

# --- a duplicated column. a2 = a, so only w_a + w_a2 is determined; the
# minimum-norm solution splits it equally. With a = 1..4, b = 0,1,0,1 and
# y = 2,5,5,9: centred sums S_aa = 5, S_bb = 1, S_ab = 1, S_ay = 10.5,
# S_by = 3.5, so [5 1; 1 1] [alpha; beta] = [10.5; 3.5] gives alpha = 1.75,
# beta = 1.75, intercept 5.25 - 1.75 * 2.5 - 1.75 * 0.5 = 0; the residuals
# are +-0.25, MSE 0.0625. Twins: 0.875 each.
printf 'a,a2,b,y\n1,1,0,2\n2,2,1,5\n3,3,0,5\n4,4,1,9\n' >dup.csv
fit solve dup.csv dup.solve.model
expect_err_line "warning: the features are collinear \(rank 3 of 4\)" "duplicate: rank warning"
close "$(weight dup.solve.model a)" 0.875 1e-12 "duplicate: weight a"
close "$(weight dup.solve.model a2)" 0.875 1e-12 "duplicate: weight a2"
close "$(weight dup.solve.model b)" 1.75 1e-12 "duplicate: weight b"
close "$(field dup.solve.model intercept)" 0 1e-12 "duplicate: intercept"
close "$(awk '$2 == "train_mse" { print $3 }' dup.solve.model)" 0.0625 1e-12 "duplicate: MSE"
# Training gives the twins the same gradient at every step, so their
# weights are equal to the last bit, whatever the optimizer.
for opt in gd adam; do
    fit train dup.csv dup.$opt.model --opt $opt --tol 0 --grad-tol 1e-13 --schedule constant
    CHECKS=$((CHECKS + 1))
    [ "$(weight dup.$opt.model a 3)" = "$(weight dup.$opt.model a2 3)" ] ||
        fail "duplicate, $opt: twins differ: $(weight dup.$opt.model a 3) $(weight dup.$opt.model a2 3)"
done
converged dup.gd.model "duplicate, gd"
close "$(weight dup.gd.model a)" 0.875 1e-9 "duplicate, gd: weight a"
close "$(weight dup.gd.model b)" 1.75 1e-9 "duplicate, gd: weight b"

# --- a constant column: warned about, weight exactly 0; the rest is the
# one-feature fit. a = 1,2,3 (centred -1,0,1), y = 2,4,7 (mean 13/3):
# slope (-2 + 7)/2 = 2.5, intercept 13/3 - 2.5 * 2 = -2/3, MSE 1/18.
printf 'a,k,y\n1,5,2\n2,5,4\n3,5,7\n' >constcol.csv
for kind in train solve; do
    fit "$kind" constcol.csv constcol.$kind.model
    expect_err_line "warning: feature 'k' is constant \(5 in every row\)" "constant column, $kind: warning"
    close "$(weight constcol.$kind.model k)" 0 0 "constant column, $kind: weight k"
    close "$(weight constcol.$kind.model k 3)" 0 0 "constant column, $kind: w_std k"
done
close "$(weight constcol.solve.model a)" 2.5 1e-12 "constant column: weight a"
close "$(field constcol.solve.model intercept)" "$(awk 'BEGIN { printf "%.17g", -2 / 3 }')" 1e-12 "constant column: intercept"
close "$(weight constcol.train.model a)" 2.5 1e-4 "constant column, train: weight a"
close "$(awk '$2 == "train_mse" { print $3 }' constcol.train.model)" "$(awk 'BEGIN { printf "%.17g", 1 / 18 }')" 1e-8 "constant column, train: MSE"

# --- a constant target: every prediction is the constant; R^2 undefined.
printf 'a,b,y\n1,2,4\n2,0,4\n3,5,4\n' >consty.csv
for kind in train solve; do
    fit "$kind" consty.csv consty.$kind.model
    expect_err_line "warning: the target 'y' is constant" "constant target, $kind: warning"
    close "$(field consty.$kind.model intercept)" 4 0 "constant target, $kind: intercept"
    close "$(weight consty.$kind.model a)" 0 0 "constant target, $kind: weight a"
    close "$(weight consty.$kind.model b)" 0 0 "constant target, $kind: weight b"
    run "$GDTRAIN" predict --model consty.$kind.model --data consty.csv
    expect_status 0 "constant target, $kind: predict"
    CHECKS=$((CHECKS + 1))
    [ "$(sort -u "$WORK/out")" = 4 ] || fail "constant target, $kind: predictions $(tr '\n' ' ' <"$WORK/out")"
    run "$GDTRAIN" eval --model consty.$kind.model --data consty.csv --json
    grep -q '"mse":0,.*"r2":null' "$WORK/out" || fail "constant target, $kind: eval $(cat "$WORK/out")"
done

# --- more features than rows: 3 rows, 5 features. Any exact interpolant
# fits; solve's minimum-norm one must equal what gradient descent from 0
# converges to, and both must reproduce y on the rows.
printf 'a,b,c,d,e,y\n1,0,2,5,1,3\n2,1,0,4,0,5\n0,3,1,1,2,4\n' >wide.csv
fit solve wide.csv wide.solve.model
expect_err_line "warning: the features are collinear \(rank 3 of 6\)" "wide: rank warning"
fit train wide.csv wide.gd.model --opt gd --tol 0 --grad-tol 1e-13 --schedule constant
converged wide.gd.model "wide, gd"
for name in a b c d e; do
    close "$(weight wide.gd.model $name 3)" "$(weight wide.solve.model $name 3)" 1e-9 "wide: gd vs solve, w_std $name"
done
close "$(field wide.gd.model bias_std)" "$(field wide.solve.model bias_std)" 1e-9 "wide: gd vs solve, bias"
run "$GDTRAIN" predict --model wide.solve.model --data wide.csv
expect_status 0 "wide: predict"
paste -d, "$WORK/out" <(tail -n +2 wide.csv | cut -d, -f6) >pairs.csv
while IFS=, read -r p y; do close "$p" "$y" 1e-12 "wide: interpolation"; done <pairs.csv
fit train wide.csv wide.train.model

# --- no rows, no features: one-line errors, no model.
printf 'a,y\n' >header_only.csv
printf 'y\n1\n2\n' >target_only.csv
for f in header_only target_only; do
    for kind in train solve; do
        run "$GDTRAIN" "$kind" --data $f.csv --out $f.$kind.model
        expect_status 3 "$f, $kind"
        expect_err_lines 1 "$f, $kind: one line"
        expect_err_line "^gdtrain: error: $f\.csv:[0-9]+:[0-9]+: " "$f, $kind: message with place"
        expect_no_file $f.$kind.model "$f, $kind: no model"
    done
done

done_ok
