#!/usr/bin/env python3
"""sklearn_sgd.py: scikit-learn's SGDRegressor epoch, the baseline of
gdtrain's batch-1 sgd epoch in bench/run.sh.

    sklearn_sgd.py FILE [EPOCHS]

Loads FILE (a CSV of gdtrain gen: features, then the target) with numpy,
z-scores every column (population std, as gdtrain does), then runs EPOCHS
(default 3) epochs of SGDRegressor: one sample per step, a fresh shuffle
each epoch, squared error, no penalty, constant rate 0.01 (gdtrain's sgd
default). Each epoch is one partial_fit call; only that is timed. Prints
"sk_epoch median_seconds min_seconds" and "sk_mse M" (the full-data MSE on
z-scores after the last epoch, to show that it trained), in the format of
bench/phases. Needs numpy and scikit-learn (Debian: python3-sklearn).
"""
import sys
import time
import warnings

import numpy as np
from sklearn.linear_model import SGDRegressor


def main():
    path = sys.argv[1]
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    z = (data - data.mean(axis=0)) / data.std(axis=0)
    x, y = np.ascontiguousarray(z[:, :-1]), np.ascontiguousarray(z[:, -1])
    model = SGDRegressor(loss="squared_error", penalty=None, learning_rate="constant",
                         eta0=0.01, shuffle=True, random_state=1, tol=None,
                         max_iter=1)
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(epochs):
            t0 = time.perf_counter()
            model.partial_fit(x, y)
            times.append(time.perf_counter() - t0)
    times.sort()
    print("sk_epoch %.6f %.6f" % (times[len(times) // 2], times[0]))
    r = x @ model.coef_ + model.intercept_[0] - y
    print("sk_mse %.6g" % float(np.mean(r * r)))


if __name__ == "__main__":
    main()
