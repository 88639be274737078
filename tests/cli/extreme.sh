# Columns at the ends of the double range train, with their weights in
# original units: big (values near 1e300, whose squares overflow) and tiny
# (values near 1e-300 that all differ, whose squared deviations underflow:
# neither constant nor dropped). The reference is the exact least-squares
# fit in rational arithmetic by tests/data/make_extreme.py, which also wrote
# tests/data/extreme.csv.
. "$(dirname "$0")/lib.bash"
DATA=$SRC/tests/data/extreme.csv
weight() { awk -v n="$2" '$1 == "feature" && $6 == n { print $2 }' "$1"; }
intercept() { awk '$1 == "intercept" { print $2 }' "$1"; }

# price ~ 1 + big + tiny
run "$GDTRAIN" solve --data "$DATA" --out s.model
expect_status 0 "solve with values near 1e300 and 1e-300"
grep -q warning "$WORK/err" && fail "solve warned: $(cat "$WORK/err")"
close "$(intercept s.model)" 5.0025169619108745 1e-9 "solve: intercept"
close "$(weight s.model big)" 1.9966863603768686e-300 1e-9 "solve: weight of big"
close "$(weight s.model tiny)" 3.008436477088807e+300 1e-9 "solve: weight of tiny"
run "$GDTRAIN" train --data "$DATA" --out t.model
expect_status 0 "train with values near 1e300 and 1e-300"
close "$(intercept t.model)" 5.0025169619108745 1e-6 "train: intercept"
close "$(weight t.model big)" 1.9966863603768686e-300 1e-6 "train: weight of big"
close "$(weight t.model tiny)" 3.008436477088807e+300 1e-6 "train: weight of tiny"
close "$(model_info t.model optimum_mse)" 1.8629941422041418e-05 1e-9 "train: the optimum's MSE"

# price ~ 1 + tiny: no "constant" warning, a weight that is not 0.
run "$GDTRAIN" train --data "$DATA" --features tiny --out tiny.model
expect_status 0 "train on the tiny column alone"
grep -q constant "$WORK/err" && fail "tiny called constant: $(cat "$WORK/err")"
# (Training stops when the loss stalls, at 1e-10 relative: the weights are
# then good to about the square root of that.)
close "$(intercept tiny.model)" 7.253884317138788 1e-4 "tiny alone: intercept"
close "$(weight tiny.model tiny)" 1.5628216489950943e+300 1e-4 "tiny alone: weight"
run "$GDTRAIN" solve --data "$DATA" --features tiny --out tiny-s.model
expect_status 0 "solve on the tiny column alone"
grep -q constant "$WORK/err" && fail "solve: tiny called constant: $(cat "$WORK/err")"
close "$(intercept tiny-s.model)" 7.253884317138788 1e-9 "tiny alone, solve: intercept"
close "$(weight tiny-s.model tiny)" 1.5628216489950943e+300 1e-9 "tiny alone, solve: weight"
CHECKS=$((CHECKS + 2))

# Predictions from the model file agree with the fit (X w + b by hand).
run "$GDTRAIN" predict --model s.model --data "$DATA"
expect_status 0 "predict"
close "$(head -n 1 "$WORK/out")" "$(awk 'BEGIN { printf "%.17g", 5.0025169619108745 + 1.9966863603768686e-300 * 1.0e300 + 3.008436477088807e+300 * 0.3e-300 }')" 1e-9 "predict: first row"

done_ok
