# Categorical columns and missing cells, end to end: the exact fit against
# numpy's least squares on the one-hot design (tests/golden/encoded/, made
# by tests/golden/make_encoded_reference.py), default training against it,
# and one check per line of the man page's decisions table.
. "$(dirname "$0")/lib.bash"
MIXED=$SRC/data/houses_mixed.csv
REF=$SRC/tests/golden/encoded

# ref_value CASE KEY: a number of a reference file.
ref_value() { awk -v k="$2" '$1 == k { print $2 }' "$REF/$1.txt"; }

# rel_within A B TOL: |A - B| <= TOL |B|.
rel_within() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; exit !(d <= t * m) }'; }

# weights_match MODEL CASE TOL: every weight of the reference, by design
# column name, is within TOL of the model's, relative to max(|w|, 1).
weights_match() {
    awk -v tol="$3" '
        FNR == NR && $1 == "weight" { name = $0; sub(/^weight [^ ]+ /, "", name); want[name] = $2; next }
        FNR != NR && $1 == "feature" { name = $0; sub(/^feature [^ ]+ [^ ]+ [^ ]+ [^ ]+ /, "", name); got[name] = $2 }
        END {
            for (k in want) {
                if (!(k in got)) { print "no weight for " k; bad = 1; continue }
                d = got[k] - want[k]; if (d < 0) d = -d
                m = want[k] < 0 ? -want[k] : want[k]; if (m < 1) m = 1
                if (d > tol * m) { print k ": " got[k] " vs " want[k]; bad = 1 }
            }
            exit bad
        }' "$REF/$2.txt" "$1" >&2
}

# --- the exact fit and default training against numpy --------------------
for case in mixed_drop mixed_mean mixed_zip_drop mixed_zip_mean; do
    na=${case##*_}
    cat=""
    case $case in *zip*) cat="--categorical zip" ;; esac
    # shellcheck disable=SC2086
    run "$GDTRAIN" solve --data "$MIXED" --na "$na" $cat --out "$case.model" --json
    expect_status 0 "solve $case"
    mse=$(grep -o '"mse":[^,]*' out | cut -d: -f2)
    rel_within "$mse" "$(ref_value $case mse)" 1e-9 || fail "solve $case: MSE $mse vs numpy $(ref_value $case mse)"
    weights_match "$case.model" "$case" 1e-7 || fail "solve $case: weights differ from numpy's"
    [ "$(awk '$1 == "feature"' "$case.model" | wc -l)" -eq "$(ref_value $case columns)" ] ||
        fail "solve $case: design columns"
    # Default training, where the standardized design is well conditioned.
    awk -v c="$(ref_value $case cond)" 'BEGIN { exit !(c < 1000) }' || fail "$case: cond >= 1000"
    for opt in gd adam; do
        # shellcheck disable=SC2086
        run "$GDTRAIN" --data "$MIXED" --na "$na" $cat --opt $opt --out t.model --quiet
        expect_status 0 "train $opt $case"
        rel_within "$(model_info t.model train_mse)" "$(ref_value $case mse)" 1e-6 ||
            fail "train $opt $case: MSE $(model_info t.model train_mse) not within 1e-6"
    done
done

# --- a missing cell: the NA tokens, and what --na-values changes ----------
{
    echo "x,town,y"
    i=0
    for tok in "" NA N/A NaN nan null NULL "?"; do
        i=$((i + 1))
        echo "$tok,a,$i"
    done
    echo "1,b,9"; echo "2,a,10"; echo "3,b,12"; echo "4,a,11"
} >tokens.csv
run "$GDTRAIN" solve --data tokens.csv --out t.model
expect_status 3 "NA tokens"
expect_err_line "^gdtrain: error: tokens.csv:2:1: column 'x': 8 missing cells \(the first here\); --na drop .* --na mean" "every default token is missing"
run "$GDTRAIN" solve --data tokens.csv --na drop --out t.model
expect_status 0 "--na drop"
expect_err_line "warning: training data: left out 8 rows with missing cells" "drop says how many"
printf 'x,y\n-,1\n1,2\n2,3\n' >dash.csv
run "$GDTRAIN" solve --data dash.csv --out t.model
expect_status 3 "a dash is text"
expect_err_line "^gdtrain: error: dash.csv:2:1: column 'x': expected a number, found \"-\"" "a dash is not an NA token"
run "$GDTRAIN" solve --data dash.csv --na-values - --na drop --out t.model
expect_status 0 "--na-values -"
expect_err_line "left out 1 row with missing cells" "--na-values replaces the set"
# predict and eval have no --na: a missing cell's error names the model's
# policy instead of suggesting the option.
printf 'x,y\n1,2\n2,3\n3,5\n4,4\n' >full.csv
run "$GDTRAIN" solve --data full.csv --out e.model
expect_status 0 "a model under --na error"
for cmd in predict eval; do
    run "$GDTRAIN" "$cmd" --model e.model --data tokens.csv
    expect_status 3 "$cmd: a missing cell under the model's --na error"
    expect_err_line "^gdtrain: error: tokens.csv:2:1: column 'x': 8 missing cells \(the first here\); the model was trained with --na error; one trained with --na drop or --na mean takes such rows$" \
        "$cmd: the hint names the model's policy"
done
run "$GDTRAIN" solve --data full.csv --na drop --out d0.model
expect_status 0 "a model under --na drop"
printf 'x,y\n,1\nNA,3\n' >all_missing.csv
run "$GDTRAIN" eval --model d0.model --data all_missing.csv
expect_status 3 "eval: every row dropped"
expect_err_line "^gdtrain: error: all_missing.csv: no rows left: each of the 2 rows has a missing cell \(the model was trained with --na drop\)$" \
    "eval: no --na hint when every row is dropped"

# --- a categorical column: levels in byte order, the first the reference --
printf 'kind,area,price\nb,1,10\na,2,21\nB,3,35\nb,4,38\na,5,50\nB,6,63\nb,2,15\n' >kinds.csv
run "$GDTRAIN" solve --data kinds.csv --out k.model --json
expect_status 0 "a text column"
grep -q '"features":\["kind=a","kind=b","area"\]' out || fail "levels a and b, B the reference (byte order): $(cat out)"
grep -q '^input categorical 3 0 kind$' k.model || fail "the model lists the input"
[ "$(grep -c '^level ' k.model)" -eq 3 ] || fail "three level lines"
[ "$(grep '^level ' k.model | head -n 1)" = "level B" ] || fail "the reference is stored first"
# By hand: price = b + wa*[kind=a] + wb*[kind=b] + warea*area.
printf 'area,kind\n2.5,a\n1,B\n4,b\n' >new.csv
run "$GDTRAIN" predict --model k.model --data new.csv
expect_status 0 "predict by name, columns reordered"
awk '$1 == "intercept" { b = $2 } $1 == "feature" { w[$NF] = $2 }
     END { printf "%.17g\n%.17g\n%.17g\n", b + w["kind=a"] + 2.5 * w["area"], b + 1 * w["area"], b + w["kind=b"] + 4 * w["area"] }' k.model >hand.txt
paste out hand.txt | awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-9 * ($2 < 0 ? -$2 : $2)) exit 1 }' ||
    fail "predictions differ from encoding by hand: $(paste out hand.txt)"
# A level the training data did not have: the reference, with a count.
printf 'area,kind\n2.5,c\n1,B\n3,c\n' >unseen.csv
run "$GDTRAIN" predict --model k.model --data unseen.csv
expect_status 0 "unseen level"
expect_err_line "warning: unseen.csv: 2 rows with a level the training data did not have" "unseen rows counted"
run "$GDTRAIN" predict --model k.model --data - <unseen.csv
expect_err_line "warning: <stdin>: 2 rows with a level the training data did not have" "standard input named"
printf 'area,kind\n2.5,B\n1,B\n3,B\n' >as_ref.csv
"$GDTRAIN" predict --model k.model --data as_ref.csv >ref_pred.txt 2>/dev/null
cmp -s out ref_pred.txt || fail "an unseen level predicts as the reference level"
run "$GDTRAIN" predict --model k.model --data unseen.csv --strict
expect_status 3 "--strict"
expect_err_line "^gdtrain: error: unseen.csv:2:5: column 'kind': level \"c\" was not in the training data" "--strict names the cell"
[ -s out ] && fail "--strict printed predictions"
run "$GDTRAIN" eval --model k.model --data kinds.csv
expect_status 0 "eval with a categorical column"

# --categorical: numeric codes as levels.
printf 'zip,area,price\n100,1,10\n200,2,25\n100,3,31\n300,4,47\n200,5,52\n300,6,66\n' >zips.csv
run "$GDTRAIN" solve --data zips.csv --categorical zip --out z.model --json
expect_status 0 "--categorical"
grep -q '"features":\["zip=200","zip=300","area"\]' out || fail "zip as levels: $(cat out)"
run "$GDTRAIN" solve --data zips.csv --categorical price --out z.model
expect_status 3 "--categorical on the target"
expect_err_line "the target must be numeric" "target not categorical"

# --- numbers with a few texts: every text cell, and the hint --------------
{ echo "area,price"; for i in $(seq 1 30); do echo "$i,$((i * 3))"; done; } >typo.csv
sed -i '5s/^4,/4O,/; 9s/^8,/eight,/' typo.csv
run "$GDTRAIN" --data typo.csv --out typo.model
expect_status 3 "numbers with texts"
expect_err_line "^gdtrain: error: typo.csv:5:1: column 'area': expected a number, found \"4O\".*--categorical 'area'" "first text cell, with the hint"
expect_err_line "^gdtrain: error: typo.csv:9:1: column 'area': expected a number, found \"eight\"" "second text cell"
expect_no_file typo.model "nothing written"

# --- all the problems in one run: 10, then a count ------------------------
{ echo "a,b,price"; for i in $(seq 1 40); do echo "$i,x$i,$i"; done; echo "1,2,3"; } >many.csv
for i in $(seq 1 12); do sed -i "$((i + 1))s/^$i,/t$i,/" many.csv; done
run "$GDTRAIN" --data many.csv --out many.model
expect_status 3 "many problems"
[ "$(grep -c '^gdtrain: error: many.csv:' err)" -eq 10 ] || { cat err >&2; fail "ten problems listed"; }
expect_err_line "^gdtrain: error: \.\.\. and [0-9]+ more problems" "and a count of the rest"

# Ragged rows, a number too large and text cells join one report: the rows'
# problems by line first, then the cells'. Run with both thread counts: the
# parallel reader hands a file with such rows to the sequential one.
printf 'a,b,y\n1,2,3\n4,5\n6,x,7\n1e999,2,3\n7,8,9,10\n1,2,3\n' >rows.csv
for t in 1 2; do
    run "$GDTRAIN" --data rows.csv --out rows.model --threads $t
    expect_status 3 "ragged rows with other problems"
    cat >want <<'EOF2'
gdtrain: error: rows.csv:3:4: expected 3 fields as in the header, found 2: no value for column 'y'
gdtrain: error: rows.csv:5:1: column 'a': "1e999" is too large (overflows a double)
gdtrain: error: rows.csv:6:7: expected 3 fields as in the header, found 4: extra field "10"
gdtrain: error: rows.csv:4:3: column 'b': expected a number, found "x" (1 of its 4 cells is not a number; if the column holds categories, use --categorical 'b')
EOF2
    diff want err >&2 || fail "one report of the rows' and the cells' problems (--threads $t)"
    CHECKS=$((CHECKS + 1))
    expect_no_file rows.model "nothing written"
done
# A broken quote ends the reading (where the next record starts is unknown),
# and is the report's last problem of the rows: the line after it is not read.
printf 'a,b,y\n1,2,3\n4,5\n6,1,7\n3,"x"y,2\n7,8,9\n' >quote.csv
run "$GDTRAIN" --data quote.csv --out q.model
expect_status 3 "a ragged row and a broken quote"
expect_err_line "^gdtrain: error: quote.csv:3:4: expected 3 fields" "the ragged row"
expect_err_line "^gdtrain: error: quote.csv:5:6: text after the closing quote " "the quote, last"
[ "$(wc -l <err)" -eq 2 ] || fail "two problems: $(cat err)"
# Every row ragged: the ragged rows are the report, not "no data rows".
printf 'a,b,y\n1,2\n3\n' >allrag.csv
run "$GDTRAIN" --data allrag.csv --out q.model
expect_status 3 "every row ragged"
[ "$(grep -c 'expected 3 fields' err)" -eq 2 ] || fail "both ragged rows: $(cat err)"

# A column of texts with a few numbers: the first number's FILE:LINE:COL,
# right after a quoted field that spans two lines.
printf 'a,c,y\n1,red,3\n4,blue,5\n"6\n",green,7\n7,8,9\n1,red,3\n' >mixed.csv
run "$GDTRAIN" --data mixed.csv --out q.model
expect_status 3 "numbers among texts"
expect_err_line "^gdtrain: error: mixed.csv:6:3: column 'c' holds 1 number among 4 texts \(the first in data row 4\)" "the first number's line and column"
run "$GDTRAIN" --data - --out q.model <mixed.csv
expect_status 3 "numbers among texts, from standard input"
expect_err_line "^gdtrain: error: <stdin>:6:3: column 'c' holds 1 number among 4 texts" "the first number's place, kept while reading standard input"

# --- the level limit, and identifiers ---------------------------------------
{ echo "id,area,price"; for i in $(seq 1 250); do echo "h$i,$i,$((i * 2 + i % 7))"; done; } >ids.csv
run "$GDTRAIN" solve --data ids.csv --out ids.model
expect_status 3 "more levels than the limit"
expect_err_line "column 'id' has more than 200 different values .*--exclude 'id'.*--max-levels" "the limit, and the way out"
run "$GDTRAIN" solve --data ids.csv --exclude id --out ids.model
expect_status 0 "--exclude"
head -n 40 ids.csv >ids40.csv
run "$GDTRAIN" solve --data ids40.csv --features id,area --out ids.model --l2 1
expect_status 0 "an identifier under the limit"
expect_err_line "warning: column 'id' has a different value in nearly every row .*--exclude 'id'" "identifier warning"
{ echo "n,area,price"; for i in $(seq 1 30); do echo "$i,$((i * 7 % 11)),$((i % 5))"; done; } >rowno.csv
run "$GDTRAIN" solve --data rowno.csv --out r.model
expect_status 0 "a column counting the rows"
expect_err_line "warning: column 'n' counts the rows \(1, 2, 3, \.\.\.\): an identifier\?" "counting column warning"

# --- --na mean: the training mean and a (missing) level ---------------------
printf 'x,town,y\n1,a,3\n,b,5\n3,,8\n5,a,11\n7,b,16\n2,a,\n' >gaps.csv
run "$GDTRAIN" solve --data gaps.csv --na mean --out g.model --json
expect_status 0 "--na mean"
grep -q '"features":\["x","town=b","town=(missing)"\]' out || fail "a (missing) level, last: $(cat out)"
expect_err_line "left out 1 row with missing cells \(1 for a missing target\)" "a missing target is dropped"
# The fill is the mean of x over the rows with a target: (1 + 3 + 5 + 7) / 4.
grep -q '^input numeric 4 x$' g.model || fail "fill 4 stored: $(grep '^input' g.model)"
printf 'x,town\n,a\n4,a\n' >fill.csv
run "$GDTRAIN" predict --model g.model --data fill.csv
expect_status 0 "predict fills a missing cell"
[ "$(sed -n 1p out)" = "$(sed -n 2p out)" ] || fail "a missing x predicts as x = 4: $(cat out)"
printf 'x,town\n3,\n3,NA\n' >fill2.csv
run "$GDTRAIN" predict --model g.model --data fill2.csv
expect_status 0 "predict: a missing level"
[ "$(sed -n 1p out)" = "$(sed -n 2p out)" ] || fail "both missing cells read as (missing)"
# With --val-split the fill is the mean of the training rows alone: x is a
# distinct power of two in each row but one, so the fill times the count of
# training rows with an x must be a sum of that many distinct powers of two
# (the mean over all nine present cells, 511/9, is not one).
{ echo "x,y"; for i in 0 1 2 3 4 5 6 7 8; do echo "$((1 << i)),$((i * 3 + 1))"; done; echo ",5"; } >pow.csv
run "$GDTRAIN" --data pow.csv --na mean --val-split 0.3 --out pow.model
expect_status 0 "--val-split with --na mean"
fill=$(awk '$1 == "input" && $2 == "numeric" { print $3 }' pow.model)
awk -v f="$fill" 'BEGIN { for (c = 1; c <= 9; c++) { s = f * c; if (s != int(s)) continue
        bits = 0; for (v = s; v > 0; v = int(v / 2)) bits += v % 2; if (bits == c && c < 9) ok = 1 }
        exit !ok }' || fail "--val-split: the fill $fill is not a mean of training rows alone"
CHECKS=$((CHECKS + 1))

# Trained with --na drop, a row the model cannot fill predicts NA.
run "$GDTRAIN" solve --data gaps.csv --na drop --out d.model
expect_status 0 "--na drop with categories"
run "$GDTRAIN" predict --model d.model --data fill.csv
expect_status 0 "predict under drop"
[ "$(sed -n 1p out)" = NA ] || fail "an incomplete row predicts NA: $(cat out)"
expect_err_line "^gdtrain: warning: fill.csv: 1 row predicted NA \(a missing cell that the model, trained with --na drop, does not fill\)$" \
    "predict counts its NA rows"

# --- the target must be numeric ----------------------------------------------
printf 'x,y\n1,a\n2,b\n' >texty.csv
run "$GDTRAIN" solve --data texty.csv --out t.model
expect_status 3 "a text target"
expect_err_line "^gdtrain: error: texty.csv:2:3: column 'y': expected a number, found \"a\" \(the target must be numeric\)" "target message"

# --- the unnamed first column: pandas' index ---------------------------------
awk -F, 'NR == 1 { print "," $0; next } { print NR - 2 "," $0 }' "$SRC/data/houses.csv" >indexed.csv
run "$GDTRAIN" solve --data indexed.csv --out i.model
expect_status 0 "an index column"
expect_err_line "warning: column 1 has no name and counts the rows \(0, 1, \.\.\.\): read as a row index and left out" "index note"
"$GDTRAIN" solve --data "$SRC/data/houses.csv" --out plain.model --quiet
cmp -s <(grep '^feature' i.model) <(grep '^feature' plain.model) || fail "the index changes the model"
awk -F, 'NR == 1 { print "area,," $2 ",price"; next } { print $1 ",7," $2 "," $8 }' "$SRC/data/houses.csv" >unnamed.csv
run "$GDTRAIN" solve --data unnamed.csv --out u.model
expect_status 3 "an unnamed column"
expect_err_line "^gdtrain: error: unnamed.csv:1:6: column 2 of the header has an empty name; name it, or leave it out with --exclude '#2'" "unnamed column message"
run "$GDTRAIN" solve --data unnamed.csv --exclude '#2' --out u.model
expect_status 0 "--exclude #2"

# --- decimal commas ---------------------------------------------------------
tr ',.' ';,' <kinds.csv >kinds_eu.csv
run "$GDTRAIN" solve --data kinds_eu.csv --delimiter ';' --decimal , --out eu.model
expect_status 0 "--decimal ,"
cmp -s <(grep '^feature' eu.model) <(grep '^feature' k.model) || fail "--decimal , reads the same numbers"
run "$GDTRAIN" solve --data kinds.csv --decimal , --out eu.model
expect_status 2 "--decimal , with comma fields"

# --- everywhere the data goes -----------------------------------------------
run "$GDTRAIN" --data "$MIXED" --na mean --val-split 0.2 --out v.model --quiet --json
expect_status 0 "--val-split with categories"
grep -q '"neighbourhood=Brookside"' out || fail "--json names design columns"
head -n 1500 "$MIXED" >train_part.csv
{ head -n 1 "$MIXED"; tail -n +1501 "$MIXED"; } >val_part.csv
run "$GDTRAIN" --data train_part.csv --val val_part.csv --na mean --out v.model --quiet
expect_status 0 "--val with categories"
run "$GDTRAIN" eval --model v.model --data val_part.csv
expect_status 0 "eval of an encoded model"
run "$GDTRAIN" --data "$MIXED" --na drop --epochs 5 --checkpoint ck.txt --out c.model --quiet
expect_status 0 "checkpoint with categories"
run "$GDTRAIN" --resume ck.txt --epochs 10 --out c2.model --quiet
expect_status 0 "resume with categories"

done_ok
