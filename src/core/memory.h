/*
 * memory: how much memory this process may use, for the decisions that
 * must not overcommit (--memory's default, the laid-out copies of
 * --shuffle rows).
 *
 * Library-internal. In a container or a cgroup with a memory limit the
 * system still reports the host's physical memory, and a process that
 * takes more than its cgroup allows is killed when it touches the pages,
 * not refused when it allocates them. So the answer is the smaller of the
 * physical memory and the limit of the process's memory cgroup (of the
 * cgroup and of every ancestor: a limit may be set higher up). Read with
 * stdio from /proc/self/cgroup and /sys/fs/cgroup; anything missing or
 * unreadable is passed over, never an error.
 *
 * The parsers take text, so that they can be tried on any system.
 */
#ifndef GDTRAIN_MEMORY_H
#define GDTRAIN_MEMORY_H

#include <stddef.h>
#include <stdint.h>

/* The bytes this process may use: the physical memory, or its memory
 * cgroup's limit when smaller; 0 when neither is known. */
uint64_t gd_memory_usable(void);

/* The path of the memory cgroup named in text, the contents of
 * /proc/self/cgroup: under cgroup v2 (version 2) the path of the line
 * "0::PATH", under v1 (version 1) that of the line whose controller list
 * holds "memory" ("4:memory:PATH", "5:cpu,memory:PATH"). Copies it to path
 * (size bytes, with its '\0') and returns 0; -1 when there is no such line,
 * its path does not start with '/', or it does not fit. */
int gd_cgroup_memory_path(const char *text, int version, char *path, size_t size);

/* The limit in text, the contents of a cgroup's memory.max (v2) or
 * memory.limit_in_bytes (v1): a number of bytes, with white space around
 * it. 0 for no limit ("max", or v1's "unlimited", a number near 2^63) and
 * for anything else (empty, not a number). */
uint64_t gd_cgroup_limit(const char *text);

/* The smallest limit in the file named file of the directory mount/path
 * and of each of its parents up to mount itself (path starts with '/'); 0
 * when none of them has one. */
uint64_t gd_cgroup_smallest_limit(const char *mount, const char *path, const char *file);

#endif
