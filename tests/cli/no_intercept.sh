# --no-intercept: a model through the origin, price = sum w_j x_j, for solve
# and train. The reference is numpy's lstsq on data/houses.csv's columns
# without a column of ones (numpy 1.24, float64), committed as numbers:
#   X = the seven feature columns, y = price
#   w = np.linalg.lstsq(X, y, rcond=None)[0]; mse = mean((X w - y)^2)
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv
NAMES=(area_sqm age_years bedrooms bathrooms distance_km lot_sqm garage)
REF=(1543.7793899037524 -57.310028154027634 9561.861172384606 30487.08273165192
     -1332.225294790366 80.04349210748299 6838.998596301886)
REF_MSE=2648408924.6529355
REF_MEAN_SQUARE=98075628767.81 # mean(y^2): the MSE of predicting 0
REF_ROW1=219952.6656594013     # X[0] . w

weight() { awk -v n="$2" '$1 == "feature" && $6 == n { print $2 }' "$1"; }
json() { "$JSONCHECK" "$WORK/out" "$1"; }

# solve: the exact optimum through the origin.
run "$GDTRAIN" solve --data "$DATA" --no-intercept --json --out s.model --quiet
expect_status 0 "solve --no-intercept"
for k in "${!NAMES[@]}"; do
    close "$(weight s.model "${NAMES[k]}")" "${REF[k]}" 1e-9 "solve: weight of ${NAMES[k]}"
    close "$(json "weights.${NAMES[k]}")" "${REF[k]}" 1e-9 "solve --json: weight of ${NAMES[k]}"
done
close "$(json mse)" "$REF_MSE" 1e-12 "solve: MSE"
close "$(json constant_mse)" "$REF_MEAN_SQUARE" 1e-12 "solve: MSE of predicting 0"
[ "$(json intercept)" = 0 ] || fail "solve: intercept $(json intercept)"
[ "$(json options.no_intercept)" = true ] || fail "solve --json: options.no_intercept"
[ "$(json rank)" = 7 ] || fail "solve: rank $(json rank) of 7 coefficients"
[ "$(awk '$1 == "intercept" { print $2 }' s.model)" = 0 ] || fail "solve: model intercept"
[ "$(model_info s.model no_intercept)" = 1 ] || fail "solve: model info no_intercept"

# train: reaches the same optimum, reports its gap against it.
run "$GDTRAIN" train --data "$DATA" --no-intercept --json --out t.model --quiet
expect_status 0 "train --no-intercept"
for k in "${!NAMES[@]}"; do
    close "$(weight t.model "${NAMES[k]}")" "${REF[k]}" 1e-3 "train: weight of ${NAMES[k]}"
done
close "$(json optimum_mse)" "$REF_MSE" 1e-12 "train: the optimum it compares with"
close "$(json train_mse)" "$REF_MSE" 1e-7 "train: MSE"
awk -v g="$(json gap)" 'BEGIN { exit !(g >= 0 && g < 1e-7) }' || fail "train: gap $(json gap)"
[ "$(json intercept)" = 0 ] || fail "train: intercept $(json intercept)"
[ "$(json options.no_intercept)" = true ] || fail "train --json: options.no_intercept"
[ "$(model_info t.model no_intercept)" = 1 ] || fail "train: model info no_intercept"
CHECKS=$((CHECKS + 8))

# predict: no intercept is added; the first row is X[0] . w.
run "$GDTRAIN" predict --model s.model --data "$DATA"
expect_status 0 "predict with a model through the origin"
close "$(head -n 1 "$WORK/out")" "$REF_ROW1" 1e-9 "predict: first row"

# A model with an intercept differs (the check can fail).
run "$GDTRAIN" solve --data "$DATA" --json --out i.model --quiet
expect_status 0 "solve with an intercept"
awk -v a="$(json intercept)" 'BEGIN { exit !(a != 0) }' || fail "the intercept model's intercept is 0"
[ "$(json options.no_intercept)" = false ] || fail "solve --json: options.no_intercept without it"
CHECKS=$((CHECKS + 2))

# R's summary table assumes an intercept: refused with --no-intercept.
run "$GDTRAIN" solve --data "$DATA" --no-intercept --summary --out x.model
expect_status 2 "solve --no-intercept --summary"
expect_err_line "^gdtrain: error: --summary is for a model with an intercept" "the reason"
expect_no_file x.model "no model after a usage error"

done_ok
