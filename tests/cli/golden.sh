# Golden trajectories through the command line: for every tests/golden/*.csv
# (made by tests/golden/make_golden.py, an independent float64 reference of
# torch.optim), train on tests/golden/houses200.csv with the flags on the
# file's '# cli:' line and every stopping rule and schedule turned off, then
# compare, at 1e-12 relative, each epoch's train_loss in the --curve file with
# the golden one; and, in the model file, train_mse with the last golden epoch
# and the standardized parameters (w_std, bias_std) with <variant>.params at
# 1e-10 relative to max(1, |a|, |b|).
. "$(dirname "$0")/lib.bash"
GOLDEN=$SRC/tests/golden
DATA=$GOLDEN/houses200.csv

# The curve comparison needs --curve FILE (header epoch,train_loss,...).
run "$GDTRAIN" --help
HAVE_CURVE=0
grep -Eq -- '^ +(-[a-zA-Z], )?--curve ' "$WORK/out" && HAVE_CURVE=1
# Without it the per-epoch losses would go unchecked: that is a failure, not
# a note (the option's line in --help may have changed its form).
[ "$HAVE_CURVE" -eq 1 ] || fail "no --curve option in gdtrain --help: the per-epoch losses cannot be compared"

# rel_check TOL FLOOR A_FILE B_FILE WHAT: A_FILE and B_FILE have lines
# "KEY VALUE"; every key of B must be in A with |a - b| / max(FLOOR, |a|, |b|)
# <= TOL, and A must have no other keys. Prints the largest difference.
rel_check() {
    CHECKS=$((CHECKS + 1))
    awk -v tol="$1" -v floor="$2" -v what="$5" '
        function abs(v) { return v < 0 ? -v : v }
        NR == FNR { a[$1] = $2; na++; next }
        {
            nb++
            if (!($1 in a)) { printf "%s: %s missing\n", what, $1; bad = 1; next }
            x = a[$1] + 0; y = $2 + 0
            s = abs(x) > abs(y) ? abs(x) : abs(y)
            if (s < floor) s = floor
            r = s > 0 ? abs(x - y) / s : 0
            if (r > worst) worst = r
            if (!(r <= tol)) { printf "%s: %s: %.17g vs golden %.17g (rel %.3g)\n", what, $1, x, y, r; bad = 1 }
        }
        END {
            if (na != nb) { printf "%s: %d values, golden has %d\n", what, na, nb; bad = 1 }
            printf "  %s: %d values, max rel diff %.3g\n", what, nb, worst
            exit bad
        }' "$3" "$4" || fail "$5 differs from the golden values"
}

n=0
for g in "$GOLDEN"/*.csv; do
    name=$(basename "$g" .csv)
    [ "$name" = houses200 ] && continue
    n=$((n + 1))
    flags=$(sed -n 's/^# cli: //p' "$g")
    [ -n "$flags" ] || fail "$name: no '# cli:' line"
    curve_flag=""
    [ "$HAVE_CURVE" -eq 1 ] && curve_flag="--curve $name.curve.csv"
    # shellcheck disable=SC2086 # the flags are words
    run "$GDTRAIN" --data "$DATA" $flags --tol 0 --grad-tol 0 --no-shuffle \
        --schedule constant $curve_flag --out "$name.model" --quiet
    expect_status 0 "$name: train"
    expect_err_lines 0 "$name: --quiet"
    echo "$name: $flags"

    # Golden curve as "epoch loss" lines.
    awk -F, '/^#/ || $1 == "epoch" { next } { print $1, $2 }' "$g" >"$name.want"
    epochs=$(wc -l <"$name.want")
    [ "$(model_info "$name.model" epochs)" = "$epochs" ] || fail "$name: epochs in the model"
    tail -n 1 "$name.want" | awk '{ print "train_mse", $2 }' >"$name.want_mse"
    echo "train_mse $(model_info "$name.model" train_mse)" >"$name.got_mse"
    rel_check 1e-12 0 "$name.got_mse" "$name.want_mse" "$name train_mse"

    if [ "$HAVE_CURVE" -eq 1 ]; then
        expect_file "$name.curve.csv" "$name: curve file"
        CHECKS=$((CHECKS + 1))
        [ "$(head -n 1 "$name.curve.csv" | cut -d, -f1-2)" = "epoch,train_loss" ] ||
            fail "$name: curve header: $(head -n 1 "$name.curve.csv")"
        awk -F, 'NR > 1 { print $1, $2 }' "$name.curve.csv" >"$name.got"
        rel_check 1e-12 0 "$name.got" "$name.want" "$name curve"
    fi

    # Standardized parameters: w_std by feature name, then the bias.
    awk -F, '/^#/ { next } { print $1, $2 }' "$GOLDEN/$name.params" >"$name.want_params"
    awk '$1 == "feature" { print $6, $3 } $1 == "bias_std" { print "bias", $2 }' \
        "$name.model" >"$name.got_params"
    rel_check 1e-10 1 "$name.got_params" "$name.want_params" "$name params"
done
CHECKS=$((CHECKS + 1))
[ "$n" -ge 6 ] || fail "only $n golden files in $GOLDEN"

# Every variant the reference script makes must have been run above (a
# missing file would otherwise only lower the count).
for name in gd sgd sgd_momentum sgd_nesterov gd_nesterov rmsprop rmsprop_b32 \
    adam adam_b32 adamw adamw_wd adamw_b32 adam_amsgrad adam_amsgrad_b32 \
    adamw_amsgrad adamw_amsgrad_b32 adagrad_b32 adagrad_decay adagrad_decay_b32; do
    expect_file "$GOLDEN/$name.csv" "golden variant $name"
    expect_file "$name.model" "golden variant $name run"
done

done_ok
