# Missing cells under gdtrain-mpi: --na drop leaves out the rows gdtrain
# leaves out, and the fills the model file records (each column's mean of
# its present cells, rows dropped for another column's cell included) are
# gdtrain's bits, summed over the ranks in file order; so are the model and
# curve, for 1, 2 and 3 ranks, byte ranges or shards. --na-values under
# the default policy too, and --na mean, whose fills go in the cells.
. "$(dirname "$0")/lib.bash"

"$GDTRAIN" gen --rows 30000 --seed 12 --out full.csv || fail "gen"
# Cells blanked: bedrooms in every 7th line, the target (NA) in every 11th,
# age_years in lines 12000 to 21000 (the middle rank's rows, nearly all).
awk -F, -v OFS=, 'NR > 1 && NR % 7 == 0 { $3 = "" } NR > 1 && NR % 11 == 0 { $8 = "NA" }
    NR >= 12000 && NR <= 21000 { $2 = "" } { print }' full.csv >na.csv

# The counts gdtrain says, counted outside it: of lines 2 to 30001, 13636
# are a multiple of 7 or of 11 or in 12000..21000, 2727 a multiple of 11.
CHECKS=$((CHECKS + 1))
run "$GDTRAIN" --data na.csv --na drop --epochs 1
grep -q 'left out 13636 rows with missing cells (2727 for a missing target)' err ||
    { cat err >&2; fail "gdtrain's count of rows left out"; }
for np in 1 2 3; do
    same_as_gdtrain $np na.csv --na drop --epochs 50 --threads 1
done
same_as_gdtrain 3 na.csv --na drop --threads 2
# --na mean: the same fills, now in the missing cells too.
for np in 1 3; do
    same_as_gdtrain $np na.csv --na mean --epochs 50
done
# Validation rows with missing cells, read whole by every rank.
awk -F, -v OFS=, 'NR > 1 && NR % 5 == 0 { $6 = "" } { print }' full.csv | head -n 3001 >val.csv
same_as_gdtrain 2 na.csv --na drop --val val.csv --epochs 50

# Shards, one of them left without a row by --na drop.
head -n 1 na.csv >header.csv
{ cat header.csv && sed -n 2,9000p na.csv; } >a.csv
{ cat header.csv && sed -n 9001,12000p full.csv | awk -F, -v OFS=, '{ $1 = ""; print }'; } >b.csv
{ cat header.csv && sed -n 12001,30001p na.csv; } >c.csv
{ cat header.csv && tail -n +2 a.csv && tail -n +2 b.csv && tail -n +2 c.csv; } >"a.csv,b.csv,c.csv"
same_as_gdtrain 3 "a.csv,b.csv,c.csv" --na drop --epochs 50

# --na-values under the default policy: fills in the model all the same.
same_as_gdtrain 2 full.csv --na-values "?" --epochs 50

# A missing cell under --na-values, in the last rank's part.
awk -F, -v OFS=, 'NR == 25000 { $4 = "?" } { print }' full.csv >q.csv
mpi_run 3 --data q.csv --na-values "?" --out no.model
expect_said 3 3 "gdtrain: error: q.csv:25000:12: column 'bathrooms': 1 missing cell (the first here); --na drop leaves such rows out, --na mean fills them in" \
    "a missing cell in rank 2's part"

# A ragged line in the middle rank's part, under --na drop: line 15000 is
# "123.6,,4,2,10.01,332,1,326023" (29 bytes), the extra field at byte 31.
awk 'NR == 15000 { print $0 ",1"; next } { print }' na.csv >ragged.csv
mpi_run 3 --data ragged.csv --na drop --out no.model
expect_said 3 3 "gdtrain: error: ragged.csv:15000:31: expected 8 fields as in the header, found 9: extra field \"1\"" \
    "a ragged line under --na drop"

# Every row left out.
awk -F, -v OFS=, 'NR > 1 { $5 = "" } NR <= 200 { print }' full.csv >none.csv
mpi_run 2 --data none.csv --na drop --out no.model
expect_said 2 3 "gdtrain: error: none.csv: no rows left: each of the 199 rows has a missing cell (--na mean fills them in instead)" \
    "every row left out"

done_ok
