# gdtrain sweep: every run's model and curve are those of `gdtrain train`
# with the same options (full batch, mini-batch, a diverged run), one row
# per run in the results and the JSON lines, the ranking and the best
# model, --configs, usage errors, and SIGINT keeping the finished rows.
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv

mkdir curves models
run "$GDTRAIN" sweep --data "$DATA" --val-split 0.2 --epochs 150 --opt gd,adam \
    --lr 0.05,100 --batch-size 0,64 --jobs 2 --results res.csv --json --curves curves \
    --models models --out best.model
expect_status 0 "sweep"
"$JSONCHECK" out >/dev/null || fail "--json lines are not valid JSON"
[ "$(wc -l <out)" -eq 8 ] || fail "8 JSON lines"
expect_err_line "ranked by validation MSE" "ranking named"
grep -q '"rank":null' out || fail "a diverged run's JSON rank"
[ "$(wc -l <res.csv)" -eq 9 ] || fail "8 result rows and the header"
head -1 res.csv | grep -qx 'run,options,opt,lr,batch_size,exit_status,stop_reason,epochs,train_mse,val_mse,gap,seconds,rank,ranked_by' ||
    fail "results header"
# The order: the first list varies slowest.
cut -d, -f2 res.csv | sed -n 2,9p >order
cat >order.expected <<'EOF'
"--opt gd --lr 0.05 --batch-size 0"
"--opt gd --lr 0.05 --batch-size 64"
"--opt gd --lr 100 --batch-size 0"
"--opt gd --lr 100 --batch-size 64"
"--opt adam --lr 0.05 --batch-size 0"
"--opt adam --lr 0.05 --batch-size 64"
"--opt adam --lr 100 --batch-size 0"
"--opt adam --lr 100 --batch-size 64"
EOF
cmp -s order order.expected || fail "run order: $(cat order)"
CHECKS=$((CHECKS + 1))
# gd at rate 100 diverges, with and without mini-batches: rows all the same.
awk -F, '$1 == 3 || $1 == 4 { if ($6 != 1 || $7 != "diverged" || $13 != "") bad = 1; n++ }
         END { exit bad || n != 2 }' res.csv || fail "diverged rows: $(cat res.csv)"
expect_no_file models/run-3.model "a model for a diverged run"
# Every run as a training run of its own: the same model, byte for byte,
# and the same curve but for its wall-time column.
for i in 1 2 5 6 7 8 3; do
    opts=$(awk -F, -v i=$i '$1 == i { gsub(/"/, "", $2); print $2 }' res.csv)
    # shellcheck disable=SC2086 # the options are words
    run "$GDTRAIN" train --data "$DATA" --val-split 0.2 --epochs 150 $opts --quiet \
        --out alone.model --curve alone.csv
    if [ -f models/run-$i.model ]; then
        expect_status 0 "run $i alone"
        cmp models/run-$i.model alone.model || fail "run $i ($opts): the model differs"
    else
        expect_status 1 "run $i alone (diverges)"
    fi
    cmp <(cut -d, -f1-5 curves/run-$i.csv) <(cut -d, -f1-5 alone.csv) ||
        fail "run $i ($opts): the curve differs"
    CHECKS=$((CHECKS + 1))
done
# The ranking: by validation MSE, the best model is rank 1's.
awk -F, 'NR > 1 && $13 != "" { print $13, $10, $1 }' res.csv | sort -n >ranks
sort -g -k2 ranks | awk '{ print $1 }' >by_mse
awk '{ print $1 }' ranks | cmp -s - by_mse || fail "ranks do not follow val_mse: $(cat ranks)"
best=$(awk 'NR == 1 { print $3 }' ranks)
cmp best.model models/run-$best.model || fail "--out is not run $best's model"
grep -q ',val_mse$' res.csv || fail "ranked_by val_mse"

# Without validation rows the ranking says it is by training MSE.
printf '%s\n' '--opt gd --lr 0.1' '# a comment' '' '--opt adam --lr 0.01,0.1 --batch-size 32' >configs
run "$GDTRAIN" sweep --data "$DATA" --epochs 40 --configs configs --results c.csv --out c.model
expect_status 0 "--configs"
[ "$(wc -l <c.csv)" -eq 4 ] || fail "3 runs from --configs: $(cat c.csv)"
grep -q '^3,"--opt adam --lr 0.1 --batch-size 32",adam,0.1,32,0,' c.csv || fail "--configs list run"
expect_err_line "ranked by training MSE" "training-MSE ranking named"
run "$GDTRAIN" train --data "$DATA" --epochs 40 --opt adam --lr 0.01 --batch-size 32 --quiet \
    --out alone.model
awk -F, '$1 == 2 { print $9 }' c.csv >mse2
[ "$(cat mse2)" = "$(model_info alone.model train_mse)" ] || fail "run 2's MSE"
CHECKS=$((CHECKS + 1))

# --cv K ranks by the mean validation MSE over the folds. By hand, on
# x = 0, 1, 3, 4 and y = 0, 1, 3, 11 with two folds of two rows: unpenalized,
# each fold's line through its two training points misses the other fold by
# (-21, -14) and (0, -7): MSEs 318.5 and 24.5, mean 171.5, sd 147. With --l1
# 100 every weight is 0 and the model predicts its training rows' mean, 7
# and 0.5: MSEs 42.5 and 58.25, mean 50.375, sd 7.875. So the lasso run
# ranks first, where the training MSE would rank it last.
printf 'x,y\n0,0\n1,1\n3,3\n4,11\n' >tiny.csv
run "$GDTRAIN" sweep --data tiny.csv --opt gd --tol 1e-12 --l1 0,100 --cv 2 --results cv.csv \
    --json --out cv.model
expect_status 0 "sweep --cv"
expect_err_line "ranked by cross-validated MSE" "ranking named"
head -1 cv.csv | grep -q ',rank,ranked_by,cv_mse,cv_mse_sd$' || fail "--cv results header"
awk -F, 'NR > 1 { want = NR == 2 ? "2 171.5 147" : "1 50.375 7.875"; split(want, w, " ")
                  for (k = 2; k <= 3; k++) { d = ($(13 + k) - w[k]) / w[k]; if (d < 0) d = -d; if (d > 1e-6) bad = 1 }
                  if ($13 != w[1] || $14 != "cv_mse") bad = 1 }
         END { exit bad || NR != 3 }' cv.csv || fail "--cv scores and ranks: $(cat cv.csv)"
CHECKS=$((CHECKS + 1))
grep -q '"rank":1,"ranked_by":"cv_mse","cv_mse":50.375,"cv_mse_sd":7.875' out || fail "--cv JSON: $(cat out)"
# Each run's folds are those of train --cv with the same options.
run "$GDTRAIN" --data tiny.csv --opt gd --tol 1e-12 --cv 2 --json --quiet --out t.model
mean=$(grep -o '"val_mse":{"mean":[^,]*' out | sed 's/.*://')
[ "$(awk -F, 'NR == 2 { print $15 }' cv.csv)" = "$mean" ] || fail "sweep --cv and train --cv differ"
CHECKS=$((CHECKS + 1))
run "$GDTRAIN" sweep --data tiny.csv --cv 5 --out cv.model
expect_status 2 "more folds than rows"
run "$GDTRAIN" sweep --data tiny.csv --cv 2 --cv-shuffle --seed 1,2 --out cv.model
expect_status 2 "seed list with --cv-shuffle"
expect_err_line "with --cv-shuffle, --seed" "seed list message"

# Usage errors, before any run.
run "$GDTRAIN" sweep --data "$DATA" --lr 0.1 --curve x.csv
expect_status 2 "--curve"
expect_err_line "^gdtrain: error: --curve is not a sweep option" "--curve refused"
for opt in --stream "--memory 1k"; do
    # shellcheck disable=SC2086 # the option and its value are words
    run "$GDTRAIN" sweep --data "$DATA" --lr 0.1 $opt
    expect_status 2 "$opt"
    expect_err_line "^gdtrain: error: ${opt%% *} is not a sweep option" "$opt refused"
done
run "$GDTRAIN" sweep --data "$DATA" --val-split 0.2 --seed 1,2
expect_status 2 "seed list with --val-split"
expect_err_line "with --val-split, --seed" "seed list message"
run "$GDTRAIN" sweep --data "$DATA" --cv 5 --val-split 0.2
expect_status 2 "--cv with --val-split"
expect_err_line "^gdtrain: error: --cv makes its own validation folds" "its error"
expect_err_line "^try 'gdtrain sweep --help'$" "its hint names sweep"
expect_err_lines 2 "one error and its hint"
run "$GDTRAIN" sweep --data "$DATA" --opt gd,nosuch --results u.csv
expect_status 2 "unknown optimizer in a list"
expect_err_line "^gdtrain: note: in run 2 of 2: --opt nosuch$" "which run"
expect_no_file u.csv "results after a usage error"

# SIGINT: the finished run keeps its row (and rank 1), the running one is
# stopped, the one not started is listed without a rank (its zeroed
# outcome is no score), and no model is written.
mkdir sig
signal_during_training INT sig/run-2.csv "$GDTRAIN" sweep --data "$DATA" --jobs 1 --tol 0 \
    --grad-tol 0 --opt sgd --batch-size 1 --epochs 3,100000000,5 --curves sig \
    --results sig.csv --out sig.model
expect_status 130 "SIGINT"
expect_no_file sig.model "a model after SIGINT"
awk -F, 'NR == 2 && $6 == 0 && $7 == "max_epochs" && $13 == 1 { a = 1 }
         NR == 3 && $6 == 130 && $7 == "interrupted" && $13 == "" { b = 1 }
         NR == 4 && $6 == "" && $7 == "not_started" && $13 == "" { c = 1 }
         END { exit !(a && b && c && NR == 4) }' sig.csv || fail "rows after SIGINT: $(cat sig.csv)"
CHECKS=$((CHECKS + 1))
done_ok
