#!/usr/bin/python3
"""Independent least-squares references for tables with categorical columns
and missing cells (tests/cli/encoded.sh compares gdtrain against them).

Reads the CSV with Python's csv module (not with gdtrain), builds the one-hot
design by the documented rules, in its own code:
  - a cell is missing when it is one of "", NA, N/A, NaN, nan, null, NULL, ?
  - a column is categorical when none of its present cells is a number, or
    when it is named in --categorical; levels in byte order (Python sorts
    str by code point, the same as UTF-8 byte order), the first dropped
  - --na drop: rows with any missing cell are left out (complete cases)
  - --na mean: numeric missing cells take the mean of the column's present
    cells; a categorical column with missing cells gets a last level
    "(missing)", which has an indicator like the others; a missing target
    drops its row
and fits it with numpy.linalg.lstsq (intercept column added). Writes, per
case, the rows used, the MSE of the fit on them, the condition number of
Z^T Z for the standardized design Z (population std), the intercept and
every weight by design column name.

Run from the repository root:
    /usr/bin/python3 tests/golden/make_encoded_reference.py
"""
import csv
import math
import os

import numpy as np

NA = {"", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"}

CASES = [
    # name, file, options (policy, categorical columns)
    ("mixed_drop", "data/houses_mixed.csv", "drop", []),
    ("mixed_mean", "data/houses_mixed.csv", "mean", []),
    ("mixed_zip_drop", "data/houses_mixed.csv", "drop", ["zip"]),
    ("mixed_zip_mean", "data/houses_mixed.csv", "mean", ["zip"]),
]


def is_number(text):
    try:
        v = float(text)
    except ValueError:
        return False
    return math.isfinite(v) and text.strip().lower() not in ("inf", "nan")


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = [h.strip() for h in rows[0]]
    cells = [[c.strip() for c in r] for r in rows[1:]]
    return header, cells


def design(header, cells, policy, forced):
    target = len(header) - 1
    feats = list(range(target))
    kinds = {}
    for j in feats:
        present = [r[j] for r in cells if r[j] not in NA]
        kinds[j] = (header[j] in forced) or not any(is_number(t) for t in present)
    rows = []
    for r in cells:
        if r[target] in NA:
            continue  # a missing target is never filled in
        if policy == "drop" and any(r[j] in NA for j in feats):
            continue
        rows.append(r)
    names, cols = [], []
    for j in feats:
        if not kinds[j]:
            present = [float(r[j]) for r in rows if r[j] not in NA]
            # The mean over the rows the fit uses: those dropped for a
            # missing target do not count.
            fill = sum(present) / len(present) if present else 0.0
            cols.append([float(r[j]) if r[j] not in NA else fill for r in rows])
            names.append(header[j])
            continue
        levels = sorted({r[j] for r in rows if r[j] not in NA},
                        key=lambda s: s.encode("utf-8"))
        if policy == "mean" and any(r[j] in NA for r in rows):
            levels.append("(missing)")
        for lev in levels[1:]:
            if lev == "(missing)":
                cols.append([1.0 if r[j] in NA else 0.0 for r in rows])
            else:
                cols.append([1.0 if r[j] == lev else 0.0 for r in rows])
            names.append(header[j] + "=" + lev)
    X = np.array(cols, dtype=float).T
    y = np.array([float(r[target]) for r in rows])
    return names, X, y


def fit(names, X, y):
    n = X.shape[0]
    A = np.hstack([X, np.ones((n, 1))])
    coef, _, rank, _ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ coef
    mse = float(resid @ resid) / n
    sd = X.std(axis=0)
    sd[sd == 0] = 1.0
    Z = (X - X.mean(axis=0)) / sd
    ev = np.linalg.eigvalsh(Z.T @ Z)
    cond = float(ev[-1] / ev[0])
    return coef[:-1], float(coef[-1]), mse, cond, int(rank)


def main():
    out_dir = "tests/golden/encoded"
    os.makedirs(out_dir, exist_ok=True)
    for name, path, policy, forced in CASES:
        header, cells = read(path)
        names, X, y = design(header, cells, policy, forced)
        w, b, mse, cond, rank = fit(names, X, y)
        with open(os.path.join(out_dir, name + ".txt"), "w") as f:
            f.write("# numpy.linalg.lstsq on the one-hot design of %s, --na %s%s\n"
                    % (path, policy, "".join(" --categorical " + c for c in forced)))
            f.write("# made by tests/golden/make_encoded_reference.py\n")
            f.write("rows %d\n" % X.shape[0])
            f.write("columns %d\n" % X.shape[1])
            f.write("rank %d\n" % rank)
            f.write("mse %.17g\n" % mse)
            f.write("cond %.17g\n" % cond)
            f.write("intercept %.17g\n" % b)
            for nm, v in zip(names, w):
                f.write("weight %.17g %s\n" % (v, nm))
        print(name, X.shape, "mse", mse, "cond", cond)


if __name__ == "__main__":
    main()
