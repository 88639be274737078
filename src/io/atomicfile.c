/*
 * atomicfile: temporary file + fsync + rename. See atomicfile.h.
 *
 * The steps that make a write atomic on POSIX:
 *   1. create the new file in the destination's folder, so that rename(2)
 *      never has to cross file systems (it would fail with EXDEV);
 *   2. write, then fflush and check ferror: a buffered write that hit a full
 *      disk only shows up here;
 *   3. fsync before rename, or a crash right after the rename could leave an
 *      empty file under the final name on file systems that delay writes;
 *      close and check close's result too (NFS reports errors there);
 *   4. rename over the destination: atomic for readers;
 *   5. fsync the folder so the rename itself survives a crash.
 */
#include "io/atomicfile.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The temporary files open now, for gd_atomic_remove_temps, which a signal
 * handler calls: lock-free atomic pointers are what a handler may read. A
 * file that finds no free slot is just not removed on a signal. */
_Static_assert(ATOMIC_POINTER_LOCK_FREE == 2,
               "atomicfile: the temporary-file list needs lock-free atomic pointers");
#define LIVE_SLOTS 16
static _Atomic(const char *) live[LIVE_SLOTS];

static void live_add(const char *tmp_path)
{
    for (size_t i = 0; i < LIVE_SLOTS; i++) {
        const char *none = NULL;
        if (atomic_compare_exchange_strong(&live[i], &none, tmp_path))
            return;
    }
}

/* Before tmp_path is freed (or renamed: a handler's unlink then finds
 * nothing, harmlessly). */
static void live_remove(const char *tmp_path)
{
    for (size_t i = 0; tmp_path != NULL && i < LIVE_SLOTS; i++)
        if (atomic_load(&live[i]) == tmp_path) {
            atomic_store(&live[i], NULL);
            return;
        }
}

void gd_atomic_remove_temps(void)
{
    for (size_t i = 0; i < LIVE_SLOTS; i++) {
        const char *p = atomic_load(&live[i]);
        if (p != NULL)
            unlink(p);
    }
}

/* The longest part of the destination's name kept in the temporary name, so
 * that ".<base>.tmpXXXXXX" stays under the usual 255-byte name limit. */
#define TMP_BASE_MAX 200
#define TMP_SUFFIX ".tmp"
#define TMP_RANDOM_LEN 6
#define TMP_ATTEMPTS 100

static char *dup_range(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

/* splitmix64's finaliser: spreads every input bit over the output. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Fills out[0..TMP_RANDOM_LEN) with name characters that differ between
 * processes, calls and attempts. Uniqueness itself comes from O_EXCL; this only
 * makes clashes rare. No shared state, so it is safe in threads. */
static void random_chars(char *out, const void *salt, unsigned attempt)
{
    static const char chars[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    struct timespec ts = {0, 0};
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t h = mix64((uint64_t)getpid() ^ ((uint64_t)(uintptr_t)salt << 16));
    h = mix64(h ^ (uint64_t)ts.tv_sec ^ ((uint64_t)ts.tv_nsec << 32));
    h = mix64(h + attempt);
    for (int i = 0; i < TMP_RANDOM_LEN; i++) {
        out[i] = chars[h % (sizeof chars - 1)];
        h /= sizeof chars - 1;
    }
}

/* The folder part of path, for messages and the folder sync: "." when path
 * has no slash, "/" for a file at the root. Allocated; NULL on no memory. */
static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return dup_range(".", 1);
    if (slash == path)
        return dup_range("/", 1);
    return dup_range(path, (size_t)(slash - path));
}

/* A device, pipe or socket (/dev/stdout, /dev/full, a FIFO) cannot be
 * replaced by a rename, and must not be: renaming over /dev/full would
 * delete the device. Such a destination is written directly; commit then
 * only flushes and closes, so write errors are still reported. */
static gd_status open_direct(gd_atomic_file *f, const char *path, gd_error *err)
{
    f->path = dup_range(path, strlen(path));
    if (f->path == NULL)
        return gd_error_set(err, GD_ERR_NOMEM, path, 0, 0, "out of memory");
    f->fp = fopen(path, "wb");
    if (f->fp == NULL) {
        int e = errno;
        free(f->path);
        f->path = NULL;
        return gd_error_set(err, GD_ERR_IO, path, 0, 0, "cannot open for writing: %s",
                            strerror(e));
    }
    return GD_OK;
}

gd_status gd_atomic_open(gd_atomic_file *f, const char *path, gd_error *err)
{
    assert(f != NULL && path != NULL);
    gd_status st = GD_OK;
    int fd = -1;
    f->fp = NULL;
    f->path = NULL;
    f->tmp_path = NULL;

    if (strcmp(path, "-") == 0) {
        f->path = dup_range(GD_ATOMIC_STDOUT, strlen(GD_ATOMIC_STDOUT));
        if (f->path == NULL)
            return gd_error_set(err, GD_ERR_NOMEM, path, 0, 0, "out of memory");
        f->fp = stdout;
        return GD_OK;
    }
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dirlen = (size_t)(base - path); /* includes the slash */
    size_t baselen = strlen(base);
    struct stat sb;

    if (baselen == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        st = gd_error_set(err, GD_ERR_IO, path, 0, 0,
                          "cannot write: the name is a folder, not a file");
        goto fail;
    }
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        st = gd_error_set(err, GD_ERR_IO, path, 0, 0,
                          "cannot write: it is an existing folder");
        goto fail;
    }
    const int exists = stat(path, &sb) == 0;
    if (exists && !S_ISREG(sb.st_mode))
        return open_direct(f, path, err);

    size_t keep = baselen < TMP_BASE_MAX ? baselen : TMP_BASE_MAX;
    size_t tmplen = dirlen + 1 + keep + strlen(TMP_SUFFIX) + TMP_RANDOM_LEN;
    f->path = dup_range(path, strlen(path));
    f->tmp_path = malloc(tmplen + 1);
    if (f->path == NULL || f->tmp_path == NULL) {
        st = gd_error_set(err, GD_ERR_NOMEM, path, 0, 0, "out of memory");
        goto fail;
    }
    char *t = f->tmp_path;
    memcpy(t, path, dirlen);
    t += dirlen;
    *t++ = '.';
    memcpy(t, base, keep);
    t += keep;
    /* Not terminated yet: the random part follows, then the NUL. */
    memcpy(t, TMP_SUFFIX, strlen(TMP_SUFFIX)); /* NOLINT(bugprone-not-null-terminated-result) */
    t += strlen(TMP_SUFFIX);
    char *rand_part = t;
    rand_part[TMP_RANDOM_LEN] = '\0';

    for (unsigned attempt = 0; attempt < TMP_ATTEMPTS; attempt++) {
        random_chars(rand_part, f, attempt);
        fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int e = errno;
        char *dir = folder_of(path);
        st = gd_error_set(err, GD_ERR_IO, path, 0, 0,
                          "cannot create a temporary file in folder '%s': %s",
                          dir ? dir : "?", strerror(e));
        free(dir);
        goto fail;
    }
    /* A file replaced can only narrow the new one's permissions (the bits
     * both allow): a model made private stays private, whatever the umask.
     * Best effort. */
    struct stat made;
    if (exists && fstat(fd, &made) == 0 && (made.st_mode & ~sb.st_mode & 07777) != 0)
        (void)fchmod(fd, made.st_mode & sb.st_mode & 07777);
    live_add(f->tmp_path);
    f->fp = fdopen(fd, "wb");
    if (f->fp == NULL) {
        int e = errno;
        close(fd);
        live_remove(f->tmp_path);
        unlink(f->tmp_path);
        st = gd_error_set(err, GD_ERR_IO, path, 0, 0, "cannot open a stream: %s",
                          strerror(e));
        goto fail;
    }
    return GD_OK;

fail:
    free(f->path);
    free(f->tmp_path);
    f->fp = NULL;
    f->path = NULL;
    f->tmp_path = NULL;
    return st;
}

/* Syncs the folder holding path so that a rename into it is on disk. Some
 * systems cannot fsync a folder; the data itself is already synced, so
 * failures are ignored. */
static void sync_folder(const char *path)
{
    char *dir = folder_of(path);
    if (dir == NULL)
        return;
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

static void release(gd_atomic_file *f)
{
    live_remove(f->tmp_path);
    free(f->path);
    free(f->tmp_path);
    f->fp = NULL;
    f->path = NULL;
    f->tmp_path = NULL;
}

gd_status gd_atomic_commit(gd_atomic_file *f, gd_error *err)
{
    assert(f != NULL && f->fp != NULL && f->path != NULL);
    gd_status st = GD_OK;
    FILE *fp = f->fp;
    f->fp = NULL;

    if (f->tmp_path == NULL) { /* a device or pipe, written directly */
        errno = 0;
        int failed = fflush(fp) != 0 || ferror(fp);
        int e = errno;
        if (fp != stdout && fclose(fp) != 0 && !failed) {
            failed = 1;
            e = errno;
        }
        if (failed)
            st = gd_error_set(err, GD_ERR_IO, f->path, 0, 0, "cannot write: %s",
                              e ? strerror(e) : "an earlier write failed");
        release(f);
        return st;
    }

    /* A failed fwrite sets the error flag; a failed flush sets errno. Flush
     * first so that errno, when there is one, is about this file. */
    errno = 0;
    if (fflush(fp) != 0) {
        int e = errno;
        st = gd_error_set(err, GD_ERR_IO, f->path, 0, 0, "cannot write: %s",
                          strerror(e));
        fclose(fp);
        goto fail;
    }
    if (ferror(fp)) {
        st = gd_error_set(err, GD_ERR_IO, f->path, 0, 0,
                          "cannot write: an earlier write failed");
        fclose(fp);
        goto fail;
    }
    if (fsync(fileno(fp)) != 0) {
        int e = errno;
        st = gd_error_set(err, GD_ERR_IO, f->path, 0, 0, "cannot sync to disk: %s",
                          strerror(e));
        fclose(fp);
        goto fail;
    }
    if (fclose(fp) != 0) {
        int e = errno;
        st = gd_error_set(err, GD_ERR_IO, f->path, 0, 0, "cannot close: %s",
                          strerror(e));
        goto fail;
    }
    if (rename(f->tmp_path, f->path) != 0) {
        int e = errno;
        st = gd_error_set(err, GD_ERR_IO, f->path, 0, 0,
                          "cannot rename '%s' to it: %s", f->tmp_path, strerror(e));
        goto fail;
    }
    sync_folder(f->path);
    release(f);
    return GD_OK;

fail:
    unlink(f->tmp_path);
    release(f);
    return st;
}

void gd_atomic_abort(gd_atomic_file *f)
{
    if (f == NULL)
        return;
    if (f->fp != NULL && f->fp != stdout)
        fclose(f->fp);
    if (f->tmp_path != NULL)
        unlink(f->tmp_path);
    release(f);
}
