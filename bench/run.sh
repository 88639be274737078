#!/usr/bin/env bash
# bench/run.sh: how fast gdtrain is, against the roofline of one epoch and
# against what a user would otherwise write (pandas + numpy), measured side
# by side in one run. See bench/README.md for what each line means.
#
#   bench/run.sh           the full benchmark (about 5 minutes); prints the
#                          table and writes it to bench/RESULTS.md
#   bench/run.sh --smoke   a small file, one repetition, in a few seconds:
#                          checks that the script still works and that the
#                          baselines compute what gdtrain does (CI runs it);
#                          writes nothing in the repository
#
# A baseline is only a baseline if it computed the same thing: the fused C
# kernels of bench/roofline.c must give gdtrain's gradient and loss (its
# "check" lines), and the pandas + numpy script the same epoch count and
# weights within BASE_TOL of gdtrain's model. Where that fails, the
# comparisons with it get no verdict ("refused").
#
# Environment: GDTRAIN_BENCH_BUILD=DIR builds (or reuses) the Release build
# there instead of a temporary folder; BENCH_ROWS=N (default 10000000) sets
# the big file's size; BENCH_REPS=R (default 5) the repetitions of the
# in-process measurements; CC the compiler of the bench programs (cc).
set -euo pipefail

SMOKE=0
case "${1:-}" in
--smoke) SMOKE=1 ;;
"") ;;
*) echo "usage: bench/run.sh [--smoke]" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gdtrain-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
BUILD=${GDTRAIN_BENCH_BUILD:-$TMP/build}
CC=${CC:-cc}
if [ "$SMOKE" -eq 1 ]; then
    ROWS=${BENCH_ROWS:-20000}
    REPS=1
    E2E_REPS=1
    MINI_EPOCHS=3
else
    ROWS=${BENCH_ROWS:-10000000}
    REPS=${BENCH_REPS:-5}
    E2E_REPS=3
    # Mini-batch epochs timed from the second on: five in each of REPS
    # runs, so that the median is a middle one (of two it would be the
    # slower) and one run's sharing of the two cores does not decide it.
    MINI_EPOCHS=6
fi
log() { echo "bench: $*" >&2; }
start=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

# ---- build: a Release gdtrain, and the bench programs with the same flags
log "building a Release gdtrain in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DGDTRAIN_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target gdtrain >/dev/null
GDTRAIN=$BUILD/gdtrain
LIB=$BUILD/libgdtrain.a
BFLAGS=(-std=c11 -O3 -DNDEBUG -ffp-contract=off -D_POSIX_C_SOURCE=200809L -I"$ROOT/include")
"$CC" "${BFLAGS[@]}" "$ROOT/bench/roofline.c" "$LIB" -o "$TMP/roofline" -lm -lpthread
"$CC" "${BFLAGS[@]}" "$ROOT/bench/phases.c" "$LIB" -o "$TMP/phases" -lm -lpthread
"$CC" "${BFLAGS[@]}" "$ROOT/bench/cacheload.c" "$LIB" -o "$TMP/cacheload" -lm -lpthread

# ---- data, made by gdtrain itself
big=$TMP/houses_big.csv
log "generating $ROWS rows"
"$GDTRAIN" gen --rows "$ROWS" --seed 7 --out "$big"
sizes=()
for n in 10000 100000 1000000 10000000; do
    [ "$n" -lt "$ROWS" ] || continue
    "$GDTRAIN" gen --rows "$n" --seed 7 --out "$TMP/houses_$n.csv"
    sizes+=("$n")
done
BYTES=$(wc -c <"$big")
FEATURES=$(($(head -1 "$big" | tr -cd , | wc -c)))

# get FILE KEY [FIELD]: the FIELD-th number (1 = median) after KEY in FILE.
get() { awk -v k="$2" -v f="${3:-1}" '$1 == k { print $(f + 1); found = 1; exit } END { if (!found) print "nan" }' "$1"; }
# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print v[int((NR + 1) / 2)] }'; }
# calc EXPR: awk arithmetic, printed with %.4g ("n/a" if a number is missing)
calc() {
    case "$1" in
    *nan*) echo "n/a" ;;
    *) awk "BEGIN { v = $1; printf \"%.4g\", v }" ;;
    esac
}

# ---- roofline kernels and gdtrain's epoch, interleaved on one buffer
log "roofline kernels (n=$ROWS, d=$FEATURES)"
"$TMP/roofline" --rows "$ROWS" --features "$FEATURES" --reps "$REPS" >"$TMP/roofline.txt"

# ---- gdtrain's phases, in-process
log "gdtrain phases"
"$TMP/phases" "$big" --reps "$REPS" --mini-epochs "$MINI_EPOCHS" >"$TMP/phases.txt"
for n in "${sizes[@]}"; do
    "$TMP/phases" "$TMP/houses_$n.csv" --reps "$REPS" --what load,epoch >"$TMP/phases_$n.txt"
done
cp "$TMP/phases.txt" "$TMP/phases_$ROWS.txt"

# ---- the end-to-end run, alternating with the pandas + numpy script
PY=""
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import numpy, pandas' 2>/dev/null; then
        PY=$p
        break
    fi
done
TIMEV=""
if [ -x /usr/bin/time ]; then TIMEV=/usr/bin/time; fi
# run_timed OUT CMD...: wall seconds and peak RSS (KB) of CMD into OUT.
run_timed() {
    local out=$1
    shift
    if [ -n "$TIMEV" ]; then
        "$TIMEV" -f "%e %M" -o "$out.time" "$@" >"$out" 2>"$out.err"
        tail -1 "$out.time" >>"$out.wall"
    else
        local t0 t1
        t0=$(date +%s%N)
        "$@" >"$out" 2>"$out.err"
        t1=$(date +%s%N)
        echo "$(calc "($t1 - $t0) / 1e9") nan" >>"$out.wall"
    fi
}
log "end to end ($E2E_REPS x gdtrain, first and repeated with the cache${PY:+, and the pandas + numpy script})"
# The repeated run: a run with --cache after one that wrote it (not timed).
"$GDTRAIN" --data "$big" --opt adam --epochs 1 --tol 0 --cache "$TMP/e2e.gdcache" --quiet \
    --out /dev/null
e2e_cache_same=yes
for _ in $(seq "$E2E_REPS"); do
    run_timed "$TMP/e2e" "$GDTRAIN" --data "$big" --opt adam --epochs 100 --tol 0 \
        --out "$TMP/e2e.model" --quiet
    run_timed "$TMP/e2e_rep" "$GDTRAIN" --data "$big" --cache "$TMP/e2e.gdcache" --opt adam \
        --epochs 100 --tol 0 --out "$TMP/e2e_rep.model" --quiet
    cmp -s "$TMP/e2e.model" "$TMP/e2e_rep.model" || e2e_cache_same=no
    if [ -n "$PY" ]; then
        run_timed "$TMP/py" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
            "$PY" "$ROOT/bench/baseline.py" "$big" "$TMP/py.weights"
        cat "$TMP/py" >>"$TMP/py.all"
    fi
done
e2e_wall=$(cut -d' ' -f1 "$TMP/e2e.wall" | median)
e2e_rep_wall=$(cut -d' ' -f1 "$TMP/e2e_rep.wall" | median)
rm -f "$TMP/e2e.gdcache"
e2e_rss=$(cut -d' ' -f2 "$TMP/e2e.wall" | median)
if [ -n "$PY" ]; then
    py_wall=$(cut -d' ' -f1 "$TMP/py.wall" | median)
    py_rss=$(cut -d' ' -f2 "$TMP/py.wall" | median)
    py_read=$(awk '$1 == "read_csv" { print $2 }' "$TMP/py.all" | median)
    py_epoch=$(awk '$1 == "epoch" { print $2 }' "$TMP/py.all" | median)
else
    py_wall=nan py_rss=nan py_read=nan py_epoch=nan
fi

# ---- the lines of the speed issue's table that the runs above do not
# give: mini-batch epochs in block order, the way from the parse to the
# first epoch, batch-1 sgd against scikit-learn's SGDRegressor, and the
# default runs of sgd and gd (and the exact solve) on 1M rows.
mid=$TMP/houses_1000000.csv
[ -f "$mid" ] || mid=$big
mid_rows=$(($(wc -l <"$mid") - 1))
log "block order, the first epoch, batch-1 sgd"
"$TMP/phases" "$big" --reps "$REPS" --what blocks,first --batches 32 --mini-epochs "$MINI_EPOCHS" \
    >"$TMP/phases_order.txt"
"$TMP/phases" "$mid" --reps 1 --what mini --batches 1 --mini-epochs "$MINI_EPOCHS" >"$TMP/phases_b1.txt"
SK=""
if /usr/bin/python3 -c 'import numpy, sklearn' 2>/dev/null; then
    SK=/usr/bin/python3
    SK_VERSION=$("$SK" -c 'import sklearn; print(sklearn.__version__)')
    log "scikit-learn $SK_VERSION: SGDRegressor epochs on $mid_rows rows"
    "$SK" "$ROOT/bench/sklearn_sgd.py" "$mid" 3 >"$TMP/sk.txt"
else
    log "scikit-learn is not installed (Debian: python3-sklearn): its line is skipped"
fi
log "defaults on $mid_rows rows: --opt sgd, --opt gd, solve"
for o in sgd gd; do
    run_timed "$TMP/def_$o" "$GDTRAIN" --data "$mid" --opt "$o" --out "$TMP/def_$o.model" \
        --quiet
done
run_timed "$TMP/def_solve" "$GDTRAIN" solve --data "$mid" --out "$TMP/def_solve.model" --quiet
# info KEY MODEL: the value of an info line of a model file ("nan" if none).
info() { awk -v k="$1" '$1 == "info" && $2 == k { print $3; found = 1; exit } END { if (!found) print "nan" }' "$2"; }

# Bit-identical results for any --threads, through the command line too
# (when it has the option).
threads_cli="n/a (no --threads option)"
if "$GDTRAIN" --help 2>&1 | grep -q -- '--threads'; then
    small=$TMP/houses_${sizes[0]:-$ROWS}.csv
    [ -f "$small" ] || small=$big
    same=yes
    for t in 1 2 3 4; do
        "$GDTRAIN" --data "$small" --opt adam --epochs 50 --tol 0 --quiet --threads "$t" \
            --out "$TMP/t$t.model"
        grep -v '^info' "$TMP/t$t.model" >"$TMP/t$t.cmp"
        cmp -s "$TMP/t1.cmp" "$TMP/t$t.cmp" || same=no
    done
    threads_cli=$same
fi

# ---- the binary cache: the load phase of a parsing run and of a cached
# run, from nothing to standardized X, y and statistics, alternating in one
# process (bench/cacheload.c: a cached load hashes the whole source and
# checks every block of the standardized rows it maps); and the model files
# of a run without the cache, the run that writes it and a run that reads it.
log "the cache: load phase, parsing against reading the cache"
"$TMP/cacheload" "$big" "$TMP/bench.gdcache" --reps "$REPS" >"$TMP/cache.txt"
cache_models=yes
for m in parse build read; do
    flag=()
    [ "$m" = parse ] || flag=(--cache "$TMP/cli.gdcache")
    "$GDTRAIN" --data "$big" --opt adam --epochs 10 --tol 0 --quiet "${flag[@]}" \
        --out "$TMP/cache_$m.model"
    cmp -s "$TMP/cache_parse.model" "$TMP/cache_$m.model" || cache_models=no
done
rm -f "$TMP/bench.gdcache" "$TMP/cli.gdcache"

# ---- out of core: full-batch epochs streamed (the z-scores mapped a chunk
# at a time from the scratch file; the cache and the data in the page cache,
# a first streamed run having written the cache) against epochs in memory,
# alternating; an epoch's time is the curve's seconds from epoch 2 to the
# last over the epochs between. The two model files must be the same bytes.
log "out of core: streamed full-batch epochs against in-memory ones ($ROWS rows)"
stream_args=(--data "$big" --opt gd --epochs 30 --tol 0 --quiet --threads 2)
"$GDTRAIN" "${stream_args[@]}" --stream --cache "$TMP/stream.gdcache" --out "$TMP/stream_warm.model"
# epoch_seconds CURVE: (seconds at the last epoch - at epoch 2) / (epochs - 2)
epoch_seconds() { awk -F, 'NR == 3 { a = $6 } NR > 3 { b = $6; n = NR - 3 } END { print (b - a) / n }' "$1"; }
: >"$TMP/stream_mem.epoch"
: >"$TMP/stream_str.epoch"
for _ in $(seq "$E2E_REPS"); do
    "$GDTRAIN" "${stream_args[@]}" --curve "$TMP/stream_mem.csv" --out "$TMP/stream_mem.model"
    "$GDTRAIN" "${stream_args[@]}" --stream --cache "$TMP/stream.gdcache" \
        --curve "$TMP/stream_str.csv" --out "$TMP/stream_str.model"
    epoch_seconds "$TMP/stream_mem.csv" >>"$TMP/stream_mem.epoch"
    epoch_seconds "$TMP/stream_str.csv" >>"$TMP/stream_str.epoch"
done
stream_models=yes
cmp -s "$TMP/stream_mem.model" "$TMP/stream_str.model" || stream_models=no
cmp -s "$TMP/stream_mem.model" "$TMP/stream_warm.model" || stream_models=no
rm -f "$TMP/stream.gdcache"

# ---- MPI: gdtrain-mpi (a build of its own, -DGDTRAIN_MPI=ON) on 2 ranks
# of 1 thread against 1 rank of 2 threads, alternating, on one table; the
# two model files and gdtrain's must be the same bytes.
mpi_rows=1000000
mpi_data=$TMP/houses_$mpi_rows.csv
[ -f "$mpi_data" ] || { mpi_data=$big; mpi_rows=$ROWS; }
mpi_ok=""
if command -v mpirun >/dev/null 2>&1; then
    log "MPI: 2 ranks x 1 thread against 1 rank x 2 threads, $mpi_rows rows"
    cmake -S "$ROOT" -B "$BUILD-mpi" -DCMAKE_BUILD_TYPE=Release -DGDTRAIN_TESTS=OFF \
        -DGDTRAIN_MPI=ON >/dev/null
    cmake --build "$BUILD-mpi" -j2 --target gdtrain-mpi >/dev/null
    mpiflags=(--oversubscribe)
    [ "$(id -u)" -eq 0 ] && mpiflags+=(--allow-run-as-root)
    mpi_args=(--data "$mpi_data" --opt adam --epochs 100 --tol 0 --quiet)
    for _ in $(seq "$E2E_REPS"); do
        run_timed "$TMP/mpi2x1" mpirun "${mpiflags[@]}" -np 2 "$BUILD-mpi/gdtrain-mpi" \
            "${mpi_args[@]}" --threads 1 --out "$TMP/mpi2x1.model"
        run_timed "$TMP/mpi1x2" mpirun "${mpiflags[@]}" -np 1 "$BUILD-mpi/gdtrain-mpi" \
            "${mpi_args[@]}" --threads 2 --out "$TMP/mpi1x2.model"
    done
    "$GDTRAIN" "${mpi_args[@]}" --threads 2 --out "$TMP/mpi_ref.model"
    mpi_ok=yes
    for m in mpi2x1 mpi1x2; do
        cmp -s "$TMP/mpi_ref.model" "$TMP/$m.model" || mpi_ok=no
    done
else
    log "mpirun is not installed (Debian: openmpi-bin libopenmpi-dev): the MPI line is skipped"
fi

# ---- small runs: the shipped job
log "small runs (data/houses.csv)"
small_ms=nan
if command -v hyperfine >/dev/null 2>&1; then
    runs=30
    [ "$SMOKE" -eq 1 ] && runs=3
    hyperfine -N --warmup 3 --runs "$runs" --export-json "$TMP/hf.json" \
        "$GDTRAIN --data $ROOT/data/houses.csv --out $TMP/h.model --quiet" >/dev/null 2>&1 || true
    small_ms=$(awk -F: '/"median"/ { gsub(/[ ,]/, "", $2); printf "%.1f", $2 * 1000; exit }' "$TMP/hf.json" 2>/dev/null || echo nan)
fi
if [ "$small_ms" = nan ] || [ -z "$small_ms" ]; then
    for _ in $(seq 15); do
        t0=$(date +%s%N)
        "$GDTRAIN" --data "$ROOT/data/houses.csv" --out "$TMP/h.model" --quiet
        t1=$(date +%s%N)
        echo $(((t1 - t0) / 1000)) >>"$TMP/small.us"
    done
    small_ms=$(calc "$(median <"$TMP/small.us") / 1000")
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

# ---- did each baseline compute what gdtrain computed?
# The script: the same number of epochs, and standardized weights within
# BASE_TOL of gdtrain's (absolute: on z-scores they are of order 0.01 to 1;
# the two programs differ only in the order of their additions, which moves
# them by about 1e-14, while another rule, rate or epoch count moves them by
# 1e-3 or more). The bias gets BIAS_TOL: on centered data its gradient is
# rounding noise, which Adam's normalized step turns into steps of either
# sign, so the two biases wander apart (2e-6 on the smoke run's data) while
# both stay near 0. Prints "yes ..." or "no: why".
BASE_TOL=1e-6
BIAS_TOL=1e-3
verify_baseline() {
    awk -v tol="$BASE_TOL" -v btol="$BIAS_TOL" '
        FNR == 1 { file++ }
        file == 1 && $1 == "info" && $2 == "epochs" { ge = $3 }
        file == 1 && $1 == "bias_std" { gw[0] = $2 + 0 }
        file == 1 && $1 == "feature" { gw[++gn] = $3 + 0 }
        file == 2 && $1 == "epochs" { be = $2 }
        file == 2 && $1 == "bias_std" { bw[0] = $2 + 0 }
        file == 2 && $1 == "weight_std" { bw[++bn] = $2 + 0 }
        END {
            if (ge == "" || be == "") { print "no: an epoch count is missing"; exit }
            if (ge != be) { print "no: gdtrain ran " ge " epochs, the script " be; exit }
            if (gn == 0 || gn != bn) { print "no: " gn " weights in the model, " bn " from the script"; exit }
            worst = 0
            for (j = 1; j <= gn; j++) {
                d = gw[j] - bw[j]
                if (d < 0) d = -d
                if (d > worst) worst = d
            }
            db = gw[0] - bw[0]
            if (db < 0) db = -db
            if (worst > tol) printf "no: weights differ by up to %.3g (tolerance %g)\n", worst, tol
            else if (db > btol) printf "no: biases differ by %.3g (tolerance %g)\n", db, btol
            else printf "yes: %s epochs each, standardized weights within %.3g (tolerance %g), bias within %.3g (tolerance %g)\n", ge, worst, tol, db, btol
        }' "$1" "$2"
}
script_ok="n/a (the script did not run)"
[ -z "$PY" ] || script_ok=$(verify_baseline "$TMP/e2e.model" "$TMP/py.weights")
# The fused C kernels: every "check" line of the roofline run says ok.
fused_ok=$(awk '$1 == "check" { n++; if ($5 != "ok") bad = bad " " $2 " (" $3 "T)" }
    END { if (n == 0) print "no: no check lines"; else if (bad != "") print "no: differs:" bad; else print "yes: " n " kernel runs agree with gdtrain" }' \
    "$TMP/roofline.txt")
log "baselines: script: $script_ok; fused C kernels: $fused_ok"

# ---- the table
P=$TMP/phases.txt
R=$TMP/roofline.txt
mb=$(calc "$BYTES / 1e6")
xy=$(get "$P" bytes_xy)
load1=$(get "$P" load_t1)
load2=$(get "$P" load_t2)
std2=$(get "$P" std_t2)
solve=$(get "$P" solve)
ep2=$(awk '$1 == "gdtrain" && $2 == 2 { print $3 }' "$R")
ep1=$(awk '$1 == "gdtrain" && $2 == 1 { print $3 }' "$R")
# The fused kernel gdtrain compares worst with: the largest of the median
# per-round ratios, and that kernel's median time.
best() {
    awk -v t="$1" '$1 == "ratio" && $3 == t && ($2 == "row" || $2 == "row4" || $2 == "rowq" || $2 == "col") { if (r == "" || $4 > r) { r = $4; k = $2 } } END { print r, k }' "$R"
}
read -r ratio1 best1k <<<"$(best 1)"
read -r ratio2 best2k <<<"$(best 2)"
best1=$(awk -v k="$best1k" '$1 == k && $2 == 1 { print $3 }' "$R")
best2=$(awk -v k="$best2k" '$1 == k && $2 == 2 { print $3 }' "$R")
floor1=$(awk '$1 == "ratio" && $2 == "read4" && $3 == 1 { print $4 }' "$R")
floor2=$(awk '$1 == "ratio" && $2 == "read4" && $3 == 2 { print $4 }' "$R")
train_ep=$(get "$P" train_epoch)
bits=$(get "$P" same_bits)

# ok EXPR: "met" or "NOT met" ("n/a" if a number is missing)
ok() {
    case "$1" in
    *nan*) echo "n/a" ;;
    *) if awk "BEGIN { exit !($1) }"; then echo met; else echo "NOT met"; fi ;;
    esac
}
# vs CHECK EXPR: the verdict of a comparison with a baseline, given only
# when CHECK (script_ok or fused_ok) says the baseline did gdtrain's work.
vs() {
    case "$1" in
    yes*) ok "$2" ;;
    "n/a"*) echo "n/a" ;;
    *) echo "refused: baseline not verified" ;;
    esac
}
# The threads verdict reads both of its checks: the library's (phases) and
# the command line's.
if [ "$bits" = 1 ] && [ "$threads_cli" = yes ]; then
    threads_verdict=met
elif [ "$bits" = 0 ] || [ "$threads_cli" = no ]; then
    threads_verdict="NOT met"
else
    threads_verdict="n/a"
fi

table=$TMP/table.md
{
    echo "| goal | measure | gdtrain | baseline | ratio | bar | verdict |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    echo "| 1 load | parse $mb MB into X, y: 2 threads | $(calc "$load2") s = $(calc "$BYTES / $load2 / 1e6") MB/s (376 MB: $(calc "$load2 * 376e6 / $BYTES") s) | pandas.read_csv $(calc "$py_read") s | $(calc "$py_read / $load2")x faster | <= 0.5 s for 376 MB (>= 750 MB/s) | $(ok "$BYTES / $load2 / 1e6 >= 750") |"
    echo "| 1 load | the same, 1 thread | $(calc "$load1") s = $(calc "$BYTES / $load1 / 1e6") MB/s | | | >= 400 MB/s | $(ok "$BYTES / $load1 / 1e6 >= 400") |"
    echo "| 2 epoch | full batch, 1 thread (roofline run) | $(calc "$ep1 * 1") ms | best fused C ($best1k) $(calc "$best1 * 1") ms | $(calc "$ratio1")x | <= 1.25x | $(vs "$fused_ok" "$ratio1 <= 1.25") |"
    echo "| 2 epoch | full batch, 2 threads (roofline run) | $(calc "$ep2 * 1") ms | best fused C ($best2k) $(calc "$best2 * 1") ms | $(calc "$ratio2")x | <= 1.25x | $(vs "$fused_ok" "$ratio2 <= 1.25") |"
    echo "| 2 epoch | vs reading X and y only (4 streams) | | | 1T $(calc "$floor1")x, 2T $(calc "$floor2")x | (information) | |"
    echo "| 2 epoch | vs numpy's two-product epoch | $(calc "$ep2 * 1") ms | numpy $(calc "$py_epoch * 1000") ms | $(calc "$py_epoch * 1000 / $ep2")x faster | >= 3x | $(vs "$script_ok" "$py_epoch * 1000 / $ep2 >= 3") |"
    for b in 32 128 1024; do
        mini=$(get "$P" "mini_b$b")
        echo "| 2 mini-batch | shuffled sgd epoch, batch $b | $(calc "$mini") s | full-batch adam epoch $(calc "$train_ep") s | $(calc "$mini / $train_ep")x | <= 2x | $(ok "$mini / $train_ep <= 2") |"
    done
    echo "| 3 end to end | \`gdtrain --data F --opt adam --epochs 100 --tol 0\` | $(calc "$e2e_wall") s | pandas + numpy script $(calc "$py_wall") s | $(calc "$py_wall / $e2e_wall")x faster | >= 5x | $(vs "$script_ok" "$py_wall / $e2e_wall >= 5") |"
    echo "| 3 memory | peak RSS of that run | $(calc "$e2e_rss / 1024") MiB | X + y $(calc "$xy / 1048576") MiB; script $(calc "$py_rss / 1024") MiB | $(calc "$e2e_rss * 1024 / $xy")x of X+y; $(calc "$e2e_rss / $py_rss") of script | <= 1.15x; <= 0.33 | $(ok "$e2e_rss * 1024 / $xy <= 1.15") ; $(vs "$script_ok" "$e2e_rss / $py_rss <= 1 / 3") |"
    echo "| 3 phases | load / standardize / solve, 2 threads | $(calc "$load2") / $(calc "$std2") / $(calc "$solve") s | | | (information) | |"
    echo "| 4 small | \`gdtrain --data data/houses.csv\` wall | $small_ms ms | | | < 50 ms | $(ok "$small_ms < 50") |"
    echo "| 5 threads | same bits, 1 vs 2 threads: load, z-scores, epoch (phases); model file, 1-4 threads (CLI) | phases: $([ "$bits" = 1 ] && echo yes || echo no); CLI: $threads_cli | | | identical | $threads_verdict |"
    O=$TMP/phases_order.txt
    mini32=$(get "$P" mini_b32)
    blocks32=$(get "$O" blocks_b32)
    b1=$(get "$TMP/phases_b1.txt" mini_b1)
    first=$(get "$O" to_first)
    first_load=$(get "$O" first_load)
    def_sgd=$(cut -d' ' -f1 "$TMP/def_sgd.wall")
    def_gd=$(cut -d' ' -f1 "$TMP/def_gd.wall")
    def_solve=$(cut -d' ' -f1 "$TMP/def_solve.wall")
    sgd_gap=$(info gap "$TMP/def_sgd.model")
    sgd_gap_num=$(awk -v g="$sgd_gap" 'BEGIN { printf "%.17g", g + 0 }')
    echo "| 15 mini-batch | exact shuffle (rows), batch 32 | $(calc "$mini32") s | full-batch adam epoch $(calc "$train_ep") s | $(calc "$mini32 / $train_ep")x | <= 8x | $(ok "$mini32 / $train_ep <= 8") |"
    echo "| 15 mini-batch | \`--shuffle blocks\`, batch 32 | $(calc "$blocks32") s | full-batch adam epoch $(calc "$train_ep") s | $(calc "$blocks32 / $train_ep")x | <= 2x | $(ok "$blocks32 / $train_ep <= 2") |"
    # The same epochs' processor time, all threads summed: the work they
    # did, which moves less than the wall time with how the steps, the
    # loss pool and the order helper shared the two cores.
    mini32_cpu=$(get "$P" mini_b32_cpu)
    blocks32_cpu=$(get "$O" blocks_b32_cpu)
    train_ep_cpu=$(get "$P" train_epoch_cpu)
    echo "| 15 mini-batch | processor time of an epoch, all threads: exact shuffle / \`--shuffle blocks\`, batch 32 | $(calc "$mini32_cpu") / $(calc "$blocks32_cpu") s | full-batch adam epoch $(calc "$train_ep_cpu") s | $(calc "$mini32_cpu / $train_ep_cpu")x / $(calc "$blocks32_cpu / $train_ep_cpu")x | (information) | |"
    if [ -n "$SK" ]; then
        sk=$(get "$TMP/sk.txt" sk_epoch)
        echo "| 15 mini-batch | batch-1 sgd epoch, $mid_rows rows (exact shuffle) | $(calc "$b1") s | scikit-learn $SK_VERSION SGDRegressor epoch $(calc "$sk") s | $(calc "$sk / $b1")x faster | >= 3x | $(ok "$sk / $b1 >= 3") |"
    else
        echo "| 15 mini-batch | batch-1 sgd epoch, $mid_rows rows (exact shuffle) | $(calc "$b1") s | skipped: scikit-learn not installed (python3-sklearn) | | >= 3x | n/a |"
    fi
    echo "| 15 first epoch | parse to the start of the first epoch (load, standardize, set-up) | $(calc "$first") s | the parse alone $(calc "$first_load") s | $(calc "$first / $first_load")x | <= 1.15x | $(ok "$first / $first_load <= 1.15") |"
    echo "| 15 phases | parse 1T / 2T; standardize 2T; exact solve | $(calc "$load1") / $(calc "$load2"); $(calc "$std2"); $(calc "$solve") s | | | (information) | |"
    echo "| 15 defaults | \`--opt sgd\` on $mid_rows rows: wall, epochs, stop, gap | $(calc "$def_sgd") s, $(info epochs "$TMP/def_sgd.model") epochs, $(info stop_reason "$TMP/def_sgd.model"), gap $sgd_gap | \`--opt gd\` $(calc "$def_gd") s ($(info epochs "$TMP/def_gd.model") epochs); \`solve\` $(calc "$def_solve") s | $(calc "$def_sgd / $def_gd")x of gd | <= 3x, gap <= 1e-4 | $(ok "$def_sgd / $def_gd <= 3 && $sgd_gap_num <= 1e-4") |"
    echo "| 15 end to end | \`gdtrain --data F --opt adam --epochs 100 --tol 0\` (first run) | $(calc "$e2e_wall") s | pandas + numpy script $(calc "$py_wall") s | $(calc "$py_wall / $e2e_wall")x faster | >= 7x | $(vs "$script_ok" "$py_wall / $e2e_wall >= 7") |"
    rep_verdict="refused: the model differs from the first run's"
    [ "$e2e_cache_same" = yes ] && rep_verdict=$(vs "$script_ok" "$py_wall / $e2e_rep_wall >= 10")
    echo "| 15 end to end, repeated | \`gdtrain --data F --cache --opt adam --epochs 100 --tol 0\`, the cache written by an earlier run (model = the run without the cache's: $e2e_cache_same) | $(calc "$e2e_rep_wall") s | pandas + numpy script $(calc "$py_wall") s | $(calc "$py_wall / $e2e_rep_wall")x faster | >= 10x | $rep_verdict |"
    C=$TMP/cache.txt
    cache_parse=$(get "$C" load_parse)
    cache_read=$(get "$C" load_cached)
    # The ratio gets a verdict only when the cached load gave the parse's
    # standardized X, y, statistics and names bit for bit.
    cache_verdict="refused: the cached load differs from the parse"
    [ "$(get "$C" same_bits)" = 1 ] && cache_verdict=$(ok "$cache_parse / $cache_read >= 5")
    echo "| 16 cache | load phase, from nothing to training-ready rows (\`gd_fit_data_load\`: standardized X and y, statistics; 2T): parse + standardize vs the up-to-date cache (hash of the whole source, header, tables and every block of the mapped standardized rows checked) | $(calc "$cache_read") s | parse $(calc "$cache_parse") s | $(calc "$cache_parse / $cache_read")x faster | >= 5x | $cache_verdict |"
    echo "| 16 cache | model file: run without the cache, run that writes it, run that reads it (\`--epochs 10\`) | byte-identical: $cache_models | | | identical | $([ "$cache_models" = yes ] && echo met || echo "NOT met") |"
    s_mem=$(median <"$TMP/stream_mem.epoch")
    s_str=$(median <"$TMP/stream_str.epoch")
    s_verdict="refused: the streamed model differs"
    [ "$stream_models" = yes ] && s_verdict=$(ok "$s_str / $s_mem <= 1.5")
    echo "| 16 out of core | full-batch epoch (\`--opt gd\`, 2T), data in the page cache: \`--stream\` vs in memory | $(calc "$s_str") s | in memory $(calc "$s_mem") s | $(calc "$s_str / $s_mem")x | <= 1.5x | $s_verdict |"
    echo "| 16 out of core | model files: streamed and in memory (\`--epochs 30\`) | byte-identical: $stream_models | | | identical | $([ "$stream_models" = yes ] && echo met || echo "NOT met") |"
    if [ -n "$mpi_ok" ]; then
        m21=$(cut -d' ' -f1 "$TMP/mpi2x1.wall" | median)
        m12=$(cut -d' ' -f1 "$TMP/mpi1x2.wall" | median)
        echo "| 16 MPI | \`mpirun -np 2 gdtrain-mpi --threads 1\` vs \`-np 1 --threads 2\`, \`--opt adam --epochs 100 --tol 0\`, $mpi_rows rows (wall, load and solve included) | $(calc "$m21") s | $(calc "$m12") s | $(calc "$m12 / $m21")x | (information) | |"
        echo "| 16 MPI | model files of both and of gdtrain \`--threads 2\` | byte-identical: $mpi_ok | | | identical | $([ "$mpi_ok" = yes ] && echo met || echo "NOT met") |"
    else
        echo "| 16 MPI | 2 ranks x 1 thread vs 1 rank x 2 threads | skipped: mpirun not installed (openmpi-bin, libopenmpi-dev) | | | (information) | n/a |"
    fi
    line="| 6 scaling | time per row: load (2T) / epoch (2T), ns |"
    for n in "${sizes[@]}" "$ROWS"; do
        f=$TMP/phases_$n.txt
        line="$line $n rows: $(calc "$(get "$f" load_t2) / $n * 1e9") / $(calc "$(get "$f" epoch_t2) / $n * 1e9");"
    done
    echo "$line | | | flat | see the numbers |"
} >"$table"

cpu=$(awk -F: '/^model name/ { sub(/^ +/, "", $2); print $2; exit }' /proc/cpuinfo 2>/dev/null || uname -m)
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo "?")
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || echo "?")
secs=$(($(date +%s) - start))
# The commit measured (and whether the sources differed from it).
commit=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo "unknown (not a git checkout)")
if ! git -C "$ROOT" diff --quiet HEAD -- src include bench CMakeLists.txt 2>/dev/null; then
    commit="$commit, with uncommitted changes to the code measured"
fi
report=$TMP/RESULTS.md
{
    echo "# gdtrain benchmark results"
    echo
    echo "Made by \`bench/run.sh\` at commit $commit"
    echo "on $(date -u '+%Y-%m-%d %H:%M UTC'): $cpu, $ncpu CPUs, $mem,"
    echo "$(uname -sr). $ROWS rows x $FEATURES features + target ($mb MB of CSV, from"
    echo "\`gdtrain gen --rows $ROWS --seed 7\`); load average $load_start at the start, $load_end at"
    echo "the end; the run took $secs s. Times are medians ($REPS repetitions in-process,"
    echo "$E2E_REPS end-to-end runs, alternating gdtrain and the script). Baselines:"
    if [ -n "$PY" ]; then
        "$PY" -c 'import numpy, pandas, sys; print(f"Python {sys.version.split()[0]}, numpy {numpy.__version__}, pandas {pandas.__version__}.")'
    else
        echo "none (numpy and pandas are not installed)."
    fi
    echo
    echo "Baselines checked against gdtrain: the pandas + numpy script: $script_ok;"
    echo "the fused C kernels: $fused_ok."
    echo
    echo "Ratios of epochs are medians of per-round ratios (see \`bench/roofline.c\`)."
    echo
    cat "$table"
    echo
    echo "Roofline run (\`bench/roofline.c\`, one buffer, kernels interleaved; median ms):"
    echo
    echo '```'
    cat "$R"
    echo '```'
    echo
    echo "In-process phases (\`bench/phases.c\`; median and minimum seconds; then block"
    echo "order and the first epoch on the same file, and batch-1 sgd on $mid_rows rows):"
    echo
    echo '```'
    cat "$P" "$TMP/phases_order.txt" "$TMP/phases_b1.txt"
    [ -z "$SK" ] || cat "$TMP/sk.txt"
    echo '```'
    echo
    echo "The cache (\`bench/cacheload.c\`; median and minimum seconds):"
    echo
    echo '```'
    cat "$TMP/cache.txt"
    echo '```'
} >"$report"

cat "$table"
if [ "$SMOKE" -eq 1 ]; then
    # The smoke run checks that every number came out.
    if grep -q 'nan' "$P" "$R" "$TMP/phases_order.txt" "$TMP/phases_b1.txt" "$TMP/cache.txt" ||
        ! grep -q '^same_bits 1' "$P" || ! grep -q '^same_bits 1' "$TMP/cache.txt" ||
        [ "$cache_models" != yes ] || [ "$stream_models" != yes ] || [ "$e2e_wall" = nan ] ||
        [ "$(info epochs "$TMP/def_sgd.model")" = nan ]; then
        echo "bench: smoke run: missing or bad numbers" >&2
        exit 1
    fi
    case "$fused_ok $script_ok $threads_verdict" in
    *no:* | *NOT*)
        echo "bench: smoke run: a baseline or the threads check failed (see above)" >&2
        exit 1
        ;;
    esac
    log "smoke run passed in $secs s"
else
    cp "$report" "$ROOT/bench/RESULTS.md"
    log "wrote bench/RESULTS.md ($secs s)"
fi
