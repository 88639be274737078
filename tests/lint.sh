#!/usr/bin/env bash
# Static analysis of the library and the command line (src/): clang-tidy with
# the checks of .clang-tidy, and cppcheck. Exits non-zero on any finding.
#
#   tests/lint.sh [BUILD_DIR]     (default: build-lint)
#
# clang-tidy needs the compiler flags of every file: the script configures a
# Debug build (so that assert() is visible to the analyzer, which then knows
# the invariants) with clang into BUILD_DIR, for its compile_commands.json;
# nothing is compiled. A false positive is silenced at its line with
# NOLINT(check) or cppcheck-suppress, and a comment saying why.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-lint}

for tool in clang-tidy cppcheck cmake; do
    command -v "$tool" >/dev/null 2>&1 || { echo "lint: $tool is not installed" >&2; exit 2; }
done

# gdtrain-mpi's files (src/mpi/) have compiler flags only in a build with
# -DGDTRAIN_MPI=ON, which needs MPI's headers (CI installs OpenMPI).
mpi=OFF
command -v mpicc >/dev/null 2>&1 && mpi=ON
cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DGDTRAIN_TESTS=OFF -DGDTRAIN_MPI=$mpi >/dev/null
mapfile -t sources < <(find src -name '*.c' | LC_ALL=C sort)
if [ "$mpi" = OFF ]; then
    echo "lint: no MPI (mpicc) here: src/mpi/ is not analyzed"
    mapfile -t sources < <(printf '%s\n' "${sources[@]}" | grep -v '^src/mpi/')
fi

status=0
echo "== clang-tidy (${#sources[@]} files) =="
# One process per file: clang-tidy 14 given several files in one run reports
# false "uninitialized va_list" findings in every file after the first
# (llvm-project issue 40656, bugs.llvm.org 41311). --quiet drops the
# "N warnings generated" chatter; findings still print, and WarningsAsErrors
# in .clang-tidy makes any of them fail the run.
for f in "${sources[@]}"; do
    clang-tidy -p "$BUILD" --quiet "$f" 2> >(grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$' >&2) ||
        status=1
done

echo "== cppcheck =="
# One configuration (_POSIX_C_SOURCE as in the build, NDEBUG not defined).
cppcheck --enable=warning,performance,portability --error-exitcode=1 --inline-suppr \
    --std=c11 --quiet -I include -I src -D_POSIX_C_SOURCE=200809L src/ || status=1

if [ "$status" -eq 0 ]; then
    echo "lint: no findings"
else
    echo "lint: findings above" >&2
fi
exit "$status"
