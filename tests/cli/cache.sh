# The binary cache from the command line: a run that reads the cache writes
# the same model file and messages as a run that parses; a changed source
# (one digit, size and time put back), changed load options and every kind
# of damaged cache are noticed, said in a note, and rebuilt; two writers at
# once; a full disk; --no-cache; gdtrain cache; --val-split on an encoded
# table, which splits the rows before encoding. A run that trains on all
# rows standardized the usual way maps the cache's standardized section;
# the others (--val-split, --no-intercept) read its rows: both give the
# parsing run's model.
. "$(dirname "$0")/lib.bash"
cp "$SRC/data/houses.csv" "$SRC/data/houses_mixed.csv" .

# masked FILE: stderr with the run's durations and model file blanked.
masked() { sed -E 's/[0-9]+\.[0-9]+ s\b/# s/g; s/written to [^ ]+\.model/written to #/' "$1"; }

# same_run DESCRIPTION REF: the last run wrote REF's model and messages.
same_run() {
    expect_status 0 "$1"
    CHECKS=$((CHECKS + 1))
    cmp -s "$2.model" run.model || fail "$1: the model file differs from the parsing run's"
    diff <(masked "$2.err") <(masked "$WORK/err") >&2 || fail "$1: the messages differ"
}

# parse_ref NAME ARGS...: a run without the cache, the reference.
parse_ref() {
    local name=$1
    shift
    "$GDTRAIN" "$@" --out "$name.model" 2>"$name.err" || fail "reference run $name"
}

# ---- numeric table: writing, then reading, give the parsing run's bits
T=(--data houses.csv --opt gd --epochs 50 --tol 0)
parse_ref plain "${T[@]}"
run "$GDTRAIN" "${T[@]}" --cache --out run.model
same_run "the run that writes the cache" plain
expect_file houses.csv.gdcache "the cache beside the data"
run "$GDTRAIN" "${T[@]}" --cache --out run.model
same_run "the run that reads the cache" plain

# ---- the exact optimum the cache keeps (solved when it was written): the
# run that reads it reports the parsing run's optimum, gap and R^2 to the
# last digit, verbose (solved before the first epoch) or not (beside it)
J=(--data houses.csv --opt adam --epochs 20 --tol 0 --json --out /dev/null)
unseconds() { sed -E 's/"seconds":\{[^}]*\}//; s/"(data|model)":"[^"]*"//g'; }
"$GDTRAIN" "${J[@]}" 2>/dev/null | unseconds >parsed.json
for extra in "" --verbose "--l2 0.1"; do
    "$GDTRAIN" "${J[@]}" $extra 2>/dev/null | unseconds >want.json
    "$GDTRAIN" "${J[@]}" $extra --cache opt.gdcache 2>/dev/null | unseconds >got.json
    CHECKS=$((CHECKS + 1))
    grep -q '"optimum_mse":[0-9]' got.json || fail "${extra:-default}: no optimum in the JSON"
    cmp -s want.json got.json || fail "${extra:-default}: the cached run's JSON differs: $(diff want.json got.json)"
done
# kept by a 1-thread run, read by a 2-thread one: the 2-thread parse's numbers
rm -f opt.gdcache
"$GDTRAIN" "${J[@]}" --threads 1 --cache opt.gdcache >/dev/null 2>&1 || fail "the 1-thread writer"
"$GDTRAIN" "${J[@]}" --threads 2 2>/dev/null | unseconds >want.json
"$GDTRAIN" "${J[@]}" --threads 2 --cache opt.gdcache 2>/dev/null | unseconds >got.json
CHECKS=$((CHECKS + 1))
cmp -s want.json got.json || fail "the optimum kept at 1 thread, read at 2: $(diff want.json got.json)"

# ---- the runs that read the standardized section (--val FILE, --l2) and
# those that read the rows (--no-intercept, --val-split), each after a run
# of the other kind wrote the cache, and after its own
head -n 1500 houses.csv >train.csv
{ head -n 1 houses.csv; tail -n 500 houses.csv; } >val.csv
for args in "--val val.csv" "--l2 0.3" "--no-intercept" "--val-split 0.25" \
    "--no-intercept --val val.csv --opt adam"; do
    read -r -a A <<<"$args"
    V=(--data train.csv --opt gd --epochs 30 --tol 0 "${A[@]}")
    parse_ref variant "${V[@]}"
    for first in "" "--no-intercept" ""; do
        "$GDTRAIN" --data train.csv --epochs 2 $first --cache v.gdcache --out /dev/null 2>/dev/null ||
            fail "a first run $first"
        run "$GDTRAIN" "${V[@]}" --cache v.gdcache --out run.model
        same_run "$args, the cache written by a run ${first:-standardizing}" variant
    done
done

# ---- categorical columns and missing cells: the encoding and the notes
M=(--data houses_mixed.csv --na drop --categorical garage --opt adam)
parse_ref mixed "${M[@]}"
grep -q 'warning' mixed.err || fail "the mixed table gives no warning to compare"
for what in writes reads; do
    run "$GDTRAIN" "${M[@]}" --cache mixed.gdcache --out run.model
    same_run "mixed table, the run that $what the cache" mixed
done
M2=(--data houses_mixed.csv --na mean --opt adam)
parse_ref mixed_mean "${M2[@]}"
run "$GDTRAIN" "${M2[@]}" --cache mixed.gdcache --out run.model
expect_err_line "^gdtrain: note: the cache 'mixed.gdcache' was made with other load options: it is rebuilt$" \
    "options changed"
run "$GDTRAIN" "${M2[@]}" --cache mixed.gdcache --out run.model
same_run "changed options, then read" mixed_mean

# ---- --val-split on an encoded table: the levels, the --na mean fills and
# the rows --na drop leaves out come from the training rows alone, as in
# the parsing run (the cache holds the table encoded from every row, which
# would let the validation rows in)
for na in drop mean; do
    S=(--data houses_mixed.csv --na "$na" --val-split 0.3 --opt adam --epochs 200)
    parse_ref "split_$na" "${S[@]}"
    grep -q 'held out by --val-split' "split_$na.err" || fail "split_$na: no rows held out"
    for what in writes reads; do
        run "$GDTRAIN" "${S[@]}" --cache "split_$na.gdcache" --out run.model
        same_run "--val-split --na $na, the run that $what the cache" "split_$na"
    done
done

# ---- solve reads it too
parse_ref solved solve --data houses.csv
run "$GDTRAIN" solve --data houses.csv --cache --out run.model
same_run "solve" solved

# ---- one digit changed, the size and modification time put back
cp houses.csv stale.csv
touch -r houses.csv stale.csv
"$GDTRAIN" "${T[@]/houses.csv/stale.csv}" --cache --out /dev/null 2>/dev/null
sed -i '2s/^\([0-9]\)[0-9]/\19/' stale.csv # the second digit of the first row
touch -r houses.csv stale.csv
cmp -s houses.csv stale.csv && fail "the digit did not change"
[ "$(stat -c %s houses.csv)" = "$(stat -c %s stale.csv)" ] || fail "the size changed"
parse_ref stale "${T[@]/houses.csv/stale.csv}" --no-cache
cmp -s plain.model stale.model && fail "the changed digit changes nothing"
run "$GDTRAIN" "${T[@]/houses.csv/stale.csv}" --cache --out run.model
expect_err_line "^gdtrain: note: the cache 'stale.csv.gdcache' was made from another file or an older 'stale.csv': it is rebuilt$" \
    "a stale cache"
cmp -s stale.model run.model || fail "a stale cache: the model is not the new file's"
run "$GDTRAIN" "${T[@]/houses.csv/stale.csv}" --cache --out run.model
same_run "the rebuilt cache" stale

# ---- another file's cache: the note does not call it a change of the file
cp stale.csv.gdcache other.gdcache
run "$GDTRAIN" "${T[@]}" --cache other.gdcache --out run.model
expect_err_line "^gdtrain: note: the cache 'other.gdcache' was made from another file or an older 'houses.csv': it is rebuilt$" \
    "another file's cache"
cmp -s plain.model run.model || fail "another file's cache: the model is not this file's"

# ---- damaged caches: each is said, rebuilt, and never trusted
# spoil HOW: damages houses.csv.gdcache (a good one) in one way.
spoil() {
    local c=houses.csv.gdcache
    case $1 in
    truncated) truncate -s -100 $c ;;
    payload) printf '\377' | dd of=$c bs=1 seek=5000 conv=notrunc status=none ;;
    header) printf '\377' | dd of=$c bs=1 seek=60 conv=notrunc status=none ;;
    magic) printf 'X' | dd of=$c bs=1 seek=0 conv=notrunc status=none ;;
    version) printf '\001' | dd of=$c bs=1 seek=8 conv=notrunc status=none ;;
    endian) printf '\001\002\003\004\005\006\007\010' | dd of=$c bs=1 seek=16 conv=notrunc status=none ;;
    zx) flip_at $c $(($(word $c 160) + 77)) ;;
    zy) flip_at $c $(($(word $c 168) + 8 * 1999 + 3)) ;;
    stats) flip_at $c $(($(word $c 176) + 8 * 7)) ;;
    esac
}
# word FILE OFFSET: the header's 64-bit word at OFFSET (zx_offset at 160,
# zy_offset 168, scaling_offset 176: src/data/cache.c's header).
word() { od -An -t u8 -j "$2" -N 8 "$1" | tr -d ' '; }
# flip_at FILE OFFSET: one byte of FILE turned to another.
flip_at() {
    local b
    b=$(od -An -t u1 -j "$2" -N 1 "$1" | tr -d ' ')
    printf "\\$(printf %03o $((255 - b)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
for how in truncated payload header magic version endian zx zy stats; do
    # The rows themselves are read by runs that standardize otherwise.
    R=("${T[@]}")
    ref=plain
    [ $how = payload ] && R+=(--no-intercept) && ref=origin
    [ $how = payload ] && parse_ref origin "${R[@]}"
    case $how in
    truncated) why='truncated: [0-9]+ bytes, the header says [0-9]+' ;;
    payload) why='block 1 of 1: its checksum does not match' ;;
    zx) why='block 1 of 1 of the standardized X: its checksum does not match' ;;
    zy) why='block 1 of 1 of the standardized y: its checksum does not match' ;;
    stats) why="the standardization statistics' checksum does not match" ;;
    header) why="the header's checksum does not match: the header is damaged" ;;
    magic) why='not a gdtrain cache: it does not start with GDTCACHE' ;;
    version) why='cache format version 1; this gdtrain reads version 2' ;;
    endian) why='written on a machine of the other byte order' ;;
    esac
    spoil $how
    run "$GDTRAIN" "${R[@]}" --cache --out run.model
    expect_status 0 "a $how cache"
    expect_err_line "^gdtrain: note: the cache 'houses.csv.gdcache' cannot be used \($why\): it is rebuilt$" \
        "a $how cache"
    cmp -s $ref.model run.model || fail "a $how cache: the model differs"
    run "$GDTRAIN" "${R[@]}" --cache --out run.model
    same_run "after a $how cache, the rebuilt one" $ref
done

# ---- --no-cache: neither read nor written
spoil payload
cp houses.csv.gdcache spoilt.copy
run "$GDTRAIN" "${T[@]}" --cache --no-cache --out run.model
same_run "--no-cache" plain
cmp -s houses.csv.gdcache spoilt.copy || fail "--no-cache touched the cache"
run "$GDTRAIN" "${T[@]}" --no-cache --cache=other.gdcache --out run.model
expect_status 0 "--cache after --no-cache"
expect_file other.gdcache "the later --cache wins"

# ---- gdtrain cache
run "$GDTRAIN" cache houses.csv
expect_status 0 "gdtrain cache"
size=$(stat -c %s houses.csv.gdcache)
expect_err_line "^gdtrain: cache houses.csv.gdcache: 2000 rows, 7 columns, $size bytes$" "its report"
run "$GDTRAIN" "${T[@]}" --cache --out run.model
same_run "a cache from gdtrain cache" plain
run "$GDTRAIN" cache --data houses_mixed.csv --na drop --categorical garage -o built.gdcache
expect_status 0 "gdtrain cache with load options"
expect_err_line '^gdtrain: cache built.gdcache: 1643 rows, 21 columns, [0-9]+ bytes$' "its report"
run "$GDTRAIN" "${M[@]}" --cache built.gdcache --out run.model
same_run "a cache with load options from gdtrain cache" mixed
run "$GDTRAIN" cache - <houses.csv
expect_status 2 "gdtrain cache of standard input"
run "$GDTRAIN" cache houses.csv --data houses.csv
expect_status 2 "two data files"
run "$GDTRAIN" "${T[@]}" --cache houses.csv
expect_status 2 "a cache that is the data file"
cmp -s houses.csv "$SRC/data/houses.csv" || fail "the data file was overwritten"

# ---- gdtrain cache checks where it writes before it parses, and says so once
mkdir -p folder
run "$GDTRAIN" cache houses.csv --out folder
expect_status 4 "gdtrain cache --out a folder"
expect_err_line "^gdtrain: error: folder: cannot write: it is an existing folder; give --out a file name in it$" \
    "its error"
run "$GDTRAIN" cache houses.csv --out no-such-folder/c.gdcache
expect_status 4 "gdtrain cache --out in a missing folder"
expect_err_line "^gdtrain: error: no-such-folder/c.gdcache: cannot write in folder 'no-such-folder': No such file or directory; give --out a path where you can write$" \
    "its error"
grep -q 'note' "$WORK/err" && fail "gdtrain cache --out in a missing folder: a note besides the error"

# ---- where no cache can be written, the run goes on; standard input
run "$GDTRAIN" "${T[@]}" --cache no-such-folder/c.gdcache --out run.model
expect_status 0 "an unwritable cache folder"
expect_err_line "^gdtrain: note: no cache is written \(no-such-folder/c.gdcache: cannot create a temporary file in folder 'no-such-folder': .*\): the run goes on without it$" \
    "its note"
cmp -s plain.model run.model || fail "an unwritable cache folder: the model differs"
# A folder is no cache, and none can be written there: the note says so, not "rebuilt".
mkdir -p afolder
run "$GDTRAIN" "${T[@]}" --cache afolder --out run.model
expect_status 0 "a folder as the cache"
expect_err_line "^gdtrain: note: the cache 'afolder' cannot be used \(not a regular file\); no cache is written \(.*\): the run goes on without it$" \
    "its note"
grep -q 'rebuilt' "$WORK/err" && fail "a folder as the cache: the note says rebuilt"
run "$GDTRAIN" --data - --opt gd --epochs 50 --tol 0 --cache --out run.model <houses.csv
expect_status 0 "standard input with --cache"
expect_err_line '^gdtrain: note: standard input is read without a cache$' "its note"

# ---- a full disk while the cache is written: exit 4, the source untouched
if [ -c /dev/full ]; then
    cp houses.csv before.csv
    rm -f run.model
    run "$GDTRAIN" "${T[@]}" --cache /dev/full --out run.model
    expect_status 4 "a full disk"
    expect_err_line '^gdtrain: error: /dev/full: cannot write the cache: No space left on device$' \
        "its message"
    cmp -s houses.csv before.csv || fail "a full disk: the source changed"
    expect_no_file run.model "a full disk: a model"
    [ -c /dev/full ] || fail "/dev/full is no longer a device"
else
    skip_part "/dev/full is missing"
fi

# ---- a --cache PATH that holds something else (the data file itself, as a
# slip of the keyboard gives it) is left as it is: the run goes on without
# the cache, gdtrain cache refuses it (exit 2); an empty file is taken, and so is a
# damaged cache named *.gdcache (above)
cp houses.csv table.csv
parse_ref plain --data houses.csv
run "$GDTRAIN" --data houses.csv --cache table.csv --out run.model
expect_status 0 "--cache naming a CSV file"
expect_err_line "^gdtrain: note: .*no cache is written \(table\.csv: not a gdtrain cache, left as it is\)" \
    "the note on a --cache PATH that is not a cache"
CHECKS=$((CHECKS + 2))
cmp -s houses.csv table.csv || fail "--cache replaced a CSV file"
cmp -s plain.model run.model || fail "--cache naming a CSV file: the model differs"
run "$GDTRAIN" cache houses.csv --out table.csv
expect_status 2 "gdtrain cache --out naming a CSV file"
expect_err_line "^gdtrain: error: table\.csv: not a gdtrain cache, left as it is; give --out a new file$" \
    "gdtrain cache --out naming a CSV file: the message"
CHECKS=$((CHECKS + 1))
cmp -s houses.csv table.csv || fail "gdtrain cache replaced a CSV file"
: >empty.gdcache
run "$GDTRAIN" cache houses.csv --out empty.gdcache
expect_status 0 "gdtrain cache --out naming an empty file"
CHECKS=$((CHECKS + 1))
[ "$(head -c 8 empty.gdcache)" = GDTCACHE ] || fail "an empty --out file did not become a cache"

# ---- two writers at once (gdtrain cache, and a training run) on a larger
# table: both succeed, the cache is whole afterwards, nothing is left over
"$GDTRAIN" gen --rows 200000 --seed 3 --out big.csv
mkdir conc
"$GDTRAIN" cache big.csv -o conc/big.gdcache -q &
a=$!
"$GDTRAIN" cache big.csv -o conc/big.gdcache -q &
b=$!
"$GDTRAIN" --data big.csv --opt gd --epochs 3 --tol 0 --cache conc/big.gdcache --out conc.model \
    2>/dev/null &
c=$!
wait $a || fail "the first concurrent writer failed"
wait $b || fail "the second concurrent writer failed"
wait $c || fail "the concurrent training run failed"
CHECKS=$((CHECKS + 3))
[ "$(ls -A conc)" = big.gdcache ] || fail "concurrent writers left: $(ls -A conc)"
parse_ref big --data big.csv --opt gd --epochs 3 --tol 0
run "$GDTRAIN" --data big.csv --opt gd --epochs 3 --tol 0 --cache conc/big.gdcache --out run.model
same_run "the cache two writers made" big
cmp -s big.model conc.model || fail "the training run among the writers: the model differs"
done_ok
