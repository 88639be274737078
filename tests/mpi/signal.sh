# SIGTERM to one rank stops every rank after the same epoch: the ranks
# agree on a caught signal at each evaluation over all rows. Every rank
# exits 143, rank 0 says so once, no model is written and the curve holds
# the finished epochs.
. "$(dirname "$0")/lib.bash"

"$GDTRAIN" gen --rows 20000 --seed 3 --out t.csv || fail "gen"
mpi_run 3 --data t.csv --tol 0 --grad-tol 0 --epochs 100000000 --curve t.curve \
    --out t.model &
runner=$!
waited=0
until [ -f pid.1 ] && [ -f t.curve ] && [ "$(wc -l <t.curve)" -ge 3 ]; do
    kill -0 $runner 2>/dev/null || fail "the run ended before its second epoch"
    waited=$((waited + 1))
    [ "$waited" -le 12000 ] || { kill $runner; fail "no epoch within 120 s"; }
    sleep 0.01
done
kill -TERM "$(cat pid.1)"
wait $runner
expect_ranks 3 143 "SIGTERM to rank 1"
[ "$(grep -c '^gdtrain: error: interrupted by SIGTERM after epoch' err)" -eq 1 ] ||
    { cat err >&2; fail "not one message"; }
expect_no_file t.model "a model after SIGTERM"
epochs=$(sed -nE 's/.*interrupted by SIGTERM after epoch ([0-9]+);.*/\1/p' err)
[ "$(($(wc -l <t.curve) - 1))" -eq "$epochs" ] || fail "curve rows vs epochs reported"

done_ok
