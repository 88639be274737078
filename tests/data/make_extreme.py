#!/usr/bin/python3
"""Writes tests/data/extreme.csv and prints the least-squares fit of
price ~ 1 + big + tiny on it, computed exactly in rational arithmetic from the
doubles that the file's decimals read as (Python's float, correctly rounded).

    python3 tests/data/make_extreme.py > /dev/null   # writes the CSV
    python3 tests/data/make_extreme.py               # and prints the fit

big holds values near 1e300 and tiny values near 1e-300 that all differ, so
no float64 library could fit them directly (the squares overflow and
underflow); exact fractions can.
"""
import os
from fractions import Fraction as F

HERE = os.path.dirname(os.path.abspath(__file__))
c = [1.0, 2.5, -0.5, 3.0, 1.5, -2.0, 0.25, 1.75]
e = [0.3, -1.2, 2.0, 0.7, -0.4, 1.1, -0.9, 0.5]
noise = [0.01, -0.02, 0.015, 0.0, -0.01, 0.02, -0.005, 0.003]
rows = []
for ci, ei, ni in zip(c, e, noise):
    big = float("%re300" % ci)
    tiny = float("%re-300" % ei)
    price = 5 + 2 * ci + 3 * ei + ni
    rows.append(("%re300" % ci, "%re-300" % ei, repr(price)))
with open(os.path.join(HERE, "extreme.csv"), "w") as f:
    f.write("big,tiny,price\n")
    for r in rows:
        f.write(",".join(r) + "\n")


def fit(cols):
    """Exact least squares of price on 1 and the given columns (normal
    equations in fractions, Gauss-Jordan): intercept, weights, MSE."""
    A = [[F(1)] + [F(float(r[k])) for k in cols] for r in rows]
    y = [F(float(r[2])) for r in rows]
    p = len(A[0])
    G = [[sum(a[i] * a[j] for a in A) for j in range(p)] for i in range(p)]
    g = [sum(a[i] * yi for a, yi in zip(A, y)) for i in range(p)]
    for k in range(p):
        for i in range(p):
            if i != k:
                f = G[i][k] / G[k][k]
                G[i] = [gi - f * gk for gi, gk in zip(G[i], G[k])]
                g[i] -= f * g[k]
    w = [g[i] / G[i][i] for i in range(p)]
    sse = sum((sum(ai * wi for ai, wi in zip(a, w)) - yi) ** 2 for a, yi in zip(A, y))
    return [float(v) for v in w] + [float(sse / len(rows))]


print("price ~ 1 + big + tiny: intercept %r big %r tiny %r mse %r" % tuple(fit([0, 1])))
print("price ~ 1 + tiny: intercept %r tiny %r mse %r" % tuple(fit([1])))
