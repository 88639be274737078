# The commands of README.md's "Running on a cluster" run as shown (its
# cmake line is this build; mpirun gets this machine's flags) and print
# what the section says: the same model as gdtrain's.
. "$(dirname "$0")/lib.bash"

awk '/^## Running on a cluster/ { on = 1; next } on && /^## / { exit }
     on && /^```sh$/ { inside = 1; next } inside && /^```$/ { exit } inside' \
    "$SRC/README.md" >block.sh
[ "$(wc -l <block.sh)" -ge 4 ] || fail "no command block in the section"
grep -q '^cmake ' block.sh || fail "the block does not build gdtrain-mpi"
# shellcheck disable=SC2016 # the variables are expanded when the block runs
sed -e '/^cmake /d' -e 's|\./build-mpi/gdtrain-mpi|"$GDTRAIN_MPI"|g' \
    -e 's|\./build/gdtrain|"$GDTRAIN"|g' -e 's|^mpirun |"$MPIEXEC" "${MPIFLAGS[@]}" |' \
    block.sh >run.sh
# A subshell of this one: MPIFLAGS is an array, which no child process sees.
STATUS=0
(. ./run.sh) >out 2>err || STATUS=$?
expect_status 0 "the README's cluster commands"
[ "$(cat out)" = "the same model" ] || { cat out err >&2; fail "not 'the same model'"; }

done_ok
