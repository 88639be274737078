/*
 * hparams: the table agrees with the optimizers and schedules that read it,
 * and gd_train_config_build turns names and given values into the
 * configuration, refusing what the run would ignore.
 */
#include <math.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "gdtrain/hparams.h"
#include "testutil.h"

/* Options are unique, found by name, and every optimizer or schedule row
 * is read by someone; every bit an optimizer claims is a row. */
static void test_table_consistent(void **unused)
{
    (void)unused;
    size_t n;
    const gd_hparam *rows = gd_hparam_list(&n);
    assert_true(n >= 20);
    unsigned optim_bits = 0;
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(gd_hparam_find(rows[i].option), &rows[i]);
        for (size_t k = i + 1; k < n; k++)
            assert_string_not_equal(rows[i].option, rows[k].option);
        if (rows[i].owner == GD_HP_OPTIM) {
            unsigned readers = 0;
            for (const gd_optimizer_ops *const *o = gd_optimizer_list(); *o; o++)
                readers += ((*o)->uses & rows[i].uses) != 0;
            assert_true(readers > 0);
            optim_bits |= rows[i].uses;
        }
        if (rows[i].owner == GD_HP_SCHEDULE)
            assert_true(rows[i].uses != 0);
    }
    for (const gd_optimizer_ops *const *o = gd_optimizer_list(); *o; o++)
        assert_int_equal((*o)->uses & ~optim_bits, 0);
    assert_null(gd_hparam_find("momentun"));
    char key[32];
    assert_string_equal(gd_hparam_key(gd_hparam_find("lr-min"), key, sizeof key), "lr_min");
}

/* The defaults of a run come from the table (adam reads none that it
 * changes), and each is in its row's range. */
static void test_defaults_from_table(void **unused)
{
    (void)unused;
    gd_train_config cfg;
    gd_train_config_default(&cfg, gd_optimizer_find("adam"));
    size_t n;
    const gd_hparam *rows = gd_hparam_list(&n);
    char msg[128];
    for (size_t i = 0; i < n; i++) {
        if (rows[i].default_text != NULL) /* set by the optimizer or schedule */
            continue;
        assert_true(gd_hparam_get(&cfg, &rows[i]) == rows[i].def);
        assert_true(gd_hparam_in_range(rows[i].range, rows[i].type != GD_HP_DOUBLE,
                                       rows[i].option, rows[i].def, msg, sizeof msg));
    }
    assert_true(cfg.hp.beta2 == 0.999 && cfg.max_epochs == 10000 && cfg.tol == 1e-10);
}

static void test_build(void **unused)
{
    (void)unused;
    size_t n;
    gd_hparam_list(&n);
    unsigned char given[64] = {0};
    const gd_hparam *rows = gd_hparam_list(&n);
    gd_train_config values;
    memset(&values, 0, sizeof values);
    values.hp.momentum = 0.5;
    values.lr = 0.2;
    given[gd_hparam_find("momentum") - rows] = 1;
    given[gd_hparam_find("lr") - rows] = 1;
    gd_train_choice choice = {.opt = "sgd", .values = &values, .given = given};
    gd_train_config cfg;
    gd_error err;
    assert_int_equal(gd_train_config_build(&cfg, &choice, &err), GD_OK);
    assert_true(cfg.hp.momentum == 0.5 && cfg.lr == 0.2);
    /* sgd's plateau schedule: the floor is a millionth of the rate given */
    assert_int_equal(cfg.schedule.kind, GD_SCHEDULE_PLATEAU);
    assert_true(cfg.schedule.min_lr == 0.2 * 1e-6);
    /* a floor given is kept */
    values.schedule.min_lr = 0.001;
    given[gd_hparam_find("lr-min") - rows] = 1;
    assert_int_equal(gd_train_config_build(&cfg, &choice, &err), GD_OK);
    assert_true(cfg.schedule.min_lr == 0.001);
    /* adam ignores momentum; constant ignores lr-min */
    choice.opt = "adam";
    assert_int_equal(gd_train_config_build(&cfg, &choice, &err), GD_ERR_USAGE);
    assert_non_null(strstr(err.message, "--momentum does not apply to --opt adam: only gd and sgd"));
    given[gd_hparam_find("momentum") - rows] = 0;
    assert_int_equal(gd_train_config_build(&cfg, &choice, &err), GD_ERR_USAGE);
    assert_non_null(strstr(err.message, "--lr-min does not apply to the constant schedule"));
    choice.schedule = "cosine";
    assert_int_equal(gd_train_config_build(&cfg, &choice, &err), GD_OK);
    /* unknown names list what there is */
    choice.opt = "adamax";
    assert_int_equal(gd_train_config_build(&cfg, &choice, &err), GD_ERR_USAGE);
    assert_non_null(strstr(err.message, "gd, sgd, rmsprop, adam, adamw, adagrad"));
    choice.opt = "adam";
    choice.schedule = "linear";
    assert_int_equal(gd_train_config_build(&cfg, &choice, &err), GD_ERR_USAGE);
    /* values out of range */
    choice.schedule = NULL;
    memset(given, 0, sizeof given);
    values.hp.beta1 = 1.0;
    given[gd_hparam_find("beta1") - rows] = 1;
    assert_int_equal(gd_train_config_build(&cfg, &choice, &err), GD_ERR_USAGE);
    assert_string_equal(err.message, "--beta1 must be in [0, 1), got 1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_consistent),
        cmocka_unit_test(test_defaults_from_table),
        cmocka_unit_test(test_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
