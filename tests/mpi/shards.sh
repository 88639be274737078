# --data as one shard a rank, a list (a.csv,b.csv,c.csv) or a pattern
# (part-%d.csv, from 0): the model file and curve are gdtrain's on the
# shards put end to end, byte for byte, for shards of unequal sizes (20000
# rows: not whole blocks of 8192; 5 rows; 17000 rows; none). The model
# file records --data as given, so gdtrain reads the concatenation from a
# file of that very name. A shard's error names the shard, its own line and
# column, once, and every rank exits with the same status.
. "$(dirname "$0")/lib.bash"

"$GDTRAIN" gen --rows 37005 --seed 11 --out all.csv || fail "gen"
head -n 1 all.csv >header.csv
# shard NAME FIRST LAST: the header and the data rows FIRST..LAST of all.csv.
shard() {
    { cat header.csv && sed -n "$(($2 + 1)),$(($3 + 1))p" all.csv; } >"$1"
}
shard a.csv 1 20000
shard b.csv 20001 20005
shard c.csv 20006 37005
cp header.csv empty.csv
cp a.csv part-0.csv
cp b.csv part-1.csv
cp c.csv part-2.csv
shard two-00.csv 1 5
shard two-01.csv 6 37005
CHECKS=$((CHECKS + 1))
[ "$(cat a.csv b.csv c.csv | wc -l)" -eq $((20001 + 6 + 17001)) ] || fail "the shards' sizes"

# whole NAME SHARD...: the shards end to end, one header, as the file NAME.
whole() {
    local name=$1
    shift
    { cat header.csv && for s in "$@"; do tail -n +2 "$s"; done; } >"$name"
}

whole "a.csv,b.csv,c.csv" a.csv b.csv c.csv
cmp -s "a.csv,b.csv,c.csv" all.csv || fail "the shards do not make up the table"
for threads in 1 2; do
    same_as_gdtrain 3 "a.csv,b.csv,c.csv" --epochs 40 --threads $threads
done
same_as_gdtrain 3 "a.csv,b.csv,c.csv" --threads 2
cp all.csv "part-%d.csv"
same_as_gdtrain 3 "part-%d.csv" --epochs 40
# A shard past the last rank's is left out, with a warning (rank 0's only).
cp c.csv part-3.csv
mpi_run 3 --data "part-%d.csv" --epochs 2 --out three.model
expect_ranks 3 0 "3 ranks, a fourth shard there"
CHECKS=$((CHECKS + 1))
[ "$(grep -c '^gdtrain: warning: --data' err)" -eq 1 ] || { cat err >&2; fail "not one warning on the shards"; }
expect_err_line "^gdtrain: warning: --data 'part-%d\.csv': part-3\.csv is not read: 3 ranks read shards 0 to 2, one a rank \(mpirun -np 4 reads it too\)$" \
    "the warning on part-3.csv"
mpi_run 1 --data "part-%d.csv" --epochs 2 --out one.model
expect_ranks 1 0 "1 rank, shards 1 to 3 there"
expect_err_line "^gdtrain: warning: --data 'part-%d\.csv': part-1\.csv is not read: 1 rank reads shard 0 only \(mpirun -np 2 reads it too\)$" \
    "the warning on part-1.csv"
rm part-3.csv
cp all.csv "two-%02d.csv"
same_as_gdtrain 2 "two-%02d.csv" --epochs 40
whole "c.csv,empty.csv,a.csv" c.csv a.csv
same_as_gdtrain 3 "c.csv,empty.csv,a.csv" --opt gd --epochs 60

# A ragged row at line 4000 of c.csv (rank 2's), counted within c.csv.
awk 'NR == 4000 { print $0 ",1"; next } { print }' c.csv >bad.csv
mpi_run 3 --data a.csv,b.csv,bad.csv --out no.model
expect_said 3 3 'gdtrain: error: bad.csv:4000:32: expected 8 fields as in the header, found 9: extra field "1"' \
    "a bad row in shard 2"

# "area_sqm,age_y" is the same in both; byte 15 is where they part.
sed '1s/age_years/age_yrs/' c.csv >renamed.csv
mpi_run 3 --data a.csv,renamed.csv,renamed.csv --out no.model
expect_said 3 3 "gdtrain: error: renamed.csv:1:15: the header differs from that of a.csv, the first shard: every shard starts with the same header line" \
    "a header unlike shard 0's"
# A rename that keeps the length: the headers agree up to "age_year" and part at column 18.
sed '1s/age_years/age_yearz/' c.csv >samelen.csv
mpi_run 3 --data a.csv,b.csv,samelen.csv --out no.model
expect_said 3 3 "gdtrain: error: samelen.csv:1:18: the header differs from that of a.csv, the first shard: every shard starts with the same header line" \
    "a header of shard 0's length, one column renamed"

mpi_run 3 --data a.csv,missing.csv,c.csv --out no.model
expect_said 3 4 "gdtrain: error: missing.csv: cannot open: No such file or directory" \
    "a missing shard"

mpi_run 2 --data empty.csv,empty.csv --out no.model
expect_said 2 3 "gdtrain: error: empty.csv,empty.csv: no data rows after the header in any of the 2 shards" \
    "only empty shards"

# One shard a rank, neither more nor fewer.
mpi_run 1 --data a.csv,b.csv,c.csv --out no.model
expect_said 1 2 "gdtrain: error: --data lists 3 shards for 1 rank: run one rank a shard (mpirun -np 3)
try 'gdtrain-mpi --help'" "3 shards on 1 rank"
mpi_run 2 --data a.csv,b.csv,c.csv --out no.model
expect_said 2 2 "gdtrain: error: --data lists 3 shards for 2 ranks: run one rank a shard (mpirun -np 3)
try 'gdtrain-mpi --help'" "3 shards on 2 ranks"
for data in "part-%x.csv" "part-%d-%d.csv" "part-100%.csv"; do
    mpi_run 2 --data "$data" --out no.model
    expect_said 2 2 "gdtrain: error: --data '$data': a pattern of shard names holds one %d (or %0Nd to pad it to N digits), replaced by the rank's number from 0; %% is a %
try 'gdtrain-mpi --help'" "the pattern $data"
done
mpi_run 2 --data a.csv,- --out no.model
expect_said 2 2 "gdtrain: error: --data 'a.csv,-': every shard in the list is a file (not an empty name, not '-')
try 'gdtrain-mpi --help'" "standard input as a shard"

# --help tells of both forms.
mpi_run 1 --help
expect_ranks 1 0 "--help"
for form in "--data SHARDS" "'a.csv,b.csv,c.csv'" "'part-%d.csv'" "from 0"; do
    CHECKS=$((CHECKS + 1))
    grep -qF -- "$form" out || { cat out >&2; fail "--help does not tell of $form"; }
done

done_ok
