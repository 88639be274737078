# Behaviour snapshot: a fixed set of runs on data/houses.csv whose model files,
# checkpoints, loss curves, JSON, predictions and messages must stay byte for
# byte what tests/snapshot/ holds. It guards restructurings of the code, which
# must not change what the program does; it is not a correctness oracle (the
# golden and unit tests are). The committed files were written by the program
# as it stood before a restructuring; a change that alters behaviour on purpose
# regenerates them, says why in its commit message, and shows the diff:
#   SNAPSHOT_UPDATE=1 bash tests/cli/snapshot.sh build/gdtrain .
# Only what varies from run to run is masked: the seconds in JSON, the time
# column of curves and the timings line of the summary. Every training run is
# made with --threads 1 and 2 and both must match the same files.
. "$(dirname "$0")/lib.bash"
EXPECT=$SRC/tests/snapshot
UPDATE=${SNAPSHOT_UPDATE:-0}
cp "$SRC/data/houses.csv" houses.csv || fail "copy data"
head -401 houses.csv >small.csv

# mask FILE KIND: prints FILE without what differs between runs and thread counts.
mask() {
    case $2 in
    json) sed -E 's/,"seconds":\{[^}]*\}//; s/"threads":[0-9]+/"threads":N/' "$1" ;;
    curve) sed -E 's/,[^,]*$//' "$1" ;;
    err) sed -E 's/ \(load [0-9.]+ s, train [0-9.]+ s, total [0-9.]+ s\)$//' "$1" ;;
    ckpt) sed -E '/^arg --threads$/{N;d;}' "$1" ;;
    *) cat "$1" ;;
    esac
}

# keep NAME FILE KIND: compares the masked FILE with tests/snapshot/NAME
# (or writes it there when updating).
keep() {
    CHECKS=$((CHECKS + 1))
    [ -f "$2" ] || fail "$1: $2 was not written"
    mask "$2" "$3" >masked
    if [ "$UPDATE" = 1 ]; then
        cp masked "$EXPECT/$1"
    elif ! cmp -s masked "$EXPECT/$1"; then
        diff "$EXPECT/$1" masked | head -20 >&2
        fail "$1 differs from tests/snapshot/$1"
    fi
}

# train_case NAME ARGS...: one training run, with --threads 1 and 2.
train_case() {
    local name=$1 t
    shift
    for t in 1 2; do
        rm -f m.model c.csv ck
        run "$GDTRAIN" train --data houses.csv --json --curve c.csv --out m.model "$@" --threads $t
        echo "$STATUS" >status
        keep "$name.status" status plain
        keep "$name.json" out json
        keep "$name.err" err err
        keep "$name.curve" c.csv curve
        [ "$STATUS" -ne 0 ] || keep "$name.model" m.model plain
        [ ! -f ck ] || keep "$name.ckpt" ck ckpt
    done
}

[ "$UPDATE" = 1 ] && mkdir -p "$EXPECT"

train_case adam_default --opt adam --epochs 300
train_case gd_momentum --opt gd --momentum 0.9 --nesterov --epochs 200
train_case sgd_b32 --opt sgd --batch-size 32 --epochs 20 --seed 7
train_case sgd_b1_step --opt sgd --batch-size 1 --epochs 3 --schedule step --lr-step 1 --lr-gamma 0.5 --no-shuffle
train_case rmsprop_plateau --opt rmsprop --epochs 150 --schedule plateau
train_case adamw_cosine --opt adamw --amsgrad --epochs 120 --schedule cosine --lr-min 0.001
train_case adagrad_exp --opt adagrad --lr-decay 0.01 --initial-accumulator 0.1 --epochs 100 --schedule exp
train_case adam_invscaling --opt adam --batch-size 100 --epochs 30 --schedule invscaling --lr-power 0.5
train_case ridge --opt adam --l2 0.1 --epochs 200
train_case lasso --opt sgd --l1 0.05 --epochs 15
train_case val_early --opt adam --val-split 0.25 --early-stop --patience 5 --epochs 400
train_case val_file --opt gd --val small.csv --epochs 50 --init random --seed 3
train_case cols --opt adam --target area_sqm --features "garage,price,age_years" --epochs 80
train_case converge --opt gd --lr 0.5 --epochs 10000
train_case checkpoint --opt adam --epochs 40 --checkpoint ck
train_case diverge --opt gd --lr 50 --epochs 100

# A warm start and a resumed run.
# The resumed run saves its checkpoint where the first run did: restore it
# before each resume.
rm -f ck
run "$GDTRAIN" train --data houses.csv --opt adam --epochs 40 --checkpoint ck --out w.model --quiet
expect_status 0 "run to resume"
cp ck ck40
for t in 1 2; do
    rm -f m.model c.csv
    cp ck40 ck
    run "$GDTRAIN" train --resume ck --epochs 70 --json --curve c.csv --out m.model --threads $t
    keep resume.json out json
    keep resume.curve c.csv curve
    keep resume.model m.model plain
    keep resume.ckpt ck ckpt
done
train_case warm --opt sgd --init-from w.model --epochs 10

# The exact solver, evaluation and prediction.
for l2 in 0 0.5; do
    run "$GDTRAIN" solve --data houses.csv --l2 $l2 --json --out s.model
    keep "solve_l2_$l2.json" out json
    keep "solve_l2_$l2.err" err err
    keep "solve_l2_$l2.model" s.model plain
done
run "$GDTRAIN" eval --model s.model --data small.csv --json
keep eval.json out json
keep eval.err err err
run "$GDTRAIN" predict --model s.model --data small.csv
keep predict.out out plain
done_ok
