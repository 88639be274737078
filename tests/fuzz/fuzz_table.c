/*
 * fuzz_table: gd_dataset_load with the encoding rules (categorical columns,
 * missing cells, decimal commas) on arbitrary bytes, and the encoding it
 * learns applied back to the same file.
 *
 * The first byte picks the options: the --na policy (bits 0-1), decimal
 * comma with ';' fields (bit 2), the first column forced categorical (bit
 * 3), one or two loading threads (bit 4), a level limit of 3 (bit 5). The
 * rest is the CSV file. On error: a DATA, NOMEM or IO status and at most
 * GD_MAX_PROBLEMS problems kept. On success: X has as many columns as the
 * encoding makes, every cell finite and every indicator 0 or 1; then the
 * file loaded again with the learnt encoding (as predict does) must give
 * the same design, bit for bit.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/dataset.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_design(const gd_dataset *ds)
{
    const gd_encoding *e = ds->encoding;
    FUZZ_CHECK(e != NULL, "no encoding");
    FUZZ_CHECK(gd_encoding_width(e) == ds->d, "width %zu, d %zu", gd_encoding_width(e),
               ds->d);
    for (size_t i = 0; i < ds->n; i++) {
        const double *row = gd_dataset_row(ds, i);
        size_t j = 0;
        for (size_t k = 0; k < e->ninputs; k++) {
            size_t w = gd_input_width(&e->inputs[k]);
            double ones = 0;
            for (size_t q = 0; q < w; q++, j++) {
                FUZZ_CHECK(isfinite(row[j]), "row %zu column %zu: %g", i, j, row[j]);
                if (e->inputs[k].categorical) {
                    FUZZ_CHECK(row[j] == 0 || row[j] == 1, "indicator %g", row[j]);
                    ones += row[j];
                }
            }
            FUZZ_CHECK(ones <= 1, "row %zu: %g levels of input %zu", i, ones, k);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t flags = data[0];
    const char *path = fuzz_tmp_path("table.csv");
    fuzz_write_file(path, data + 1, size - 1);
    gd_load_report rep;
    memset(&rep, 0, sizeof rep);
    gd_load_options lo = {
        .path = path, .need_target = 1, .threads = (flags & 16) ? 2 : 1, .encode = 1,
        .na = (gd_na_policy)((flags & 3) % 3), .report = &rep,
        .delimiter = (flags & 4) ? ';' : ',', .decimal = (flags & 4) ? ',' : '.',
        .max_levels = (flags & 32) ? 3 : 0,
    };
    gd_dataset ds, again;
    gd_error err;
    gd_status st = gd_dataset_load(&ds, &lo, &err);
    if (st != GD_OK) {
        FUZZ_CHECK(st == GD_ERR_DATA || st == GD_ERR_NOMEM || st == GD_ERR_IO,
                   "status %d", (int)st);
        FUZZ_CHECK(rep.nproblems <= GD_MAX_PROBLEMS, "%zu problems", rep.nproblems);
        gd_dataset_free(&ds);
        return 0;
    }
    check_design(&ds);
    /* The learnt encoding, applied to the same rows, makes the same design. */
    gd_load_report rep2;
    memset(&rep2, 0, sizeof rep2);
    gd_load_options ap = lo;
    ap.encoding = ds.encoding;
    ap.report = &rep2;
    ap.target = ds.target_name;
    st = gd_dataset_load(&again, &ap, &err);
    FUZZ_CHECK(st == GD_OK, "applying the learnt encoding: %s", err.message);
    FUZZ_CHECK(again.n == ds.n && again.d == ds.d, "%zu x %zu, then %zu x %zu", ds.n, ds.d,
               again.n, again.d);
    FUZZ_CHECK(memcmp(again.x, ds.x, ds.n * ds.d * sizeof *ds.x) == 0, "designs differ");
    FUZZ_CHECK(rep2.unseen == 0, "%zu unseen levels in the training rows", rep2.unseen);
    gd_dataset_free(&again);
    gd_dataset_free(&ds);
    return 0;
}
