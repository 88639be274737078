/*
 * memory: the parsers of /proc/self/cgroup and of a cgroup's limit file on
 * hand-written texts (the expected values written by hand), the walk up a
 * cgroup's parents on a folder tree made to look like one, and the usable
 * memory of this machine against its physical memory.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "core/memory.h"

/* A /proc/self/cgroup of a v1 system (as systemd's hybrid mode writes it),
 * with memory among several controllers on one line. */
static const char v1_text[] = "12:pids:/user.slice\n"
                              "5:cpu,memory:/a\n"
                              "1:name=systemd:/user.slice/session-2.scope\n"
                              "0::/user.slice/session-2.scope\n";

static void test_path_v2(void **state)
{
    (void)state;
    char path[64];
    assert_int_equal(gd_cgroup_memory_path("0::/user.slice/app.service\n", 2, path, sizeof path), 0);
    assert_string_equal(path, "/user.slice/app.service");
    assert_int_equal(gd_cgroup_memory_path(v1_text, 2, path, sizeof path), 0);
    assert_string_equal(path, "/user.slice/session-2.scope");
    /* no newline at the end, and the root */
    assert_int_equal(gd_cgroup_memory_path("0::/", 2, path, sizeof path), 0);
    assert_string_equal(path, "/");
    /* a v2 line is not a v1 memory line */
    assert_int_equal(gd_cgroup_memory_path("0::/a\n", 1, path, sizeof path), -1);
}

static void test_path_v1(void **state)
{
    (void)state;
    char path[64];
    assert_int_equal(gd_cgroup_memory_path(v1_text, 1, path, sizeof path), 0);
    assert_string_equal(path, "/a");
    assert_int_equal(gd_cgroup_memory_path("4:memory:/some/path\n", 1, path, sizeof path), 0);
    assert_string_equal(path, "/some/path");
    assert_int_equal(gd_cgroup_memory_path("3:cpu:/\n4:memory,pids:/\n", 1, path, sizeof path),
                     0);
    assert_string_equal(path, "/");
    /* a controller whose name only starts or ends with the word */
    assert_int_equal(gd_cgroup_memory_path("6:memory_x,xmemory:/b\n", 1, path, sizeof path),
                     -1);
}

static void test_path_missing(void **state)
{
    (void)state;
    char path[8];
    strcpy(path, "kept");
    assert_int_equal(gd_cgroup_memory_path("", 1, path, sizeof path), -1);
    assert_int_equal(gd_cgroup_memory_path("", 2, path, sizeof path), -1);
    assert_int_equal(gd_cgroup_memory_path("12:pids:/\n1:cpu:/\n", 1, path, sizeof path), -1);
    assert_int_equal(gd_cgroup_memory_path("12:pids:/\n1:cpu:/\n", 2, path, sizeof path), -1);
    /* garbage: no colons, one colon, a relative path, an empty path */
    assert_int_equal(gd_cgroup_memory_path("memory\n", 1, path, sizeof path), -1);
    assert_int_equal(gd_cgroup_memory_path("4:memory\n", 1, path, sizeof path), -1);
    assert_int_equal(gd_cgroup_memory_path("4:memory:a/b\n", 1, path, sizeof path), -1);
    assert_int_equal(gd_cgroup_memory_path("0::\n", 2, path, sizeof path), -1);
    /* a path longer than the buffer (8 bytes with its '\0') */
    assert_int_equal(gd_cgroup_memory_path("0::/abcdefg\n", 2, path, sizeof path), -1);
    assert_string_equal(path, "kept");
    assert_int_equal(gd_cgroup_memory_path("0::/abcdef\n", 2, path, sizeof path), 0);
    assert_string_equal(path, "/abcdef");
}

static void test_limit(void **state)
{
    (void)state;
    assert_true(gd_cgroup_limit("1073741824\n") == 1073741824u);
    assert_true(gd_cgroup_limit("536870912") == 536870912u);
    assert_true(gd_cgroup_limit(" 4096 \n") == 4096u);
    assert_true(gd_cgroup_limit("max\n") == 0);
    assert_true(gd_cgroup_limit("max") == 0);
    /* v1's "no limit": the largest multiple of 4096 below 2^63 */
    assert_true(gd_cgroup_limit("9223372036854771712\n") == 0);
    /* more than 64 bits */
    assert_true(gd_cgroup_limit("123456789012345678901234567890\n") == 0);
    /* the largest limit kept: 2^62 - 1 */
    assert_true(gd_cgroup_limit("4611686018427387903\n") == 4611686018427387903u);
    assert_true(gd_cgroup_limit("4611686018427387904\n") == 0);
    assert_true(gd_cgroup_limit("") == 0);
    assert_true(gd_cgroup_limit("\n") == 0);
    assert_true(gd_cgroup_limit("garbage\n") == 0);
    assert_true(gd_cgroup_limit("12G\n") == 0);
    assert_true(gd_cgroup_limit("-1\n") == 0);
    assert_true(gd_cgroup_limit("1 2\n") == 0);
}

static void write_text(const char *dir, const char *file, const char *text)
{
    char name[1024];
    snprintf(name, sizeof name, "%s/%s", dir, file);
    FILE *f = fopen(name, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* A folder tree mount/a/b/c standing in for a cgroup hierarchy: the
 * smallest limit of the cgroup and its parents up to mount counts, one
 * below the starting cgroup or beside it does not. */
static void test_walk_up(void **state)
{
    (void)state;
    char mount[256], dir[512];
    make_dir(mount, sizeof mount);
    const char *const dirs[] = {"/a", "/a/b", "/a/b/c", "/a/b/c/d", "/a/x"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(dir, sizeof dir, "%s%s", mount, dirs[i]);
        assert_int_equal(mkdir(dir, 0700), 0);
    }
    const char *const f = "memory.max";
    assert_true(gd_cgroup_smallest_limit(mount, "/a/b/c", f) == 0);
    write_text(mount, f, "max\n");
    snprintf(dir, sizeof dir, "%s/a/b/c", mount);
    write_text(dir, f, "max\n");
    assert_true(gd_cgroup_smallest_limit(mount, "/a/b/c", f) == 0);
    snprintf(dir, sizeof dir, "%s/a", mount);
    write_text(dir, f, "2000\n");
    snprintf(dir, sizeof dir, "%s/a/b/c/d", mount);
    write_text(dir, f, "10\n");
    snprintf(dir, sizeof dir, "%s/a/x", mount);
    write_text(dir, f, "20\n");
    assert_true(gd_cgroup_smallest_limit(mount, "/a/b/c", f) == 2000);
    assert_true(gd_cgroup_smallest_limit(mount, "/a/b/c/", f) == 2000);
    assert_true(gd_cgroup_smallest_limit(mount, "/a/b/c/d", f) == 10);
    /* a limit on the mount itself (a container's own cgroup), and a path
     * that is not below it (the host's name of that cgroup) */
    write_text(mount, f, "1000\n");
    assert_true(gd_cgroup_smallest_limit(mount, "/a/b/c", f) == 1000);
    assert_true(gd_cgroup_smallest_limit(mount, "/docker/0123abcd", f) == 1000);
    assert_true(gd_cgroup_smallest_limit(mount, "/", f) == 1000);
    assert_true(gd_cgroup_smallest_limit(mount, "/a/b/c", "memory.limit_in_bytes") == 0);
}

static void test_usable_here(void **state)
{
    (void)state;
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0)
        skip_because("the system does not say its physical memory");
    const uint64_t usable = gd_memory_usable();
    assert_true(usable > 0);
    assert_true(usable <= (uint64_t)pages * (uint64_t)page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_v2),      cmocka_unit_test(test_path_v1),
        cmocka_unit_test(test_path_missing), cmocka_unit_test(test_limit),
        cmocka_unit_test(test_walk_up),      cmocka_unit_test(test_usable_here),
    };
    return tests_status(cmocka_run_group_tests(tests, NULL, NULL));
}
