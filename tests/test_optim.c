/*
 * Update rules against values derived by hand.
 *
 * For a constant gradient g every rule has a closed form, derived from its
 * recurrence on paper and independent of the code's step-by-step update:
 *   sgd            theta_t = theta_0 - t*lr*g
 *   momentum mu    b_t = g (1 - mu^t) / (1 - mu)
 *                  theta_t = theta_0 - lr * sum_{k<=t} b_k
 *   nesterov       d_t = g + mu*b_t
 *   rmsprop        v_t = (1 - alpha^t) g^2
 *                  step_t = lr*g / (|g| sqrt(1 - alpha^t) + eps)
 *   adam           mhat_t = g, vhat_t = g^2 (bias correction is exact)
 *                  theta_t = theta_0 - t * lr*g / (|g| + eps)
 * Two hand-worked steps with a sign change check the moment recurrences.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gdtrain/optim.h"

enum { NP = 3, STEPS = 25 };
static const double theta0[NP] = {1.0, -2.0, 0.25};
static const double gconst[NP] = {0.5, -1.0, 3.0};

/* Runs `steps` steps of ops with constant gradient gconst; theta out. */
static void run_constant(const gd_optimizer_ops *ops, const gd_optim_params *p,
                         double lr, int steps, double *theta)
{
    void *state = malloc(ops->state_size(NP) + 1);
    assert_non_null(state);
    memcpy(theta, theta0, sizeof theta0);
    ops->init(state, NP, p);
    for (int t = 1; t <= steps; t++)
        ops->step(state, theta, gconst, NP, lr, t, p);
    free(state);
}

static void test_registry(void **unused)
{
    (void)unused;
    const char *names[] = {"gd", "sgd", "rmsprop", "adam"};
    for (size_t i = 0; i < 4; i++) {
        const gd_optimizer_ops *o = gd_optimizer_find(names[i]);
        assert_non_null(o);
        assert_string_equal(o->name, names[i]);
        assert_true(o->default_lr > 0);
    }
    assert_null(gd_optimizer_find("adamax"));
    assert_null(gd_optimizer_find(""));
    size_t count = 0;
    for (const gd_optimizer_ops *const *o = gd_optimizer_list(); *o; o++)
        count++;
    assert_int_equal(count, 4);
    /* sgd is the mini-batch rule, gd the full-batch one. */
    assert_int_equal(gd_optimizer_find("gd")->default_batch, 0);
    assert_true(gd_optimizer_find("sgd")->default_batch > 0);
}

static void test_sgd_plain(void **unused)
{
    (void)unused;
    gd_optim_params p;
    gd_optim_params_default(&p);
    double theta[NP];
    for (int which = 0; which < 2; which++) {
        run_constant(gd_optimizer_find(which ? "gd" : "sgd"), &p, 0.1, STEPS, theta);
        for (int i = 0; i < NP; i++)
            assert_close_rel(theta[i], theta0[i] - STEPS * 0.1 * gconst[i], 1e-14);
    }
}

static void test_sgd_momentum_and_nesterov(void **unused)
{
    (void)unused;
    const double mu = 0.9, lr = 0.05;
    for (int nesterov = 0; nesterov <= 1; nesterov++) {
        gd_optim_params p;
        gd_optim_params_default(&p);
        p.momentum = mu;
        p.nesterov = nesterov;
        for (int steps = 1; steps <= STEPS; steps += 6) {
            double theta[NP];
            run_constant(gd_optimizer_find("sgd"), &p, lr, steps, theta);
            for (int i = 0; i < NP; i++) {
                double expect = theta0[i];
                for (int k = 1; k <= steps; k++) {
                    double b = gconst[i] * (1 - pow(mu, k)) / (1 - mu);
                    expect -= lr * (nesterov ? gconst[i] + mu * b : b);
                }
                assert_close_rel(theta[i], expect, 1e-13);
            }
        }
    }
}

/* The first three momentum steps worked out by hand for g = 0.5, lr = 0.1,
 * mu = 0.9, from theta 1: b = 0.5, 0.95, 1.355. */
static void test_sgd_momentum_by_hand(void **unused)
{
    (void)unused;
    const gd_optimizer_ops *o = gd_optimizer_find("sgd");
    gd_optim_params p;
    gd_optim_params_default(&p);
    p.momentum = 0.9;
    double buf[1], theta[1] = {1.0}, g[1] = {0.5};
    const double plain[3] = {0.95, 0.855, 0.7195};
    const double nest[3] = {0.905, 0.7695, 0.59755};
    for (int nesterov = 0; nesterov <= 1; nesterov++) {
        p.nesterov = nesterov;
        theta[0] = 1.0;
        o->init(buf, 1, &p);
        for (int t = 1; t <= 3; t++) {
            o->step(buf, theta, g, 1, 0.1, t, &p);
            assert_close_rel(theta[0], nesterov ? nest[t - 1] : plain[t - 1], 1e-15);
        }
    }
}

static void test_rmsprop(void **unused)
{
    (void)unused;
    gd_optim_params p;
    gd_optim_params_default(&p);
    const double lr = 0.01;
    for (int steps = 1; steps <= STEPS; steps += 4) {
        double theta[NP];
        run_constant(gd_optimizer_find("rmsprop"), &p, lr, steps, theta);
        for (int i = 0; i < NP; i++) {
            double expect = theta0[i];
            for (int k = 1; k <= steps; k++)
                expect -= lr * gconst[i] /
                          (fabs(gconst[i]) * sqrt(1 - pow(p.alpha, k)) + p.eps);
            assert_close_rel(theta[i], expect, 1e-13);
        }
    }
    /* eps sits outside the square root: with g = 0 after a first step the
     * update is exactly 0, and with tiny v the step is g / eps-dominated. */
    const gd_optimizer_ops *o = gd_optimizer_find("rmsprop");
    double v[1], theta[1] = {0.0}, g[1] = {1e-9};
    o->init(v, 1, &p);
    o->step(v, theta, g, 1, 1.0, 1, &p);
    /* v = 0.01 * 1e-18, sqrt(v) = 1e-10; step = 1e-9 / (1e-10 + 1e-8). */
    assert_close_rel(theta[0], -1e-9 / (1e-10 + 1e-8), 1e-13);
}

static void test_adam(void **unused)
{
    (void)unused;
    gd_optim_params p;
    gd_optim_params_default(&p);
    const double lr = 0.001;
    for (int steps = 1; steps <= STEPS; steps += 4) {
        double theta[NP];
        run_constant(gd_optimizer_find("adam"), &p, lr, steps, theta);
        for (int i = 0; i < NP; i++)
            assert_close_rel(theta[i],
                             theta0[i] - steps * lr * gconst[i] / (fabs(gconst[i]) + p.eps),
                             1e-12);
    }
}

/* Two steps by hand, g = +1 then -1, lr = 0.1, default betas and eps:
 *   t=1: m = 0.1, v = 0.001, mhat = 1, vhat = 1, step = 0.1 / (1 + 1e-8)
 *   t=2: m = 0.09 - 0.1 = -0.01, v = 0.000999 + 0.001 = 0.001999,
 *        mhat = -0.01 / 0.19, vhat = 0.001999 / 0.001999 = 1,
 *        step = 0.1 * (-1/19) / (1 + 1e-8). */
static void test_adam_by_hand(void **unused)
{
    (void)unused;
    const gd_optimizer_ops *o = gd_optimizer_find("adam");
    gd_optim_params p;
    gd_optim_params_default(&p);
    double state[2], theta[1] = {0.0}, g[1] = {1.0};
    o->init(state, 1, &p);
    o->step(state, theta, g, 1, 0.1, 1, &p);
    double after1 = -0.1 / (1 + 1e-8);
    assert_close_rel(theta[0], after1, 1e-15);
    g[0] = -1.0;
    o->step(state, theta, g, 1, 0.1, 2, &p);
    assert_close_rel(theta[0], after1 + 0.1 / 19.0 / (1 + 1e-8), 1e-14);
}

static void test_param_checks(void **unused)
{
    (void)unused;
    char msg[128];
    gd_optim_params p;
    gd_optim_params_default(&p);
    assert_true(gd_optim_params_check(gd_optimizer_find("sgd"), &p, msg, sizeof msg));
    p.nesterov = 1;
    assert_false(gd_optim_params_check(gd_optimizer_find("sgd"), &p, msg, sizeof msg));
    assert_non_null(strstr(msg, "momentum"));
    /* Adam does not read nesterov, so it is no error there. */
    assert_true(gd_optim_params_check(gd_optimizer_find("adam"), &p, msg, sizeof msg));
    gd_optim_params_default(&p);
    p.beta2 = 1.0;
    assert_false(gd_optim_params_check(gd_optimizer_find("adam"), &p, msg, sizeof msg));
    gd_optim_params_default(&p);
    p.eps = 0.0;
    assert_false(gd_optim_params_check(gd_optimizer_find("rmsprop"), &p, msg, sizeof msg));
    gd_optim_params_default(&p);
    p.alpha = NAN;
    assert_false(gd_optim_params_check(gd_optimizer_find("rmsprop"), &p, msg, sizeof msg));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_sgd_plain),
        cmocka_unit_test(test_sgd_momentum_and_nesterov),
        cmocka_unit_test(test_sgd_momentum_by_hand),
        cmocka_unit_test(test_rmsprop),
        cmocka_unit_test(test_adam),
        cmocka_unit_test(test_adam_by_hand),
        cmocka_unit_test(test_param_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
