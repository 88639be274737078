"""Reference intervals for 'gdtrain predict --interval' (tests/cli/interval.sh),
in 50-digit arithmetic (mpmath), from the data's decimal text.

Writes tests/data/interval_reference.csv: case,level,kind,row,fit,lower,upper
for the rows of tests/data/interval_rows_<case>.csv, which it also writes
(some rows of the data, and some far outside it). Run from the source tree:
    /usr/bin/python3 tests/interval_reference.py

Method (not the program's): ordinary least squares by the normal equations
in 50 digits; se_fit^2 = s^2 x0^T (X^T X)^-1 x0; the t quantile by bisection
on mpmath's incomplete beta function; confidence: fit -+ t se_fit;
prediction: fit -+ t sqrt(s^2 + se_fit^2) (R's predict.lm).
"""
import csv
import os
import mpmath as mp

mp.mp.dps = 50
HERE = os.path.dirname(os.path.abspath(__file__))


def t_sf(t, df):
    return mp.betainc(df / 2, mp.mpf(1) / 2, 0, df / (df + t * t), regularized=True) / 2


def t_upper_quantile(q, df):
    """t > 0 with P(T > t) = q, by bisection to 1e-40."""
    lo, hi = mp.mpf(0), mp.mpf(1)
    while t_sf(hi, df) > q:
        lo, hi = hi, hi * 2
    while hi - lo > mp.mpf(10) ** -40 * hi:
        mid = (lo + hi) / 2
        if t_sf(mid, df) > q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def fit(header, rows, target):
    feats = [h for h in header if h != target]
    ti = header.index(target)
    fi = [header.index(h) for h in feats]
    n, p = len(rows), len(feats) + 1
    X = mp.matrix(n, p)
    Y = mp.matrix(n, 1)
    for i, r in enumerate(rows):
        X[i, 0] = 1
        for j, c in enumerate(fi):
            X[i, j + 1] = mp.mpf(r[c])
        Y[i] = mp.mpf(r[ti])
    XtX = X.T * X
    b = mp.lu_solve(XtX, X.T * Y)
    res = Y - X * b
    df = n - p
    s2 = sum(v * v for v in res) / df
    return feats, b, XtX ** -1, s2, df


def cases():
    with open(os.path.join(HERE, "..", "data", "houses.csv")) as fp:
        rd = csv.reader(fp)
        header = next(rd)
        rows = list(rd)
    new = rows[:8] + [["400", "0", "9", "6", "0", "5000", "4", "0"],
                      ["15.5", "120", "1", "1", "80", "50", "0", "0"]]
    yield "houses", header, rows, "price", new
    lines = open(os.path.join(HERE, "data", "nist", "Longley.dat")).read().splitlines()
    header = ["x1", "x2", "x3", "x4", "x5", "x6", "y"]
    rows = []
    for ln in lines[60:76]:
        v = ln.split()
        rows.append(v[1:] + [v[0]])
    new = rows[:4] + [["120", "600000", "2000", "3000", "140000", "1965", "0"]]
    yield "longley", header, rows, "y", new


def main():
    out = []
    for case, header, rows, target, new in cases():
        feats, b, inv, s2, df = fit(header, rows, target)
        with open(os.path.join(HERE, "data", "interval_rows_%s.csv" % case), "w",
                  newline="") as fp:
            w = csv.writer(fp, lineterminator="\n")
            w.writerow(header)
            w.writerows(new)
        for level in ["0.95", "0.9"]:
            t = t_upper_quantile((1 - mp.mpf(level)) / 2, df)
            for k, r in enumerate(new):
                x0 = mp.matrix([1] + [mp.mpf(r[header.index(h)]) for h in feats])
                fitv = sum(x0[j] * b[j] for j in range(len(x0)))
                var = s2 * (x0.T * inv * x0)[0]
                for kind, half in [("confidence", t * mp.sqrt(var)),
                                   ("prediction", t * mp.sqrt(s2 + var))]:
                    out.append((case, level, kind, k + 1, fitv, fitv - half, fitv + half))
    with open(os.path.join(HERE, "data", "interval_reference.csv"), "w", newline="") as fp:
        w = csv.writer(fp, lineterminator="\n")
        w.writerow(["case", "level", "kind", "row", "fit", "lower", "upper"])
        for case, level, kind, k, f, lo, hi in out:
            w.writerow([case, level, kind, k] + [mp.nstr(v, 25) for v in (f, lo, hi)])


if __name__ == "__main__":
    main()
