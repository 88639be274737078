# A wide file: 100000 feature columns, all but ten of them constant. One
# grouped warning names the count and the first few constant columns (not
# 99990 lines), the summary equation is cut short after a dozen terms, and
# the model file keeps every weight. (Header handling is linear: the header
# is read into one buffer and its names sorted once; at this width anything
# quadratic would take minutes.)
. "$(dirname "$0")/lib.bash"
N=100000
awk -v n=$N 'BEGIN {
    for (i = 1; i <= n; i++) printf "c%d,", i; print "y"
    for (r = 1; r <= 3; r++) {
        for (i = 1; i <= n; i++) printf "%d,", (i % 10000 == 0 ? r * i / 10000 + (r == 2) : 7)
        print r * 2
    }
}' >wide.csv

# The exact optimum of 100000 features would need an 80 GB factor: the
# allocation fails, and the run trains on without the optimum, saying why.
# AddressSanitizer aborts on such a request unless told to fail it as malloc
# does.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1"
run "$GDTRAIN" --data wide.csv --epochs 5 --lr 0.01 --out wide.model
expect_status 0 "train on 100000 columns"
expect_err_line "^gdtrain: warning: no exact optimum to compare with: out of memory$" "no optimum at this width"
expect_err_line "^gdtrain: warning: 99990 features are constant \(one value in every row\): they get weight 0: 'c1', 'c2', 'c3', 'c4', 'c5' and 99985 more$" "one grouped warning"
[ "$(grep -c 'is constant\|are constant' "$WORK/err")" = 1 ] || fail "more than one constant warning"
expect_err_line "^  y = .* \+ \.\.\. \(99989 more terms; the model file has every weight\)$" "the equation, cut short"
[ "$(awk 'length > 1000' "$WORK/err" | wc -l)" = 0 ] || fail "a line of more than 1000 characters on stderr"
[ "$(grep -c '^feature ' wide.model)" = $N ] || fail "the model does not keep every weight"
[ "$(awk '$1 == "feature" && $6 == "c10000" { print ($2 != 0) }' wide.model)" = 1 ] ||
    fail "c10000 varies: its weight should not be 0"
CHECKS=$((CHECKS + 3))

# Few constant columns: each has its own line, as before.
printf 'a,b,c,y\n1,5,5,1\n2,5,5,2\n3,5,5,4\n' >few.csv
run "$GDTRAIN" --data few.csv --epochs 5 --out few.model
expect_status 0 "train with two constant columns"
expect_err_line "^gdtrain: warning: feature 'b' is constant \(5 in every row\): it gets weight 0$" "b's own line"
expect_err_line "^gdtrain: warning: feature 'c' is constant \(5 in every row\): it gets weight 0$" "c's own line"
expect_err_line "^  y = .*\*a .*\*b .*\*c$" "a short equation in full"

done_ok
