# The generator: data/houses.csv is exactly 'gdtrain gen --rows 2000 --seed 42'.
. "$(dirname "$0")/lib.bash"

run "$GDTRAIN" gen --rows 2000 --seed 42
expect_status 0 "gen"
cmp -s out "$SRC/data/houses.csv" || fail "gen --rows 2000 --seed 42 differs from data/houses.csv"
run "$GDTRAIN" gen
cmp -s out "$SRC/data/houses.csv" || fail "gen defaults are not rows 2000 seed 42"
run "$GDTRAIN" gen --rows 10 --seed 5 --out ten.csv
expect_status 0 "gen --out"
[ "$(wc -l <ten.csv)" -eq 11 ] || fail "10 rows plus a header"
head -1 ten.csv | grep -qx 'area_sqm,age_years,bedrooms,bathrooms,distance_km,lot_sqm,garage,price' ||
    fail "header"
run "$GDTRAIN" gen --rows 10 --seed 6
cmp -s out ten.csv && fail "another seed gives the same rows"
# A generated file trains.
run "$GDTRAIN" --data ten.csv --out ten.model --quiet
expect_status 0 "train on generated data"

done_ok
