# --json prints its object for every run that trained, whatever its exit
# status: diverged, --strict without convergence, off a --check-curve
# reference, interrupted. Scripts running a grid never lose a row. The
# object then has "model": null when no model file was written.
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv
[ -x "${JSONCHECK:-}" ] || fail "JSONCHECK is not set to the jsoncheck tool"

# stopped NAME STATUS REASON MODEL: the run just made exited STATUS and
# printed one valid JSON object with stop_reason REASON and model MODEL
# ("null", or the path in quotes).
stopped() {
    expect_status "$2" "$1"
    [ "$(wc -l <"$WORK/out")" -eq 1 ] || fail "$1: not one line of JSON on stdout"
    cp "$WORK/out" "$1.json"
    "$JSONCHECK" "$1.json" >/dev/null || fail "$1: the output is not valid JSON"
    [ "$("$JSONCHECK" "$1.json" stop_reason)" = "\"$3\"" ] ||
        fail "$1: stop_reason $("$JSONCHECK" "$1.json" stop_reason), expected $3"
    [ "$("$JSONCHECK" "$1.json" model)" = "$4" ] || fail "$1: model $("$JSONCHECK" "$1.json" model)"
    "$JSONCHECK" "$1.json" epochs options.lr weights.area_sqm >/dev/null ||
        fail "$1: epochs, options or weights missing"
    CHECKS=$((CHECKS + 4))
}

run "$GDTRAIN" --data "$DATA" --opt gd --lr 50 --json --out m.model
stopped diverged 1 diverged null
expect_no_file m.model "diverged"
expect_err_line "training diverged" "diverged message"
[ "$("$JSONCHECK" diverged.json epochs)" -ge 1 ] || fail "diverged: epochs"

run "$GDTRAIN" --data "$DATA" --opt adam --epochs 5 --strict --json --out m.model
stopped strict 1 max_epochs '"m.model"'
expect_file m.model "--strict writes the model"

"$GDTRAIN" --data "$DATA" --opt adam --epochs 20 --curve ref.csv --out ref.model -q ||
    fail "reference run"
run "$GDTRAIN" --data "$DATA" --opt adam --lr 0.02 --epochs 20 --check-curve ref.csv --json \
    --out m2.model
stopped check_curve 1 requested null
expect_no_file m2.model "off the reference curve"

signal_during_training INT int.csv "$GDTRAIN" --data "$DATA" --opt sgd --batch-size 1 --tol 0 \
    --epochs 1000000 --curve int.csv --json --out m3.model
stopped interrupted 130 interrupted null
expect_no_file m3.model "interrupted"

# A usage error never reaches training: no JSON.
run "$GDTRAIN" --data "$DATA" --opt adam --momentum 0.9 --json
expect_status 2 "usage error"
[ ! -s "$WORK/out" ] || fail "a usage error printed JSON"
done_ok
