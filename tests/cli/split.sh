# gdtrain split: two parts that together are the input, row for row.
. "$(dirname "$0")/lib.bash"
DATA=$SRC/data/houses.csv

run "$GDTRAIN" split --test 0.2 --seed 5 "$DATA" train.csv test.csv
expect_status 0 "split"
expect_err_line "^gdtrain: split 2000 rows of .*houses.csv: 1600 to train.csv, 400 to test.csv$" "summary"
[ "$(wc -l <train.csv)" -eq 1601 ] || fail "train part: 1600 rows and the header"
[ "$(wc -l <test.csv)" -eq 401 ] || fail "test part: 400 rows and the header"
head -n 1 "$DATA" >header
cmp -s header <(head -n 1 train.csv) || fail "train part header"
cmp -s header <(head -n 1 test.csv) || fail "test part header"
# The union of the data rows is the input's, as a multiset of lines; and
# each part is in file order (a subsequence: rows of houses.csv are unique).
[ "$(tail -n +2 "$DATA" | sort -u | wc -l)" -eq 2000 ] || fail "houses.csv rows are not unique"
cmp -s <({ tail -n +2 train.csv; tail -n +2 test.csv; } | sort) <(tail -n +2 "$DATA" | sort) ||
    fail "the parts' rows are not the input's"
for part in train.csv test.csv; do
    awk 'NR == FNR { order[$0] = FNR; next }
         FNR > 1 { if (order[$0] <= last) exit 1; last = order[$0] }' "$DATA" "$part" ||
        fail "$part is not in file order"
done

# Same seed, same files; another seed, another test part; stdin works.
run "$GDTRAIN" split --test 0.2 --seed 5 - train2.csv test2.csv <"$DATA"
expect_status 0 "split from stdin"
cmp -s train.csv train2.csv && cmp -s test.csv test2.csv || fail "same seed, different parts"
run "$GDTRAIN" split --test 0.2 --seed 6 --quiet "$DATA" train3.csv test3.csv
expect_status 0 "split, another seed"
expect_err_lines 0 "--quiet"
cmp -s test.csv test3.csv && fail "another seed picked the same rows"
# A count.
run "$GDTRAIN" split --test 7 "$DATA" a.csv b.csv
expect_status 0 "split --test 7"
[ "$(wc -l <b.csv)" -eq 8 ] || fail "--test 7: seven test rows"

# Errors leave no files.
run "$GDTRAIN" split --test 1.5 "$DATA" x.csv y.csv
expect_status 2 "--test 1.5"
expect_err_line "^gdtrain: error: --test 1.5: " "--test 1.5 message"
run "$GDTRAIN" split --test 2000 "$DATA" x.csv y.csv
expect_status 2 "--test 2000 leaves no training rows"
run "$GDTRAIN" split "$DATA" x.csv
expect_status 2 "two files"
printf 'a,b\n1,2\n3,4,5\n' >bad.csv
run "$GDTRAIN" split bad.csv x.csv y.csv
expect_status 3 "a row with an extra field"
expect_err_line "^gdtrain: error: bad.csv:3:1: a row of 3 fields, but the header has 2$" "field count message"
run "$GDTRAIN" split "$DATA" x.csv nodir/y.csv
expect_status 4 "unwritable test part"
expect_no_file x.csv "no training part after a failure"
expect_no_file y.csv "no test part after a failure"

done_ok
