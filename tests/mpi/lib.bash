# Helpers of the MPI tests (tests/mpi/*.sh), on top of tests/cli/lib.bash.
# CTest runs each as
#   bash tests/mpi/NAME.sh PATH/TO/gdtrain SOURCE_DIR
# with GDTRAIN_MPI (the gdtrain-mpi program) and MPIEXEC (mpirun) in the
# environment. Built only with -DGDTRAIN_MPI=ON.
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.bash"
: "${GDTRAIN_MPI:?}" "${MPIEXEC:?}"

# mpirun's flags here: more ranks than cores, and root where CI runs as root.
MPIFLAGS=(--oversubscribe)
[ "$(id -u)" -eq 0 ] && MPIFLAGS+=(--allow-run-as-root)

# mpi_run NP ARGS...: gdtrain-mpi ARGS on NP ranks; each rank's exit status
# in rc.RANK and its pid in pid.RANK, mpirun's status in $STATUS, stdout in
# $WORK/out, stderr in $WORK/err.
mpi_run() {
    local np=$1
    shift
    rm -f rc.* pid.*
    "$MPIEXEC" "${MPIFLAGS[@]}" -np "$np" sh -c \
        '"$0" "$@" & echo $! > pid.$OMPI_COMM_WORLD_RANK; wait $!; echo $? > rc.$OMPI_COMM_WORLD_RANK' \
        "$GDTRAIN_MPI" "$@" >"$WORK/out" 2>"$WORK/err"
    STATUS=$?
}

# expect_ranks NP CODE DESCRIPTION: every one of NP ranks exited with CODE.
expect_ranks() {
    local r
    CHECKS=$((CHECKS + 1))
    for ((r = 0; r < $1; r++)); do
        [ -f rc.$r ] || { cat "$WORK/err" >&2; fail "$3: rank $r left no exit status"; }
        [ "$(cat rc.$r)" -eq "$2" ] ||
            { cat "$WORK/err" >&2; fail "$3: rank $r exited $(cat rc.$r), expected $2"; }
    done
}

# same_run MODEL CURVE REF_MODEL REF_CURVE DESCRIPTION: byte-identical model
# files, and curves identical but for the wall-clock seconds column.
same_run() {
    CHECKS=$((CHECKS + 1))
    cmp -s "$1" "$3" || { diff "$1" "$3" | head >&2; fail "$5: the model files differ"; }
    cmp -s <(cut -d, -f1-5 "$2") <(cut -d, -f1-5 "$4") ||
        { diff "$2" "$4" | head >&2; fail "$5: the curves differ"; }
}

# same_as_gdtrain NP DATA ARGS...: gdtrain-mpi --data DATA on NP ranks
# writes the model and curve gdtrain writes from the file named DATA (the
# model file records --data as given), and says as gdtrain does how many
# rows it left out for missing cells.
same_as_gdtrain() {
    local np=$1 data=$2
    shift 2
    run "$GDTRAIN" --data "$data" "$@" --out ref.model --curve ref.curve
    expect_status 0 "gdtrain --data '$data' $*"
    grep 'left out' err >ref.said || true
    mpi_run "$np" --data "$data" "$@" --out mpi.model --curve mpi.curve
    expect_ranks "$np" 0 "$np ranks: --data '$data' $*"
    same_run mpi.model mpi.curve ref.model ref.curve "$np ranks: --data '$data' $*"
    CHECKS=$((CHECKS + 1))
    grep 'left out' err | cmp -s - ref.said || { cat err >&2; fail "$np ranks: $*: rows left out"; }
    rm -f mpi.model mpi.curve ref.model ref.curve
}

# expect_said NP STATUS TEXT DESCRIPTION: every rank exited STATUS, and
# gdtrain-mpi's lines on stderr (not mpirun's) are TEXT, no.model not
# written.
expect_said() {
    expect_ranks "$1" "$2" "$4"
    CHECKS=$((CHECKS + 1))
    [ "$(grep -E "^(gdtrain: |try ')" err)" = "$3" ] ||
        { cat err >&2; printf 'expected:\n%s\n' "$3" >&2; fail "$4: the message"; }
    expect_no_file no.model "$4: a model"
}
