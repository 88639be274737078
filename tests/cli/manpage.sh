# The man page documents exactly the subcommands and options the program has.
#
# Subcommands come from the "Subcommands:" list of 'gdtrain --help'; the
# options of each from 'gdtrain SUBCOMMAND --help' (the rows that
# cli_print_options writes: "  -x, --name ..." or "      --name ..."). In
# docs/gdtrain.1, each subcommand is a subsection .SS "gdtrain NAME" and each
# option a .TP item whose tag line starts with it. Both sides are compared as
# "-x, --name" or "--name" (the short form must agree too); --help and
# --version, which every subcommand takes, are documented once and left out.
# On a difference the test lists, per subcommand, what to add or remove.
. "$(dirname "$0")/lib.bash"
export LC_ALL=C # one collation for sort and comm
MAN=$SRC/docs/gdtrain.1
expect_file "$MAN" "the man page"

# help_options FILE: the options listed in a --help output, one per line.
help_options() {
    sed -nE 's/^  (-([A-Za-z0-9]), |    )--([A-Za-z0-9][A-Za-z0-9-]*).*/\2 \3/p' "$1" |
        awk '$NF != "help" && $NF != "version" {
                 print (NF == 2 ? "-" $1 ", --" $2 : "--" $1) }' | sort -u
}

# man_options: "SUBCOMMAND OPTION" for every option item of the man page.
man_options() {
    awk '
        # roff to text: \- is a hyphen; font changes and \& vanish.
        function plain(s) {
            gsub(/\\-/, "-", s)
            gsub(/\\f(\[[^]]*\]|\(..|.)/, "", s)
            gsub(/\\&/, "", s)
            gsub(/"/, "", s)
            return s
        }
        /^\.SH/ { cmd = ""; next }
        /^\.SS/ {
            line = plain($0)
            cmd = (match(line, /^\.SS +gdtrain +[a-z][a-z0-9-]*$/)) ? line : ""
            sub(/^\.SS +gdtrain +/, "", cmd)
            if (cmd != "") print cmd, "(section)"
            next
        }
        /^\.TP/ { tag = 1; next }
        tag {
            tag = 0
            if (cmd == "") next
            s = plain($0)
            sub(/^\.[A-Z]+ +/, "", s)           # a tag written as .B/.BR
            if (match(s, /^-[A-Za-z0-9], +--[A-Za-z0-9][A-Za-z0-9-]*/) ||
                match(s, /^--[A-Za-z0-9][A-Za-z0-9-]*/)) {
                opt = substr(s, 1, RLENGTH)
                gsub(/, +/, ", ", opt)
                gsub(/ +/, " ", opt)
                if (opt !~ /--(help|version)$/) print cmd, opt
            } else {
                printf "%s ?unparsed %s\n", cmd, s
            }
        }
    ' "$MAN"
}

run "$GDTRAIN" --help
expect_status 0 "gdtrain --help"
subcommands=$(awk '/^Subcommands:/ { on = 1; next }
                   on && /^ *$/ { exit }
                   on && match($0, /^  [a-z][a-z0-9-]*/) { print substr($0, 3, RLENGTH - 2) }' "$WORK/out")
[ -n "$subcommands" ] || fail "no subcommands found in 'gdtrain --help'"

man_options >"$WORK/man.all"
problems=""
note() { problems="$problems$1"$'\n'; }
if grep -q '^[^ ]* ?unparsed ' "$WORK/man.all"; then
    note "$(sed -n "s/^\([^ ]*\) ?unparsed \(.*\)/  \1: a .TP item whose tag is not an option: '\2'/p" "$WORK/man.all")"
fi

for sub in $subcommands; do
    run "$GDTRAIN" "$sub" --help
    expect_status 0 "gdtrain $sub --help"
    help_options "$WORK/out" >"$WORK/help.$sub"
    [ -s "$WORK/help.$sub" ] || note "  $sub: 'gdtrain $sub --help' lists no options (has its format changed?)"
    if ! grep -qx "$sub (section)" "$WORK/man.all"; then
        note "  $sub: no section in the man page: add .SS \"gdtrain $sub\" under .SH COMMANDS, with one .TP item per option"
        continue
    fi
    awk -v c="$sub" '$1 == c && $2 != "(section)" && $2 != "?unparsed" { $1 = ""; sub(/^ /, ""); print }' \
        "$WORK/man.all" | sort -u >"$WORK/man.$sub"
    missing=$(comm -23 "$WORK/help.$sub" "$WORK/man.$sub" | paste -sd';' | sed 's/;/; /g')
    extra=$(comm -13 "$WORK/help.$sub" "$WORK/man.$sub" | paste -sd';' | sed 's/;/; /g')
    [ -z "$missing" ] || note "  $sub: in 'gdtrain $sub --help' but not in the man page: $missing"
    [ -z "$extra" ] || note "  $sub: in the man page but not in 'gdtrain $sub --help': $extra"
    CHECKS=$((CHECKS + 1))
done

# Sections for subcommands that the program does not have.
while read -r sub; do
    grep -qx -- "$sub" <<<"$subcommands" ||
        note "  $sub: the man page has .SS \"gdtrain $sub\" but 'gdtrain --help' lists no such subcommand"
done < <(awk '$2 == "(section)" { print $1 }' "$WORK/man.all")

if [ -n "$problems" ]; then
    printf 'docs/gdtrain.1 and the --help output disagree:\n%s' "$problems" >&2
    fail "update docs/gdtrain.1 (see the comment at its top) or the option tables"
fi

# The page renders without warnings, when groff is installed.
if command -v groff >/dev/null 2>&1; then
    run groff -man -ww -z "$MAN"
    CHECKS=$((CHECKS + 1))
    if [ "$STATUS" -ne 0 ] || [ -s "$WORK/err" ]; then
        cat "$WORK/err" >&2
        fail "groff warns about docs/gdtrain.1"
    fi
else
    skip_part "groff is not installed: the man page was not rendered"
fi

done_ok
