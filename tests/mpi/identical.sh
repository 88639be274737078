# gdtrain-mpi on 1, 2 and 3 ranks, with 1 and 2 threads each, writes the
# model file and loss curve of gdtrain, byte for byte: the ranks' parts
# change where the block sums are computed, never which blocks are summed
# or in which order. Tables: 70000 rows (9 blocks of 8192, and more than
# the 32768 rows from which the loss uses threads), 20000 rows (3 blocks:
# the last rank's ends inside one) and 8000 rows (one block: all ranks but
# the last hold no row).
. "$(dirname "$0")/lib.bash"

"$GDTRAIN" gen --rows 70000 --seed 5 --out big.csv || fail "gen"
"$GDTRAIN" gen --rows 20000 --seed 3 --out mid.csv || fail "gen"
"$GDTRAIN" gen --rows 8000 --seed 4 --out small.csv || fail "gen"

# ref NAME ARGS...: gdtrain's model and curve for ARGS, as NAME.model and
# NAME.curve.
ref() {
    local name=$1
    shift
    run "$GDTRAIN" "$@" --out "$name.model" --curve "$name.curve"
    expect_status 0 "gdtrain $*"
}

# check NAME NP ARGS...: gdtrain-mpi on NP ranks gives the files of ref NAME.
check() {
    local name=$1 np=$2
    shift 2
    mpi_run "$np" "$@" --out mpi.model --curve mpi.curve
    expect_ranks "$np" 0 "$np ranks: $*"
    same_run mpi.model mpi.curve "$name.model" "$name.curve" "$np ranks: $*"
    rm -f mpi.model mpi.curve
}

ref big --data big.csv --epochs 40 --threads 1
for np in 1 2 3; do
    for threads in 1 2; do
        check big $np --data big.csv --epochs 40 --threads $threads
    done
done

# The default run to convergence (adam's stop rules, the exact optimum's gap).
ref mid --data mid.csv --threads 1
for np in 1 2 3; do
    check mid $np --data mid.csv --threads 2
done
ref small --data small.csv --opt gd --l2 0.01 --epochs 300
check small 3 --data small.csv --opt gd --l2 0.01 --epochs 300

# A model through the origin, and validation rows from a file.
"$GDTRAIN" gen --rows 3000 --seed 9 --out val.csv || fail "gen"
ref origin --data mid.csv --no-intercept --epochs 100
check origin 2 --data mid.csv --no-intercept --epochs 100
ref val --data mid.csv --val val.csv --early-stop --epochs 200
check val 3 --data mid.csv --val val.csv --early-stop --epochs 200

done_ok
