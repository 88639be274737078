# The README's quick start: exactly two lines. The first builds the program
# and nothing else, then trains; the second (the test line) is the first step
# of .ci/run, word for word. The first line runs here as written, in a copy of
# the source tree, and must leave no test program behind.
. "$(dirname "$0")/lib.bash"

awk '/^## Quick start/ { s = 1 } s && /^```sh$/ { b = 1; next } b && /^```$/ { exit } b' \
    "$SRC/README.md" >lines
CHECKS=$((CHECKS + 1))
[ "$(wc -l <lines)" -eq 2 ] || { cat lines >&2; fail "the quick start has $(wc -l <lines) lines, not 2"; }
first=$(sed -n 1p lines)
second=$(sed -n 2p lines)
CHECKS=$((CHECKS + 1))
grep -qxF -- "$second" "$SRC/.ci/run" || fail "the second quick-start line is not a line of .ci/run"

# A copy of the tree as a fresh clone would have it: the tracked files.
mkdir tree
if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$SRC" && git ls-files -z | xargs -0 tar cf -) | (cd tree && tar xf -)
else
    (cd "$SRC" && tar cf - --exclude='./build*' .) | (cd tree && tar xf -)
fi
expect_file tree/CMakeLists.txt "the copied tree"
(cd tree && bash -c "$first") >"$WORK/out" 2>"$WORK/err"
STATUS=$?
cat "$WORK/out" >>"$WORK/err"
expect_status 0 "the first quick-start line"
expect_err_line '^gdtrain: adam on data/houses\.csv: 2000 rows, 7 features$' "it trains"
expect_file tree/gdtrain.model "its model"
built=$(find tree/build -name 'test_*' -type f -perm -u+x | head -3)
CHECKS=$((CHECKS + 1))
[ -z "$built" ] || fail "the first quick-start line built test programs: $built"
done_ok
