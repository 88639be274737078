# A bad row that only rank 1 reads is reported once, with the file's line
# and column as gdtrain gives them, and every rank exits with gdtrain's
# status (3); what gdtrain-mpi cannot do yet is a usage error (2) in every
# rank.
. "$(dirname "$0")/lib.bash"

"$GDTRAIN" gen --rows 20000 --seed 3 --out good.csv || fail "gen"
gdtrain_version=$("$GDTRAIN" --version) || fail "gdtrain --version"
# Line 15000 of 20001 lies in the second of 2 or 3 byte ranges.
awk 'NR == 15000 { print $0 ",1"; next } { print }' good.csv >bad.csv
run "$GDTRAIN" --data bad.csv
expect_status 3 "gdtrain on bad.csv"
grep '^gdtrain: error:' err >want || fail "gdtrain's error message"
for np in 2 3; do
    mpi_run $np --data bad.csv --out bad.model
    expect_ranks $np 3 "a bad row in rank 1's part, $np ranks"
    [ "$(grep -c '^gdtrain: error:' err)" -eq 1 ] || { cat err >&2; fail "$np ranks: not one error"; }
    grep '^gdtrain: error:' err | cmp -s - want ||
        { cat err want >&2; fail "$np ranks: not gdtrain's error (FILE:LINE:COL)"; }
    expect_err_line '^gdtrain: error: bad.csv:15000:32: ' "$np ranks: the line and column"
    expect_no_file bad.model "$np ranks: a model from bad data"
done

# Refused with a usage error by every rank, before any data is read.
for args in "--opt sgd" "--batch-size 64" "--val-split 0.2" "--l1 0.1" "--cache" "--stream" \
    "--memory 1k"; do
    # shellcheck disable=SC2086 # the options are words
    mpi_run 2 --data good.csv $args --out no.model
    expect_ranks 2 2 "gdtrain-mpi $args"
    expect_err_line "^gdtrain: error: gdtrain-mpi cannot do this yet: " "$args: the message"
    expect_no_file no.model "$args: a model"
done

# gdtrain-mpi's own help names every option it refuses, and its usage
# errors point there rather than at gdtrain's help.
mpi_run 2 --help
expect_ranks 2 0 "gdtrain-mpi --help"
for opt in "--data -" --batch-size --val-split --l1 --cv --checkpoint --resume --cache --stream \
    --memory "gdtrain train --help" "RUNNING ON A CLUSTER"; do
    CHECKS=$((CHECKS + 1))
    grep -qF -- "$opt" out || { cat out >&2; fail "--help does not name '$opt'"; }
done
CHECKS=$((CHECKS + 1))
! grep -q 'Subcommands' out || { cat out >&2; fail "--help lists gdtrain's subcommands"; }
mpi_run 2 --data good.csv --bogus
expect_ranks 2 2 "an unknown option"
expect_err_line "^try 'gdtrain-mpi --help'\$" "the hint of a usage error"
mpi_run 2 --data good.csv --l1 0.1
expect_err_line "^try 'gdtrain-mpi --help'\$" "the hint of a refusal"

# --version names the program it is, with gdtrain's version.
mpi_run 2 --version
expect_ranks 2 0 "gdtrain-mpi --version"
CHECKS=$((CHECKS + 1))
[ "$(cat out)" = "gdtrain-mpi ${gdtrain_version#gdtrain }" ] ||
    { cat out >&2; fail "--version: not 'gdtrain-mpi' and gdtrain's version, once"; }
grep -Eq '^gdtrain-mpi [0-9]+\.[0-9]+' out || { cat out >&2; fail "--version: no version"; }

done_ok
