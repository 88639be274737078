/*
 * Helpers shared by the libFuzzer targets (header-only: each target is one
 * program built from one .c file).
 *
 * fuzz_tmp_path(name) gives a path in a private folder made once per process
 * (under $GDTRAIN_FUZZ_TMPDIR, else /dev/shm when it exists, else $TMPDIR or
 * /tmp) and removed at exit; fuzz_write_file stores the input there for the
 * library functions that only take a path. FUZZ_CHECK aborts with a message,
 * which libFuzzer reports as a crash and saves the input.
 */
#ifndef GDTRAIN_FUZZ_UTIL_H
#define GDTRAIN_FUZZ_UTIL_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_CHECK(cond, ...)                                                  \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__,   \
                    #cond);                                                    \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
            abort();                                                           \
        }                                                                      \
    } while (0)

static char fuzz_dir[512];
static char fuzz_paths[4][600];
static int fuzz_npaths;

static inline void fuzz_cleanup(void)
{
    for (int i = 0; i < fuzz_npaths; i++)
        (void)unlink(fuzz_paths[i]);
    if (fuzz_dir[0] != '\0')
        (void)rmdir(fuzz_dir);
}

/* A path named name in the private folder; the file is removed at exit. The
 * string stays valid for the life of the process. Aborts if no folder can be
 * made (the harness cannot work without one). */
static inline const char *fuzz_tmp_path(const char *name)
{
    if (fuzz_dir[0] == '\0') {
        const char *base = getenv("GDTRAIN_FUZZ_TMPDIR");
        struct stat st;
        if (base == NULL || base[0] == '\0')
            base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
                           access("/dev/shm", W_OK) == 0
                       ? "/dev/shm"
                       : getenv("TMPDIR");
        if (base == NULL || base[0] == '\0')
            base = "/tmp";
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/gdtrain-fuzz.XXXXXX", base);
        FUZZ_CHECK(mkdtemp(fuzz_dir) != NULL, "cannot make a folder in %s", base);
        atexit(fuzz_cleanup);
    }
    for (int i = 0; i < fuzz_npaths; i++)
        if (strcmp(strrchr(fuzz_paths[i], '/') + 1, name) == 0)
            return fuzz_paths[i];
    FUZZ_CHECK(fuzz_npaths < 4, "too many temporary files");
    snprintf(fuzz_paths[fuzz_npaths], sizeof fuzz_paths[0], "%s/%s", fuzz_dir, name);
    return fuzz_paths[fuzz_npaths++];
}

/* Replaces the content of path with data[0..size). Aborts on failure. */
static inline void fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FUZZ_CHECK(fd >= 0, "cannot create %s", path);
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        FUZZ_CHECK(w > 0, "cannot write %s", path);
        done += (size_t)w;
    }
    FUZZ_CHECK(close(fd) == 0, "cannot close %s", path);
}

/* Reads the first and the last byte of s[0..len), so that ASan checks that
 * the whole range lies in valid memory (it is one object). */
static inline void fuzz_touch(const char *s, size_t len)
{
    volatile unsigned char sink = 0;
    if (len > 0) {
        sink ^= (unsigned char)s[0];
        sink ^= (unsigned char)s[len - 1];
    }
    (void)sink;
}

#endif
