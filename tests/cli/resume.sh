# Checkpoints: 50 epochs, then --resume for 50 more, gives the same model
# file and (deterministic columns of the) loss curve as 100 epochs in one
# run, for every optimizer and schedule, with and without shuffling; and a
# run interrupted by a signal resumes exactly too.
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv

# Optimizers as listed by --help (so a new rule is covered automatically).
opts=$("$GDTRAIN" --help | awk '/^Optimizers/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
[ -n "$opts" ] || fail "no optimizers found in --help"
# Schedules as listed by --help; cosine anneals over --epochs unless
# --cosine-epochs fixes its length, which a run in two parts must do.
schedules=$("$GDTRAIN" --help | awk '/^Schedules/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
[ -n "$schedules" ] || fail "no schedules found in --help"

# same50 NAME ARGS...: the 50 + 50 = 100 check for one configuration.
same50() {
    local name=$1
    shift
    "$GDTRAIN" --data "$DATA" "$@" --tol 0 --epochs 100 --out full.model --curve full.csv -q ||
        fail "$name: the 100-epoch run failed"
    "$GDTRAIN" --data "$DATA" "$@" --tol 0 --epochs 50 --out half.model --curve c1.csv \
        --checkpoint ck.txt -q || fail "$name: the 50-epoch run failed"
    "$GDTRAIN" --resume ck.txt --epochs 100 --out resumed.model --curve c2.csv -q ||
        fail "$name: the resumed run failed"
    CHECKS=$((CHECKS + 2))
    cmp -s full.model resumed.model || fail "$name: resumed model differs: $(diff full.model resumed.model | head -5)"
    cmp -s <({ cat c1.csv; tail -n +2 c2.csv; } | cut -d, -f1-5) <(cut -d, -f1-5 full.csv) ||
        fail "$name: resumed curve differs"
}

for opt in $opts; do
    for schedule in $schedules; do
        for shuffle in --shuffle --no-shuffle; do
            batch= cosine=
            [ "$opt" = sgd ] || batch="--batch-size 256" # mini-batches for every rule
            # --cosine-epochs is an error with the other schedules
            [ "$schedule" != cosine ] || cosine="--cosine-epochs 100"
            # shellcheck disable=SC2086
            same50 "$opt/$schedule/$shuffle" --opt "$opt" --schedule "$schedule" \
                $cosine $shuffle $batch
        done
    done
done
# Full batch, validation and early-stopping state carry over too.
same50 "adam/full batch" --opt adam
same50 "sgd/validation" --opt sgd --val-split 0.2
same50 "sgd/early stopping" --opt sgd --val-split 0.2 --early-stop --patience 1000
echo "50+50 = 100 for: $(echo $opts) / $(echo $schedules)"

# Resumed without naming a curve, the run continues its own curve file.
"$GDTRAIN" --data "$DATA" --opt sgd --tol 0 --epochs 100 --curve one.csv --out one.model -q
"$GDTRAIN" --data "$DATA" --opt sgd --tol 0 --epochs 50 --curve two.csv --checkpoint two.ck \
    --out two.model -q
"$GDTRAIN" --resume two.ck --epochs 100 -q || fail "resume continuing its curve"
cmp -s <(cut -d, -f1-5 one.csv) <(cut -d, -f1-5 two.csv) || fail "the continued curve differs"
cmp -s one.model two.model || fail "the model of the continued run differs"
CHECKS=$((CHECKS + 2))

# Interrupted by SIGINT mid-epoch, then resumed to the limit: the same as
# never stopping.
"$GDTRAIN" --data "$DATA" --opt sgd --batch-size 1 --tol 0 --epochs 20000 --out full.model -q ||
    fail "the uninterrupted run failed"
signal_during_training INT int.csv "$GDTRAIN" --data "$DATA" --opt sgd --batch-size 1 --tol 0 \
    --epochs 20000 --curve int.csv --out int.model --checkpoint int.ck -q
expect_status 130 "SIGINT with --checkpoint"
expect_err_line 'resume with --resume int.ck' "the hint to resume"
expect_no_file int.model "model after SIGINT"
expect_file int.ck "checkpoint after SIGINT"
run "$GDTRAIN" --resume int.ck --out int.model -q
expect_status 0 "resuming an interrupted run"
cmp -s full.model int.model || fail "interrupted + resumed differs from the uninterrupted run"

# A checkpoint only when there is something to resume.
run "$GDTRAIN" --data "$DATA" --checkpoint conv.ck --out conv.model
expect_status 0 "converged run with --checkpoint"
expect_err_line '^gdtrain: warning: no checkpoint written: training finished \(converged\)' "no checkpoint warning"
expect_no_file conv.ck "checkpoint of a converged run"

# Resuming on other data is an error.
head -1500 "$DATA" >other.csv
"$GDTRAIN" --data "$DATA" --opt sgd --tol 0 --epochs 5 --checkpoint five.ck --out five.model -q
run "$GDTRAIN" --resume five.ck --data other.csv --epochs 10
expect_status 3 "resume on other data"
expect_err_line '^gdtrain: error: five.ck: ' "other data message"
# A broken checkpoint.
printf 'gdtrain-checkpoint 2\n' >v2.ck
run "$GDTRAIN" --resume v2.ck
expect_status 3 "checkpoint version 2"
expect_err_line '^gdtrain: error: v2.ck:1:[0-9]+: .*version 2' "version message"
run "$GDTRAIN" --resume missing.ck
expect_status 4 "missing checkpoint"

done_ok
