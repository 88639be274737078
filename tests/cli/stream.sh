# --stream and --memory: a streamed run reads the file a chunk at a time on
# every pass and writes the model file and loss curve of the in-memory run,
# byte for byte (wall-clock column aside); what it cannot do is refused
# with a message naming the option.
. "$(dirname "$0")/lib.bash"

# same_run NAME ARGS...: trains in memory and streamed with ARGS, and
# requires the same model file and curve.
same_run() {
    local name=$1
    shift
    run "$GDTRAIN" "$@" -q -o "$name.mem.model" --curve "$name.mem.csv"
    expect_status 0 "$name in memory"
    run "$GDTRAIN" "$@" -q --stream -o "$name.str.model" --curve "$name.str.csv"
    expect_status 0 "$name streamed"
    CHECKS=$((CHECKS + 1))
    cmp "$name.mem.model" "$name.str.model" >&2 || fail "$name: the model files differ"
    CHECKS=$((CHECKS + 1))
    cmp <(cut -d, -f1-5 "$name.mem.csv") <(cut -d, -f1-5 "$name.str.csv") >&2 ||
        fail "$name: the curves differ"
}

cp "$SRC/data/houses.csv" houses.csv || fail "copy"
H=houses.csv # a copy: --stream writes its cache beside the data
same_run gd --data "$H" --opt gd --epochs 50
same_run adam --data "$H"
same_run ridge --data "$H" --opt gd --l2 0.05 --epochs 40
same_run origin --data "$H" --opt rmsprop --no-intercept --epochs 40
same_run sgd_file_order --data "$H" --opt sgd --no-shuffle --epochs 5

# A text column: a streamed run's parse reads numbers only (a categorical
# column's levels need the whole table), and its error says how to stream
# such a table anyway: from the cache that 'gdtrain cache' writes in memory,
# which holds the table encoded; that run's model is the in-memory run's.
cp "$SRC/data/houses_mixed.csv" mixed.csv || fail "copy"
run "$GDTRAIN" --data mixed.csv --na mean --stream -q -o mixed.str.model
expect_status 3 "a text column streamed without a cache"
expect_err_line "^gdtrain: error: mixed.csv:2:[0-9]+: column '[a-z_]+': expected a number, found .*'gdtrain cache' with the same options writes the table encoded, which --stream then reads\)$" \
    "the text column's hint"
expect_no_file mixed.str.model "the model of a refused run"
run "$GDTRAIN" cache --data mixed.csv --na mean
expect_status 0 "gdtrain cache of a table with text columns"
run "$GDTRAIN" --data mixed.csv --na mean -q -o mixed.mem.model
expect_status 0 "the text table in memory"
run "$GDTRAIN" --data mixed.csv --na mean --stream -q -o mixed.str.model
expect_status 0 "the text table streamed from its cache"
CHECKS=$((CHECKS + 1))
cmp mixed.mem.model mixed.str.model >&2 || fail "the text table: the streamed model differs"

# Past one chunk (131072 rows) and at two thread counts: the chunks keep
# the blocks of the in-memory sums.
"$GDTRAIN" gen --rows 140000 --seed 5 -o big.csv || fail "gen"
same_run big_gd --data big.csv --opt gd --epochs 6 --threads 2
same_run big_adam --data big.csv --opt adam --epochs 4 --threads 1
same_run big_sgd --data big.csv --opt sgd --batch-size 3000 --no-shuffle --epochs 2
same_run big_blocks --data big.csv --opt sgd --batch-size 1000 --shuffle blocks --epochs 2
same_run adam_blocks --data "$H" --opt adam --batch-size 64 --shuffle blocks --epochs 3

# Validation rows from --val FILE are streamed too (through their own cache
# beside them, a small chunk at a time, z-scored with the training rows'
# statistics): the curve's val_loss column, --early-stop and the summary as
# in memory. bval.csv has 3 chunks of validation rows.
"$GDTRAIN" split -q "$H" htrain.csv hval.csv || fail "split"
"$GDTRAIN" gen --rows 40000 --seed 6 -o bval.csv || fail "gen bval"
head -3 hval.csv >hval2.csv # 2 rows: gd_loss_eval's way with under 4 rows
same_run val_gd --data htrain.csv --val hval.csv --opt gd --epochs 30
same_run val_tiny --data htrain.csv --val hval2.csv --opt adam --epochs 5
same_run val_early --data htrain.csv --val hval.csv --opt adam --batch-size 64 \
    --shuffle blocks --epochs 40 --early-stop --patience 2
same_run val_big2 --data big.csv --val bval.csv --opt gd --epochs 4 --threads 2
same_run val_big1 --data big.csv --val bval.csv --opt sgd --batch-size 500 --shuffle blocks \
    --epochs 30 --early-stop --patience 1 --threads 1
expect_file bval.csv.gdcache "the validation file's cache"
for c in val_early val_big1; do
    CHECKS=$((CHECKS + 1))
    [ "$(sed -n '$=' $c.str.csv)" -lt 30 ] || fail "$c: --early-stop did not stop the run early"
done
run "$GDTRAIN" --data htrain.csv --val hval.csv --opt gd --epochs 30 -o v.model
grep -E '^  (validation|train MSE)' "$WORK/err" >summary.mem
run "$GDTRAIN" --data htrain.csv --val hval.csv --opt gd --epochs 30 --stream -o v.model
expect_status 0 "--stream --val, summary"
expect_err_line '^  validation: 400 rows from --val$' "the validation rows in the summary"
CHECKS=$((CHECKS + 1))
grep -E '^  (validation|train MSE)' "$WORK/err" | cmp - summary.mem >&2 ||
    fail "the summary's training and validation lines differ from the in-memory run's"

# --na drop: rows with a missing cell are left out as the parse writes the
# cache; the same rows dropped, warnings (an identifier column, the rows
# left out) and model (its encoding's fills) as in memory, also for the
# validation file. --na mean: a first pass learns the fills, the second
# writes the rows with them; the validation file's cache keeps its missing
# cells, and the training fills go in as it is read.
awk -F, 'BEGIN { OFS = "," } NR == 1 { print "id", $0; next }
    { if (NR % 37 == 0) $(NR % 8 + 1) = ""; if (NR % 501 == 0) $3 = "NA"; print NR - 1, $0 }' \
    big.csv >bigna.csv
awk -F, 'BEGIN { OFS = "," } NR == 1 { print "id", $0; next }
    { if (NR % 29 == 0) $(NR % 8 + 1) = ""; print NR + 5, $0 }' bval.csv >bvalna.csv
same_warnings() {
    local name=$1
    shift
    run "$GDTRAIN" "$@" -o "$name.mem.model"
    grep '^gdtrain: warning' "$WORK/err" | grep -v 'did not converge' >"$name.mem.warn"
    run "$GDTRAIN" "$@" --stream -o "$name.str.model"
    expect_status 0 "$name streamed"
    CHECKS=$((CHECKS + 1))
    grep '^gdtrain: warning' "$WORK/err" | grep -v 'did not converge' |
        cmp - "$name.mem.warn" >&2 || fail "$name: the warnings differ from the in-memory run's"
}
same_run na_gd2 --data bigna.csv --na drop --opt gd --epochs 4 --threads 2
same_run na_adam1 --data bigna.csv --na drop --val bvalna.csv --opt adam --epochs 3 --threads 1
same_run na_blocks --data bigna.csv --na drop --opt sgd --batch-size 1000 --shuffle blocks \
    --epochs 2 --threads 2
same_run mean_gd2 --data bigna.csv --na mean --val bvalna.csv --opt gd --epochs 4 --threads 2
same_run mean_adam1 --data bigna.csv --na mean --val bvalna.csv --opt adam --epochs 3 --threads 1
same_run mean_blocks --data bigna.csv --na mean --opt sgd --batch-size 1000 --shuffle blocks \
    --epochs 2 --threads 2
same_warnings mean_warn --data bigna.csv --na mean --val bvalna.csv --opt gd --epochs 1
expect_err_line '^gdtrain: warning: training data: left out 473 rows with missing cells \(473 for a missing target\)' \
    "--na mean: the rows left out"
CHECKS=$((CHECKS + 1))
grep -q '^na_policy mean' mean_warn.str.model || fail "the streamed model lacks its encoding"
same_warnings na_warn --data bigna.csv --na drop --val bvalna.csv --opt gd --epochs 1
expect_err_line "^gdtrain: warning: column 'id' counts the rows \(1, 2, 3, \.\.\.\)" "the identifier note"
expect_err_line '^gdtrain: warning: training data: left out 4055 rows with missing cells \(473 for a missing target\)' \
    "the rows left out"
expect_err_line '^gdtrain: warning: validation data: left out 1379 rows' "the validation rows left out"
CHECKS=$((CHECKS + 1))
grep -q '^na_policy drop' na_warn.str.model || fail "the streamed model lacks its encoding"
# --exclude: the columns are never read (here a column of text), as in
# memory; and a plain table gets the in-memory run's note on a column
# that counts the rows.
awk -F, 'BEGIN { OFS = "," } NR == 1 { print "name", $0; next } { print "h" NR, $0 }' \
    bigna.csv >bigx.csv
same_run x_drop --data bigx.csv --exclude name --na drop --opt gd --epochs 3 --threads 2
same_run x_mean --data bigx.csv --exclude 'name,garage' --na mean --val bvalna.csv --opt adam \
    --epochs 3 --threads 1
awk -F, 'BEGIN { OFS = "," } NR == 1 { print "id", $0; next } { print NR - 1, $0 }' \
    big.csv >bigid.csv
same_warnings id_note --data bigid.csv --opt gd --epochs 1
expect_err_line "^gdtrain: warning: column 'id' counts the rows \(1, 2, 3, \.\.\.\)" "the identifier note"
run "$GDTRAIN" --data bigna.csv --stream --opt gd --epochs 1
expect_status 3 "a missing cell without --na"
expect_err_line "^gdtrain: error: bigna\.csv:[0-9]+:[0-9]+: column '[a-z_]+': a missing cell; --na drop leaves such rows out" \
    "its message"
# The validation file's missing cell is the same error, at its own place.
run "$GDTRAIN" --data big.csv --val bvalna.csv --stream --opt gd --epochs 1 -o valna.model
expect_status 3 "a missing cell of the --val file without --na"
expect_err_line "^gdtrain: error: bvalna\.csv:[0-9]+:[0-9]+: column '[a-z_]+': a missing cell; --na drop leaves such rows out" \
    "its message"
expect_no_file valna.model "the model"

# --na-values: other NA tokens, in the training and the validation file;
# the model keeps them.
sed 's/,,/,-,/g; s/,NA,/,?,/g; s/,$/,-/' bigna.csv >bigdash.csv
sed 's/,,/,-,/g; s/,$/,-/' bvalna.csv >bvaldash.csv
same_run tokens_drop --data bigdash.csv --na drop --na-values '-,?' --val bvaldash.csv --opt gd \
    --epochs 3 --threads 2
same_run tokens_mean --data bigdash.csv --na mean --na-values '-,?' --val bvaldash.csv \
    --opt adam --epochs 3 --threads 1
CHECKS=$((CHECKS + 1))
grep -q '^na_token ?' tokens_mean.str.model || fail "--na-values: the model lacks its tokens"

# --decimal ',': numbers with a decimal comma, in both files.
tr ',.' ';,' <bigna.csv >bigsemi.csv
tr ',.' ';,' <bvalna.csv >bvalsemi.csv
same_run comma_drop --data bigsemi.csv --delimiter ';' --decimal ',' --na drop --val bvalsemi.csv \
    --opt gd --epochs 3 --threads 2
same_run comma_mean --data bigsemi.csv --delimiter ';' --decimal ',' --na mean --val bvalsemi.csv \
    --opt adam --epochs 3 --threads 1
printf 'a;y\n1,5;2\n1.5;3\n' >dot.csv
run "$GDTRAIN" --data dot.csv --delimiter ';' --decimal ',' --stream
expect_status 3 "--decimal ',', a number with a point"
expect_err_line "^gdtrain: error: dot\.csv:3:1: column 'a': \"1\.5\" is not a number with a decimal comma" \
    "its message"

# The cache those runs wrote holds the encoding and the report: an
# in-memory run with --cache reads them.
run "$GDTRAIN" --data bigna.csv --na drop --opt gd --epochs 4 --threads 2 --cache -q \
    -o na_cached.model
expect_status 0 "--na drop from the streamed run's cache, in memory"
CHECKS=$((CHECKS + 1))
cmp na_cached.model na_gd2.mem.model >&2 || fail "--na drop: the cache's model differs"
printf 'a,b,y\n1,2,3\n4,x,6\n7,,9\n' >text.csv
run "$GDTRAIN" --data text.csv --na drop --stream
expect_status 3 "--na drop, a text cell"
expect_err_line "^gdtrain: error: text\.csv:3:3: column 'b': expected a number, found \"x\" \(a streamed run parses numbers only: a text column is categorical" \
    "its message"
printf 'a,b,y\n1,,3\n,5,6\n' >allna.csv
run "$GDTRAIN" --data allna.csv --na drop --stream
expect_status 3 "--na drop, no row left"
expect_err_line 'no rows left: each of the 2 rows has a missing cell' "its message"
run "$GDTRAIN" --data bigna.csv --na drop --stream --cache nowhere/x.gdcache
expect_status 4 "--na drop without a cache file"
expect_err_line '--na drop: a streamed run keeps the rows it reads in its cache file' "its message"

# The rows come from the binary cache beside the data (written by the first
# streamed run, a chunk at a time), or --cache PATH; an in-memory run with
# --cache reads the same file.
expect_file big.csv.gdcache "the cache a streamed run wrote"
run "$GDTRAIN" --data big.csv --opt gd --epochs 6 --threads 2 --cache -q -o cached.model
expect_status 0 "an in-memory run from that cache"
CHECKS=$((CHECKS + 1))
cmp cached.model big_gd.mem.model >&2 || fail "the cache's model differs"
run "$GDTRAIN" --data big.csv --opt gd --epochs 6 --stream --cache elsewhere.gdcache -q -o e.model
expect_status 0 "--stream --cache PATH"
expect_file elsewhere.gdcache "the cache at PATH"
CHECKS=$((CHECKS + 1))
cmp e.model big_gd.mem.model >&2 || fail "--cache PATH: the model differs"

# --memory: a file larger than SIZE is streamed, with a note; same model.
run "$GDTRAIN" --data big.csv --opt gd --epochs 6 --memory 1M -o auto.model
expect_status 0 "--memory 1M"
expect_err_line '^gdtrain: note: big\.csv \([0-9.]+ MiB\) would take about [0-9.]+ MiB parsed, more than --memory \(1 MiB\): streaming it' "the note"
run "$GDTRAIN" --data big.csv --opt gd --epochs 1 --memory 1k -o tiny.model
expect_status 0 "--memory 1k"
expect_err_line '^gdtrain: note: big\.csv \([0-9.]+ MiB\) would take about [0-9.]+ MiB parsed, more than --memory \(1 KiB\): streaming it' \
    "the note names a limit under 1 MiB in KiB"
CHECKS=$((CHECKS + 1))
cmp auto.model big_gd.mem.model >&2 || fail "--memory: the model differs"
run "$GDTRAIN" --data big.csv --opt gd --epochs 6 --memory 1G -o small.model
expect_status 0 "--memory 1G"
CHECKS=$((CHECKS + 1))
! grep -q 'streaming' "$WORK/err" || fail "a file below --memory was streamed"
# The limit is held against the parsed rows (rows x fields doubles), not the
# text: a limit between the two streams the file.
text_kib=$(( $(wc -c < big.csv) / 1024 ))
parsed_kib=$(awk -F, 'NR == 1 { f = NF } END { print int((NR - 1) * f * 8 / 1024) }' big.csv)
between=$(( (text_kib + parsed_kib) / 2 ))
CHECKS=$((CHECKS + 1))
[ "$parsed_kib" -gt $((text_kib + 16)) ] || fail "the test table's parsed rows should outweigh its text"
run "$GDTRAIN" --data big.csv --opt gd --epochs 1 --memory "${between}K" -o mid.model
expect_status 0 "--memory between the text and the parsed rows"
expect_err_line 'more than --memory .*: streaming it' "a file whose text fits but rows do not is streamed"
run "$GDTRAIN" --data big.csv --opt gd --epochs 1 --memory "$((parsed_kib + 64))K" -o fits.model
expect_status 0 "--memory just above the parsed rows"
CHECKS=$((CHECKS + 1))
! grep -q 'streaming' "$WORK/err" || fail "rows that fit in --memory were streamed"
# --no-cache forbids the cache file a stream reads: a file over --memory is
# then loaded in memory, with a warning, and no cache is written.
rm -f big.csv.gdcache
run "$GDTRAIN" --data big.csv --opt gd --epochs 6 --memory 1M --no-cache -o nc.model
expect_status 0 "--memory 1M --no-cache"
expect_err_line '^gdtrain: warning: big\.csv .* but --no-cache forbids the cache file a stream reads: loading it in memory$' \
    "the warning"
CHECKS=$((CHECKS + 1))
[ ! -e big.csv.gdcache ] || fail "--no-cache wrote a cache"
CHECKS=$((CHECKS + 1))
cmp nc.model big_gd.mem.model >&2 || fail "--memory --no-cache: the model differs"
run "$GDTRAIN" --data "$H" --memory 12Q
expect_status 2 "a bad --memory"
expect_err_line "--memory: expected a size such as 512M or 8G, found '12Q'" "its message"

# What a stream cannot do, refused with the option's name (exit 2).
refused() {
    local want=$1
    shift
    run "$GDTRAIN" --data "$H" --stream "$@"
    expect_status 2 "--stream $*"
    expect_err_line "$want" "--stream $*: the message"
}
refused '--val-split: a streamed run cannot hold out rows .*: give the validation rows in a file of their own with --val FILE' --val-split 0.2
refused '--val: streamed training reads the validation file on every epoch: give a regular file, not standard input' --val -
refused 'streamed mini-batches come in blocks: give --shuffle blocks or --no-shuffle' --opt sgd
refused 'a streamed CSV file cannot' --opt sgd --shuffle blocks --cache nowhere/h.gdcache
expect_err_line '^gdtrain: note: no cache is written .*: the file is parsed on every pass' "the note"
refused '--categorical: streamed training reads numeric tables only' --categorical garage
refused '--cv holds each fold' --cv 3
rm -f "$H.gdcache"
refused '--no-cache: --stream reads its rows from the cache file; give --cache PATH' --no-cache
expect_no_file "$H.gdcache" "a cache after --stream --no-cache"
run "$GDTRAIN" --data - --stream <"$H"
expect_status 2 "--stream from standard input"
expect_err_line 'give a file, not standard input' "its message"

# The cache beside the data is keyed by its content, not by its size and
# time: a digit changed in place, the size and modification time put back,
# makes a streamed run read the new rows (the model of an in-memory run
# without a cache on the changed file).
cp "$H" stale.csv || fail "copy"
run "$GDTRAIN" --data stale.csv --opt gd --epochs 20 --stream -q -o stale_old.model
expect_status 0 "a streamed run that writes stale.csv's cache"
expect_file stale.csv.gdcache "stale.csv's cache"
touch -r stale.csv stamp
sed -i '2s/^82\.3,/92.3,/' stale.csv
touch -r stamp stale.csv
run "$GDTRAIN" --data stale.csv --opt gd --epochs 20 --stream -o stale_new.model
expect_status 0 "a streamed run after the change"
# In the words of an in-memory run with --cache (tests/cli/cache.sh).
expect_err_line "^gdtrain: note: the cache 'stale\.csv\.gdcache' was made from another file or an older 'stale\.csv': it is rebuilt$" \
    "the note on the stale cache"
run "$GDTRAIN" --data stale.csv --opt gd --epochs 20 --no-cache -q -o stale_mem.model
expect_status 0 "the changed file in memory"
CHECKS=$((CHECKS + 1))
! cmp -s stale_old.model stale_mem.model || fail "the changed cell should change the model"
CHECKS=$((CHECKS + 1))
cmp stale_new.model stale_mem.model >&2 || fail "a streamed run read a stale cache"
run "$GDTRAIN" --data stale.csv --opt gd --epochs 2 --stream --na drop -o stale_drop.model
expect_status 0 "a streamed run with other load options"
expect_err_line "^gdtrain: note: the cache 'stale\.csv\.gdcache' was made with other load options: it is rebuilt$" \
    "the note on a cache made with other options"

# A bad cell is reported with its place, as in memory.
printf 'a,b,y\n1,2,3\n4,x,6\n' >bad.csv
run "$GDTRAIN" --data bad.csv --stream
expect_status 3 "a bad cell"
expect_err_line "^gdtrain: error: bad\.csv:3:3: column 'b': expected a number, found \"x\"" "its place"
done_ok
