# --json: one valid JSON object on stdout, agreeing with the model file; and
# the checker itself rejects what is not JSON.
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv
[ -x "${JSONCHECK:-}" ] || fail "JSONCHECK is not set to the jsoncheck tool"

# The checker must be able to fail.
for bad in '{"a":1,}' '{"a":NaN}' '{"a":01}' '[1 2]' '{"a":"x}' '{a:1}' '{"a":1} x'; do
    printf '%s\n' "$bad" >bad.json
    "$JSONCHECK" bad.json 2>/dev/null && fail "jsoncheck accepted $bad"
done
printf '{"a":{"b":[1,{"c":"d"}]},"e":-1.5e-3}\n' >good.json
[ "$("$JSONCHECK" good.json a.b.1.c e)" = '"d"
-1.5e-3' ] || fail "jsoncheck paths"

run "$GDTRAIN" --data "$DATA" --opt rmsprop --json --out m.model
expect_status 0 "--json"
cp out run.json
[ "$(wc -l <run.json)" -eq 1 ] || fail "--json is one line"
"$JSONCHECK" run.json >/dev/null || fail "--json output is not valid JSON"
j() { "$JSONCHECK" run.json "$1"; }
[ "$(j command)" = '"train"' ] || fail "command"
[ "$(j options.opt)" = '"rmsprop"' ] || fail "options.opt"
[ "$(j options.lr)" = "$(model_info m.model lr)" ] || fail "options.lr"
[ "$(j options.batch_size)" = 2000 ] || fail "defaults filled in: batch_size"
[ "$(j options.shuffle)" = true ] || fail "defaults filled in: shuffle"
[ "$(j epochs)" = "$(model_info m.model epochs)" ] || fail "epochs"
[ "$(j stop_reason)" = "\"$(model_info m.model stop_reason)\"" ] || fail "stop_reason"
[ "$(j train_mse)" = "$(model_info m.model train_mse)" ] || fail "train_mse"
[ "$(j optimum_mse)" = "$(model_info m.model optimum_mse)" ] || fail "optimum_mse"
[ "$(j gap)" = "$(model_info m.model gap)" ] || fail "gap"
[ "$(j val_mse)" = null ] || fail "val_mse without validation"
[ "$(j intercept)" = "$(awk '$1 == "intercept" { print $2 }' m.model)" ] || fail "intercept"
# Every weight, by name, as in the model file.
while read -r _ w _ _ _ name; do
    [ "$(j "weights.$name")" = "$w" ] || fail "weight of $name: $(j "weights.$name") vs $w"
done < <(grep '^feature ' m.model)
[ "$(j features.0)" = '"area_sqm"' ] || fail "features.0"
"$JSONCHECK" run.json seconds.load seconds.train seconds.total >/dev/null || fail "seconds"

# With validation: val_mse is a number.
run "$GDTRAIN" --data "$DATA" --val-split 0.25 --json --out v.model --quiet
expect_status 0 "--json --val-split"
[ "$("$JSONCHECK" out rows)" = 1500 ] || fail "rows after the split"
"$JSONCHECK" out val_mse | grep -Eq '^[0-9.e+]+$' || fail "val_mse is not a number"

# Every hyperparameter of the table is in options, under the key of its
# model-file info line (a missing row would go unnoticed by scripts), and a
# seed above 2^63 is written as the seed, not wrapped to a negative number
# or rounded through a double.
run "$GDTRAIN" --data "$DATA" --opt adam --schedule cosine --seed 18446744073709551615 \
    --shuffle blocks --batch-size 8 --epochs 2 --json --out big.model --quiet
expect_status 0 "--seed 2^64-1"
[ "$("$JSONCHECK" out options.seed)" = 18446744073709551615 ] ||
    fail "JSON seed: $("$JSONCHECK" out options.seed)"
[ "$(model_info big.model seed)" = 18446744073709551615 ] || fail "model info seed"
[ "$("$JSONCHECK" out options.shuffle_blocks)" = true ] || fail "JSON shuffle_blocks"
[ "$("$JSONCHECK" out options.cosine_epochs)" = 2 ] || fail "JSON cosine_epochs: --epochs"
for key in lr batch_size epochs momentum nesterov alpha beta1 beta2 eps weight_decay amsgrad \
    lr_decay initial_accumulator seed shuffle tol patience stall_tol stall_epochs grad_tol l2 \
    l1 no_intercept lr_min lr_step lr_gamma lr_power cosine_epochs; do
    "$JSONCHECK" out "options.$key" >/dev/null || fail "options.$key missing"
done

# solve --json: valid, and its optimum is the one training reports.
run "$GDTRAIN" solve --data "$DATA" --json --out s.model --quiet
expect_status 0 "solve --json"
"$JSONCHECK" out >/dev/null || fail "solve --json is not valid JSON"
[ "$("$JSONCHECK" out mse)" = "$(model_info m.model optimum_mse)" ] || fail "solve mse vs train optimum_mse"
[ "$("$JSONCHECK" out rank)" = 8 ] || fail "solve rank"
[ "$("$JSONCHECK" out weights.garage)" = "$(awk '$6 == "garage" { print $2 }' s.model)" ] ||
    fail "solve weight vs its model file"

# Numbers are the shortest decimal that reads back as the same double: 0.99,
# not 0.98999999999999999 (%.17g), in JSON, the model's info and its lines.
run "$GDTRAIN" --data "$DATA" --opt sgd --momentum 0.99 --lr 0.001 --epochs 3 --json \
    --out short.model --quiet
expect_status 0 "--momentum 0.99"
[ "$("$JSONCHECK" out options.momentum)" = 0.99 ] || fail "JSON momentum: $("$JSONCHECK" out options.momentum)"
[ "$("$JSONCHECK" out options.lr)" = 0.001 ] || fail "JSON lr: $("$JSONCHECK" out options.lr)"
[ "$(model_info short.model momentum)" = 0.99 ] || fail "model info momentum"
# No number in the model file has more digits than it needs: none reads back
# (awk: strtod) as the same double when written with %.15g or %.16g and is
# shorter so.
awk '$1 == "feature" || $1 == "intercept" || $1 == "target_scaling" || $1 == "bias_std" {
        for (k = 2; k <= NF; k++) if ($k ~ /^-?[0-9]/) {
            n++
            for (p = 15; p <= 16; p++) {
                s = sprintf("%." p "g", $k)
                if (s + 0 == $k + 0 && length(s) < length($k)) { print $k " could be " s; bad = 1 }
            }
        }
    }
    END { if (n < 10) { print "only " n " numbers"; bad = 1 } exit bad }' short.model >nums ||
    fail "model numbers: $(head -3 nums)"

done_ok
