# Categorical columns under gdtrain-mpi: the ranks agree on which columns
# are categorical and on the union of their levels (in byte order), and
# read their rows with that encoding, so the model file (levels, fills)
# and curve are gdtrain's, byte for byte: a level that only rank 0's rows
# have, missing cells under --na drop and mean, --categorical, shards. A
# column of texts in one rank's rows and numbers in another's is one error.
. "$(dirname "$0")/lib.bash"

"$GDTRAIN" gen --rows 30000 --seed 7 --categories --out cat.csv || fail "gen"
for np in 1 2 3; do
    same_as_gdtrain $np cat.csv --epochs 50 --threads 1
done
same_as_gdtrain 3 cat.csv --threads 2
same_as_gdtrain 2 cat.csv --categorical zip --epochs 50

# pool is "no" or "yes" (the field before zip, 100xx); lines 2 to 40 get a
# third level, "Aardvark" (the new reference, in rank 0's rows only), lines
# from 29000 on a fourth, "zebra" (in the last rank's only), and lines
# 15000 to 15100 "maybe", read as a missing cell.
sed -e '2,40s/,no,\(10[0-9]*\),/,Aardvark,\1,/' -e '29000,$s/,no,\(10[0-9]*\),/,zebra,\1,/' \
    -e '15000,15100s/,no,\(10[0-9]*\),/,maybe,\1,/' cat.csv >rare.csv
CHECKS=$((CHECKS + 1))
for level in Aardvark zebra maybe; do grep -q ",$level," rare.csv || fail "no $level"; done
same_as_gdtrain 3 rare.csv --na-values maybe --na drop --epochs 50
run "$GDTRAIN" --data rare.csv --na-values maybe --na drop --epochs 1 --out rare.model
CHECKS=$((CHECKS + 1))
grep -q 'Aardvark' rare.model && grep -q 'zebra' rare.model || fail "the rare levels are not in gdtrain's model"

"$GDTRAIN" gen --rows 20000 --seed 8 --categories --missing 0.02 --out missing.csv || fail "gen"
same_as_gdtrain 2 missing.csv --na drop --epochs 50
# --na mean: a last level "(missing)" where any rank's rows miss a cell.
same_as_gdtrain 3 missing.csv --na mean --epochs 50
run "$GDTRAIN" --data missing.csv --na mean --epochs 1 --out mean.model
CHECKS=$((CHECKS + 1))
grep -qF '(missing)' mean.model || fail "no (missing) level in gdtrain's model"

# Shards: pool as numbers in the first, as texts in the second.
head -n 1 cat.csv >header.csv
{ cat header.csv && sed -n '2,10001s/,\(no\|yes\),\(10[0-9]*\),/,1,\2,/p' cat.csv; } >a.csv
{ cat header.csv && sed -n '10002,$p' cat.csv; } >b.csv
mpi_run 2 --data a.csv,b.csv --out no.model
expect_said 2 3 "gdtrain: error: a.csv,b.csv: column 'pool' holds only texts in some ranks' rows and numbers in others' (gdtrain refuses such a mix too): if its values are categories, use --categorical 'pool'" \
    "numbers in one shard, texts in another"
{ cat header.csv && sed -n '2,10001p' cat.csv; } >a.csv
{ cat header.csv && tail -n +2 a.csv && tail -n +2 b.csv; } >"a.csv,b.csv"
same_as_gdtrain 2 "a.csv,b.csv" --epochs 50

done_ok
