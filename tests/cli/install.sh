# Installation: 'cmake --install' of the built tree into a temporary prefix,
# then examples/train_houses.c built against the installed copy only, once
# with pkg-config and once with find_package(gdtrain), and run on
# data/houses.csv. Its results must be the command line's (the same library,
# the same defaults: the same bits), within 1e-6 of the exact optimum, and
# its saved model must predict what 'gdtrain predict' predicts.
. "$(dirname "$0")/lib.bash"
export LC_ALL=C
unset DESTDIR
DATA=$SRC/data/houses.csv
EXAMPLE=$SRC/examples/train_houses.c
PREFIX=$WORK/prefix

# The build tree: the folder of the binary (or its parent, for multi-config
# generators that put it in build/Release/).
BUILD=$(cd "$(dirname "$GDTRAIN")" && pwd)
[ -f "$BUILD/cmake_install.cmake" ] || BUILD=$(dirname "$BUILD")
[ -f "$BUILD/CMakeCache.txt" ] || fail "no CMake build tree around $GDTRAIN"
cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt" | head -n 1; }
CC_USED=$(cache_value CMAKE_C_COMPILER)
[ -n "$CC_USED" ] || CC_USED=cc

run cmake --install "$BUILD" --prefix "$PREFIX"
expect_status 0 "cmake --install"

# What must be there. The library folder may be lib, lib64 or lib/<arch>.
LIBA=$(find "$PREFIX" -name libgdtrain.a | head -n 1)
[ -n "$LIBA" ] || fail "libgdtrain.a not installed"
LIBDIR=$(dirname "$LIBA")
expect_file "$PREFIX/bin/gdtrain" "the program"
expect_file "$PREFIX/share/man/man1/gdtrain.1" "the man page"
expect_file "$PREFIX/share/bash-completion/completions/gdtrain" "the bash completion"
expect_file "$LIBDIR/pkgconfig/gdtrain.pc" "the pkg-config file"
expect_file "$LIBDIR/cmake/gdtrain/gdtrainConfig.cmake" "the CMake package"
expect_file "$LIBDIR/cmake/gdtrain/gdtrainConfigVersion.cmake" "the CMake package version"
for h in "$SRC"/include/gdtrain/*.h; do
    cmp -s "$h" "$PREFIX/include/gdtrain/$(basename "$h")" || fail "header $(basename "$h") not installed as is"
done
# Only the public headers: the internal ones under src/ stay behind.
diff <(cd "$SRC/include/gdtrain" && ls) <(cd "$PREFIX/include/gdtrain" && ls) >&2 ||
    fail "the installed headers are not exactly include/gdtrain/*.h"
# Each public header compiles on its own against the installed tree alone, so
# none of them needs an internal one.
for h in "$PREFIX"/include/gdtrain/*.h; do
    printf '#include "gdtrain/%s"\nint main(void) { return 0; }\n' "$(basename "$h")" >one.c
    run "$CC_USED" -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$PREFIX/include" -c one.c -o one.o
    expect_status 0 "gdtrain/$(basename "$h") on its own"
done
CHECKS=$((CHECKS + 1))
cmp -s "$SRC/docs/gdtrain.1" "$PREFIX/share/man/man1/gdtrain.1" || fail "the man page differs from docs/gdtrain.1"
cmp -s "$SRC/docs/gdtrain.bash-completion" "$PREFIX/share/bash-completion/completions/gdtrain" ||
    fail "the completion differs from docs/gdtrain.bash-completion"
bash -c '. "$1" && complete -p gdtrain' _ "$PREFIX/share/bash-completion/completions/gdtrain" \
    >/dev/null 2>&1 || fail "the installed completion does not register for gdtrain"
CHECKS=$((CHECKS + 4))

# The installed program is the built one.
run "$PREFIX/bin/gdtrain" --version
expect_status 0 "installed gdtrain --version"
[ "$(cat "$WORK/out")" = "$("$GDTRAIN" --version)" ] || fail "installed --version differs"

# The reference: the command line's adam run and its predictions.
run "$PREFIX/bin/gdtrain" --data "$DATA" --opt adam --out cli.model --quiet
expect_status 0 "train with the installed program"
run "$PREFIX/bin/gdtrain" predict --model cli.model --data "$DATA"
expect_status 0 "predict with the installed program"
CLI_ROW1=$(head -n 1 "$WORK/out")

# check_example BINARY HOW: runs the example and checks what it says.
check_example() {
    run "$1" "$DATA" "ex-$2.model"
    expect_status 0 "train_houses built with $2"
    EX_OUT=ex-$2.txt
    cp "$WORK/out" "$EX_OUT"
    v() { awk -v k="$1" '$1 == k { print $2 }' "$EX_OUT"; }
    [ "$(v rows)" = 2000 ] || fail "$2: rows $(v rows)"
    [ "$(v features)" = 7 ] || fail "$2: features $(v features)"
    [ "$(v stop_reason)" = converged ] || fail "$2: stop_reason $(v stop_reason)"
    awk -v g="$(v gap)" 'BEGIN { exit !(g >= -1e-12 && g < 1e-6) }' || fail "$2: gap $(v gap)"
    grep -c '^weight ' "$EX_OUT" | grep -qx 7 || fail "$2: not 7 weight lines"
    # The model file: what the command line wrote, but for the info lines.
    grep -v -e '^info ' -e '^#' cli.model >cli.params
    grep -v -e '^info ' -e '^#' "ex-$2.model" >ex.params
    cmp -s cli.params ex.params || { diff cli.params ex.params >&2; fail "$2: model differs from the CLI's"; }
    # The example prints %.17g, the command line the shortest decimal: the
    # same double (awk reads both with strtod).
    awk -v a="$(v predict_row1)" -v b="$CLI_ROW1" 'BEGIN { exit !(a + 0 == b + 0 && b != "") }' || fail "$2: predicts $(v predict_row1), gdtrain predict $CLI_ROW1"
    [ "$(v actual_row1)" = "$(sed -n 2p "$DATA" | awk -F, '{ print $NF }')" ] || fail "$2: actual_row1"
    CHECKS=$((CHECKS + 7))
}

# 1. pkg-config (where it is not installed, this part is skipped and so is the test).
if command -v pkg-config >/dev/null 2>&1; then
    export PKG_CONFIG_PATH=$LIBDIR/pkgconfig
    run pkg-config --cflags --libs gdtrain
    expect_status 0 "pkg-config gdtrain"
    FLAGS=$(cat "$WORK/out")
    # shellcheck disable=SC2086 # the flags are words
    run "$CC_USED" -std=c11 -Wall -Wextra -Wpedantic -Werror -O2 "$EXAMPLE" $FLAGS -o ex_pc
    expect_status 0 "compile examples/train_houses.c with pkg-config ($FLAGS)"
    check_example ./ex_pc pkg-config
else
    skip_part "pkg-config is not installed: the example was not built with it"
fi

# 2. A CMake project with find_package(gdtrain).
mkdir consumer
cat >consumer/CMakeLists.txt <<EOF
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(gdtrain 0.1 REQUIRED)
add_executable(train_houses "$EXAMPLE")
set_target_properties(train_houses PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
target_compile_options(train_houses PRIVATE -Wall -Wextra -Wpedantic -Werror)
target_link_libraries(train_houses PRIVATE gdtrain::gdtrain)
EOF
run cmake -S consumer -B consumer/build -DCMAKE_PREFIX_PATH="$PREFIX" \
    -DCMAKE_C_COMPILER="$CC_USED" -DCMAKE_BUILD_TYPE=Release
expect_status 0 "configure a project with find_package(gdtrain)"
run cmake --build consumer/build
expect_status 0 "build it"
check_example consumer/build/train_houses find_package
if [ -f ex-pkg-config.txt ]; then
    diff <(grep -v '^model ' ex-pkg-config.txt) <(grep -v '^model ' ex-find_package.txt) >&2 ||
        fail "the two builds of the example disagree"
fi

done_ok
