# The progress line: drawn on a terminal (here a pseudo-terminal from
# script(1), Debian's essential bsdutils), never into a pipe or file, never
# with --quiet or --verbose.
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv
command -v script >/dev/null 2>&1 || fail "script(1) is needed for a terminal"

on_tty() {
    script -qec "$*" tty.log >/dev/null 2>&1
    STATUS=$?
    grep -av '^Script ' tty.log | tr -d '\000' >err
}
on_tty "'$GDTRAIN' --data '$DATA' --opt sgd --tol 0 --epochs 300 --out a.model"
expect_status 0 "training on a terminal"
grep -q $'\r  epoch [0-9]*/300  loss [0-9.e+]*  gap [0-9.e+-]*  [0-9]* epochs/s' err ||
    fail "no progress line on a terminal: $(head -c 300 err | cat -v)"
grep -q $'\r\033\[K' err || fail "the progress line is not cleared at the end"
grep -q 'model written to a.model' err || fail "no summary after the progress line"

on_tty "'$GDTRAIN' --data '$DATA' --opt sgd --tol 0 --epochs 300 --out b.model --quiet"
expect_status 0 "--quiet on a terminal"
grep -q 'epoch' err && fail "--quiet drew a progress line"

on_tty "'$GDTRAIN' --data '$DATA' --opt sgd --tol 0 --epochs 300 --out c.model --verbose"
grep -q $'\r  epoch' err && fail "--verbose drew a progress line"

# Not a terminal: nothing but the summary.
run "$GDTRAIN" --data "$DATA" --opt sgd --tol 0 --epochs 300 --out d.model
grep -q $'\r' err && fail "a progress line went into a file"

done_ok
