#!/usr/bin/env bash
# Mutation check: does the test suite catch small, plausible bugs? Plants
# each mutation of tests/mutation/mutations.txt, one at a time, in a copy of
# the working tree, rebuilds, runs the mutation's tests and prints a table:
# "killed" (a test failed, naming the failing tests), "SURVIVED" (every
# test passed: the bug would go unnoticed), "no build", or "no tests" (the
# mutation's tests are not in this build). The working tree
# itself is never changed.
#
#   tests/mutation/run.sh [--all] [--keep] [--dry-run] [NAME...]
#
#   --all      run the whole suite for every mutation, not just its tests
#   --keep     keep the copy (its path is printed)
#   --dry-run  only check that every mutation still applies (seconds)
#   NAME     only these mutations (default: all of them)
#
# Exits 0 if every mutation was killed, 1 if one survived or did not
# build, 2 if one no longer applies (its text is gone from the sources:
# update mutations.txt). Takes about a minute per mutation on two cores,
# most of it rebuilding; not part of CI.
#
# MUTATION_CMAKE_ARGS (words) go to the copy's configuration: with
# MUTATION_CMAKE_ARGS=-DGDTRAIN_MPI=ON the mpi_* tests are built and can be
# named by a mutation's `tests`.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
LIST=$SRC/tests/mutation/mutations.txt

ALL=0 KEEP=0 DRY=0
only=()
for a in "$@"; do
    case "$a" in
    --all) ALL=1 ;;
    --keep) KEEP=1 ;;
    --dry-run) DRY=1 ;;
    -*) echo "usage: $0 [--all] [--keep] [--dry-run] [NAME...]" >&2; exit 2 ;;
    *) only+=("$a") ;;
    esac
done

COPY=$(mktemp -d "${TMPDIR:-/tmp}/gdtrain-mutation.XXXXXX")
if [ "$KEEP" -eq 1 ]; then echo "copy in $COPY"; else trap 'rm -rf "$COPY"' EXIT; fi

# ---- the list: one record per mutation, fields in arrays by index
names=() whys=() afters=() lines=() olds=() news=() tests=()
parse() {
    local key rest n=-1 lineno=0
    while IFS= read -r raw || [ -n "$raw" ]; do
        lineno=$((lineno + 1))
        case "$raw" in '' | '#'*) continue ;; esac
        key=${raw%% *}
        rest=${raw#"$key"}
        rest=${rest# }
        if [ "$key" = mutation ]; then
            n=$((n + 1))
            names[n]=$rest whys[n]="" afters[n]="" lines[n]="" olds[n]="" news[n]="" tests[n]='^test_'
            continue
        fi
        [ "$n" -ge 0 ] || { echo "$LIST:$lineno: '$key' before the first 'mutation'" >&2; exit 2; }
        case "$key" in
        why) whys[n]=$rest ;;
        after) afters[n]=$rest ;;
        line) lines[n]=$rest ;;
        replace) olds[n]=$rest ;;
        with) news[n]=$rest ;;
        tests) tests[n]=$rest ;;
        *) echo "$LIST:$lineno: unknown keyword '$key'" >&2; exit 2 ;;
        esac
    done <"$LIST"
}
parse

# ---- a copy of the working tree (tracked and new files), built once
git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar -cf - --null -T - | tar -xf - -C "$COPY"
if [ "$DRY" -eq 0 ]; then
    echo "building the copy in $COPY/build ..."
    # shellcheck disable=SC2086 # words, split on purpose
    nice cmake -S "$COPY" -B "$COPY/build" ${MUTATION_CMAKE_ARGS:-} >/dev/null
    nice cmake --build "$COPY/build" -j2 >/dev/null
fi

# find_file I: prints the file (relative) of the copy that holds mutation I's
# anchor, or fails with a message. (The copy, not the working tree: that may
# change while this runs.)
find_file() {
    local i=$1 anchor files
    anchor=${afters[i]:-${lines[i]}}
    files=$(cd "$COPY" && grep -rlF --include='*.[ch]' -e "$anchor" -- src include | LC_ALL=C sort || true)
    case "$(printf '%s' "$files" | grep -c .)" in
    1) printf '%s\n' "$files" ;;
    0) echo "text not found in src/ or include/: $anchor" >&2; return 1 ;;
    *) echo "text found in several files ($(echo $files)): $anchor" >&2; return 1 ;;
    esac
}

# mutate I IN OUT: writes IN with mutation I applied to OUT. Fails (status 3)
# if the anchor is ambiguous, or the line or the text to replace is missing.
mutate() {
    M_AFTER=${afters[$1]} M_LINE=${lines[$1]} M_OLD=${olds[$1]} M_NEW=${news[$1]} awk '
        BEGIN {
            after = ENVIRON["M_AFTER"]; line = ENVIRON["M_LINE"]
            old = ENVIRON["M_OLD"]; new = ENVIRON["M_NEW"]
            armed = (after == ""); anchors = 0; done = 0; bad = ""
        }
        {
            if (after != "" && index($0, after)) anchors++
            else if (after == "" && index($0, line)) anchors++
        }
        !done && !armed && index($0, after) { armed = 1 }
        !done && armed && index($0, line) {
            p = index($0, old)
            if (p == 0) bad = "line " NR " lacks the text to replace"
            else $0 = substr($0, 1, p - 1) new substr($0, p + length(old))
            done = 1
        }
        { print }
        END {
            if (bad == "" && !done) bad = "no line with the text"
            if (bad == "" && anchors > 1) bad = "the anchor is on " anchors " lines"
            if (bad != "") { print bad > "/dev/stderr"; exit 3 }
        }' "$2" >"$3"
}

# ---- run them
table=$COPY/table.txt
: >"$table"
survived=0 stale=0 ran=0
for i in "${!names[@]}"; do
    name=${names[i]}
    if [ ${#only[@]} -gt 0 ] && ! printf '%s\n' "${only[@]}" | grep -qxF -- "$name"; then
        continue
    fi
    ran=$((ran + 1))
    if ! file=$(find_file "$i" 2>"$COPY/why") ||
        ! mutate "$i" "$COPY/$file" "$COPY/$file.mutant" 2>"$COPY/why"; then
        printf '%-28s %-9s %s\n' "$name" STALE "$(head -1 "$COPY/why") (update mutations.txt)" |
            tee -a "$table"
        rm -f "$COPY/${file:-none}.mutant"
        stale=1
        continue
    fi
    if cmp -s "$COPY/$file" "$COPY/$file.mutant"; then
        printf '%-28s %-9s %s\n' "$name" STALE "the change changes nothing" | tee -a "$table"
        rm -f "$COPY/$file.mutant"
        stale=1
        continue
    fi
    if [ "$DRY" -eq 1 ]; then
        printf '%-28s %-9s %s\n' "$name" applies "$file" | tee -a "$table"
        rm -f "$COPY/$file.mutant"
        continue
    fi
    cp -p "$COPY/$file" "$COPY/$file.orig"
    mv "$COPY/$file.mutant" "$COPY/$file"
    regex=${tests[i]}
    [ "$ALL" -eq 1 ] && regex=.
    log=$COPY/$name.log
    if ! nice cmake --build "$COPY/build" -j2 >"$log" 2>&1; then
        result="no build" detail="(see the compiler's message with --keep)"
        survived=1
    elif nice ctest --test-dir "$COPY/build" -j2 -R "$regex" --timeout 600 >>"$log" 2>&1; then
        result=SURVIVED detail="$file; tests: $regex"
        # No test of the regex in this build (mpi_* without the MPI build):
        # nothing ran, which is no survival.
        grep -q '^No tests were found' "$log" &&
            result="no tests" detail="none of $regex is built here (MUTATION_CMAKE_ARGS)"
        survived=1
    else
        result=killed
        detail="by $(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) (.*)$/\1/p' "$log" | paste -sd' ')"
    fi
    printf '%-28s %-9s %s\n' "$name" "$result" "$detail" | tee -a "$table"
    # Back to the original text, with a new time so that it is rebuilt.
    mv "$COPY/$file.orig" "$COPY/$file"
    touch "$COPY/$file"
done
[ "$ran" -gt 0 ] || { echo "no mutation named ${only[*]}" >&2; exit 2; }

if [ "$DRY" -eq 0 ]; then
    echo
    echo "== $(grep -c ' killed ' "$table" || true) of $ran mutations killed =="
    cat "$table"
fi
[ "$stale" -eq 0 ] || exit 2
[ "$survived" -eq 0 ] || exit 1
