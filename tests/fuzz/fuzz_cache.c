/*
 * fuzz_cache: the binary cache's reader on arbitrary bytes.
 *
 * The first input byte chooses what the rest is:
 *   even: a whole cache file, written to a temporary file and opened with
 *         gd_cache_reader_open; what it accepts must have consistent sizes,
 *         every name, and blocks that read (or are refused with DATA), and
 *         its standardized section, if any, must map (or be refused with
 *         DATA) to n x d and n z-scores inside the file;
 *   odd:  the metadata section alone (its checksum would stop random bytes
 *         before the decoder), decoded for d = the second byte mod 8
 *         features and a target when the third byte is odd; what it
 *         accepts must encode and decode again to the same records.
 * On error: DATA, IO or NOMEM with a one-line message, and nothing leaked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/cache.h"
#include "data/cache_meta.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_file(const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmp_path("input.gdcache");
    fuzz_write_file(path, data, size);
    gd_cache_reader r;
    gd_error err;
    gd_status st = gd_cache_reader_open(&r, path, NULL, &err);
    if (st != GD_OK) {
        FUZZ_CHECK(st == GD_ERR_DATA || st == GD_ERR_IO || st == GD_ERR_NOMEM, "status %d", st);
        FUZZ_CHECK(strchr(err.message, '\n') == NULL, "a message of two lines");
        gd_cache_reader_close(&r);
        return;
    }
    FUZZ_CHECK(r.n > 0 && r.nblocks == (r.n - 1) / r.block_rows + 1, "n %zu, %zu blocks",
               r.n, r.nblocks);
    FUZZ_CHECK((r.n * (r.d + (size_t)r.with_y)) * 8 <= size, "rows beyond the input");
    for (size_t j = 0; j < r.d; j++)
        FUZZ_CHECK(r.meta.features[j] != NULL, "feature %zu has no name", j);
    FUZZ_CHECK(!r.with_y || r.meta.target != NULL, "no target name");
    size_t rows = gd_cache_block_size(&r, 0);
    double *x = malloc(rows * r.d * sizeof *x + 1), *y = malloc(rows * sizeof *y + 1);
    FUZZ_CHECK(x != NULL && y != NULL, "out of memory");
    for (size_t b = 0; b < r.nblocks; b++) {
        st = gd_cache_read_block(&r, b, x, y, &err);
        FUZZ_CHECK(st == GD_OK || st == GD_ERR_DATA, "block %zu: status %d", b, st);
    }
    free(x);
    free(y);
    if (r.has_z) {
        gd_dataset ds;
        gd_scaling sc;
        size_t n = r.n, d = r.d;
        st = gd_cache_map_standardized(&r, 1, &ds, &sc, &err);
        FUZZ_CHECK(st == GD_OK || st == GD_ERR_DATA, "the standardized rows: status %d", st);
        if (st == GD_OK) {
            FUZZ_CHECK(ds.n == n && ds.d == d && sc.d == d, "the standardized rows' sizes");
            FUZZ_CHECK(ds.mapping_size >= (n * d + n) * 8 && ds.mapping_size <= size,
                       "a mapping of %zu bytes", ds.mapping_size);
            volatile double sum = ds.x[n * d - 1] + ds.y[n - 1]; /* the last ones are there */
            (void)sum;
        }
        gd_dataset_free(&ds);
        gd_scaling_free(&sc);
    }
    gd_cache_reader_close(&r);
}

static void fuzz_meta(const uint8_t *data, size_t size)
{
    if (size < 2)
        return;
    size_t d = data[0] % 8;
    int with_y = data[1] & 1;
    gd_cache_meta meta, again;
    if (gd_cache_meta_decode(&meta, data + 2, size - 2, d, with_y) != 0)
        return;
    gd_cache_buf b = {0};
    FUZZ_CHECK(gd_cache_meta_encode(&meta, d, with_y, &b) == 0, "cannot encode");
    FUZZ_CHECK(gd_cache_meta_decode(&again, b.p, b.len, d, with_y) == 0,
               "its own encoding is refused");
    gd_cache_buf b2 = {0};
    FUZZ_CHECK(gd_cache_meta_encode(&again, d, with_y, &b2) == 0, "cannot encode again");
    FUZZ_CHECK(b.len == b2.len && memcmp(b.p, b2.p, b.len) == 0, "the records changed");
    free(b.p);
    free(b2.p);
    gd_cache_meta_free(&meta, d);
    gd_cache_meta_free(&again, d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] % 2 == 0)
        fuzz_file(data + 1, size - 1);
    else
        fuzz_meta(data + 1, size - 1);
    return 0;
}
