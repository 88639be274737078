# The examples of README.md and docs/gdtrain.1 run, and print what the docs
# say they print.
#
# README.md: every fenced block whose first line starts with "$ " is a
# session: each "$ COMMAND" line runs (with bash, from a folder that looks
# like the source tree: build/gdtrain, data/, examples/), in order, so a
# later command can use an earlier one's files; the lines up to the next "$ "
# line are its expected output, standard output and standard error together.
# The block that starts with "# gdtrain model file" shows the model the
# session's first run wrote (gdtrain.model): "..." alone on a line stands for
# any lines, "..." in a token for any characters, "<...>" for one token.
#
# docs/gdtrain.1: every .EX block under EXAMPLES is a shell script; it runs
# (gdtrain on the PATH, in a folder with the files the examples name:
# houses.csv, new.csv, test.csv, sales.csv, golden.csv) and must succeed.
# The curve-diff --columns item lists the columns it compares: each must be
# accepted. The JSON OUTPUT example is held to a real run's JSON: its keys,
# and its values given in full.
#
# Before comparing, what varies from run to run is masked on both sides, and
# runs of blanks count as one (tables stay comparable when a column's width
# changes):
#   - a duration "0.011 s" becomes "#.### s";
#   - in a table whose header names a column "*seconds", that column's cells
#     become "#".
# On a difference, every example that differs is reported with a unified
# diff (docs on the "-" side) and the full output it printed, to paste into
# the docs.
. "$(dirname "$0")/lib.bash"
export LC_ALL=C
README=$SRC/README.md
MAN=$SRC/docs/gdtrain.1
expect_file "$README" "README.md"
expect_file "$MAN" "the man page"

# mask < TEXT: the masked, blank-folded text. A seconds column is found by
# its header's place in the line (cells may be empty, so fields cannot be
# counted) and blanked in the rows below it, up to a blank line.
mask() {
    sed -E 's/[0-9]+\.[0-9]+ s\b/#.### s/g' | awk '
        NF == 0 { from = 0; print ""; next }
        from > 0 {
            $0 = substr($0, 1, from - 1) "#" (to > 0 ? " " substr($0, to) : "")
        }
        from == 0 && match($0, /(^| )[a-z_]*seconds( |$)/) {
            from = RSTART + (substr($0, RSTART, 1) == " ")
            rest = substr($0, from)
            to = match(rest, / +[^ ]/) ? from + RLENGTH + RSTART - 2 : 0
        }
        { $1 = $1; print }'
}

FAILED=0
# differs WHERE COMMAND EXPECTED GOT: reports a difference (files).
differs() {
    FAILED=$((FAILED + 1))
    {
        echo "---- $1: $2"
        echo "diff (- the docs, + this build; masked):"
        diff -u "$3" "$4" | tail -n +3
        echo "what it printed:"
        cat "$5"
        echo
    } >&2
}

# ---------------------------------------------------------------- README
# Splits the README's sessions into ex/N.cmd, ex/N.exp and ex/N.where (the
# README line of the command), in order.
mkdir ex
awk -v dir=ex '
    function flush() { if (n > 0) close(dir "/" n ".exp") }
    /^```/ {
        if (!fence) { fence = 1; first = 1; session = 0; next }
        fence = 0; flush(); next
    }
    fence && first { first = 0; session = ($0 ~ /^\$ /) }
    fence && session && /^\$ / {
        flush()
        n++
        cmd = substr($0, 3)
        print cmd > (dir "/" n ".cmd"); close(dir "/" n ".cmd")
        print "README.md:" FNR > (dir "/" n ".where"); close(dir "/" n ".where")
        printf "" > (dir "/" n ".exp")
        next
    }
    fence && session { print > (dir "/" n ".exp") }
' "$README"
n=$(find ex -name '*.cmd' | wc -l)
CHECKS=$((CHECKS + 1))
[ "$n" -ge 8 ] || fail "only $n commands found in the README's sessions"

mkdir -p tree/build
ln -s "$SRC/data" tree/data
ln -s "$SRC/examples" tree/examples
ln -s "$GDTRAIN" tree/build/gdtrain
for i in $(seq 1 "$n"); do
    # Trailing blank lines separate commands; they are not output.
    sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "ex/$i.exp" | mask >"ex/$i.want"
    (cd tree && bash -c "$(cat "$WORK/ex/$i.cmd")") >"ex/$i.out" 2>&1
    mask <"ex/$i.out" >"ex/$i.got"
    CHECKS=$((CHECKS + 1))
    cmp -s "ex/$i.want" "ex/$i.got" ||
        differs "$(cat "ex/$i.where")" "$(cat "ex/$i.cmd")" "ex/$i.want" "ex/$i.got" "ex/$i.out"
done

# The model file block against the model the session wrote.
awk '/^```/ { if (fence) { fence = 0; if (take) exit; next } fence = 1; first = 1; next }
     fence && first { first = 0; take = ($0 ~ /^# gdtrain model file/) }
     fence && take' "$README" >model.doc
CHECKS=$((CHECKS + 1))
[ -s model.doc ] || fail "no model file block in the README"
expect_file tree/gdtrain.model "the model of the README's first example"
# Each doc line becomes a pattern; "..." alone lets any lines pass.
if ! awk '
    function pattern(s,   out, c, i) {
        out = ""
        for (i = 1; i <= length(s); i++) {
            c = substr(s, i, 1)
            if (substr(s, i, 3) == "...") { out = out "[^ ]*"; i += 2; continue }
            if (c == "<") { out = out "[^ ]+"; i = index(substr(s, i), ">") + i - 1; continue }
            if (c ~ /[][\\^$.|?*+(){}]/) out = out "\\" c
            else out = out c
        }
        return "^" out "$"
    }
    NR == FNR { doc[++nd] = $0; next }
    { file[++nf] = $0 }
    END {
        j = 1; skip = 0
        for (i = 1; i <= nd; i++) {
            if (doc[i] == "...") { skip = 1; continue }
            re = pattern(doc[i])
            while (j <= nf && file[j] !~ re && skip) j++
            if (j > nf || file[j] !~ re) {
                printf "README model block line %d, \"%s\": no match at model line %d, \"%s\"\n",
                       i, doc[i], j, file[j] > "/dev/stderr"
                exit 1
            }
            j++; skip = 0
        }
        if (j <= nf && !skip) {
            printf "README model block ends before model line %d, \"%s\"\n", j, file[j] > "/dev/stderr"
            exit 1
        }
    }' model.doc tree/gdtrain.model; then
    FAILED=$((FAILED + 1))
    echo "---- the README's model file block; the model:" >&2
    cat tree/gdtrain.model >&2
fi

# -------------------------------------------------------------- man page
# roff to shell text: the escapes the EXAMPLES section uses.
unroff() {
    sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\&//g' -e 's/\\|//g' \
        -e 's/\\e/\\/g'
}
mkdir -p man/bin
ln -s "$GDTRAIN" man/bin/gdtrain
cp "$SRC/data/houses.csv" man/houses.csv
head -n 11 "$SRC/data/houses.csv" >man/new.csv
{ head -n 1 "$SRC/data/houses.csv"; tail -n 200 "$SRC/data/houses.csv"; } >man/test.csv
tr , ';' <"$SRC/data/houses.csv" >man/sales.csv
(cd man && "$GDTRAIN" --data houses.csv --curve golden.csv --quiet --out golden.model) ||
    fail "the man page examples' golden.csv"
awk '/^\.SH/ { ex = ($0 ~ /^\.SH EXAMPLES/) }
     ex && /^\.EX/ { n++; keep = 1; next }
     ex && /^\.EE/ { keep = 0; next }
     ex && keep { print > ("man/" n ".sh") }' "$MAN"
nman=$(find man -maxdepth 1 -name '*.sh' | wc -l)
CHECKS=$((CHECKS + 1))
[ "$nman" -ge 5 ] || fail "only $nman example blocks found in the man page"
for i in $(seq 1 "$nman"); do
    unroff <"man/$i.sh" >"man/$i.run"
    CHECKS=$((CHECKS + 1))
    if ! (cd man && PATH="$WORK/man/bin:$PATH" bash -e "$i.run") >"man/$i.out" 2>&1; then
        FAILED=$((FAILED + 1))
        { echo "---- docs/gdtrain.1 EXAMPLES, block $i failed:"; cat "man/$i.run";
          echo "what it printed:"; cat "man/$i.out"; echo; } >&2
    fi
done

# curve-diff --columns: every column the man page lists is accepted.
columns=$(awk '/^\\fB\\-\\-columns\\fR/ { on = 1; next }
               on && /^\.BR? / { w = $2; gsub(/[^a-z_]/, "", w); print w; listed = 1; next }
               on && listed { exit }' "$MAN")
CHECKS=$((CHECKS + 1))
[ -n "$columns" ] || fail "the man page's curve-diff --columns item lists no columns"
for c in $columns; do
    run "$GDTRAIN" curve-diff --columns "$c" man/golden.csv man/golden.csv
    CHECKS=$((CHECKS + 1))
    [ "$STATUS" -eq 0 ] || { cat "$WORK/err" >&2; fail "curve-diff --columns $c, listed in the man page, exits $STATUS"; }
done

# The JSON OUTPUT example (shortened): each of its keys is in a real run's
# JSON, and each value given in full (a string, true/false/null, a whole
# number) is the run's; decimals there are rounded, so they are not compared.
awk '/^\.SH JSON OUTPUT/ { on = 1 } on && /^\.EX/ { take = 1; next } take && /^\.EE/ { exit }
     take' "$MAN" | unroff | tr -d '\n' >json.doc
CHECKS=$((CHECKS + 1))
[ -s json.doc ] || fail "no JSON example in the man page"
(cd man && "$GDTRAIN" --data houses.csv --json --quiet) >json.run ||
    fail "the JSON example's run"
grep -oE '"[a-z_]+":' json.doc | sort -u >json.keys
while read -r key; do
    CHECKS=$((CHECKS + 1))
    grep -qF -- "$key" json.run || { FAILED=$((FAILED + 1)); echo "---- man page JSON OUTPUT: key $key is not in: $(cat json.run)" >&2; }
done <json.keys
grep -oE '"[a-z_]+":("[^"]*"|true|false|null|-?[0-9]+)[,}]' json.doc | sed 's/[,}]$//' | sort -u >json.pairs
while read -r pair; do
    CHECKS=$((CHECKS + 1))
    grep -qE -- "$(printf '%s' "$pair" | sed 's/[][\.*^$]/\\&/g')[,}]" json.run ||
        { FAILED=$((FAILED + 1)); echo "---- man page JSON OUTPUT: $pair is not in: $(cat json.run)" >&2; }
done <json.pairs

[ "$FAILED" -eq 0 ] || fail "$FAILED documented example(s) differ from this build (above)"
done_ok
