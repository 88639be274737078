/*
 * gdtrain cache: builds the binary cache of a CSV file, as the first run
 * with --cache would, and says what it wrote.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "data/cache.h"
#include "fit.h"
#include "msg.h"
#include "options.h"

typedef struct cache_settings {
    const char *data;
    char delimiter;
    const char *target;
    const char *features;
    cli_table_choice table;
    const char *out;
    long threads;
    int quiet;
} cache_settings;

#define S(field) offsetof(cache_settings, field)
static const cli_option cache_options[] = {
    CLI_DATA_OPTIONS(cache_settings),
    CLI_TABLE_OPTIONS(cache_settings, table),
    {"out", 'o', OPT_STRING, 0, S(out), "PATH", "the cache file to write (default: the data file's name + .gdcache)"},
    {"threads", 0, OPT_LONG, OPT_NONNEG, S(threads), "N", "threads for reading the data; 0 = every online CPU (default)"},
    {"quiet", 'q', OPT_FLAG, 0, S(quiet), NULL, "print nothing but errors"},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
#undef S

static void print_cache_help(void)
{
    printf("Usage: gdtrain cache FILE [--out PATH] [LOAD OPTIONS]\n\n"
           "Parses the CSV file FILE (or --data FILE) with the load options a training\n"
           "run will give (--target, --features, --exclude, --categorical, --na, ...)\n"
           "and writes what the load produced (the design matrix, the target, the\n"
           "column names and the encoding, and the standardized rows a training run\n"
           "on all of them reads in place) as a binary cache, replacing any cache\n"
           "there. 'gdtrain train --cache' (and solve and sweep) then read the cache\n"
           "instead of parsing, as long as the file's bytes and the load options are\n"
           "those it was made from; otherwise they rebuild it. It prints the\n"
           "cache's path, rows, columns and size.\n\nOptions:\n");
    cli_print_options(cache_options, stdout);
    printf("\n");
    cli_print_exit_codes(NULL, "malformed CSV, non-numeric cell",
                         "cannot read the data or write the cache (a full disk), out of "
                         "memory", 0);
}

/* Whether the cache can be written at path, checked before the parse, which
 * on a large file takes long and would be lost: 0, or 4 (2 for a file that
 * a cache may not replace) with the error and what to give instead
 * printed. */
static int check_out(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        cli_error("%s: cannot write: it is an existing folder; give --out a file name in it",
                  path);
        return 4;
    }
    const char *slash = strrchr(path, '/');
    char folder[4096] = ".";
    if (slash != NULL && (size_t)(slash - path) < sizeof folder) {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        memcpy(folder, path, n);
        folder[n] = '\0';
    }
    if (access(folder, W_OK | X_OK) != 0) {
        cli_error("%s: cannot write in folder '%s': %s; give --out a path where you can "
                  "write", path, folder, strerror(errno));
        return 4;
    }
    gd_error err;
    if (gd_cache_check_replaceable(path, &err) != GD_OK) {
        cli_usage_error("cache", "%s: %s; give --out a new file", path, err.message);
        return 2;
    }
    return 0;
}

int cmd_cache(int argc, char **argv)
{
    cache_settings s = {0};
    unsigned char set[sizeof cache_options / sizeof cache_options[0]] = {0};
    char *file[1];
    size_t nfile = 0;
    int early = cli_parse_command_args("cache", cache_options, argc, argv, &s, set,
                                       print_cache_help, file, 1, &nfile);
    if (early >= 0)
        return early;
    if (nfile == 1 && s.data != NULL) {
        cli_usage_error("cache", "give the data file once: FILE or --data FILE");
        return 2;
    }
    const char *data = nfile == 1 ? file[0] : s.data;
    if (data == NULL || cli_is_stdio(data)) {
        cli_usage_error("cache", "%s", data == NULL ? "no data file: give FILE"
                                                     : "standard input cannot be cached");
        return 2;
    }
    cli_quiet = s.quiet;
    cli_data_choice choice = {.path = data, .delimiter = s.delimiter, .target = s.target,
                              .features = s.features, .threads = (int)s.threads,
                              .table = s.table, .cache = s.out ? s.out : ""};
    char *path;
    int code = cli_cache_path(&choice, &path);
    if (code == 0)
        code = check_out(path);
    free(path);
    if (code != 0)
        return code;
    gd_dataset ds;
    gd_cache_outcome out;
    code = cli_load_raw(&choice, 1, &ds, &out);
    if (code == 0 && !out.written) {
        cli_error("no cache written");
        code = 4;
    }
    if (code == 0) {
        char *path;
        code = cli_cache_path(&choice, &path);
        if (code == 0)
            cli_say("gdtrain: cache %s: %zu row%s, %zu column%s, %llu bytes\n", path, ds.n,
                    cli_plural(ds.n), ds.d, cli_plural(ds.d), (unsigned long long)out.bytes);
        free(path);
    }
    gd_dataset_free(&ds);
    return code;
}
