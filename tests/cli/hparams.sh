# Hyperparameters: an option that the chosen optimizer or schedule does not
# read is a usage error naming those that read it; the man page documents
# each one as the table does (who reads it, its default).
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv
MAN=$SRC/docs/gdtrain.1

# ignored WHO ARGS...: exit 2, one error line "... does not apply ...: only WHO"
# and the hint; no model written.
ignored() {
    local who=$1
    shift
    rm -f m.model
    run "$GDTRAIN" --data "$DATA" --out m.model "$@"
    expect_status 2 "$*"
    expect_err_line "^gdtrain: error: --[a-z0-9-]+ does not apply to .*: only $who uses? it$" "$*"
    expect_err_lines 2 "$*"
    expect_no_file m.model "$*"
}
ignored "gd and sgd" --opt adam --momentum 0.9
ignored "gd and sgd" --opt adam --nesterov
ignored "rmsprop" --opt gd --alpha 0.9
ignored "adam and adamw" --opt sgd --beta1 0.8
ignored "adam and adamw" --opt rmsprop --beta2 0.99
ignored "rmsprop, adam, adamw and adagrad" --opt gd --eps 1e-6
ignored "adamw" --opt adam --weight-decay 0.1
ignored "adam and adamw" --opt rmsprop --amsgrad
ignored "adagrad" --opt adam --lr-decay 0.1
ignored "adagrad" --opt sgd --initial-accumulator 0.1
# sgd's default schedule is plateau, adam's constant.
ignored "the step schedule" --opt sgd --lr-step 5
ignored "the step schedule" --opt adam --schedule exp --lr-step 5
ignored "the step and exp schedules" --opt adam --lr-gamma 0.5
ignored "the plateau and cosine schedules" --opt adam --lr-min 0.001
ignored "the invscaling schedule" --opt adam --schedule step --lr-power 0.5
ignored "the cosine schedule" --opt rmsprop --cosine-epochs 10
# The message names the optimizer or schedule of the run.
run "$GDTRAIN" --data "$DATA" --opt adam --momentum 0.9 --nesterov
expect_err_line "^gdtrain: error: --momentum does not apply to --opt adam: only gd and sgd use it$" \
    "the message"
run "$GDTRAIN" --data "$DATA" --opt sgd --lr-step 5
expect_err_line "^gdtrain: error: --lr-step does not apply to the plateau schedule: only the step schedule uses it$" \
    "the schedule's message"

# The same options with a rule or schedule that reads them train.
applies() {
    run "$GDTRAIN" --data "$DATA" --out m.model --epochs 3 -q "$@"
    expect_status 0 "$*"
}
applies --opt gd --momentum 0.9 --nesterov
applies --opt rmsprop --alpha 0.9 --eps 1e-6
applies --opt adamw --beta1 0.8 --beta2 0.99 --weight-decay 0.1 --amsgrad
applies --opt adagrad --lr-decay 0.1 --initial-accumulator 0.1
applies --opt sgd --schedule step --lr-step 5 --lr-gamma 0.5
applies --opt adam --schedule cosine --lr-min 0.001 --cosine-epochs 10
applies --opt adam --schedule invscaling --lr-power 0.5
applies --opt sgd --lr-min 0.0001

# The man page against the table, as --help shows it: every option whose
# help names the optimizers or schedules that read it ("gd and sgd: ...")
# names each of them in its man page entry, and a numeric default in --help
# is the man page's "Default:".
run "$GDTRAIN" --help
expect_status 0 "--help"
cp "$WORK/out" help.txt
# man_entry OPTION: the text of OPTION's .TP item, roff escapes removed.
man_entry() {
    awk -v opt="$1" '
        function plain(s) {
            gsub(/\\-/, "-", s); gsub(/\\f(\[[^]]*\]|\(..|.)/, "", s); gsub(/\\&/, "", s)
            return s
        }
        /^\.(TP|PP|SH|SS)/ { if (on) exit; tag = /^\.TP/; next }
        tag { tag = 0; s = plain($0); if (s ~ ("(^|, )--" opt "( |$)")) { on = 1; next } }
        on { print plain($0) }
    ' "$MAN"
}
# The optimizers' and schedules' names, from their lists in --help.
names=" $(awk '/^(Optimizers|Schedules)/ { on = 1; next } on && /^  [a-z]/ { printf "%s ", $1 }
               /^$/ { on = 0 }' help.txt)"
[ "$names" != " " ] || fail "no optimizers or schedules in --help"
rows=0
while IFS= read -r line; do
    opt=$(sed -nE 's/^  (-., |    )--([a-z0-9-]+).*/\2/p' <<<"$line")
    text=$(sed -E 's/^  (-., |    )--[a-z0-9-]+( [^ ]+)? +//' <<<"$line")
    who=$(sed -nE 's/^([a-z, ]+| ?the [a-z, ]+ schedules?): .*/\1/p' <<<"$text")
    def=$(sed -nE 's/.*\(default: ([0-9.e+-]+)\)$/\1/p' <<<"$text")
    [ -n "$who" ] || [ -n "$def" ] || continue
    users=$(sed -E 's/^ ?the //; s/ schedules?$//; s/,| and / /g' <<<"$who")
    for name in $users; do
        [[ $names == *" $name "* ]] || { users=; break; }
    done
    [ -n "$users" ] || [ -n "$def" ] || continue
    rows=$((rows + 1))
    entry=$(man_entry "$opt")
    [ -n "$entry" ] || fail "the man page has no entry for --$opt"
    for name in $users; do
        CHECKS=$((CHECKS + 1))
        grep -qw -- "$name" <<<"$entry" || fail "the man page's --$opt does not name $name (--help: $who)"
    done
    if [ -n "$def" ]; then
        CHECKS=$((CHECKS + 1))
        grep -q "Default: $def\b" <<<"$entry" ||
            fail "the man page's --$opt does not give the default $def (--help: $text)"
    fi
done <help.txt
[ "$rows" -ge 15 ] || fail "only $rows hyperparameter rows found in --help"
done_ok
