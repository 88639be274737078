/*
 * Comma-separated name lists (--features a,b,c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

void cli_free_list(char **list)
{
    if (list == NULL)
        return;
    for (size_t i = 0; list[i] != NULL; i++)
        free(list[i]);
    free(list);
}

char **cli_split_list(const char *text, size_t *count, char *msg, size_t size)
{
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    char **list = calloc(n + 1, sizeof *list);
    if (list == NULL) {
        snprintf(msg, size, "out of memory");
        return NULL;
    }
    const char *start = text;
    for (size_t i = 0; i < n; i++) {
        const char *end = strchr(start, ',');
        if (end == NULL)
            end = start + strlen(start);
        const char *a = start, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (a == b) {
            snprintf(msg, size, "empty name in list '%s'", text);
            cli_free_list(list);
            return NULL;
        }
        /* b > a here, so the size is at least 2 (the analyzer loses track). */
        list[i] = malloc((size_t)(b - a) + 1); /* NOLINT(clang-analyzer-optin.portability.UnixAPI) */
        if (list[i] == NULL) {
            snprintf(msg, size, "out of memory");
            cli_free_list(list);
            return NULL;
        }
        memcpy(list[i], a, (size_t)(b - a));
        list[i][b - a] = '\0';
        start = end + 1;
    }
    *count = n;
    return list;
}
