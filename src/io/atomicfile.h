/*
 * atomicfile: writing an output file so that it is never half-written.
 *
 * The new content goes to a temporary file in the destination's folder (the
 * same file system, so the final rename is atomic), named ".<base>.tmpXXXXXX"
 * with six random characters. Commit flushes it, syncs it to disk and renames
 * it over the destination; abort removes it. Until a successful commit the
 * destination is untouched, and after any failure no temporary file remains.
 * A reader of the destination sees the old file or the new one, never a mix.
 *
 *     gd_atomic_file f;
 *     if (gd_atomic_open(&f, path, err) != GD_OK)
 *         return err->status;
 *     fprintf(f.fp, ...);               // write errors are caught by commit
 *     if (something_went_wrong) {
 *         gd_atomic_abort(&f);
 *         return ...;
 *     }
 *     return gd_atomic_commit(&f, err);
 *
 * Notes:
 * - The new file gets mode 0666 less the umask (and the folder's default ACL),
 *   like any newly created file, less the bits a file it replaces lacks: a
 *   file made private stays private. Its owner is not carried over.
 * - If path is a symbolic link, the link itself is replaced by the new file;
 *   the file it pointed to is left alone.
 * - The temporary name is created with O_CREAT|O_EXCL and retried on a clash,
 *   as mkstemp does, but with mode 0666 so that the kernel applies the umask:
 *   reading the umask would mean changing it for a moment, which is not safe
 *   when other threads create files.
 * - The path "-" is standard output: written directly like a device (f->path
 *   is then GD_ATOMIC_STDOUT, for messages), and commit flushes it but leaves
 *   it open. What was written before a failure cannot be taken back there.
 * - A destination that exists and is not a regular file (a device such as
 *   /dev/stdout or /dev/full, a FIFO) is opened and written directly, since
 *   renaming over it would remove the device; tmp_path is then NULL, and
 *   commit only flushes and closes, still reporting every write error.
 */
#ifndef GDTRAIN_ATOMICFILE_H
#define GDTRAIN_ATOMICFILE_H

#include <stdio.h>

#include "gdtrain/error.h"

/* The name under which "-" appears in messages. */
#define GD_ATOMIC_STDOUT "<stdout>"

typedef struct gd_atomic_file {
    FILE *fp;       /* write the content here; NULL once released */
    char *path;     /* the destination (a copy of open's argument) */
    char *tmp_path; /* the temporary file, in path's folder */
} gd_atomic_file;

/* Creates the temporary file for path and opens f->fp on it for writing
 * (binary, fully buffered). path must name a file, not a folder; its folder
 * must exist. On error returns GD_ERR_IO naming path with the system's reason
 * (missing or read-only folder, path is a directory; GD_ERR_NOMEM for out of
 * memory), creates
 * nothing, and leaves *f zeroed (safe to pass to gd_atomic_abort). */
gd_status gd_atomic_open(gd_atomic_file *f, const char *path, gd_error *err);

/* Finishes the file: flushes f->fp, checks it for any earlier write error
 * (such as ENOSPC), fsyncs and closes it, then renames it over f->path and
 * syncs the folder (best effort: once the rename is done, the folder sync
 * cannot fail the commit). On any failure the temporary file is removed, the
 * destination is left exactly as it was, and GD_ERR_IO names the destination
 * with the step and the system's reason. Either way *f is released and
 * zeroed. f must be open (from a successful gd_atomic_open). */
gd_status gd_atomic_commit(gd_atomic_file *f, gd_error *err);

/* Removes the temporary file of every file open now (their destinations are
 * untouched). For a handler of a signal that ends the process: it only
 * reads lock-free atomics and calls unlink, both async-signal-safe. */
void gd_atomic_remove_temps(void);

/* Gives up: closes f->fp and removes the temporary file; the destination is
 * untouched. Releases and zeroes *f. Accepts a zeroed or already released
 * struct (then it does nothing). Cannot fail. */
void gd_atomic_abort(gd_atomic_file *f);

#endif
