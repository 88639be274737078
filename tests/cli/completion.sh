# The bash completion (docs/gdtrain.bash-completion) completes what the
# program has: it reads the --help output, so these checks compare it with
# the program's own lists, and with the data file's header.
. "$(dirname "$0")/lib.bash"
export LC_ALL=C
# shellcheck source=../../docs/gdtrain.bash-completion
. "$SRC/docs/gdtrain.bash-completion"
# Copies of the shipped tables: what a user keeps beside them in the source
# tree (data/houses.csv.gdcache after 'gdtrain --data data/houses.csv --cache')
# is not a completion this test can expect.
mkdir -p data && cp "$SRC/data/houses.csv" "$SRC/data/houses_mixed.csv" data/ || fail "copy the tables"

# complete WORD...: the completions of the last word, one per line, in $WORK/out.
complete_words() {
    COMP_WORDS=("$GDTRAIN" "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _gdtrain
    printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort >"$WORK/out"
}
# expect_completions DESCRIPTION EXPECTED...: exactly these, in any order.
expect_completions() {
    local what=$1
    shift
    CHECKS=$((CHECKS + 1))
    printf '%s\n' "$@" | sed '/^$/d' | sort >"$WORK/expected"
    cmp -s "$WORK/out" "$WORK/expected" || {
        diff "$WORK/expected" "$WORK/out" >&2
        fail "$what: completions differ (< expected, > got)"
    }
}

complete -p gdtrain >/dev/null 2>&1 || fail "sourcing the script registers no completion"
"$GDTRAIN" --help >"$WORK/help"
mapfile -t subs < <(awk '/^Subcommands:/ { on = 1; next } on && /^ *$/ { exit }
                        on { print $1 }' "$WORK/help")
[ ${#subs[@]} -ge 4 ] || fail "too few subcommands in --help"

complete_words ""
expect_completions "subcommands" "${subs[@]}"
complete_words pre
expect_completions "a subcommand's prefix" predict

# Options: every long option of a subcommand's --help, and nothing else.
for sub in "${subs[@]}"; do
    "$GDTRAIN" "$sub" --help >"$WORK/subhelp"
    # sweep takes train's options as well as its own.
    [ "$sub" = sweep ] && "$GDTRAIN" train --help >>"$WORK/subhelp"
    mapfile -t opts < <(sed -nE 's/^  (-[A-Za-z0-9], |    )(--[A-Za-z0-9][A-Za-z0-9-]*).*/\2/p' "$WORK/subhelp" | sort -u)
    if [ "$sub" = train ]; then complete_words --; else complete_words "$sub" --; fi
    expect_completions "options of $sub" "${opts[@]}" --help
done

# Values.
mapfile -t optimizers < <(awk '/^Optimizers/ { on = 1; next } on && /^ *$/ { exit }
                              on { print $1 }' "$WORK/help")
[ ${#optimizers[@]} -ge 4 ] || fail "too few optimizers in --help"
complete_words --opt ""
expect_completions "--opt" "${optimizers[@]}"
complete_words --data data/houses.csv --opt = ""
expect_completions "--opt=" "${optimizers[@]}"
complete_words --opt ad
mapfile -t ad < <(printf '%s\n' "${optimizers[@]}" | grep '^ad')
expect_completions "--opt ad" "${ad[@]}"
complete_words --schedule ""
expect_completions "--schedule" constant plateau
complete_words plot a.csv --x ""
expect_completions "plot --x" linear log
complete_words plot a.csv --y g
expect_completions "plot --y g" gap
complete_words --data data/houses.
expect_completions "--data: file names" data/houses.csv
complete_words predict -m data/houses.
expect_completions "predict -m: file names" data/houses.csv
complete_words -d data/houses.csv --target ""
mapfile -t columns < <(head -n 1 data/houses.csv | tr , '\n')
expect_completions "--target: the data's columns" "${columns[@]}"
complete_words -d data/houses.csv --features area_sqm,ba
expect_completions "--features: the next column" area_sqm,bathrooms
complete_words --check-curve data/houses.
expect_completions "--check-curve: file names" data/houses.csv
complete_words --init-from data/houses.
expect_completions "--init-from: file names" data/houses.csv
complete_words curve-diff a.csv b.csv --columns train_loss,g
expect_completions "curve-diff --columns" train_loss,grad_norm
complete_words curve-diff data/houses.
expect_completions "curve-diff: file arguments" data/houses.csv
complete_words --data data/hou
expect_completions "--data: both shipped tables" data/houses.csv data/houses_mixed.csv
complete_words --na ""
expect_completions "--na: the policies" drop error mean
complete_words -d data/houses_mixed.csv --exclude area_sqm,n
expect_completions "--exclude: the next column" area_sqm,neighbourhood
complete_words -d data/houses_mixed.csv --categorical z
expect_completions "--categorical: a column" zip
complete_words --epochs ""
expect_completions "--epochs: a number, nothing to offer"
complete_words --no-sh
expect_completions "--no- forms of flags" --no-shuffle
complete_words --shuffle ""
expect_completions "--shuffle: its words" rows blocks
complete_words --shuffle --no-sh
expect_completions "--shuffle: options after it" --no-shuffle

done_ok
