"""Reference values for the statistics of a fit (tests/test_summary.c), in
50-digit arithmetic (mpmath), from the data's decimal text.

Writes tests/data/summary_reference.csv: case,name,v1,v2,v3,v4 with, for a
coefficient, its estimate, standard error, t value and two-sided p value;
for the row "(fit)", the residual standard error, R^2, adjusted R^2 and F;
for "(fit_p)", the p value of F and its two degrees of freedom (residual,
then regression). Run from the source tree:
    /usr/bin/python3 tests/summary_reference.py

Method (not the program's): the normal equations X^T X b = X^T y solved
exactly enough in 50 digits, covariance sigma^2 (X^T X)^-1, p values from
mpmath's incomplete beta function. Cases:
  longley_p: p values of NIST StRD Longley's certified t values (certified
             estimate / certified standard error) and of its certified F.
  houses: data/houses.csv, price on the seven other columns.
  houses_collinear: the same plus area2 = 2 * area_sqm (exact in decimal)
             and a constant column; area_sqm and area2 are not estimable,
             nor is the constant's weight; every other coefficient takes
             its value and standard error from the fit without area2 and
             the constant column.
"""
import csv
import os
import mpmath as mp

mp.mp.dps = 50
HERE = os.path.dirname(os.path.abspath(__file__))


def t_pvalue(t, df):
    t, df = mp.mpf(t), mp.mpf(df)
    x = df / (df + t * t)
    return mp.betainc(df / 2, mp.mpf(1) / 2, 0, x, regularized=True)


def f_pvalue(f, d1, d2):
    f, d1, d2 = mp.mpf(f), mp.mpf(d1), mp.mpf(d2)
    return mp.betainc(d2 / 2, d1 / 2, 0, d2 / (d2 + d1 * f), regularized=True)


def ols(names, cols, y):
    """Coefficients, standard errors, t and p for y on cols plus an
    intercept; and sigma, R^2, adjusted R^2, F, F's p."""
    n, p = len(y), len(cols) + 1
    X = mp.matrix(n, p)
    for i in range(n):
        X[i, 0] = 1
        for j, c in enumerate(cols):
            X[i, j + 1] = c[i]
    Y = mp.matrix(y)
    XtX = X.T * X
    b = mp.lu_solve(XtX, X.T * Y)
    r = Y - X * b
    sse = sum(v * v for v in r)
    ybar = sum(y) / n
    sst = sum((v - ybar) ** 2 for v in y)
    df = n - p
    s2 = sse / df
    inv = XtX ** -1
    rows = []
    for j, name in enumerate(["(Intercept)"] + names):
        se = mp.sqrt(s2 * inv[j, j])
        t = b[j] / se
        rows.append((name, b[j], se, t, t_pvalue(t, df)))
    r2 = 1 - sse / sst
    adj = 1 - (sse / sst) * (n - 1) / df
    f = (sst - sse) / (p - 1) / s2
    rows.append(("(fit)", mp.sqrt(s2), r2, adj, f))
    rows.append(("(fit_p)", f_pvalue(f, p - 1, df), df, p - 1, 0))  # last column unused
    return rows


def read_houses():
    with open(os.path.join(HERE, "..", "data", "houses.csv")) as fp:
        rd = csv.reader(fp)
        header = next(rd)
        data = [[mp.mpf(v) for v in row] for row in rd]
    cols = {h: [row[i] for row in data] for i, h in enumerate(header)}
    return header, cols


def main():
    out = []
    # NIST StRD Longley, certified values (www.itl.nist.gov/div898/strd/lls/data/Longley.shtml).
    cert = [("(Intercept)", "-3482258.63459582", "890420.383607373"),
            ("x1", "15.0618722713733", "84.9149257747669"),
            ("x2", "-0.358191792925910E-01", "0.334910077722432E-01"),
            ("x3", "-2.02022980381683", "0.488399681651699"),
            ("x4", "-1.03322686717359", "0.214274163161675"),
            ("x5", "-0.511041056535807E-01", "0.226073200069370"),
            ("x6", "1829.15146461355", "455.478499142212")]
    for name, est, se in cert:
        t = mp.mpf(est) / mp.mpf(se)
        out.append(("longley_p", name, est, se, t, t_pvalue(t, 9)))
    out.append(("longley_p", "(fit_p)", f_pvalue(mp.mpf("330.285339234588"), 6, 9), 9, 6, 0))

    header, cols = read_houses()
    names = header[:-1]
    for row in ols(names, [cols[h] for h in names], cols["price"]):
        out.append(("houses",) + row)
    reduced = ols(names, [cols[h] for h in names], cols["price"])
    for row in reduced:
        if row[0] == "area_sqm":
            continue  # not estimable once area2 is there
        out.append(("houses_collinear",) + row)

    path = os.path.join(HERE, "data", "summary_reference.csv")
    with open(path, "w", newline="") as fp:
        w = csv.writer(fp, lineterminator="\n")
        w.writerow(["case", "name", "v1", "v2", "v3", "v4"])
        for case, name, *vals in out:
            w.writerow([case, name] + [mp.nstr(mp.mpf(v), 25) for v in vals])


if __name__ == "__main__":
    main()
