/*
 * Helpers shared by the cmocka test programs.
 */
#ifndef GDTRAIN_TESTUTIL_H
#define GDTRAIN_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* cmocka 1.1 has no double comparison: |a - b| <= tol * max(1, |a|, |b|)
 * when relative, or <= tol when absolute. Prints both values on failure. */
void check_close_rel(double a, double b, double rel_tol, const char *expr,
                     const char *file, int line);
void check_close_abs(double a, double b, double abs_tol, const char *expr,
                     const char *file, int line);
#define assert_close_rel(a, b, tol) \
    check_close_rel((a), (b), (tol), #a " ~ " #b, __FILE__, __LINE__)
#define assert_close_abs(a, b, tol) \
    check_close_abs((a), (b), (tol), #a " ~ " #b, __FILE__, __LINE__)

/* Writes len bytes to a new temporary file and returns its path in a static
 * buffer that the next call reuses. The file is removed at exit. */
const char *write_temp_file(const void *data, size_t len);

/* Path of a new, not yet existing file in a fresh temporary directory
 * (removed with its content at exit). Static buffer, reused per call. */
const char *temp_path(const char *basename);

/* An oracle for least squares, independent of the solve module: minimizes
 * (1/n)|X w + b - y|^2 + l2 |w|^2 over params = [w (d), b] by the normal
 * equations, accumulated and solved in long double (Gaussian elimination
 * with partial pivoting). Only for well-conditioned problems: it squares
 * the condition number. X is (n, d) row-major. Returns the MSE at the solution (no penalty),
 * evaluated in long double. */
double normal_equations_fit(const double *x, const double *y, size_t n, size_t d,
                            double l2, double *params);

/* Fails, printing both values in hex and decimal, unless a and b have the
 * same bits (so -0 differs from 0, and a NaN equals only itself). what and i
 * name the value in the message. */
void check_same_bits(double a, double b, const char *what, size_t i, const char *file,
                     int line);
#define assert_same_bits(a, b, what, i) \
    check_same_bits((a), (b), (what), (i), __FILE__, __LINE__)

/* The whole file at path in a new NUL-terminated buffer (free it); its
 * length in *len if len is not NULL. Fails the test if it cannot be read. */
char *read_all(const char *path, size_t *len);

/* Makes a new, empty temporary folder (removed at exit) and writes its path
 * into dir (size bytes). */
void make_dir(char *dir, size_t size);

/* Switches the whole program to a locale whose decimal point is a comma
 * (de_DE and the like), to prove that file formats do not depend on the
 * locale. Uses an installed one, or compiles de_DE.UTF-8 with localedef
 * (from Debian's locales sources) into a temporary folder and points LOCPATH
 * at it. Returns 1 on success, 0 if no such locale can be had. */
int set_comma_locale(void);

/* The names in folder dir (without . and ..; at most 64), sorted, joined by
 * '|' into out (size bytes). */
void list_dir(const char *dir, char *out, size_t size);

/* Skips the running test, saying why on stderr. A program that skipped a
 * test and failed none exits with TEST_SKIPPED (see tests_status), which
 * CTest reports as skipped, never as passed. */
#define TEST_SKIPPED 77
void note_skip(const char *why);
#define skip_because(why) \
    do {                  \
        note_skip(why);   \
        skip();           \
    } while (0)

/* The exit status of a test program from cmocka_run_group_tests's count of
 * failed tests: 1 if any failed, TEST_SKIPPED if any was skipped, else 0. */
int tests_status(int failed);

struct gd_rng;

/* A double with random bits, finite: every exponent is equally likely, so
 * subnormals, tiny and huge values all come up, and special values (zeros,
 * the extremes, the subnormal boundary) one time in four. */
double random_finite(struct gd_rng *r);

/* The same, made positive (never 0). */
double random_positive(struct gd_rng *r);

/* splitmix64: the next value of a small seeded generator of its own, for
 * tests whose inputs should not depend on the library's gd_rng. */
uint64_t splitmix64(uint64_t *state);

struct gd_dataset;

/* An oracle for the loss kernels: the MSE of the linear model w (d weights,
 * then the bias) over rows[0..m) of ds (rows 0..m-1 if rows is NULL), and
 * its gradient into grad (d + 1 values), summed plainly in long double.
 * d < 64. */
double naive_mse_grad(const struct gd_dataset *ds, const size_t *rows, size_t m,
                      const double *w, double *grad);

#endif
