/*
 * memory: the physical memory and the memory cgroup's limit. See memory.h.
 */
#include "core/memory.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* v1 writes "no limit" as the largest page multiple below 2^63; no
 * machine has 4 EiB, so a limit that large is none. */
#define NO_LIMIT_FROM ((uint64_t)1 << 62)

/* The hierarchy id and the controller list of a line of /proc/self/cgroup
 * say whether it is the wanted one: "0" and nothing under v2, a list with
 * the word "memory" under v1. */
static int wanted_line(const char *line, const char *id_end, const char *list_end,
                       int version)
{
    if (version == 2)
        return id_end - line == 1 && line[0] == '0' && list_end == id_end + 1;
    const char *word = id_end + 1;
    while (word < list_end) {
        const char *comma = memchr(word, ',', (size_t)(list_end - word));
        const char *end = comma != NULL ? comma : list_end;
        if (end - word == 6 && memcmp(word, "memory", 6) == 0)
            return 1;
        word = end + 1;
    }
    return 0;
}

int gd_cgroup_memory_path(const char *text, int version, char *path, size_t size)
{
    for (const char *line = text; *line != '\0';) {
        const char *end = strchr(line, '\n');
        if (end == NULL)
            end = line + strlen(line);
        const char *id_end = memchr(line, ':', (size_t)(end - line));
        const char *list_end =
            id_end != NULL ? memchr(id_end + 1, ':', (size_t)(end - id_end - 1)) : NULL;
        if (list_end != NULL && wanted_line(line, id_end, list_end, version)) {
            const char *start = list_end + 1;
            const size_t len = (size_t)(end - start);
            if (len == 0 || *start != '/' || len >= size)
                return -1;
            memcpy(path, start, len);
            path[len] = '\0';
            return 0;
        }
        line = *end == '\n' ? end + 1 : end;
    }
    return -1;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

uint64_t gd_cgroup_limit(const char *text)
{
    while (is_space(*text))
        text++;
    uint64_t value = 0;
    const char *digits = text;
    for (; *text >= '0' && *text <= '9'; text++) {
        const uint64_t digit = (uint64_t)(*text - '0');
        value = value <= (UINT64_MAX - digit) / 10 ? value * 10 + digit : UINT64_MAX;
    }
    /* "max" and anything else that is not a number mean no known limit. */
    if (text == digits)
        return 0;
    while (is_space(*text))
        text++;
    return *text == '\0' && value < NO_LIMIT_FROM ? value : 0;
}

/* The limit in the file dir/file; 0 for none, and when it cannot be read. */
static uint64_t read_limit(const char *dir, const char *file)
{
    char name[4096], text[64];
    const int len = snprintf(name, sizeof name, "%s/%s", dir, file);
    FILE *f = len > 0 && (size_t)len < sizeof name ? fopen(name, "r") : NULL;
    if (f == NULL)
        return 0;
    const size_t got = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[got] = '\0';
    return gd_cgroup_limit(text);
}

uint64_t gd_cgroup_smallest_limit(const char *mount, const char *path, const char *file)
{
    char dir[4096];
    const size_t base = strlen(mount);
    const int n = snprintf(dir, sizeof dir, "%s%s", mount, path);
    if (n < 0 || (size_t)n >= sizeof dir || base >= sizeof dir)
        return 0;
    size_t len = (size_t)n;
    uint64_t least = 0;
    for (;;) {
        while (len > base && dir[len - 1] == '/')
            len--;
        dir[len] = '\0';
        const uint64_t limit = read_limit(dir, file);
        if (limit != 0 && (least == 0 || limit < least))
            least = limit;
        if (len == base)
            return least;
        while (len > base && dir[len - 1] != '/')
            len--;
    }
}

/* The limit of this process's memory cgroup, of v1 or v2, whichever the
 * system mounts where they are usually mounted; 0 for none known. Inside a
 * container the mount is often the container's own cgroup while
 * /proc/self/cgroup names the host's path of it: the walk up to the mount
 * then finds the limit in the mount itself. */
static uint64_t cgroup_limit(void)
{
    char text[16384], path[4096];
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (f == NULL)
        return 0;
    const size_t got = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    if (got == sizeof text - 1)
        return 0; /* cut short: its last path might be another's */
    text[got] = '\0';
    uint64_t v1 = 0, v2 = 0;
    if (gd_cgroup_memory_path(text, 1, path, sizeof path) == 0)
        v1 = gd_cgroup_smallest_limit("/sys/fs/cgroup/memory", path, "memory.limit_in_bytes");
    if (gd_cgroup_memory_path(text, 2, path, sizeof path) == 0)
        v2 = gd_cgroup_smallest_limit("/sys/fs/cgroup", path, "memory.max");
    return v1 == 0 || (v2 != 0 && v2 < v1) ? v2 : v1;
}

static uint64_t physical_memory(void)
{
#ifdef _SC_PHYS_PAGES
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0)
        return (uint64_t)pages * (uint64_t)page;
#endif
    return 0;
}

uint64_t gd_memory_usable(void)
{
    const uint64_t physical = physical_memory(), limit = cgroup_limit();
    return physical == 0 || (limit != 0 && limit < physical) ? limit : physical;
}
