/*
 * fuzz_model: gd_model_load on arbitrary bytes, and a save/load round trip of
 * whatever it accepts.
 *
 * The input is written to a temporary file (gd_model_load takes a path) and
 * loaded. On error: a DATA or IO status with a one-line message, and a model
 * that frees cleanly. On success: every number finite, every std > 0, every
 * name there, info keys unique; a prediction on a row of zeros runs; then
 * gd_model_save writes the model to another temporary file and gd_model_load
 * reads it back, and the two models must agree bit for bit (numbers) and
 * byte for byte (names, info).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/model.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_bits(double a, double b)
{
    uint64_t ua, ub;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    return ua == ub;
}

static void check_loaded(const gd_model *m)
{
    const gd_scaling *sc = &m->scaling;
    FUZZ_CHECK(m->target != NULL, "no target name");
    FUZZ_CHECK(sc->d == m->d, "scaling d %zu, model d %zu", sc->d, m->d);
    FUZZ_CHECK(isfinite(m->intercept) && isfinite(m->b_std), "intercept %g, b_std %g",
               m->intercept, m->b_std);
    FUZZ_CHECK(isfinite(sc->y_mean) && isfinite(sc->y_std) && sc->y_std > 0,
               "target scaling %g %g", sc->y_mean, sc->y_std);
    FUZZ_CHECK(m->d == 0 || (m->features != NULL && m->weights != NULL &&
                             m->w_std != NULL && sc->x_mean != NULL &&
                             sc->x_std != NULL),
               "missing arrays for %zu features", m->d);
    for (size_t j = 0; j < m->d; j++) {
        FUZZ_CHECK(m->features[j] != NULL, "feature %zu has no name", j);
        FUZZ_CHECK(isfinite(m->weights[j]) && isfinite(m->w_std[j]) &&
                       isfinite(sc->x_mean[j]) && isfinite(sc->x_std[j]) &&
                       sc->x_std[j] > 0,
                   "feature %zu: %g %g %g %g", j, m->weights[j], m->w_std[j],
                   sc->x_mean[j], sc->x_std[j]);
    }
    for (size_t i = 0; i < m->ninfo; i++) {
        FUZZ_CHECK(m->info_keys[i] != NULL && m->info_values[i] != NULL,
                   "info %zu is NULL", i);
        FUZZ_CHECK(m->info_keys[i][0] != '\0', "empty info key");
        for (size_t k = 0; k < i; k++)
            FUZZ_CHECK(strcmp(m->info_keys[k], m->info_keys[i]) != 0,
                       "info key %s twice", m->info_keys[i]);
        FUZZ_CHECK(gd_model_get_info(m, m->info_keys[i]) == m->info_values[i],
                   "get_info %s", m->info_keys[i]);
    }
}

static void check_same(const gd_model *a, const gd_model *b)
{
    FUZZ_CHECK(a->d == b->d, "d %zu vs %zu", a->d, b->d);
    FUZZ_CHECK(strcmp(a->target, b->target) == 0, "target differs");
    FUZZ_CHECK(same_bits(a->intercept, b->intercept), "intercept differs");
    FUZZ_CHECK(same_bits(a->b_std, b->b_std), "b_std differs");
    FUZZ_CHECK(same_bits(a->scaling.y_mean, b->scaling.y_mean) &&
                   same_bits(a->scaling.y_std, b->scaling.y_std),
               "target scaling differs");
    for (size_t j = 0; j < a->d; j++) {
        FUZZ_CHECK(strcmp(a->features[j], b->features[j]) == 0, "name %zu differs", j);
        FUZZ_CHECK(same_bits(a->weights[j], b->weights[j]) &&
                       same_bits(a->w_std[j], b->w_std[j]) &&
                       same_bits(a->scaling.x_mean[j], b->scaling.x_mean[j]) &&
                       same_bits(a->scaling.x_std[j], b->scaling.x_std[j]),
                   "feature %zu differs", j);
    }
    FUZZ_CHECK(a->ninfo == b->ninfo, "ninfo %zu vs %zu", a->ninfo, b->ninfo);
    for (size_t i = 0; i < a->ninfo; i++) {
        const char *v = gd_model_get_info(b, a->info_keys[i]);
        FUZZ_CHECK(v != NULL && strcmp(v, a->info_values[i]) == 0,
                   "info %s differs", a->info_keys[i]);
    }
}

/* On error the model is only promised to be safe to free: the caller frees
 * it, and ASan/LeakSanitizer check that. */
static void check_error(const gd_error *err, gd_status st)
{
    FUZZ_CHECK(st == GD_ERR_DATA || st == GD_ERR_IO, "status %d", (int)st);
    FUZZ_CHECK(err->status == st, "err.status %d", (int)err->status);
    FUZZ_CHECK(err->message[0] != '\0' && strchr(err->message, '\n') == NULL,
               "bad message \"%s\"", err->message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmp_path("in.model");
    const char *copy_path = fuzz_tmp_path("copy.model");
    fuzz_write_file(path, data, size);

    gd_model m, back;
    gd_error err;
    gd_error_clear(&err);
    gd_status st = gd_model_load(&m, path, &err);
    if (st != GD_OK) {
        check_error(&err, st);
        gd_model_free(&m);
        return 0;
    }
    check_loaded(&m);

    double *zeros = calloc(m.d > 0 ? m.d : 1, sizeof *zeros);
    FUZZ_CHECK(zeros != NULL, "out of memory");
    volatile double p = gd_model_predict(&m, zeros);
    (void)p;
    free(zeros);

    st = gd_model_save(&m, copy_path, &err);
    FUZZ_CHECK(st == GD_OK, "cannot save a loaded model: %s", err.message);
    st = gd_model_load(&back, copy_path, &err);
    FUZZ_CHECK(st == GD_OK, "cannot load a saved model: %s:%ld:%ld: %s", err.file,
               err.line, err.column, err.message);
    check_same(&m, &back);
    gd_model_free(&back);
    gd_model_free(&m);
    return 0;
}
