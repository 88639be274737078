"""Reference values for tests/test_dist.c, in 60-digit arithmetic (mpmath).

Writes tests/data/dist_reference.csv: kind,a,b,c,value with the inputs as
the exact doubles the test passes (repr) and the value to 25 significant
digits. Run from the source tree: /usr/bin/python3 tests/dist_reference.py

The regularized incomplete beta comes from the hypergeometric series
(A&S 26.5.23: I_x(a,b) = x^a (1-x)^b / (a B(a,b)) 2F1(a+b, 1; a+1; x)),
taken on the side of the mean where it is the smaller value, with
integration of the density where the series is too long; gdtrain uses a
continued fraction instead. Quantiles are found here by mpmath's own
bracketing root finder on these functions, from a bracket grown here.
"""
import csv
import os
import mpmath as mp

mp.mp.dps = 60
HALF = mp.mpf(1) / 2


def ib(a, b, x, y):
    """I_x(a, b), y = 1 - x given exactly."""
    if x == 0:
        return mp.mpf(0)
    if y == 0:
        return mp.mpf(1)
    if x <= a / (a + b):
        try:
            return (x ** a * y ** b / (a * mp.beta(a, b))
                    * mp.hyp2f1(a + b, 1, a + 1, x, maxterms=10 ** 7))
        except ValueError:
            lb = mp.log(mp.beta(a, b))
            f = lambda t: mp.exp((a - 1) * mp.log(t) + (b - 1) * mp.log1p(-t) - lb)
            return mp.quad(f, [0, x], maxdegree=12)
    return 1 - ib(b, a, y, x)


def t_sf(t, df):
    t, df = mp.mpf(t), mp.mpf(df)
    if t == 0:
        return HALF
    if t < 0:
        return 1 - t_sf(-t, df)
    return ib(df / 2, HALF, df / (df + t * t), t * t / (df + t * t)) / 2


def f_sf(f, d1, d2):
    f, d1, d2 = mp.mpf(f), mp.mpf(d1), mp.mpf(d2)
    if f <= 0:
        return mp.mpf(1)
    return ib(d2 / 2, d1 / 2, d2 / (d2 + d1 * f), d1 * f / (d2 + d1 * f))


def f_cdf(f, d1, d2):
    """P(F <= f), from the lower side directly (1 - f_sf would lose a
    small value)."""
    f, d1, d2 = mp.mpf(f), mp.mpf(d1), mp.mpf(d2)
    return ib(d1 / 2, d2 / 2, d1 * f / (d2 + d1 * f), d2 / (d2 + d1 * f))


def root(g, lo, hi):
    """The root of g, increasing in s, with g(lo) < 0 < g(hi): regula falsi
    with the Illinois modification, keeping the bracket, to a relative
    width of 1e-35."""
    glo, ghi = g(lo), g(hi)
    if ghi == 0:
        return hi
    assert glo < 0 < ghi
    side = 0
    for _ in range(2000):
        s = (lo * ghi - hi * glo) / (ghi - glo)
        if not lo < s < hi:
            s = (lo + hi) / 2
        gs = g(s)
        if gs == 0:
            return s
        if gs < 0:
            lo, glo = s, gs
            if side == -1:
                ghi /= 2
            side = -1
        else:
            hi, ghi = s, gs
            if side == 1:
                glo /= 2
            side = 1
        if hi - lo < mp.mpf(10) ** -35 * hi:
            return (lo + hi) / 2
    raise RuntimeError("no convergence")


def grow(g, sign):
    """A bracket [lo, hi] of s > 0 around the sign change of g (sign = +1
    for increasing g)."""
    lo, hi = mp.mpf(0), mp.mpf(1)
    while sign * g(hi) < 0:
        lo, hi = hi, hi * 2
    return lo, hi


def t_quantile(p, df):
    p = mp.mpf(p)
    if p == HALF:
        return mp.mpf(0)
    q = p if p < HALF else 1 - p
    g = lambda t: q - t_sf(t, df) if q > 1e-30 else mp.log(q) - mp.log(t_sf(t, df))
    lo, hi = grow(g, 1)
    t = root(g, lo, hi) if lo > 0 else root(g, mp.mpf(10) ** -30, hi)
    return -t if p < HALF else t


def f_quantile(p, d1, d2):
    p = mp.mpf(p)
    g = lambda f: f_cdf(f, d1, d2) - p if p > 1e-30 else mp.log(f_cdf(f, d1, d2)) - mp.log(p)
    lo, hi = grow(g, 1)
    return root(g, lo if lo > 0 else mp.mpf(10) ** -40, hi)


def main():
    dfs = [0.5, 1, 1.5, 2, 3, 5, 7.5, 9, 10, 12, 20, 30, 50, 100, 300, 1000, 1e4, 1e5]
    rows = []
    for df in dfs:
        for t in [0, 1e-8, 0.01, 0.3, 1, 1.5, 2, 3, 5, 10, 30, 100, 1e3, 1e5, -0.5, -2, -20]:
            rows.append(("t_sf", t, df, 0, t_sf(t, df)))
        for t in [0.5, 2.0, 4.0, -3.0]:
            rows.append(("t_pvalue", t, df, 0, 2 * t_sf(abs(t), df)))
        for t in [-7.0, -1.0, 0.2]:
            rows.append(("t_cdf", t, df, 0, t_sf(-t, df)))
        ps = [1e-20, 1e-8, 1e-3, 0.025, 0.1, 0.3, 0.49, 0.5000001, 0.6, 0.9, 0.975, 0.999]
        if df >= 3:
            ps = [1e-300, 1e-100] + ps
        for p in ps:
            rows.append(("t_quantile", p, df, 0, t_quantile(p, df)))
    for d1 in [1, 2, 3, 6, 10, 50, 1000]:
        for d2 in [1, 2, 5, 9, 30, 100, 1e4]:
            for f in [0.01, 0.5, 1, 2, 5, 30, 330.285339234588, 1e4]:
                rows.append(("f_sf", f, d1, d2, f_sf(f, d1, d2)))
            rows.append(("f_cdf", 0.3, d1, d2, f_cdf(0.3, d1, d2)))
            for p in [1e-10, 0.05, 0.5, 0.95, 0.999999]:
                rows.append(("f_quantile", p, d1, d2, f_quantile(p, d1, d2)))
    for a, b, x in [(0.5, 0.5, 0.3), (2, 3, 0.4), (7, 0.25, 0.999), (40, 60, 0.41),
                    (500, 500, 0.5), (5000, 500, 0.909), (3e4, 2e4, 0.6), (1e-3, 2, 0.5),
                    (15, 1e4, 1e-3), (0.1, 0.1, 0.999999)]:
        y = 1 - mp.mpf(x)  # exact for these x
        rows.append(("beta_inc", a, b, x, ib(mp.mpf(a), mp.mpf(b), mp.mpf(x), y)))
    for z in [1e-300, 1e-5, 0.5, 1, 1.5, 2, 3.7, 9.99, 10, 10.5, 100, 12345.678, 1e10]:
        rows.append(("log_gamma", z, 0, 0, mp.loggamma(mp.mpf(z))))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "dist_reference.csv")
    with open(path, "w", newline="") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["kind", "a", "b", "c", "value"])
        for kind, a, b, c, v in rows:
            w.writerow([kind, repr(float(a)), repr(float(b)), repr(float(c)), mp.nstr(v, 25)])


if __name__ == "__main__":
    main()
