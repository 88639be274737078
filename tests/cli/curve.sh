# Loss curves: curve-diff's exit codes and messages, and plot's SVG output.
. "$(dirname "$0")/lib.bash"

# Small curves written by hand.
printf 'epoch,train_loss,val_loss,grad_norm,lr,seconds\n1,0.5,0.6,2,0.01,0.1\n2,0.25,0.3,1,0.01,0.2\n3,0.125,0.15,0.5,0.01,0.3\n' >ref.csv
# The same values, other timings, columns in another order with an extra one.
printf 'seconds,epoch,note,lr,grad_norm,val_loss,train_loss\n9,1,x,0.01,2,0.6,0.5\n9,2,y,0.01,1,0.3,0.25\n9,3,z,0.01,0.5,0.15,0.125\n' >same.csv
# train_loss 0.25 -> 0.2500001 at epoch 2 (relative difference 4e-7).
sed 's/^2,0.25,/2,0.2500001,/' ref.csv >near.csv
# One epoch less; an empty val_loss; a bad cell; a bad epoch order.
head -n 3 ref.csv >short.csv
sed 's/^2,0.25,0.3,/2,0.25,,/' ref.csv >noval.csv
sed 's/^3,0.125,/3,0.l25,/' ref.csv >bad.csv
printf 'epoch,train_loss,val_loss\n2,1,\n1,2,\n' >order.csv
printf 'epoch,train_loss\n1,0.5\n2,0.25\n3,0.125\n' >trainonly.csv

# Equal curves: exit 0 and a confirmation (not with --quiet).
run "$GDTRAIN" curve-diff ref.csv ref.csv
expect_status 0 "identical curves"
expect_err_line "^gdtrain: curves agree: ref.csv and ref.csv, 3 epochs, train_loss,val_loss identical$" "identical message"
expect_err_lines 1 "identical curves"
run "$GDTRAIN" curve-diff ref.csv same.csv
expect_status 0 "same values, other column order and timings"
run "$GDTRAIN" curve-diff ref.csv same.csv --columns train_loss,val_loss,grad_norm,lr
expect_status 0 "every comparable column"
run "$GDTRAIN" curve-diff --quiet ref.csv same.csv
expect_status 0 "--quiet"
expect_err_lines 0 "--quiet prints nothing"

# Within and beyond the tolerance.
run "$GDTRAIN" curve-diff ref.csv near.csv
expect_status 1 "4e-7 apart with the default rtol 1e-9"
expect_err_line "^gdtrain: curves differ at epoch 2, column train_loss: 0.25 \(ref.csv\) vs 0.2500001 \(near.csv\), relative difference 4.0e-07 > rtol 1e-09$" "difference message"
expect_err_lines 1 "difference"
run "$GDTRAIN" curve-diff ref.csv near.csv --rtol 1e-6
expect_status 0 "within --rtol 1e-6"
expect_err_line "within rtol 1e-06, atol 0 \(largest relative difference 4.0e-07\)" "within message"
run "$GDTRAIN" curve-diff ref.csv near.csv --rtol 0 --atol 2e-7
expect_status 0 "within --atol 2e-7"
run "$GDTRAIN" curve-diff ref.csv near.csv --rtol 0 --atol 5e-8
expect_status 1 "beyond --atol 5e-8"
expect_err_line "absolute difference 1.0e-07 > atol 5e-08" "atol message"
run "$GDTRAIN" curve-diff -q ref.csv near.csv
expect_status 1 "--quiet difference"
expect_err_lines 0 "--quiet difference prints nothing"
# Only the columns asked for count.
run "$GDTRAIN" curve-diff ref.csv near.csv --columns val_loss,grad_norm
expect_status 0 "--columns without train_loss"
run "$GDTRAIN" curve-diff ref.csv trainonly.csv --columns train_loss
expect_status 0 "a file without val_loss, comparing train_loss"

# Length and NaN differences.
run "$GDTRAIN" curve-diff ref.csv short.csv
expect_status 1 "shorter curve"
expect_err_line "^gdtrain: curves differ in length: epoch 3 is in ref.csv but not in short.csv \(ref.csv has 3 rows, short.csv 2\)$" "length message"
run "$GDTRAIN" curve-diff short.csv ref.csv
expect_status 1 "longer curve"
expect_err_line "epoch 3 is in ref.csv but not in short.csv" "longer message"
run "$GDTRAIN" curve-diff ref.csv noval.csv
expect_status 1 "empty val_loss in one file"
expect_err_line "at epoch 2, column val_loss: 0.3 \(ref.csv\) vs empty \(noval.csv\)$" "empty message"
run "$GDTRAIN" curve-diff noval.csv noval.csv
expect_status 0 "empty val_loss in both"

# Usage errors: 2, with the hint.
usage() {
    local what=$1 re=$2
    shift 2
    run "$GDTRAIN" curve-diff "$@"
    expect_status 2 "$what"
    expect_err_line "^gdtrain: error: .*$re" "$what"
    expect_err_line "^try 'gdtrain curve-diff --help'$" "$what hint"
}
usage "one file" "give two curve files" ref.csv
usage "no files" "give two curve files"
usage "three files" "unexpected argument 'ref.csv'" ref.csv ref.csv ref.csv
usage "bad rtol" "'--rtol' expects a number >= 0, got 'x'" ref.csv ref.csv --rtol x
usage "negative atol" "--atol" ref.csv ref.csv --atol -1
usage "unknown column" "unknown curve column 'loss'" ref.csv ref.csv --columns loss
usage "seconds column" "'seconds' \\(wall time\\).*cannot be compared" ref.csv ref.csv --columns seconds
usage "unknown option" "unknown option '--tol'" ref.csv ref.csv --tol 1
run "$GDTRAIN" curve-diff --help
expect_status 0 "curve-diff --help"
grep -q -- "--rtol" out || fail "curve-diff --help lacks --rtol"

# Malformed files: 3, with FILE:LINE:COL.
run "$GDTRAIN" curve-diff ref.csv bad.csv
expect_status 3 "bad cell"
expect_err_line "^gdtrain: error: bad.csv:4:3: column 'train_loss': expected a number, found \"0.l25\"$" "bad cell message"
run "$GDTRAIN" curve-diff order.csv ref.csv
expect_status 3 "epochs out of order"
expect_err_line "^gdtrain: error: order.csv:3:1: .*epochs must increase" "order message"
run "$GDTRAIN" curve-diff ref.csv trainonly.csv
expect_status 3 "no val_loss column"
expect_err_line "^gdtrain: error: trainonly.csv:1: no column 'val_loss' in the header$" "missing column message"
# Unreadable: 4.
run "$GDTRAIN" curve-diff ref.csv missing.csv
expect_status 4 "missing file"
expect_err_line "^gdtrain: error: missing.csv: cannot open" "missing file message"
# Standard input as one of the files.
run "$GDTRAIN" curve-diff ref.csv - <same.csv
expect_status 0 "standard input"

# plot: an SVG, written atomically, that names each file.
run "$GDTRAIN" plot ref.csv short.csv -o plot.svg --title "two <runs>"
expect_status 0 "plot"
expect_file plot.svg "plot output"
expect_err_line "^gdtrain: 2 curves \(5 epochs\) drawn to plot.svg$" "plot message"
head -n 1 plot.svg | grep -q '^<?xml version="1.0"' || fail "plot.svg is not XML"
grep -q '</svg>' plot.svg || fail "plot.svg is not complete"
CHECKS=$((CHECKS + 4))
[ "$(grep -c '<polyline' plot.svg)" -eq 4 ] || fail "two train and two val lines"
grep -q '>ref.csv train</text>' plot.svg || fail "legend names ref.csv"
grep -q '>short.csv val</text>' plot.svg || fail "legend names short.csv"
grep -q '<title>two &lt;runs&gt;</title>' plot.svg || fail "escaped title"
# Same input, same bytes.
run "$GDTRAIN" plot ref.csv short.csv -o plot2.svg --title "two <runs>" -q
expect_status 0 "plot again"
expect_err_lines 0 "plot --quiet"
cmp -s plot.svg plot2.svg || fail "plot is not deterministic"
run "$GDTRAIN" plot ref.csv --no-val --optimum 0.1 -o one.svg
expect_status 0 "plot --no-val --optimum"
CHECKS=$((CHECKS + 2))
[ "$(grep -c '<polyline' one.svg)" -eq 1 ] || fail "--no-val draws train only"
grep -q '>optimum</text>' one.svg || fail "--optimum line"
# --x log --y gap: the training losses as gaps to the optimum on log axes,
# without validation lines; the gap needs the optimum, and the scales are
# words from a short list.
run "$GDTRAIN" plot ref.csv short.csv --x log --y gap --optimum 0.1 -o gap.svg -q
expect_status 0 "plot --x log --y gap"
[ "$(grep -c '<polyline' gap.svg)" -eq 2 ] || fail "--y gap draws the two training lines"
grep -q '>gap to the optimum: (MSE - optimum) / optimum</text>' gap.svg || fail "--y gap axis label"
grep -q '>epoch (log scale)</text>' gap.svg || fail "--x log axis label"
run "$GDTRAIN" plot ref.csv --y gap -o x.svg
expect_status 2 "--y gap without --optimum"
expect_err_line "^gdtrain: error: --y gap needs the optimum: give --optimum MSE" "--y gap message"
run "$GDTRAIN" plot ref.csv --x logarithmic -o x.svg
expect_status 2 "--x logarithmic"
expect_err_line "^gdtrain: error: --x takes linear or log, not 'logarithmic'" "--x message"
run "$GDTRAIN" plot ref.csv --y mse -o x.svg
expect_status 2 "--y mse"
expect_no_file x.svg "no SVG after a usage error"
CHECKS=$((CHECKS + 3))
# Same base names: the legend uses the paths.
mkdir -p a b && cp ref.csv a/c.csv && cp short.csv b/c.csv
run "$GDTRAIN" plot a/c.csv b/c.csv -o ab.svg
expect_status 0 "plot same base names"
grep -q '>a/c.csv train</text>' ab.svg || fail "paths in the legend"
# Errors: nothing written.
run "$GDTRAIN" plot ref.csv
expect_status 2 "plot without -o"
expect_err_line "^gdtrain: error: no output file" "plot without -o message"
run "$GDTRAIN" plot -o x.svg
expect_status 2 "plot without files"
run "$GDTRAIN" plot bad.csv -o x.svg
expect_status 3 "plot of a bad file"
expect_no_file x.svg "no SVG after a bad file"
run "$GDTRAIN" plot missing.csv -o x.svg
expect_status 4 "plot of a missing file"
run "$GDTRAIN" plot ref.csv -o nodir/x.svg
expect_status 4 "plot into a missing folder"
cp plot.svg keep.svg
run "$GDTRAIN" plot ref.csv bad.csv -o plot.svg
expect_status 3 "plot over an existing file with a bad input"
cmp -s plot.svg keep.svg || fail "a failed plot changed the old file"
run "$GDTRAIN" plot --help
expect_status 0 "plot --help"

done_ok
