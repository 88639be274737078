"""Reference per-fold validation MSEs for 'gdtrain train --cv' (tests/cli/cv.sh):
exact least squares on each fold's training part, scored on the fold, by
numpy (lstsq on [X 1], float64), with scikit-learn KFold(shuffle=False)'s
folds written out here: contiguous, the first n % k folds one row longer.

Writes tests/data/cv_reference.csv: k,fold,train_rows,val_rows,val_mse.
Run from the source tree: /usr/bin/python3 tests/cv_reference.py
"""
import csv
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def kfold(n, k):
    sizes = [n // k + (1 if f < n % k else 0) for f in range(k)]
    start = 0
    for size in sizes:
        yield np.arange(start, start + size)
        start += size


def main():
    data = np.loadtxt(os.path.join(HERE, "..", "data", "houses.csv"), delimiter=",",
                      skiprows=1)
    X, y = data[:, :-1], data[:, -1]
    n = len(y)
    rows = []
    for k in (5, 3):
        for f, val in enumerate(kfold(n, k)):
            train = np.setdiff1d(np.arange(n), val)
            A = np.column_stack([X[train], np.ones(len(train))])
            coef, *_ = np.linalg.lstsq(A, y[train], rcond=None)
            pred = np.column_stack([X[val], np.ones(len(val))]) @ coef
            mse = float(np.mean((pred - y[val]) ** 2))
            rows.append((k, f + 1, len(train), len(val), repr(mse)))
    with open(os.path.join(HERE, "data", "cv_reference.csv"), "w", newline="") as fp:
        w = csv.writer(fp, lineterminator="\n")
        w.writerow(["k", "fold", "train_rows", "val_rows", "val_mse"])
        w.writerows(rows)


if __name__ == "__main__":
    main()
