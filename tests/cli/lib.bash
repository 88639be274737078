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

# signal_during_training SIG CURVE CMD...: runs CMD, a training run that
# streams its loss curve to CURVE, in the background; sends it SIG once the
# curve holds a finished epoch, so that training (and gdtrain's handling of
# signals) has begun however slow the machine is; waits for it. Exit status
# in $STATUS, stdout in $WORK/out, stderr in $WORK/err. Fails if the run
# ends first or shows no epoch within 120 s.
signal_during_training() {
    local sig=$1 curve=$2 pid waited=0
    shift 2
    "$@" >"$WORK/out" 2>"$WORK/err" &
    pid=$!
    until [ -f "$curve" ] && [ "$(wc -l <"$curve")" -ge 2 ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid"
            STATUS=$?
            cat "$WORK/err" >&2
            fail "the run ended (status $STATUS) before its first epoch"
        fi
        waited=$((waited + 1))
        [ "$waited" -le 12000 ] || { kill -KILL "$pid"; fail "no epoch within 120 s"; }
        sleep 0.01
    done
    kill -s "$sig" "$pid"
    wait "$pid"
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

# close A B TOL WHAT: |A - B| <= TOL * max(|A|, |B|).
close() {
    CHECKS=$((CHECKS + 1))
    awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN {
        d = a - b; if (d < 0) d = -d
        s = a < 0 ? -a : a; t = b < 0 ? -b : b; if (t > s) s = t
        exit !(a != "" && b != "" && d <= tol * s) }' ||
        fail "$4: $1 vs $2 (tolerance $3 relative)"
}

# skip_part WHY: a part of the test cannot run here (a tool is missing).
# The rest still runs, but done_ok then exits with 77, which CTest reports
# as skipped: a test that did not check everything never counts as passed.
SKIPPED=""
skip_part() {
    echo "skipped: $*" >&2
    SKIPPED="$SKIPPED${SKIPPED:+; }$*"
}

done_ok() {
    if [ -n "$SKIPPED" ]; then
        echo "skipped ($CHECKS checks passed): $SKIPPED"
        exit 77
    fi
    echo "ok: $CHECKS checks"
    exit 0
}
