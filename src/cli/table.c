/*
 * table: how a table's columns are read, from the command line. See
 * table.h.
 */
#include "table.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "fit.h"
#include "msg.h"

int cli_table_rules(const cli_table_choice *t, gd_load_options *lo, cli_table_lists *keep)
{
    char msg[256];
    size_t n = 0;
    memset(keep, 0, sizeof *keep);
    lo->encode = 1;
    lo->report = &keep->report;
    lo->na_values = t->na_values;
    lo->max_levels = t->max_levels;
    lo->decimal = t->decimal;
    if (lo->decimal == 0)
        lo->decimal = '.';
    if (lo->decimal != '.' && lo->decimal != ',') {
        cli_usage_error(NULL, "--decimal: expected '.' or ','");
        return 2;
    }
    if (lo->decimal == (lo->delimiter ? lo->delimiter : ',')) {
        cli_usage_error(NULL, "--decimal ',' needs another field separator, e.g. "
                              "--delimiter ';'");
        return 2;
    }
    if (t->na != NULL && gd_na_policy_parse(t->na, &lo->na) != 0) {
        cli_usage_error(NULL, "--na: expected error, drop or mean, found '%s'", t->na);
        return 2;
    }
    if (t->exclude != NULL) {
        if ((keep->exclude = cli_split_list(t->exclude, &n, msg, sizeof msg)) == NULL) {
            cli_usage_error(NULL, "--exclude: %s", msg);
            return 2;
        }
        lo->exclude = (const char *const *)keep->exclude;
        lo->nexclude = n;
    }
    if (t->categorical != NULL) {
        if ((keep->categorical = cli_split_list(t->categorical, &n, msg, sizeof msg)) == NULL) {
            cli_usage_error(NULL, "--categorical: %s", msg);
            return 2;
        }
        lo->categorical = (const char *const *)keep->categorical;
        lo->ncategorical = n;
    }
    return 0;
}

void cli_table_free(cli_table_lists *keep)
{
    cli_free_list(keep->exclude);
    cli_free_list(keep->categorical);
    keep->exclude = keep->categorical = NULL;
}

void cli_table_report_error(const gd_load_report *rep, const gd_error *err)
{
    if (rep == NULL || rep->nproblems + rep->more < 2) {
        cli_report(err);
        return;
    }
    for (size_t k = 0; k < rep->nproblems; k++)
        cli_report(&rep->problems[k]);
    if (rep->more > 0)
        cli_error("... and %zu more problem%s like these", rep->more, cli_plural(rep->more));
}

void cli_table_say(const gd_load_report *rep, const char *what)
{
    for (size_t k = 0; k < rep->nnotes; k++)
        cli_warn("%s", rep->notes[k]);
    if (rep->dropped > 0)
        cli_warn("%s: left out %zu row%s with missing cells (%zu for a missing target)",
                 what, rep->dropped, cli_plural(rep->dropped), rep->dropped_target);
    if (rep->unseen > 0)
        cli_warn("%s: %zu row%s with a level the training data did not have (read as "
                 "the reference level; --strict makes this an error)", what, rep->unseen,
                 cli_plural(rep->unseen));
}

gd_status cli_table_load_for_model(const gd_model *m, const char *path, char delimiter,
                                   char decimal, int strict, int need_target,
                                   int keep_incomplete, gd_dataset *ds)
{
    gd_error err;
    gd_error_clear(&err);
    gd_encoding plain = {0};
    gd_load_report report;
    memset(&report, 0, sizeof report);
    gd_status st = GD_OK;
    if (m->encoding == NULL)
        st = gd_encoding_plain(&plain, m->d, (const char *const *)m->features, &err);
    char point = decimal;
    if (point == 0)
        point = '.';
    gd_load_options lo = {
        .path = path, .delimiter = delimiter, .target = m->target,
        .need_target = need_target, .encode = 1, .decimal = point,
        .encoding = m->encoding ? m->encoding : &plain, .strict = strict,
        .keep_incomplete = keep_incomplete, .na_of_model = 1, .report = &report,
    };
    if (st == GD_OK)
        st = gd_dataset_load(ds, &lo, &err);
    if (st == GD_OK)
        cli_table_say(&report, cli_file_name(path));
    else if (st == GD_ERR_DATA)
        cli_table_report_error(&report, &err);
    else
        cli_report(&err);
    gd_encoding_free(&plain);
    return st;
}
