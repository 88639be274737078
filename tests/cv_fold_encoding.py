"""Reference for the per-fold encoding of 'gdtrain train --cv' (tests/cli/cv.sh):
the 8-row table written by that test (x with two missing cells, a category c
whose level 'a' occurs only in fold 1 and 'z' only in fold 2), --na mean, two
contiguous folds. Each fold's training rows alone give the fill of x (the mean
of their present cells) and the levels of c (byte order, the first the
reference); held-out rows with a level the training rows lack read as the
reference. Exact least squares by numpy on [x, indicators, 1]; prints each
fold's validation MSE, then, for contrast, the numbers when the fill and the
levels come from all eight rows (what --cv did before).
Run: /usr/bin/python3 tests/cv_fold_encoding.py
"""
import numpy as np

x = [1, 2, None, 3, 10, 20, None, 30]
c = list("ababbzzb")
y = np.array([3, 10, 7, 12, 26, 41, 50, 64.0])


def design(rows, fill, levels):
    out = []
    for r in rows:
        xv = x[r] if x[r] is not None else fill
        lv = c[r] if c[r] in levels else levels[0]
        out.append([xv] + [1.0 if lv == level else 0.0 for level in levels[1:]] + [1.0])
    return np.array(out)


for name, leak in (("per fold", False), ("from all rows", True)):
    mses = []
    for f in range(2):
        val = list(range(4 * f, 4 * f + 4))
        train = [i for i in range(8) if i not in val]
        src = range(8) if leak else train
        present = [x[i] for i in src if x[i] is not None]
        fill = sum(present) / len(present)
        levels = sorted(set(c[i] for i in src))
        w, *_ = np.linalg.lstsq(design(train, fill, levels), y[train], rcond=None)
        r = design(val, fill, levels) @ w - y[val]
        mses.append(np.mean(r * r))
    print(name, " ".join("%.17g" % v for v in mses))
