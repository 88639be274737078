/*
 * Learning-rate schedules against values worked out by hand.
 *
 * Every expected value below comes from the definition in another form than
 * the code's: powers of 1/2 written out, cosines at angles with known values
 * (cos(pi/3) = 1/2, cos(pi/2) = 0, cos(2pi/3) = -1/2, cos(pi/4) = sqrt(1/2)),
 * and t^(1/4) at fourth powers (16^(1/4) = 2, 81^(1/4) = 3, 10^4^(1/4) = 10).
 * Plateau's counting is traced by hand, epoch by epoch, in the comments.
 */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "gdtrain/schedule.h"

/* Relative closeness for values of any size (assert_close_rel is absolute
 * below 1): a / b within tol of 1. */
#define assert_ratio(a, b, tol) assert_close_rel((a) / (b), 1.0, (tol))

static gd_schedule make(gd_schedule_kind kind, double lr0)
{
    gd_schedule_config cfg;
    gd_schedule_config_default(&cfg, kind);
    if (kind == GD_SCHEDULE_COSINE)
        cfg.t_max = 100;
    gd_schedule s;
    gd_schedule_init(&s, &cfg, lr0);
    return s;
}

static void test_names(void **unused)
{
    (void)unused;
    const char *expect[] = {"constant", "plateau", "step", "exp", "cosine", "invscaling"};
    size_t count = 0;
    for (const char *const *n = gd_schedule_list(); *n != NULL; n++) {
        assert_true(count < 6);
        assert_string_equal(*n, expect[count]);
        gd_schedule_kind kind;
        assert_true(gd_schedule_kind_from_name(*n, &kind));
        assert_string_equal(gd_schedule_kind_name(kind), *n);
        const char *summary = gd_schedule_kind_summary(kind);
        assert_non_null(summary);
        assert_true(strlen(summary) > 10);
        count++;
    }
    assert_int_equal(count, 6);
    gd_schedule_kind kind = GD_SCHEDULE_EXP;
    assert_false(gd_schedule_kind_from_name("linear", &kind));
    assert_false(gd_schedule_kind_from_name("", &kind));
    assert_false(gd_schedule_kind_from_name("Plateau", &kind));
    assert_int_equal(kind, GD_SCHEDULE_EXP); /* untouched on failure */
    assert_true(gd_schedule_kind_from_name("plateau", &kind));
    assert_int_equal(kind, GD_SCHEDULE_PLATEAU);
}

static void test_defaults(void **unused)
{
    (void)unused;
    gd_schedule_config c;
    gd_schedule_config_default(&c, GD_SCHEDULE_PLATEAU);
    assert_int_equal(c.kind, GD_SCHEDULE_PLATEAU);
    assert_true(c.factor == 0.5 && c.patience == 10 && c.threshold == 0.0 && c.min_lr == 0.0);
    gd_schedule_config_default(&c, GD_SCHEDULE_STEP);
    assert_true(c.step_size == 200 && c.gamma == 0.5);
    gd_schedule_config_default(&c, GD_SCHEDULE_EXP);
    assert_true(c.gamma == 0.998);
    gd_schedule_config_default(&c, GD_SCHEDULE_COSINE);
    assert_true(c.min_lr == 0.0 && c.t_max == 0);
    gd_schedule_config_default(&c, GD_SCHEDULE_INVSCALING);
    assert_true(c.power_t == 0.25);
}

static void test_config_check(void **unused)
{
    (void)unused;
    char msg[128];
    gd_schedule_config c;
    for (const char *const *n = gd_schedule_list(); *n != NULL; n++) {
        gd_schedule_kind kind;
        assert_true(gd_schedule_kind_from_name(*n, &kind));
        gd_schedule_config_default(&c, kind);
        if (kind == GD_SCHEDULE_COSINE) {
            /* the epoch limit must be filled in */
            assert_false(gd_schedule_config_check(&c, msg, sizeof msg));
            assert_non_null(strstr(msg, "epochs"));
            c.t_max = 1;
        }
        assert_true(gd_schedule_config_check(&c, msg, sizeof msg));
    }
    gd_schedule_config_default(&c, GD_SCHEDULE_STEP);
    c.step_size = 0;
    assert_false(gd_schedule_config_check(&c, msg, sizeof msg));
    assert_non_null(strstr(msg, "--lr-step"));
    const double bad_gamma[] = {0.0, -0.5, 1.5, NAN, INFINITY};
    for (int kind = GD_SCHEDULE_STEP; kind <= GD_SCHEDULE_EXP; kind++) {
        for (size_t i = 0; i < sizeof bad_gamma / sizeof bad_gamma[0]; i++) {
            gd_schedule_config_default(&c, (gd_schedule_kind)kind);
            c.gamma = bad_gamma[i];
            assert_false(gd_schedule_config_check(&c, msg, sizeof msg));
            assert_non_null(strstr(msg, "--lr-gamma"));
        }
        c.gamma = 1.0; /* a constant rate, but valid */
        assert_true(gd_schedule_config_check(&c, msg, sizeof msg));
    }
    gd_schedule_config_default(&c, GD_SCHEDULE_INVSCALING);
    c.power_t = -0.25;
    assert_false(gd_schedule_config_check(&c, msg, sizeof msg));
    c.power_t = NAN;
    assert_false(gd_schedule_config_check(&c, msg, sizeof msg));
    gd_schedule_config_default(&c, GD_SCHEDULE_COSINE);
    c.t_max = 10;
    c.min_lr = -1e-3;
    assert_false(gd_schedule_config_check(&c, msg, sizeof msg));
    gd_schedule_config_default(&c, GD_SCHEDULE_PLATEAU);
    c.factor = 1.0;
    assert_false(gd_schedule_config_check(&c, msg, sizeof msg));
    gd_schedule_config_default(&c, GD_SCHEDULE_PLATEAU);
    c.threshold = -0.1;
    assert_false(gd_schedule_config_check(&c, msg, sizeof msg));
    gd_schedule_config_default(&c, GD_SCHEDULE_PLATEAU);
    c.min_lr = INFINITY;
    assert_false(gd_schedule_config_check(&c, msg, sizeof msg));
    /* a field the kind does not read is not checked */
    gd_schedule_config_default(&c, GD_SCHEDULE_CONSTANT);
    c.gamma = -1;
    c.t_max = 0;
    assert_true(gd_schedule_config_check(&c, msg, sizeof msg));
}

static void test_constant(void **unused)
{
    (void)unused;
    gd_schedule s = make(GD_SCHEDULE_CONSTANT, 0.3);
    for (long e = 0; e < 1000; e += 97) {
        assert_true(gd_schedule_lr(&s, e, e * 7 + 1) == 0.3);
        gd_schedule_epoch_end(&s, 1.0); /* the same loss forever: ignored */
    }
    assert_false(gd_schedule_at_floor(&s));
}

/* StepLR with step_size 3, gamma 1/2 from 0.8: epochs 0-2 at 0.8, 3-5 at
 * 0.4, 6-8 at 0.2, 9 at 0.1 (halving is exact in binary). */
static void test_step(void **unused)
{
    (void)unused;
    gd_schedule_config c;
    gd_schedule_config_default(&c, GD_SCHEDULE_STEP);
    c.step_size = 3;
    gd_schedule s;
    gd_schedule_init(&s, &c, 0.8);
    const double expect[10] = {0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.1};
    for (long e = 0; e < 10; e++) {
        assert_true(gd_schedule_lr(&s, e, 1) == expect[e]);
        assert_true(gd_schedule_lr(&s, e, 1000 * e + 5) == expect[e]); /* step ignored */
        gd_schedule_epoch_end(&s, 1.0);
    }
    assert_true(gd_schedule_lr(&s, 30, 1) == 0.8 / 1024);
    /* PyTorch's usual gamma 0.1 every 100 epochs: boundaries at 100, 200. */
    c.step_size = 100;
    c.gamma = 0.1;
    gd_schedule_init(&s, &c, 0.05);
    assert_true(gd_schedule_lr(&s, 0, 1) == 0.05);
    assert_true(gd_schedule_lr(&s, 99, 1) == 0.05);
    assert_ratio(gd_schedule_lr(&s, 100, 1), 0.005, 1e-15);
    assert_ratio(gd_schedule_lr(&s, 199, 1), 0.005, 1e-15);
    assert_ratio(gd_schedule_lr(&s, 200, 1), 0.0005, 1e-15);
    assert_ratio(gd_schedule_lr(&s, 250, 1), 0.0005, 1e-15);
    assert_false(gd_schedule_at_floor(&s));
}

static void test_exp(void **unused)
{
    (void)unused;
    gd_schedule_config c;
    gd_schedule_config_default(&c, GD_SCHEDULE_EXP);
    c.gamma = 0.5;
    gd_schedule s;
    gd_schedule_init(&s, &c, 2.0);
    assert_true(gd_schedule_lr(&s, 0, 1) == 2.0);
    assert_true(gd_schedule_lr(&s, 1, 2) == 1.0);
    assert_true(gd_schedule_lr(&s, 4, 9) == 0.125);
    assert_true(gd_schedule_lr(&s, 10, 11) == 2.0 / 1024);
    /* the default gamma 0.998: 0.998^2 = 0.996004, 0.998^3 = 0.994011992 */
    s = make(GD_SCHEDULE_EXP, 0.01);
    assert_true(gd_schedule_lr(&s, 0, 1) == 0.01);
    assert_ratio(gd_schedule_lr(&s, 2, 1), 0.00996004, 1e-15);
    assert_ratio(gd_schedule_lr(&s, 3, 1), 0.00994011992, 1e-15);
    /* about 10-fold in 1150 epochs: 1150 ln 0.998 = -2.30230, e^-2.30230 =
     * 0.100028 */
    assert_ratio(gd_schedule_lr(&s, 1150, 1), 0.01 * 0.100028, 1e-5);
}

/* CosineAnnealingLR from 1 to 0.1 over T = 12 epochs, at angles pi e / 12
 * with known cosines. */
static void test_cosine(void **unused)
{
    (void)unused;
    gd_schedule_config c;
    gd_schedule_config_default(&c, GD_SCHEDULE_COSINE);
    c.t_max = 12;
    c.min_lr = 0.1;
    gd_schedule s;
    gd_schedule_init(&s, &c, 1.0);
    assert_ratio(gd_schedule_lr(&s, 0, 1), 1.0, 1e-15);
    /* e = 3: cos(pi/4) = sqrt(1/2): 0.1 + 0.9 (1 + sqrt(1/2)) / 2 */
    assert_ratio(gd_schedule_lr(&s, 3, 1), 0.1 + 0.45 * (1 + sqrt(0.5)), 1e-15);
    /* e = 4: cos(pi/3) = 1/2: 0.1 + 0.9 * 3/4 = 0.775 */
    assert_ratio(gd_schedule_lr(&s, 4, 1), 0.775, 1e-15);
    /* e = T/2: the midpoint (lr0 + min) / 2 = 0.55 */
    assert_ratio(gd_schedule_lr(&s, 6, 1), 0.55, 1e-15);
    /* e = 8: cos(2pi/3) = -1/2: 0.1 + 0.9 / 4 = 0.325 */
    assert_ratio(gd_schedule_lr(&s, 8, 1), 0.325, 1e-15);
    /* e = T: the floor; after T it stays there */
    assert_ratio(gd_schedule_lr(&s, 12, 1), 0.1, 1e-15);
    assert_true(gd_schedule_lr(&s, 13, 1) == 0.1);
    assert_true(gd_schedule_lr(&s, 1000, 1) == 0.1);
    /* strictly falling over 0..T, and symmetric about the midpoint:
     * lr(e) + lr(T - e) = lr0 + min */
    for (long e = 0; e < 12; e++) {
        assert_true(gd_schedule_lr(&s, e + 1, 1) < gd_schedule_lr(&s, e, 1));
        assert_ratio(gd_schedule_lr(&s, e, 1) + gd_schedule_lr(&s, 12 - e, 1), 1.1,
                         1e-15);
    }
    /* min_lr 0 (the default), the last epoch of a 10000-epoch run:
     * (1 + cos(pi (1 - 1e-4))) / 2 = (1 - cos(pi 1e-4)) / 2 = sin^2(pi 1e-4 / 2) */
    s = make(GD_SCHEDULE_COSINE, 0.01);
    s.cfg.t_max = 10000;
    double h = sin(3.14159265358979323846 * 1e-4 / 2);
    assert_ratio(gd_schedule_lr(&s, 9999, 1), 0.01 * h * h, 1e-7);
    assert_ratio(gd_schedule_lr(&s, 5000, 1), 0.005, 1e-15);
}

/* lr0 / t^0.25 at fourth powers; the epoch does not matter. */
static void test_invscaling(void **unused)
{
    (void)unused;
    gd_schedule s = make(GD_SCHEDULE_INVSCALING, 0.4);
    assert_true(gd_schedule_lr(&s, 0, 1) == 0.4);
    assert_ratio(gd_schedule_lr(&s, 0, 16), 0.2, 1e-15);
    assert_ratio(gd_schedule_lr(&s, 7, 16), 0.2, 1e-15);
    assert_ratio(gd_schedule_lr(&s, 3, 81), 0.4 / 3, 1e-15);
    assert_ratio(gd_schedule_lr(&s, 99, 10000), 0.04, 1e-15);
    /* the rate falls within an epoch: steps 2..15 lie strictly between */
    for (long t = 2; t < 16; t++) {
        double lr = gd_schedule_lr(&s, 0, t);
        assert_true(lr < 0.4 && lr > 0.2);
        assert_true(lr < gd_schedule_lr(&s, 0, t - 1));
    }
    gd_schedule_config c;
    gd_schedule_config_default(&c, GD_SCHEDULE_INVSCALING);
    c.power_t = 0.5;
    gd_schedule_init(&s, &c, 0.3);
    assert_ratio(gd_schedule_lr(&s, 0, 4), 0.15, 1e-15);
    assert_ratio(gd_schedule_lr(&s, 0, 9), 0.1, 1e-15);
    c.power_t = 0.0; /* t^0 = 1: constant */
    gd_schedule_init(&s, &c, 0.3);
    assert_true(gd_schedule_lr(&s, 5, 123456) == 0.3);
    for (int e = 0; e < 20; e++)
        gd_schedule_epoch_end(&s, 1.0);
    assert_true(gd_schedule_lr(&s, 5, 123456) == 0.3);
    assert_false(gd_schedule_at_floor(&s));
}

/* Plateau with factor 1/2, patience 2, threshold 0, floor 0.1, from 1.
 * An epoch improves when loss < best; after more than 2 bad epochs in a
 * row the rate halves and the count restarts. */
static void test_plateau_counting(void **unused)
{
    (void)unused;
    gd_schedule_config c;
    gd_schedule_config_default(&c, GD_SCHEDULE_PLATEAU);
    c.patience = 2;
    c.min_lr = 0.1;
    gd_schedule s;
    gd_schedule_init(&s, &c, 1.0);
    struct {
        double loss, lr; /* the loss told, the rate after it */
        int bad;         /* bad_epochs after it */
    } trace[] = {
        {10.0, 1.0, 0},   /* first epoch: best 10 */
        {9.0, 1.0, 0},    /* better: best 9 */
        {9.0, 1.0, 1},    /* equal is no improvement (threshold 0: loss < best) */
        {9.5, 1.0, 2},    /* worse */
        {9.0, 0.5, 0},    /* third bad epoch > patience 2: halve, restart */
        {8.0, 0.5, 0},    /* better: best 8 */
        {8.5, 0.5, 1},
        {7.99, 0.5, 0},   /* better again: the count restarts */
        {8.0, 0.5, 1},
        {8.0, 0.5, 2},
        {8.0, 0.25, 0},   /* halve */
        {8.0, 0.25, 1},
        {8.0, 0.25, 2},
        {8.0, 0.125, 0},  /* halve */
        {8.0, 0.125, 1},
        {8.0, 0.125, 2},
        {8.0, 0.1, 0},    /* 0.0625 is below the floor: 0.1 */
        {8.0, 0.1, 1},
        {8.0, 0.1, 2},
        {8.0, 0.1, 0},    /* at the floor it stays */
    };
    for (size_t i = 0; i < sizeof trace / sizeof trace[0]; i++) {
        gd_schedule_epoch_end(&s, trace[i].loss);
        assert_true(s.lr == trace[i].lr);
        assert_int_equal(s.bad_epochs, trace[i].bad);
        /* the plateau rate is the same for every step of the next epoch */
        assert_true(gd_schedule_lr(&s, (long)i + 1, 1) == trace[i].lr);
        assert_true(gd_schedule_lr(&s, (long)i + 1, 999) == trace[i].lr);
        assert_int_equal(gd_schedule_at_floor(&s), trace[i].lr == 0.1);
    }
    assert_true(s.best == 7.99);
}

/* A relative threshold of 0.1: a loss counts only below best * 0.9. */
static void test_plateau_threshold(void **unused)
{
    (void)unused;
    gd_schedule_config c;
    gd_schedule_config_default(&c, GD_SCHEDULE_PLATEAU);
    c.patience = 1;
    c.threshold = 0.1;
    gd_schedule s;
    gd_schedule_init(&s, &c, 0.2);
    gd_schedule_epoch_end(&s, 100.0); /* the first finite loss always counts */
    assert_true(s.best == 100.0 && s.bad_epochs == 0);
    gd_schedule_epoch_end(&s, 90.5); /* not below 90: bad 1, best stays 100 */
    assert_true(s.best == 100.0 && s.bad_epochs == 1 && s.lr == 0.2);
    gd_schedule_epoch_end(&s, 89.9); /* below 90: best 89.9 */
    assert_true(s.best == 89.9 && s.bad_epochs == 0);
    gd_schedule_epoch_end(&s, 81.0); /* not below 80.91: bad 1 */
    assert_int_equal(s.bad_epochs, 1);
    gd_schedule_epoch_end(&s, 80.0); /* below 80.91 */
    assert_true(s.best == 80.0 && s.bad_epochs == 0);
    gd_schedule_epoch_end(&s, 75.0); /* not below 72 */
    gd_schedule_epoch_end(&s, 74.0); /* second bad > patience 1: halve */
    assert_true(s.lr == 0.1 && s.bad_epochs == 0 && s.best == 80.0);
    /* NaN is never an improvement */
    gd_schedule_epoch_end(&s, NAN);
    assert_int_equal(s.bad_epochs, 1);
    assert_true(s.best == 80.0);
    /* the default: any new best counts, however small the gain */
    s = make(GD_SCHEDULE_PLATEAU, 0.01);
    double loss = 1.0;
    for (int i = 0; i < 50; i++) {
        gd_schedule_epoch_end(&s, loss);
        loss = nextafter(loss, 0.0);
    }
    assert_true(s.lr == 0.01 && s.bad_epochs == 0);
    /* it keeps the rate for 10 equal losses (patience 10, PyTorch's default) */
    for (int i = 0; i < 10; i++)
        gd_schedule_epoch_end(&s, 1.0);
    assert_true(s.lr == 0.01);
    /* and halves it at the 11th */
    gd_schedule_epoch_end(&s, 1.0);
    assert_true(s.lr == 0.005);
}

/* A run resumed from the three saved fields continues bit for bit. */
static void test_plateau_resume(void **unused)
{
    (void)unused;
    gd_schedule_config c;
    gd_schedule_config_default(&c, GD_SCHEDULE_PLATEAU);
    c.patience = 1;
    c.min_lr = 1e-4;
    gd_schedule a, b;
    gd_schedule_init(&a, &c, 0.3);
    double losses[40];
    for (int i = 0; i < 40; i++) /* falls, then wobbles */
        losses[i] = i < 10 ? 10.0 - i : 1.0 + 0.01 * (i % 3);
    for (int i = 0; i < 15; i++)
        gd_schedule_epoch_end(&a, losses[i]);
    gd_schedule_init(&b, &c, 0.3);
    b.lr = a.lr;
    b.best = a.best;
    b.bad_epochs = a.bad_epochs;
    for (int i = 15; i < 40; i++) {
        gd_schedule_epoch_end(&a, losses[i]);
        gd_schedule_epoch_end(&b, losses[i]);
        assert_memory_equal(&a.lr, &b.lr, sizeof a.lr);
        assert_int_equal(a.bad_epochs, b.bad_epochs);
        assert_true(gd_schedule_lr(&a, i, i) == gd_schedule_lr(&b, i, i));
    }
    assert_true(a.lr < 0.3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_config_check),
        cmocka_unit_test(test_constant),
        cmocka_unit_test(test_step),
        cmocka_unit_test(test_exp),
        cmocka_unit_test(test_cosine),
        cmocka_unit_test(test_invscaling),
        cmocka_unit_test(test_plateau_counting),
        cmocka_unit_test(test_plateau_threshold),
        cmocka_unit_test(test_plateau_resume),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
