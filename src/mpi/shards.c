/*
 * shards: naming the shard files of gdtrain-mpi's --data. See shards.h.
 */
#include "mpi/shards.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/msg.h"

int mpi_shards_named(const char *data)
{
    return strchr(data, ',') != NULL || strchr(data, '%') != NULL;
}

static int bad_pattern(const char *data)
{
    cli_usage_error(NULL, "--data '%s': a pattern of shard names holds one %%d (or %%0Nd to pad "
                    "it to N digits), replaced by the rank's number from 0; %%%% is a %%",
                    data);
    return 2;
}

/* The pattern with its one conversion replaced by rank. */
static int expand_pattern(const char *data, int rank, char **path)
{
    /* rank is at most 10 digits, padded to at most 9 */
    size_t cap = strlen(data) + 16;
    char *out = malloc(cap), *o = out;
    int conversions = 0;
    if (out == NULL) {
        cli_error("out of memory");
        return 4;
    }
    for (const char *p = data; *p != '\0'; p++) {
        if (*p != '%') {
            *o++ = *p;
            continue;
        }
        if (p[1] == '%') {
            *o++ = '%';
            p++;
            continue;
        }
        int width = 0;
        if (p[1] == '0' && p[2] >= '1' && p[2] <= '9') {
            width = p[2] - '0';
            p += 2;
        }
        if (p[1] != 'd' || conversions++ > 0) {
            free(out);
            return bad_pattern(data);
        }
        p++;
        o += snprintf(o, cap - (size_t)(o - out), "%0*d", width, rank);
    }
    *o = '\0';
    if (conversions == 0) {
        free(out);
        return bad_pattern(data);
    }
    *path = out;
    return 0;
}

/* The rank-th name of the comma-separated list. */
static int list_item(const char *data, int rank, int ranks, char **path)
{
    size_t count = 1, len = 0;
    for (const char *p = data; *p != '\0'; p++)
        count += *p == ',';
    const char *item = data, *p = data;
    for (size_t i = 0; i < count; i++, p += len + 1) {
        len = strcspn(p, ",");
        if (len == 0 || (len == 1 && *p == '-')) {
            cli_usage_error(NULL, "--data '%s': every shard in the list is a file (not an "
                            "empty name, not '-')", data);
            return 2;
        }
        if (i == (size_t)rank)
            item = p;
    }
    if (count != (size_t)ranks) {
        cli_usage_error(NULL, "--data lists %zu shards for %d rank%s: run one rank a shard "
                        "(mpirun -np %zu)", count, ranks, ranks == 1 ? "" : "s", count);
        return 2;
    }
    len = strcspn(item, ",");
    *path = malloc(len + 1);
    if (*path == NULL) {
        cli_error("out of memory");
        return 4;
    }
    memcpy(*path, item, len);
    (*path)[len] = '\0';
    return 0;
}

int mpi_shard_path(const char *data, int rank, int ranks, char **path)
{
    *path = NULL;
    return strchr(data, ',') != NULL ? list_item(data, rank, ranks, path)
                                     : expand_pattern(data, rank, path);
}

char *mpi_shard_unread(const char *data, int ranks)
{
    char *path = NULL;
    if (strchr(data, ',') != NULL || expand_pattern(data, ranks, &path) != 0)
        return NULL;
    if (access(path, F_OK) != 0) {
        free(path);
        return NULL;
    }
    return path;
}

char *mpi_shard_header(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len = getline(&line, &cap, f);
    fclose(f);
    if (len <= 0) {
        free(line);
        return NULL;
    }
    if (line[len - 1] == '\n')
        line[--len] = '\0';
    if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
    return line;
}
