# examples/batch.sh: a small grid runs, and its table says what the runs did.
# The table comes from the runs' JSON lines; the checks compare it with the
# model files' info lines, which the program writes by another path.
. "$(dirname "$0")/lib.bash"
export LC_ALL=C

run env OPTS="gd adam" LRS="0.01 0.1" sh "$SRC/examples/batch.sh" "$GDTRAIN" grid "$SRC/data/houses.csv"
expect_status 0 "examples/batch.sh"
expect_file grid/runs.csv "the table"
expect_file grid/runs.jsonl "the JSON lines"
expect_file grid/compare.svg "the plot"
[ "$(head -n 1 grid/runs.csv)" = "opt,lr,exit,stop_reason,epochs,train_mse,val_mse,gap,r2,train_seconds,curve" ] ||
    fail "table header: $(head -n 1 grid/runs.csv)"
[ "$(wc -l <grid/runs.csv)" -eq 5 ] || fail "4 runs, 4 rows expected: $(cat grid/runs.csv)"
[ "$(wc -l <grid/runs.jsonl)" -eq 4 ] || fail "4 JSON lines expected"
# Aligned table on stdout: header and 4 rows.
[ "$(wc -l <"$WORK/out")" -eq 5 ] || fail "the printed table has $(wc -l <"$WORK/out") lines"

tail -n +2 grid/runs.csv >rows
while IFS=, read -r opt lr status stop epochs mse val gap r2 _ curve; do
    m=grid/$opt-$lr.model
    CHECKS=$((CHECKS + 1))
    [ "$status" = 0 ] || fail "$opt $lr: exit $status"
    expect_file "$m" "$opt $lr: model"
    expect_file "grid/$curve" "$opt $lr: curve"
    [ "$curve" = "$opt-$lr.csv" ] || fail "$opt $lr: curve column '$curve'"
    [ "$stop" = "$(model_info "$m" stop_reason)" ] || fail "$opt $lr: stop_reason $stop"
    [ "$epochs" = "$(model_info "$m" epochs)" ] || fail "$opt $lr: epochs $epochs"
    [ "$mse" = "$(model_info "$m" train_mse)" ] || fail "$opt $lr: train_mse $mse vs $(model_info "$m" train_mse)"
    [ "$gap" = "$(model_info "$m" gap)" ] || fail "$opt $lr: gap $gap"
    [ -z "$val" ] || fail "$opt $lr: val_mse '$val' without validation rows"
    # The curve has one row per epoch, and the plot names it.
    [ "$(($(wc -l <"grid/$curve") - 1))" = "$epochs" ] || fail "$opt $lr: curve rows"
    grep -q "$opt-$lr" grid/compare.svg || fail "$opt $lr: not in the plot's legend"
    awk -v r="$r2" 'BEGIN { exit !(r > 0.89 && r < 0.9) }' || fail "$opt $lr: r2 $r2"
done <rows
[ "$(cut -d, -f1,2 rows | paste -sd' ')" = "gd,0.01 gd,0.1 adam,0.01 adam,0.1" ] || fail "grid order"
# The plot shows the gaps to the optimum that the runs report, on log axes.
grep -q '>gap to the optimum: (MSE - optimum) / optimum</text>' grid/compare.svg ||
    fail "the plot does not show the gap to the optimum"
grep -q '>epoch (log scale)</text>' grid/compare.svg || fail "the plot's epochs are not on a log scale"
CHECKS=$((CHECKS + 2))

# A rate that diverges is a row with its exit status and no curve; the script goes on.
run env OPTS="gd" LRS="10 0.1" sh "$SRC/examples/batch.sh" "$GDTRAIN" grid2 "$SRC/data/houses.csv"
expect_status 0 "examples/batch.sh with a diverging rate"
expect_err_line "^gd-10: gdtrain: error: training diverged" "the run's error, named"
row=$(sed -n 2p grid2/runs.csv)
case $row in gd,10,1,*,) ;; *) fail "diverged row: $row" ;; esac
sed -n 3p grid2/runs.csv | grep -q '^gd,0.1,0,converged,' || fail "the next run: $(sed -n 3p grid2/runs.csv)"
CHECKS=$((CHECKS + 2))

done_ok
