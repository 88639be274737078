# Shared helpers for the end-to-end tests (tests/cli/*.sh). Each is run by CTest as
#   bash tests/cli/NAME.sh PATH/TO/gdtrain SOURCE_DIR
# and sources this file. A test fails (exit 1) at its first failed check.
set -u
GDTRAIN=$1
SRC=$2
WORK=$(mktemp -d /tmp/gdtrain-cli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
CHECKS=0

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# run CMD...: runs it, keeping exit status in $STATUS, stdout in $WORK/out,
# stderr in $WORK/err.
run() {
    "$@" >"$WORK/out" 2>"$WORK/err"
    STATUS=$?
}

# expect_status N DESCRIPTION
expect_status() {
    CHECKS=$((CHECKS + 1))
    [ "$STATUS" -eq "$1" ] || { cat "$WORK/err" >&2; fail "$2: exit status $STATUS, expected $1"; }
}

# expect_err_line REGEX DESCRIPTION: stderr has a line matching REGEX (ERE).
expect_err_line() {
    CHECKS=$((CHECKS + 1))
    grep -Eq -- "$1" "$WORK/err" || { cat "$WORK/err" >&2; fail "$2: stderr lacks /$1/"; }
}

# expect_err_lines N DESCRIPTION: stderr has exactly N lines.
expect_err_lines() {
    CHECKS=$((CHECKS + 1))
    local n
    n=$(wc -l <"$WORK/err")
    [ "$n" -eq "$1" ] || { cat "$WORK/err" >&2; fail "$2: $n lines on stderr, expected $1"; }
}

expect_file() {
    CHECKS=$((CHECKS + 1))
    [ -f "$1" ] || fail "$2: $1 missing"
}

expect_no_file() {
    CHECKS=$((CHECKS + 1))
    [ ! -e "$1" ] || fail "$2: $1 exists"
}

# model_info FILE KEY: the value of an info line of a model file.
model_info() {
    awk -v k="$2" '$1 == "info" && $2 == k { print $3 }' "$1"
}

done_ok() {
    echo "ok: $CHECKS checks"
    exit 0
}
