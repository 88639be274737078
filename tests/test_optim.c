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
 *   amsgrad        v_t = (1 - beta2^t) g^2 only grows, so vmax_t = v_t: as adam
 *   adamw          theta_t = k theta_{t-1} - s with k = 1 - lr*lambda and
 *                  s = lr*g / (|g| + eps), so (a geometric series)
 *                  theta_t = k^t theta_0 - s (1 - k^t) / (1 - k)
 *   adagrad        sum_t = a + t g^2, clr_t = lr / (1 + (t-1) eta)
 *                  theta_t = theta_0 - sum_{k<=t} clr_k g / (sqrt(a + k g^2) + eps)
 * Two hand-worked steps with a sign change check the moment recurrences;
 * a gradient that falls to 0 and jumps back checks AMSGrad's maximum.
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
    const char *names[] = {"gd", "sgd", "rmsprop", "adam", "adamw", "adagrad"};
    for (size_t i = 0; i < 6; i++) {
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
    assert_int_equal(count, 6);
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
    double state[8], theta[1] = {0.0}, g[1] = {1.0};
    assert_true(o->state_size(1) <= sizeof state);
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

/* AdamW with a constant gradient: the decay and the Adam step compose into
 * a geometric series (see the top of the file). */
static void test_adamw_constant(void **unused)
{
    (void)unused;
    const gd_optimizer_ops *o = gd_optimizer_find("adamw");
    gd_optim_params p;
    gd_optim_params_default_for(&p, o);
    assert_true(p.weight_decay == 0.01); /* PyTorch's AdamW default */
    const double lr = 0.01;
    for (int amsgrad = 0; amsgrad <= 1; amsgrad++) {
        p.amsgrad = amsgrad;
        for (double wd = 0.01; wd < 2; wd *= 7) {
            p.weight_decay = wd;
            for (int steps = 1; steps <= STEPS; steps += 4) {
                double theta[NP];
                run_constant(o, &p, lr, steps, theta);
                const double k = 1 - lr * wd;
                for (int i = 0; i < NP; i++) {
                    double st = lr * gconst[i] / (fabs(gconst[i]) + p.eps);
                    double expect = pow(k, steps) * theta0[i] -
                                    st * (1 - pow(k, steps)) / (1 - k);
                    assert_close_rel(theta[i], expect, 1e-12);
                }
            }
        }
    }
}

/* Two AdamW steps by hand: theta 1, lr 0.1, lambda 0.5, g = +1 then -1.
 * The decay factor is 1 - 0.05 = 0.95; the Adam steps are those of
 * test_adam_by_hand: -0.1/(1 + 1e-8), then +0.1/19/(1 + 1e-8). */
static void test_adamw_by_hand(void **unused)
{
    (void)unused;
    const gd_optimizer_ops *o = gd_optimizer_find("adamw");
    gd_optim_params p;
    gd_optim_params_default_for(&p, o);
    p.weight_decay = 0.5;
    double state[8], theta[1] = {1.0}, g[1] = {1.0};
    assert_true(o->state_size(1) <= sizeof state);
    o->init(state, 1, &p);
    o->step(state, theta, g, 1, 0.1, 1, &p);
    double after1 = 0.95 - 0.1 / (1 + 1e-8);
    assert_close_rel(theta[0], after1, 1e-15);
    g[0] = -1.0;
    o->step(state, theta, g, 1, 0.1, 2, &p);
    assert_close_rel(theta[0], 0.95 * after1 + 0.1 / 19.0 / (1 + 1e-8), 1e-14);
}

/* With weight_decay 0, adamw is adam, bit for bit, on any gradients; the
 * decay also reaches the last parameter (the bias). */
static void test_adamw_without_decay_is_adam(void **unused)
{
    (void)unused;
    const gd_optimizer_ops *a = gd_optimizer_find("adam"), *w = gd_optimizer_find("adamw");
    gd_optim_params p;
    gd_optim_params_default(&p);
    p.weight_decay = 0.0;
    double sa[3 * NP], sw[3 * NP], ta[NP], tw[NP], g[NP];
    assert_true(a->state_size(NP) <= sizeof sa && w->state_size(NP) <= sizeof sw);
    for (int amsgrad = 0; amsgrad <= 1; amsgrad++) {
        p.amsgrad = amsgrad;
        memcpy(ta, theta0, sizeof ta);
        memcpy(tw, theta0, sizeof tw);
        a->init(sa, NP, &p);
        w->init(sw, NP, &p);
        for (int t = 1; t <= 40; t++) {
            for (int i = 0; i < NP; i++) /* a gradient that wanders and changes sign */
                g[i] = gconst[i] * cos(0.7 * t + i) * (t % 5 == 0 ? 3.0 : 1.0);
            a->step(sa, ta, g, NP, 0.02, t, &p);
            w->step(sw, tw, g, NP, 0.02, t, &p);
            assert_memory_equal(ta, tw, sizeof ta);
        }
    }
    /* one decay step with a zero gradient: every parameter shrinks by
     * 1 - lr*lambda = 1 - 0.1*0.2 = 0.98, the Adam part is 0/(0 + eps) */
    gd_optim_params_default(&p);
    p.weight_decay = 0.2;
    memcpy(tw, theta0, sizeof tw);
    memset(g, 0, sizeof g);
    w->init(sw, NP, &p);
    w->step(sw, tw, g, NP, 0.1, 1, &p);
    for (int i = 0; i < NP; i++)
        assert_close_rel(tw[i], 0.98 * theta0[i], 1e-15);
}

/* AMSGrad on one parameter, beta1 = beta2 = 1/2, lr 0.1, g = 2, 0, 0, 8:
 *   t  m       v       vmax   1-b^t   mhat    vhat(adam)  vhat(amsgrad)
 *   1  1       2       2      1/2     2       4           4
 *   2  1/2     1       2      3/4     2/3     4/3         8/3
 *   3  1/4     1/2     2      7/8     2/7     4/7         16/7
 *   4  4.125   32.25   32.25  15/16   4.4     34.4        34.4
 * (PyTorch's older documentation, taking the maximum of the bias-corrected
 * vhat, would give 4, 4, 4, 34.4 instead.) */
static void test_amsgrad_by_hand(void **unused)
{
    (void)unused;
    const double grads[4] = {2, 0, 0, 8};
    const double mhat[4] = {2, 2.0 / 3, 2.0 / 7, 4.4};
    const double vhat_adam[4] = {4, 4.0 / 3, 4.0 / 7, 34.4};
    const double vhat_ams[4] = {4, 8.0 / 3, 16.0 / 7, 34.4};
    const char *rules[2] = {"adam", "adamw"};
    for (int r = 0; r < 2; r++) {
        const gd_optimizer_ops *o = gd_optimizer_find(rules[r]);
        for (int amsgrad = 0; amsgrad <= 1; amsgrad++) {
            gd_optim_params p;
            gd_optim_params_default_for(&p, o);
            p.beta1 = 0.5;
            p.beta2 = 0.5;
            p.weight_decay = 0.0;
            p.amsgrad = amsgrad;
            double state[8], theta[1] = {0.5}, expect = 0.5;
            assert_true(o->state_size(1) <= sizeof state);
            o->init(state, 1, &p);
            for (int t = 1; t <= 4; t++) {
                o->step(state, theta, &grads[t - 1], 1, 0.1, t, &p);
                double vh = amsgrad ? vhat_ams[t - 1] : vhat_adam[t - 1];
                expect -= 0.1 * mhat[t - 1] / (sqrt(vh) + 1e-8);
                assert_close_rel(theta[0], expect, 1e-14);
            }
        }
    }
}

/* Adagrad with a constant gradient, with and without lr_decay and an
 * initial accumulator (closed forms at the top of the file). */
static void test_adagrad_constant(void **unused)
{
    (void)unused;
    const gd_optimizer_ops *o = gd_optimizer_find("adagrad");
    gd_optim_params p;
    gd_optim_params_default_for(&p, o);
    assert_true(p.eps == 1e-10 && p.lr_decay == 0.0 && p.initial_accumulator == 0.0);
    const double lr = 0.1;
    const double decays[2] = {0.0, 0.1}, accs[2] = {0.0, 0.5};
    for (int k = 0; k < 4; k++) {
        p.lr_decay = decays[k & 1];
        p.initial_accumulator = accs[k >> 1];
        for (int steps = 1; steps <= STEPS; steps += 3) {
            double theta[NP];
            run_constant(o, &p, lr, steps, theta);
            for (int i = 0; i < NP; i++) {
                double expect = theta0[i], g = gconst[i];
                for (int j = 1; j <= steps; j++)
                    expect -= lr / (1 + (j - 1) * p.lr_decay) * g /
                              (sqrt(p.initial_accumulator + j * g * g) + p.eps);
                assert_close_rel(theta[i], expect, 1e-13);
            }
        }
    }
}

/* Adagrad by hand, lr 1, eps 1e-10:
 *   lr_decay 1/2, g = 3 then -4: sum 9 then 25; clr 1 then 2/3:
 *     theta = 0 - 3/(3 + eps) + (2/3) * 4/(5 + eps)
 *   initial accumulator 16, g = 3: sum 25, theta = 0 - 3/(5 + eps)
 *   g = 1e-12 from 0: sqrt(sum) = 1e-12, so eps outside the root matters:
 *     theta = -1e-12 / (1e-12 + 1e-10) = -1/101 */
static void test_adagrad_by_hand(void **unused)
{
    (void)unused;
    const gd_optimizer_ops *o = gd_optimizer_find("adagrad");
    gd_optim_params p;
    gd_optim_params_default_for(&p, o);
    double sum[1], theta[1] = {0.0}, g[1] = {3.0};
    assert_true(o->state_size(1) == sizeof sum);
    p.lr_decay = 0.5;
    o->init(sum, 1, &p);
    o->step(sum, theta, g, 1, 1.0, 1, &p);
    assert_close_rel(theta[0], -3 / (3 + 1e-10), 1e-15);
    g[0] = -4.0;
    o->step(sum, theta, g, 1, 1.0, 2, &p);
    assert_close_rel(theta[0], -3 / (3 + 1e-10) + 2.0 / 3 * 4 / (5 + 1e-10), 1e-15);

    gd_optim_params_default_for(&p, o);
    p.initial_accumulator = 16.0;
    theta[0] = 0.0;
    g[0] = 3.0;
    o->init(sum, 1, &p);
    assert_true(sum[0] == 16.0);
    o->step(sum, theta, g, 1, 1.0, 1, &p);
    assert_close_rel(theta[0], -3 / (5 + 1e-10), 1e-15);

    gd_optim_params_default_for(&p, o);
    theta[0] = 0.0;
    g[0] = 1e-12;
    o->init(sum, 1, &p);
    o->step(sum, theta, g, 1, 1.0, 1, &p);
    assert_close_rel(theta[0] * 101, -1.0, 1e-14);
}

static void test_new_params(void **unused)
{
    (void)unused;
    char msg[128];
    const gd_optimizer_ops *adam = gd_optimizer_find("adam");
    const gd_optimizer_ops *adamw = gd_optimizer_find("adamw");
    const gd_optimizer_ops *adagrad = gd_optimizer_find("adagrad");
    /* which rule reads what */
    assert_true(adam->uses & GD_USES(amsgrad));
    assert_false(adam->uses & GD_USES(weight_decay));
    assert_true((adamw->uses & (GD_USES(beta1) | GD_USES(beta2) | GD_USES(eps) | GD_USES(amsgrad) |
                                GD_USES(weight_decay))) ==
                (GD_USES(beta1) | GD_USES(beta2) | GD_USES(eps) | GD_USES(amsgrad) | GD_USES(weight_decay)));
    assert_true((adagrad->uses & (GD_USES(eps) | GD_USES(lr_decay) |
                                  GD_USES(initial_accumulator))) ==
                (GD_USES(eps) | GD_USES(lr_decay) | GD_USES(initial_accumulator)));
    assert_false(adagrad->uses & (GD_USES(beta1) | GD_USES(beta2) | GD_USES(amsgrad)));
    /* the shared defaults, and the rules' own */
    gd_optim_params p, q;
    gd_optim_params_default(&p);
    assert_true(p.weight_decay == 0.01 && p.amsgrad == 0 && p.lr_decay == 0.0 &&
                p.initial_accumulator == 0.0 && p.eps == 1e-8);
    for (const gd_optimizer_ops *const *o = gd_optimizer_list(); *o; o++) {
        gd_optim_params_default_for(&q, *o);
        assert_true(q.eps == (*o == adagrad ? 1e-10 : 1e-8));
        assert_true(gd_optim_params_check(*o, &q, msg, sizeof msg));
        assert_true((*o)->default_lr > 0);
    }
    /* out-of-range values are errors only for the rules that read them */
    const double bad[3] = {-0.01, NAN, INFINITY};
    for (int i = 0; i < 3; i++) {
        gd_optim_params_default(&p);
        p.weight_decay = bad[i];
        assert_false(gd_optim_params_check(adamw, &p, msg, sizeof msg));
        assert_non_null(strstr(msg, "--weight-decay"));
        assert_true(gd_optim_params_check(adam, &p, msg, sizeof msg));
        gd_optim_params_default_for(&p, adagrad);
        p.lr_decay = bad[i];
        assert_false(gd_optim_params_check(adagrad, &p, msg, sizeof msg));
        assert_non_null(strstr(msg, "--lr-decay"));
        assert_true(gd_optim_params_check(adamw, &p, msg, sizeof msg));
        gd_optim_params_default_for(&p, adagrad);
        p.initial_accumulator = bad[i];
        assert_false(gd_optim_params_check(adagrad, &p, msg, sizeof msg));
        assert_non_null(strstr(msg, "--initial-accumulator"));
    }
    gd_optim_params_default_for(&p, adagrad);
    p.eps = 0.0;
    assert_false(gd_optim_params_check(adagrad, &p, msg, sizeof msg));
    gd_optim_params_default(&p);
    p.weight_decay = 0.0; /* no decay is valid */
    assert_true(gd_optim_params_check(adamw, &p, msg, sizeof msg));
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
        cmocka_unit_test(test_adamw_constant),
        cmocka_unit_test(test_adamw_by_hand),
        cmocka_unit_test(test_adamw_without_decay_is_adam),
        cmocka_unit_test(test_amsgrad_by_hand),
        cmocka_unit_test(test_adagrad_constant),
        cmocka_unit_test(test_adagrad_by_hand),
        cmocka_unit_test(test_new_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
