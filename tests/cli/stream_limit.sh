# Data larger than memory: a table several times larger than the address
# space the process may use (ulimit -v) trains with --stream to the model
# file of an unlimited in-memory run, byte for byte. The same run in memory
# under the same limit fails, so the limit binds.
#
# The limit is 20 MiB of address space. The table: 3,000,000 rows of the
# generator's 7 features and target, 93 MB of CSV (4.4x the limit) and
# 192 MB as doubles (9x). One thread and one malloc arena, so that no
# thread stack or per-thread arena counts against the limit. Then a run
# with a validation file that does not fit either.
. "$(dirname "$0")/lib.bash"

LIMIT_KB=20480
# AddressSanitizer reserves terabytes of address space for its shadow, and
# Valgrind runs gdtrain inside itself (a wrapper script): no limit of ours
# can hold there.
if [ "$(head -c 2 "$GDTRAIN")" = "#!" ] || grep -aq __asan_init "$GDTRAIN"; then
    skip_part "an address-space limit under a sanitizer or Valgrind"
    done_ok
fi
"$GDTRAIN" gen --rows 3000000 --seed 11 -o big.csv || fail "gen"
bytes=$(wc -c <big.csv)
CHECKS=$((CHECKS + 1))
[ "$bytes" -ge $((4 * LIMIT_KB * 1024)) ] || fail "the table is only $bytes bytes"

# Validation rows from a file that does not fit either (400,000 rows: 26 MB
# as doubles) go with every run: streamed beside the training rows, they
# give the curve's validation losses of the unlimited in-memory run.
"$GDTRAIN" gen --rows 400000 --seed 12 -o val.csv || fail "gen val"
V="--val val.csv"
run "$GDTRAIN" --data big.csv $V --opt gd --epochs 4 --threads 1 -q -o mem.model --curve mem.csv
expect_status 0 "the in-memory run, unlimited"

limited() {
    (ulimit -v "$LIMIT_KB" && MALLOC_ARENA_MAX=1 "$GDTRAIN" "$@")
}
run limited --data big.csv $V --opt gd --epochs 4 --threads 1 -q -o limited.model
expect_status 4 "the in-memory run under the limit"
expect_err_line 'out of memory|cannot' "its message"

# same_as_memory NAME: the streamed run's model and curve are the in-memory run's.
same_as_memory() {
    CHECKS=$((CHECKS + 1))
    cmp mem.model "$1.model" >&2 || fail "$1: the streamed model differs"
    CHECKS=$((CHECKS + 1))
    cmp <(cut -d, -f1-5 mem.csv) <(cut -d, -f1-5 "$1.csv") >&2 || fail "$1: the curve differs"
}
run limited --data big.csv $V --opt gd --epochs 4 --threads 1 -q --stream -o stream.model \
    --curve stream.csv
expect_status 0 "the streamed run under the limit (it writes the caches)"
same_as_memory stream
expect_file big.csv.gdcache "the cache"
expect_file val.csv.gdcache "the validation file's cache"

# Again from the caches it wrote.
run limited --data big.csv $V --opt gd --epochs 4 --threads 1 -q --stream -o again.model \
    --curve again.csv
expect_status 0 "the streamed run from the cache"
same_as_memory again
done_ok
