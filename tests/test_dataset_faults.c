/*
 * A data file that changes while gd_dataset_load reads it: cut short, or
 * rewritten in place with its lines moved. Each must be an error, never a
 * shorter dataset, rows left unset, or rows written past X.
 *
 * The csv reader takes the file's size with fstat when it opens it; the
 * parallel loader takes it again, then reads the file with pread: chunk by
 * chunk to count lines (pass 1), then chunk by chunk again to parse them
 * (pass 2). This program is linked with -Wl,--wrap=pread,--wrap=fstat
 * (tests/CMakeLists.txt), so every pread and fstat of the library comes
 * here first, and the file can be changed at an exact moment: before a
 * given call, or right after it.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "gdtrain/dataset.h"

ssize_t __real_pread(int fd, void *buf, size_t len, off_t off);
ssize_t __wrap_pread(int fd, void *buf, size_t len, off_t off);
int __real_fstat(int fd, struct stat *sb);
int __wrap_fstat(int fd, struct stat *sb);

/* Reads at least this long are whole chunks (the loader's are >= 1 MiB but
 * the last; its boundary searches read 64 KiB, its end check 4 KiB). */
enum { CHUNK_READ_MIN = 512 * 1024, MAX_SEEN = 64 };

typedef enum when {
    NEVER,
    BEFORE_SECOND_FSTAT,      /* after the reader opened it and read the header */
    BEFORE_SECOND_CHUNK_READ, /* in pass 1, after the first chunk was counted */
    BEFORE_REREAD,            /* at the start of pass 2 */
    AFTER_REREAD              /* just after pass 2 has read the first chunk */
} when;

/* A change to the file at path: 0 if it was made. It runs inside the
 * wrappers, under their lock, so it reports failure rather than asserting
 * (a cmocka failure jumps out and would leave the lock held). */
typedef int (*change_fn)(const char *path);

/* The planned change: at `moment`, call change(path). */
static struct {
    when moment;
    const char *path;
    change_fn change;
    int fired;      /* changes made */
    int failed;     /* changes that could not be made */
    size_t chunk_reads;
    size_t fstats;
    off_t seen[MAX_SEEN]; /* offsets of the chunk reads so far */
    size_t nseen;
} plan;

static void plan_reset(when moment, const char *path, change_fn change)
{
    memset(&plan, 0, sizeof plan);
    plan.moment = moment;
    plan.path = path;
    plan.change = change;
}

static void fire(void)
{
    plan.fired++;
    plan.failed += plan.change(plan.path) != 0;
}

/* The loader's threads call pread at once: one at a time through here, the
 * real read included, so that no read can slip past a change being made
 * and a change planned "at the start of pass 2" comes before every read of
 * pass 2, whichever thread makes the first. */
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

ssize_t __wrap_pread(int fd, void *buf, size_t len, off_t off)
{
    pthread_mutex_lock(&plan_lock);
    int chunk = len >= CHUNK_READ_MIN, reread = 0;
    if (chunk) {
        for (size_t k = 0; k < plan.nseen; k++)
            reread |= plan.seen[k] == off;
        if (!reread && plan.nseen < MAX_SEEN)
            plan.seen[plan.nseen++] = off;
        plan.chunk_reads++;
    }
    int first_reread = reread && plan.fired == 0;
    if ((plan.moment == BEFORE_SECOND_CHUNK_READ && chunk && plan.chunk_reads == 2) ||
        (plan.moment == BEFORE_REREAD && first_reread))
        fire();
    ssize_t got = __real_pread(fd, buf, len, off);
    if (plan.moment == AFTER_REREAD && first_reread)
        fire();
    pthread_mutex_unlock(&plan_lock);
    return got;
}

int __wrap_fstat(int fd, struct stat *sb)
{
    pthread_mutex_lock(&plan_lock);
    if (plan.moment == BEFORE_SECOND_FSTAT && ++plan.fstats == 2)
        fire();
    int st = __real_fstat(fd, sb);
    pthread_mutex_unlock(&plan_lock);
    return st;
}

/* ---- the data file ---- */

enum { ROWS = 200000 };
static const char line_text[] = "1000,2000,3000\n"; /* every data row */
static const char header[] = "a,b,y\n";
static const char *const only_a[] = {"a"};

static size_t file_size(void)
{
    return sizeof header - 1 + (size_t)ROWS * (sizeof line_text - 1);
}

/* Writes the file: ROWS equal rows (3 MB: three chunks); with quoted, the
 * first row's b is a quoted field spanning two lines, which sends the
 * loader to its sequential reader after pass 2 has read the first chunk.
 * The loads read a and y only, so that b need not be a number. */
static void write_data(const char *path, int quoted)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(header, f);
    for (size_t i = 0; i < ROWS; i++)
        fputs(quoted && i == 0 ? "1000,\"20\n0\",30\n" : line_text, f);
    assert_int_equal(fclose(f), 0);
}

static int cut_mid_line(const char *path)
{
    return truncate(path, (off_t)(file_size() / 2 + 5));
}

/* After a whole row: what is left is a well-formed, shorter file. */
static int cut_after_row(const char *path)
{
    off_t keep = (off_t)(sizeof header - 1 + (size_t)(ROWS / 2) * (sizeof line_text - 1));
    return truncate(path, keep);
}

/* Only the last row's last digit goes (cutting the final newline alone
 * would leave the same rows, which is no error). */
static int cut_last_digit(const char *path)
{
    return truncate(path, (off_t)(file_size() - 2));
}

/* Overwrites bytes at offset off (which must be those of whole rows). */
static int overwrite(const char *path, size_t off, const char *text)
{
    FILE *f = fopen(path, "r+b");
    if (f == NULL)
        return -1;
    int bad = fseek(f, (long)off, SEEK_SET) != 0 ||
              fwrite(text, 1, strlen(text), f) != strlen(text);
    return fclose(f) != 0 || bad ? -1 : 0;
}

/* Same size, three more rows near the end: 2 rows of 15 bytes become 5 of 6. */
static int rewrite_more_lines(const char *path)
{
    return overwrite(path, file_size() - 3 * (sizeof line_text - 1),
              "1,2,3\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n");
}

/* Same size, fewer rows near the end: 3 rows of 15 bytes become 1 of 45. */
static int rewrite_fewer_lines(const char *path)
{
    return overwrite(path, file_size() - 4 * (sizeof line_text - 1),
              "1000000000000,2000000000000,30000000000000.0\n");
}

/* Loads columns a and y of path. */
static gd_status load(const char *path, int threads, gd_dataset *ds, gd_error *err)
{
    gd_load_options opt;
    memset(&opt, 0, sizeof opt);
    opt.path = path;
    opt.need_target = 1;
    opt.features = only_a;
    opt.nfeatures = 1;
    opt.threads = threads;
    return gd_dataset_load(ds, &opt, err);
}

/* Loads path with the plan armed and expects the I/O error whose message
 * holds fragment, the change made exactly once, and nothing left in ds. */
static void expect_load_fails(const char *path, int threads, const char *fragment)
{
    gd_dataset ds;
    gd_error err;
    gd_error_clear(&err);
    gd_status st = load(path, threads, &ds, &err);
    assert_int_equal(plan.fired, 1);
    assert_int_equal(plan.failed, 0);
    if (st != GD_ERR_IO || strstr(err.message, fragment) == NULL) {
        print_error("got status %d \"%s\" after %zu rows, expected an I/O error with "
                    "\"%s\"\n", (int)st, err.message, st == GD_OK ? ds.n : 0, fragment);
        gd_dataset_free(&ds);
        fail();
    }
    assert_string_equal(err.file, path);
    assert_int_equal(ds.n, 0);
    assert_null(ds.x);
    assert_null(ds.y);
}

/* The plan's machinery sees the loader's reads as described above: loaded
 * untouched, the file is read in two passes of whole chunks. */
static void test_untouched_file_loads(void **state)
{
    (void)state;
    const char *path = temp_path("whole.csv");
    for (int quoted = 0; quoted <= 1; quoted++) {
        write_data(path, quoted);
        plan_reset(NEVER, path, NULL);
        gd_dataset ds;
        gd_error err;
        assert_int_equal(load(path, 1, &ds, &err), GD_OK);
        assert_int_equal(ds.n, ROWS);
        assert_int_equal(plan.nseen, 3);
        assert_true(plan.chunk_reads >= 2 * plan.nseen - (size_t)quoted * 2);
        assert_true(ds.y[ROWS - 1] == 3000.0);
        gd_dataset_free(&ds);
    }
}

/* Writes a fresh file (see write_data), plans change at moment, and expects
 * the load with that many threads to fail with fragment in the message. */
static void expect_change_fails(const char *name, int quoted, when moment,
                                change_fn change, int threads, const char *fragment)
{
    const char *path = temp_path(name);
    write_data(path, quoted);
    plan_reset(moment, path, change);
    expect_load_fails(path, threads, fragment);
}

/* Between the reader's size and the loader's: the loader must not take the
 * shorter file for the whole one, even when it ends at a row's end. */
static void test_cut_after_opening(void **state)
{
    (void)state;
    expect_change_fails("cut0.csv", 0, BEFORE_SECOND_FSTAT, cut_after_row, 1,
                        "truncated while being read");
    expect_change_fails("cut1.csv", 0, BEFORE_SECOND_FSTAT, cut_mid_line, 2,
                        "truncated while being read");
}

static void test_cut_while_counting(void **state)
{
    (void)state;
    expect_change_fails("cut2.csv", 0, BEFORE_SECOND_CHUNK_READ, cut_mid_line, 1,
                        "truncated while being read");
}

/* Cut, or rewritten in place with the same size, at the start of pass 2:
 * the first shows as a short read, the second as lines that differ from
 * pass 1's count (by which X was sized). */
static void test_changed_between_passes(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        change_fn change;
        const char *fragment;
    } cases[] = {
        {"cut3.csv", cut_mid_line, "truncated while being read"},
        {"cut4.csv", cut_after_row, "truncated while being read"},
        {"cut5.csv", cut_last_digit, "truncated while being read"},
        {"more.csv", rewrite_more_lines, "changed while it was being read"},
        {"fewer.csv", rewrite_fewer_lines, "changed while it was being read"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        for (int threads = 1; threads <= 2; threads++)
            expect_change_fails(cases[k].name, 0, BEFORE_REREAD, cases[k].change, threads,
                                cases[k].fragment);
}

/* The first chunk holds a quoted field spanning lines, so after pass 2 the
 * sequential reader reads the file again with fread: it finds the file
 * shorter than the size it had when it was opened. */
static void test_cut_before_sequential_reread(void **state)
{
    (void)state;
    expect_change_fails("cut6.csv", 1, AFTER_REREAD, cut_mid_line, 1,
                        "truncated while being read");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_untouched_file_loads),
        cmocka_unit_test(test_cut_after_opening),
        cmocka_unit_test(test_cut_while_counting),
        cmocka_unit_test(test_changed_between_passes),
        cmocka_unit_test(test_cut_before_sequential_reread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
