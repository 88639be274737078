#!/usr/bin/env python3
"""What a user would otherwise write: pandas + numpy, for bench/run.sh.

    baseline.py FILE OUT   load FILE with pandas.read_csv, standardize
                           (population std), run 100 full-batch Adam epochs
                           with numpy (torch.optim semantics, lr 0.01),
                           write what it computed to OUT: "epochs N", the
                           standardized "bias_std" and "weight_std" (one line
                           per feature), then "intercept" and "weight" in
                           original units (bench/run.sh compares them with
                           gdtrain's model file)

It prints "name median_seconds min_seconds" lines on stdout, as
bench/phases does: read_csv, standardize, epoch (one epoch: numpy's two
products, r = X w + b - y and X^T r, then the Adam update), train (the 100
epochs), total. Needs numpy and pandas (Debian: python3-numpy,
python3-pandas); the bench skips it when they are missing.
"""
import sys
import time

import numpy as np

EPOCHS = 100


def load(path):
    import pandas as pd

    t0 = time.perf_counter()
    df = pd.read_csv(path)
    t1 = time.perf_counter()
    data = df.to_numpy(dtype=np.float64)
    del df
    x = np.ascontiguousarray(data[:, :-1])
    y = np.ascontiguousarray(data[:, -1])
    del data
    return x, y, t1 - t0


def report(name, values):
    v = sorted(values)
    print(f"{name} {v[len(v) // 2]:.6f} {v[0]:.6f}", flush=True)


def script(path, out):
    t_start = time.perf_counter()
    x, y, t_read = load(path)
    report("read_csv", [t_read])
    t0 = time.perf_counter()
    x_mean = x.mean(axis=0)
    x_std = x.std(axis=0)
    x_std[x_std == 0] = 1.0
    y_mean = y.mean()
    y_std = y.std() or 1.0
    x -= x_mean
    x /= x_std
    y = (y - y_mean) / y_std
    report("standardize", [time.perf_counter() - t0])

    n, d = x.shape
    w = np.zeros(d)
    b = 0.0
    m_w, v_w, m_b, v_b = np.zeros(d), np.zeros(d), 0.0, 0.0
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    epochs = []
    t_train = time.perf_counter()
    epochs_run = 0
    for t in range(1, EPOCHS + 1):
        e0 = time.perf_counter()
        r = x @ w + (b - y)
        g_w = (2.0 / n) * (x.T @ r)
        g_b = (2.0 / n) * r.sum()
        m_w = b1 * m_w + (1 - b1) * g_w
        v_w = b2 * v_w + (1 - b2) * g_w * g_w
        m_b = b1 * m_b + (1 - b1) * g_b
        v_b = b2 * v_b + (1 - b2) * g_b * g_b
        c1, c2 = 1 - b1**t, 1 - b2**t
        w = w - lr * (m_w / c1) / (np.sqrt(v_w / c2) + eps)
        b = b - lr * (m_b / c1) / (np.sqrt(v_b / c2) + eps)
        epochs.append(time.perf_counter() - e0)
        epochs_run = t
    report("epoch", epochs)
    report("train", [time.perf_counter() - t_train])
    w_orig = w * y_std / x_std
    b_orig = y_mean + y_std * b - float(np.dot(w_orig, x_mean))
    with open(out, "w") as f:
        f.write(f"epochs {epochs_run}\n")
        f.write(f"bias_std {float(b)!r}\n")
        for v in w:
            f.write(f"weight_std {float(v)!r}\n")
        f.write(f"intercept {b_orig!r}\n")
        for v in w_orig:
            f.write(f"weight {v!r}\n")
    report("total", [time.perf_counter() - t_start])


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    script(argv[1], argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
