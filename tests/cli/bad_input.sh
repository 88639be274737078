# Every case of tests/data/bad/cases.txt (its header documents the format):
# training on a bad CSV file, or predicting with a bad model file, either
# fails with exit 3 (4 for I/O) and lines on stderr of the form
# "gdtrain: error: FILE:LINE:COL: message" (the first one as the case says;
# one per problem found), writing nothing; or, where the
# case says so, works (exit 0, nothing on stderr), optionally with the same
# result as another file.
. "$(dirname "$0")/lib.bash"
BAD=$SRC/tests/data/bad
cp "$BAD"/*.csv "$BAD"/*.model .
cp "$SRC/data/houses.csv" houses.csv

# Files too large to commit, made here (cases.txt names them gen_*).
# repeat TEXT N: TEXT N times, no newline.
repeat() { yes "$1" | head -n "$2" | tr -d '\n'; }
# A 16 MiB unquoted cell of letters: refused, and the message quotes only its start.
{ printf 'area,age,price\n1,2,3\n4,'; repeat x 16777216; printf ',6\n7,8,10\n'; } >gen_huge_cell.csv
# A one-megabyte number equal to 5: 0.<999999 zeros>5e1000000.
{ printf 'area,age,price\n1,2,3\n4,0.'; repeat 0 999999; printf '5e1000000,6\n7,8,10\n'; } >gen_huge_number.csv
# 20000 feature columns c1..c20000 and a target y; row i is i in every feature.
{
    awk 'BEGIN { for (i = 1; i <= 20000; i++) printf "c%d,", i; print "y" }'
    i=0
    for y in 3 6 10; do i=$((i + 1)); repeat "$i," 20000; echo "$y"; done
} >gen_wide.csv
# The same with the last row one field short: "3," 19999 times and "3" is
# 39999 bytes, so the missing field is at line 4, column 40000.
{ head -n 3 gen_wide.csv; repeat 3, 19999; echo 3; } >gen_wide_short.csv
# Two columns with the same 100000-byte name: the second starts at byte 100002.
{ repeat n 100000; printf ','; repeat n 100000; printf ',price\n1,2,3\n'; } >gen_long_name.csv

# result KIND FILE OPTS OUT: trains on FILE (KIND train) or predicts with model
# FILE (KIND predict) into OUT; for 'same:' comparisons.
result() {
    if [ "$1" = predict ]; then
        # shellcheck disable=SC2086 # opts is a list of words
        "$GDTRAIN" predict --model "$2" --data houses.csv $3 >"$4" 2>/dev/null
    else
        # shellcheck disable=SC2086
        "$GDTRAIN" --data "$2" $3 --quiet --out "$4" 2>/dev/null &&
            grep -av '^info data ' "$4" >"$4.tmp" && mv "$4.tmp" "$4"
    fi
}

ncases=0
while IFS='|' read -r file opts status where regex; do
    case "$file" in '#'* | '') continue ;; esac
    ncases=$((ncases + 1))
    what="$file $opts"
    case "$file" in
    *.model) kind=predict ;;
    *) kind=train ;;
    esac
    if [ "$status" -eq 0 ]; then
        # regex is the reason it works; where is empty or same:OTHER.
        [ -n "$regex" ] || fail "$what: a case with exit 0 needs a reason"
        if [ $kind = predict ]; then
            # shellcheck disable=SC2086
            run "$GDTRAIN" predict --model "$file" --data houses.csv $opts
            expect_status 0 "$what"
            expect_err_lines 0 "$what"
            [ "$(wc -l <out)" -eq 2000 ] || fail "$what: not 2000 predictions"
            cp out got.out
        else
            # shellcheck disable=SC2086
            run "$GDTRAIN" --data "$file" $opts --quiet --out model.out
            expect_status 0 "$what"
            expect_err_lines 0 "$what"
            expect_file model.out "$what"
            grep -av '^info data ' model.out >got.out
            rm -f model.out
        fi
        case "$where" in
        same:*)
            CHECKS=$((CHECKS + 1))
            result $kind "${where#same:}" "$opts" want.out || fail "$what: ${where#same:} fails"
            cmp -s got.out want.out || fail "$what: result differs from ${where#same:}'s"
            ;;
        '') ;;
        *) fail "$what: bad 'where' field '$where' for exit 0" ;;
        esac
        continue
    fi
    if [ $kind = predict ]; then
        # shellcheck disable=SC2086
        run "$GDTRAIN" predict --model "$file" --data houses.csv $opts
        [ -s out ] && fail "$what: predictions printed"
    else
        # shellcheck disable=SC2086
        run "$GDTRAIN" --data "$file" $opts --out model.out
        expect_no_file model.out "$what: a model was written"
    fi
    expect_status "$status" "$what"
    # One line per problem: at most 10, and one that counts the rest.
    [ "$(grep -vc '^gdtrain: error: ' err)" -eq 0 ] || fail "$what: not all error lines"
    [ "$(wc -l <err)" -le 11 ] || fail "$what: more than 11 lines on stderr"
    head -n 1 err >err.all && mv err err.full && mv err.all err
    CHECKS=$((CHECKS + 1))
    [ "$(wc -c <err)" -lt 2000 ] || fail "$what: message of $(wc -c <err) bytes"
    # A message naming houses.csv is about the data, not the model file.
    case "$where" in
    houses.csv:*) expect_err_line "^gdtrain: error: $where: $regex" "$what" ;;
    '') expect_err_line "^gdtrain: error: $file: .*$regex" "$what" ;;
    *) expect_err_line "^gdtrain: error: $file:$where: $regex" "$what" ;;
    esac
done <"$BAD/cases.txt"
[ "$ncases" -gt 100 ] || fail "only $ncases cases read from cases.txt"

# The same errors from standard input name "<stdin>".
run "$GDTRAIN" --data - <text.csv
expect_status 3 "stdin"
expect_err_line '^gdtrain: error: <stdin>:3:3: column .age.: expected a number' "stdin"

# A pipe has no size, so a last line without a line end is a writer stopped
# mid-row ("head -c", a killed program): an error, not a shorter dataset.
# Where it ends: lines = newlines in the first 1000 bytes + 1, column = the
# partial line's length + 1.
HOUSES=$SRC/data/houses.csv
cut_line=$(($(head -c 1000 "$HOUSES" | tr -cd '\n' | wc -c) + 1))
cut_col=$(($(head -c 1000 "$HOUSES" | awk 'END { print length($0) }') + 1))
[ "$cut_col" -gt 1 ] || fail "the first 1000 bytes of houses.csv end a line"
run "$GDTRAIN" --data - --out cut.model < <(head -c 1000 "$HOUSES")
expect_status 3 "pipe cut mid-row"
expect_err_line "^gdtrain: error: <stdin>:$cut_line:$cut_col: the input ended in the middle of a line" "pipe cut mid-row"
expect_no_file cut.model "pipe cut mid-row"
run "$GDTRAIN" --data <(head -c 1000 "$HOUSES") --out cut.model
expect_status 3 "process substitution cut mid-row"
expect_err_line "^gdtrain: error: /dev/fd/[0-9]+:$cut_line:$cut_col: the input ended" "process substitution cut mid-row"
expect_no_file cut.model "process substitution cut mid-row"
run "$GDTRAIN" --data - --out whole.model --epochs 5 < <(head -c 1000 "$HOUSES"; echo)
expect_status 0 "the same rows ended by a newline"
expect_file whole.model "the same rows ended by a newline"
run "$GDTRAIN" predict --model whole.model --data - --out cut.txt < <(head -c 1000 "$HOUSES")
expect_status 3 "predict from a pipe cut mid-row"
expect_err_line "^gdtrain: error: <stdin>:$cut_line:$cut_col: the input ended" "predict from a cut pipe"
expect_no_file cut.txt "predict from a pipe cut mid-row"

# Out of memory: 8 million rows from a pipe (the loader doubles its arrays as
# they come) under a 120 MB address-space limit. The exit status is the I/O
# one (4), the message says what happened. An AddressSanitizer build cannot
# start under the limit at all (it reserves terabytes of address space): there
# the check does not apply, and the plain builds run it. Any other program
# that cannot start under it is a skipped part, which CTest reports as such.
if (ulimit -v 120000 && "$GDTRAIN" --version) >/dev/null 2>"$WORK/ulimit.err"; then
    run bash -c 'ulimit -v 120000 && { echo a,b; yes 1,2 | head -n 8000000; } |
        "$0" --data - --out oom.model --threads 1' "$GDTRAIN"
    expect_status 4 "out of memory"
    expect_err_line '^gdtrain: error: <stdin>: out of memory$' "out of memory"
    expect_no_file oom.model "out of memory"
elif grep -q 'AddressSanitizer' "$WORK/ulimit.err"; then
    echo "note: an AddressSanitizer build does not start under 'ulimit -v': the out-of-memory check is left to the plain builds" >&2
else
    skip_part "gdtrain does not start under 'ulimit -v 120000': the out-of-memory check did not run"
fi

done_ok
