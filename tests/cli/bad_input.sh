# Every bad-input case of tests/data/bad/cases.txt: the exit status, and one
# line on stderr of the form "gdtrain: error: FILE:LINE:COL: message".
. "$(dirname "$0")/lib.bash"
BAD=$SRC/tests/data/bad
cp "$BAD"/*.csv .

while IFS='|' read -r file opts status where regex; do
    case "$file" in '#'* | '') continue ;; esac
    # shellcheck disable=SC2086 # opts is a list of words
    run "$GDTRAIN" --data "$file" $opts --out model.out
    expect_status "$status" "$file $opts"
    expect_err_lines 1 "$file $opts"
    if [ -n "$where" ]; then
        expect_err_line "^gdtrain: error: $file:$where: $regex" "$file $opts"
    else
        expect_err_line "^gdtrain: error: $file: .*$regex" "$file $opts"
    fi
    expect_no_file model.out "$file $opts: a model was written"
done <"$BAD/cases.txt"
# The same errors from standard input name "<stdin>".
run "$GDTRAIN" --data - <text.csv
expect_status 3 "stdin"
expect_err_line '^gdtrain: error: <stdin>:3:3: column .age.: expected a number' "stdin"

done_ok
