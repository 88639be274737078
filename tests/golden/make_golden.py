#!/usr/bin/env python3
"""make_golden.py: reference loss trajectories for gdtrain's update rules.

Needs:  python3 (3.8 or later) and numpy. Nothing else.
Optional: torch. If `import torch` works, every trajectory is also run through
          torch.optim itself (float64) and the largest relative difference
          from this script's numbers is printed. CI never needs torch.
Run:    python3 tests/golden/make_golden.py            (from the repository root;
        on Debian, /usr/bin/python3 has python3-numpy and python3-torch)
Writes: tests/golden/houses200.csv      the first 200 data rows of data/houses.csv
        tests/golden/<variant>.csv      per-epoch full-data MSE, target units
        tests/golden/<variant>.params   final standardized parameters [w..., b]
        tests/golden/houses/<opt>.csv   100-epoch curves on all of data/houses.csv
                                        with each rule's defaults, in gdtrain's
                                        --curve format (see HOUSES below)

What it computes. An independent float64 implementation of the update rules
of PyTorch's torch.optim (SGD with and without momentum and Nesterov momentum,
RMSprop, Adam and AdamW with and without AMSGrad, Adagrad), written from the
algorithms in PyTorch's documentation
(pytorch.org/docs/1.13/generated/torch.optim.{SGD,RMSprop,Adam,AdamW,Adagrad}.html),
on a linear model trained by mean squared error:

  data     the 200 rows of houses200.csv; every column z-scored with its mean
           and population standard deviation (ddof = 0), target included;
  model    yhat_i = b + sum_j w_j x_ij, params [w_0 .. w_{d-1}, b], start at 0;
  loss     MSE = (1/m) sum_i (yhat_i - y_i)^2 over a batch of m rows (no 1/2);
  gradient dMSE/dw_j = (2/m) sum_i r_i x_ij, dMSE/db = (2/m) sum_i r_i;
  batches  in file order (no shuffling), consecutive runs of B rows; the last,
           shorter batch is averaged over its own rows; B = all rows for gd;
  epochs   one optimizer step per batch, then the full-data MSE at the new
           parameters is recorded, in the target's units (MSE_std * y_std^2);
  rate     constant.

Every sum is math.fsum (correctly rounded), so the reference is as exact as
float64 allows and does not depend on numpy's or a BLAS's summation order;
numpy is used only for element-wise arithmetic, which is plain IEEE-754 (no
fused multiply-add).

The update rules, as the documentation's pseudo-code gives them (t counts
steps from 1, g is the batch gradient):
  SGD      mu = 0: theta -= lr*g.  Else b = g at t = 1, then b = mu*b + g
           (dampening 0); d = g + mu*b with Nesterov, else d = b;
           theta -= lr*d.
  RMSprop  v = alpha*v + (1-alpha)*g^2 (v_0 = 0);
           theta -= lr * g/(sqrt(v) + eps)     (not centered, no momentum)
  Adam     m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2;
           mhat = m/(1-b1^t);  vhat = v/(1-b2^t);
           theta -= lr * mhat/(sqrt(vhat) + eps)
           AMSGrad: vmax = max(vmax, v) (vmax_0 = 0) over the raw v, then
           vhat = vmax/(1-b2^t). This is what PyTorch computes
           (max_exp_avg_sq = maximum(max_exp_avg_sq, exp_avg_sq), then
           divided by sqrt(1-b2^t)) and what its documentation says since
           pytorch/pytorch#142351 (issue #142323). The 1.10-2.5 pseudo-code
           (docs/1.10/generated/torch.optim.AdamW.html and Adam.html) takes
           the maximum over the corrected vhat instead, max(vmax, v/(1-b2^t)),
           which gives other steps (1-b2^t grows with t); we follow the code.
  AdamW    (docs/1.10/generated/torch.optim.AdamW.html) g is taken at
           theta_{t-1}; then theta *= 1 - lr*lambda (decoupled weight decay,
           every parameter, the bias included: one parameter group); then
           the Adam step above (with AMSGrad if set) on that g.
  Adagrad  (docs/1.12/generated/torch.optim.Adagrad.html, weight decay 0)
           clr = lr/(1 + (t-1)*lr_decay); sum = sum + g^2 with
           sum_0 = initial_accumulator_value (the pseudo-code's tau; its
           'state_sum_0 <- 0' line is the default tau = 0; the class fills
           the state with tau); theta -= clr * g/(sqrt(sum) + eps);
           PyTorch's default eps is 1e-10.

Order of operations and rounding. This script evaluates each formula as the
pseudo-code reads, left to right, in plain IEEE-754 double arithmetic with
no fused multiply-add (gdtrain is built with -ffp-contract=off for the same
reason: results must not depend on the CPU), and reads lr*g/(sqrt(v)+eps)
as lr * (g/(sqrt(v)+eps)). PyTorch's implementation departs from that in
two ways, both worth a rounding or two per step:
  - formulas: Adam (torch/optim/adam.py, single-tensor path) computes
    den = sqrt(v)/sqrt(1-b2^t) + eps and theta -= (lr/(1-b1^t)) * (m/den)
    instead of sqrt(v/(1-b2^t)) + eps and lr * ((m/(1-b1^t))/den);
    --torch-order makes this script follow the implementation there;
  - kernels: on a CPU with FMA its element-wise kernels fuse multiply-adds
    (checked with torch 1.13 on x86-64: m.mul_(b1).add_(g, alpha=1-b1) gives
    fma(1-b1, g, b1*m), addcmul_(g, g, value=c) gives fma(c*g, g, v), and
    addcdiv_(g, den, value=-lr) gives p + (-lr*g)/den).
So bit-for-bit agreement with torch is not expected; agreement to a few
roundings is. The script reports both spreads: between the two Adam orders
(always) and against torch itself (when installed), and records them in
each golden file's header. The tests' tolerance, 1e-12 relative, is some
thousand times these spreads and far below any real difference in a rule.

Golden file format (<variant>.csv): '#' comment lines (how it was made, the
configuration as key=value words on the '# config:' line and the matching
gdtrain flags on the '# cli:' line), then the header 'epoch,train_loss' and
one line per epoch, numbers with %.17g. <variant>.params: '#' comments, then
'name,value' lines in parameter order, the bias last as 'bias'.
"""

import argparse
import csv
import math
import os
import platform
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SOURCE = os.path.join(ROOT, "data", "houses.csv")
SUBSET = os.path.join(HERE, "houses200.csv")
ROWS = 200
EPOCHS = 30

# The variants: name -> settings. Hyperparameters not listed take PyTorch's
# defaults (momentum 0, alpha 0.99, betas (0.9, 0.999), eps 1e-8).
#
# Why the full-batch rmsprop and adam variants use eps = 0.05: on z-scored
# data the full-data gradient of the bias is exactly 0 in exact arithmetic at
# every point with b = 0 (columns and target have mean 0), so in floating
# point it is rounding noise (~1e-17) whose value depends on every summation
# order. Where eps dominates sqrt(v), RMSprop and Adam move b by about
# lr * g / eps, i.e. plain gradient descent on b with rate lr/eps; b's
# curvature is 2, so with lr/eps > 1 (lr 0.01, eps 1e-8: 1e6) the noise is
# amplified until sqrt(v) catches up, and b wanders to ~1e-5 on a path set by
# the noise. Two correct implementations then disagree in the loss by ~1e-7
# (measured against torch 1.13: 5e-7 for adam, 9e-6 for rmsprop at default
# eps) and no tolerance short of that is honest. With eps = 0.05 > 2 lr the
# bias stays at noise level and the trajectories are well-posed (agreement
# with torch ~4e-16). Mini-batch gradients of b are not noise, so the b32
# variants keep the default eps; they also use the default alpha and betas,
# and the full-batch ones change them, so tests see each value reach the rule.
VARIANTS = [
    ("gd", dict(opt="gd", lr=0.1, batch=0)),
    ("sgd", dict(opt="sgd", lr=0.01, batch=32)),
    ("sgd_momentum", dict(opt="sgd", lr=0.01, batch=32, momentum=0.9)),
    ("sgd_nesterov", dict(opt="sgd", lr=0.01, batch=32, momentum=0.9, nesterov=1)),
    ("gd_nesterov", dict(opt="gd", lr=0.05, batch=0, momentum=0.5, nesterov=1)),
    ("rmsprop", dict(opt="rmsprop", lr=0.01, batch=0, alpha=0.9, eps=0.05)),
    ("rmsprop_b32", dict(opt="rmsprop", lr=0.001, batch=32)),
    ("adam", dict(opt="adam", lr=0.01, batch=0, beta1=0.85, beta2=0.995, eps=0.05)),
    ("adam_b32", dict(opt="adam", lr=0.01, batch=32)),
    # AdamW, AMSGrad and Adagrad. The full-batch ones keep the bias at noise
    # level as above: eps = 0.05 for the Adam family; for Adagrad an initial
    # accumulator of 1 bounds b's rate by lr/sqrt(1) = 0.5 < 1 (with the
    # default tau = 0 and eps = 1e-10 the first step that sees b's noise
    # moves b by about lr whatever the noise's size, and the trajectory
    # depends on that noise at the 1e-7 level). The mini-batch ones use the
    # defaults (weight_decay 0.01, eps 1e-8 and 1e-10).
    ("adamw", dict(opt="adamw", lr=0.01, batch=0, beta1=0.85, beta2=0.995, eps=0.05)),
    ("adamw_wd", dict(opt="adamw", lr=0.01, batch=0, beta1=0.85, beta2=0.995, eps=0.05,
                      weight_decay=0.5)),
    ("adamw_b32", dict(opt="adamw", lr=0.004, batch=32)),
    ("adam_amsgrad", dict(opt="adam", lr=0.01, batch=0, beta1=0.85, beta2=0.995, eps=0.05,
                          amsgrad=1)),
    ("adam_amsgrad_b32", dict(opt="adam", lr=0.01, batch=32, amsgrad=1)),
    ("adamw_amsgrad", dict(opt="adamw", lr=0.01, batch=0, beta1=0.85, beta2=0.995, eps=0.05,
                           weight_decay=0.2, amsgrad=1)),
    ("adamw_amsgrad_b32", dict(opt="adamw", lr=0.004, batch=32, amsgrad=1)),
    ("adagrad_b32", dict(opt="adagrad", lr=0.05, batch=32)),
    ("adagrad_decay", dict(opt="adagrad", lr=0.5, batch=0, lr_decay=0.05,
                           initial_accumulator=1.0)),
    ("adagrad_decay_b32", dict(opt="adagrad", lr=0.05, batch=32, lr_decay=0.01,
                               initial_accumulator=0.25)),
]

DEFAULTS = dict(momentum=0.0, nesterov=0, alpha=0.99, beta1=0.9, beta2=0.999, eps=1e-8,
                weight_decay=0.01, amsgrad=0, lr_decay=0.0, initial_accumulator=0.0)
# Where a rule's PyTorch default differs from DEFAULTS.
RULE_DEFAULTS = {"adagrad": dict(eps=1e-10)}


def settings(v, epochs=EPOCHS):
    s = dict(DEFAULTS)
    s.update(RULE_DEFAULTS.get(v["opt"], {}))
    s.update(v)
    s["epochs"] = epochs
    return s


# ---------------------------------------------------------------- data

def write_subset():
    """Copies the header and the first ROWS data rows of data/houses.csv."""
    with open(SOURCE, newline="") as f:
        lines = f.read().splitlines()
    if len(lines) < ROWS + 1:
        sys.exit("make_golden.py: %s has fewer than %d rows" % (SOURCE, ROWS))
    with open(SUBSET, "w", newline="") as f:
        f.write("\n".join(lines[: ROWS + 1]) + "\n")


def load(path=SUBSET):
    """(names, X (n, d), y (n)) from houses200.csv; target = last column.
    float() on a decimal string is correctly rounded, as strtod is."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    names = [c.strip() for c in rows[0]]
    data = np.array([[float(c) for c in r] for r in rows[1:]], dtype=np.float64)
    return names[:-1], names[-1], data[:, :-1], data[:, -1]


def zscore(col):
    """(z, mean, std): population std, two passes, correctly rounded sums."""
    n = col.shape[0]
    mean = math.fsum(col) / n
    dev = col - mean
    std = math.sqrt(math.fsum(dev * dev) / n)
    assert std > 0.0, "a constant column in the golden data"
    return dev / std, mean, std


def standardize(x, y):
    xs = np.empty_like(x)
    for j in range(x.shape[1]):
        xs[:, j], _, _ = zscore(x[:, j])
    ys, _, y_std = zscore(y)
    return xs, ys, y_std


# ---------------------------------------------------------------- loss

def loss_grad(x, y, theta):
    """(MSE, gradient) over the rows of x, y at theta = [w, b]."""
    m, d = x.shape
    w, b = theta[:d], theta[d]
    # Residual of each row, its prediction's terms summed exactly.
    terms = np.empty((m, d + 2))
    terms[:, :d] = x * w
    terms[:, d] = b
    terms[:, d + 1] = -y
    r = np.array([math.fsum(row) for row in terms])
    mse = math.fsum(r * r) / m
    g = np.empty(d + 1)
    for j in range(d):
        g[j] = 2.0 * math.fsum(r * x[:, j]) / m
    g[d] = 2.0 * math.fsum(r) / m
    return mse, g


# ---------------------------------------------------------------- update rules
# Each rule: init(nparams) -> state; step(state, theta, g, lr, t, s) updates
# theta in place. Element-wise numpy arithmetic, float64.

def sgd_init(n):
    return {"buf": np.zeros(n)}


def sgd_step(st, theta, g, lr, t, s, torch_order):
    mu = s["momentum"]
    if mu == 0.0:
        theta -= lr * g
        return
    if t == 1:
        st["buf"] = g.copy()
    else:
        st["buf"] = mu * st["buf"] + g
    d = g + mu * st["buf"] if s["nesterov"] else st["buf"]
    theta -= lr * d


def rmsprop_init(n):
    return {"v": np.zeros(n)}


def rmsprop_step(st, theta, g, lr, t, s, torch_order):
    a = s["alpha"]
    st["v"] = a * st["v"] + (1.0 - a) * g * g
    theta -= lr * (g / (np.sqrt(st["v"]) + s["eps"]))


def adam_init(n):
    return {"m": np.zeros(n), "v": np.zeros(n), "vmax": np.zeros(n)}


def adam_step(st, theta, g, lr, t, s, torch_order):
    b1, b2, eps = s["beta1"], s["beta2"], s["eps"]
    st["m"] = b1 * st["m"] + (1.0 - b1) * g
    st["v"] = b2 * st["v"] + (1.0 - b2) * g * g
    second = st["v"]
    if s["amsgrad"]:
        # Over the raw v, before the bias correction (see the docstring).
        st["vmax"] = np.maximum(st["vmax"], st["v"])
        second = st["vmax"]
    bc1 = 1.0 - b1 ** t
    bc2 = 1.0 - b2 ** t
    if torch_order:
        den = np.sqrt(second) / math.sqrt(bc2) + eps
        theta -= (lr / bc1) * (st["m"] / den)
    else:
        mhat = st["m"] / bc1
        vhat = second / bc2
        theta -= lr * (mhat / (np.sqrt(vhat) + eps))


def adamw_step(st, theta, g, lr, t, s, torch_order):
    # g was computed at theta_{t-1}; the decay comes first, then Adam.
    theta *= 1.0 - lr * s["weight_decay"]
    adam_step(st, theta, g, lr, t, s, torch_order)


def adagrad_init(n):
    return {"sum": None}


def adagrad_step(st, theta, g, lr, t, s, torch_order):
    if st["sum"] is None:
        st["sum"] = np.full(theta.shape[0], s["initial_accumulator"])
    clr = lr / (1.0 + (t - 1) * s["lr_decay"])
    st["sum"] = st["sum"] + g * g
    theta -= clr * (g / (np.sqrt(st["sum"]) + s["eps"]))


RULES = {
    "gd": (sgd_init, sgd_step),
    "sgd": (sgd_init, sgd_step),
    "rmsprop": (rmsprop_init, rmsprop_step),
    "adam": (adam_init, adam_step),
    "adamw": (adam_init, adamw_step),
    "adagrad": (adagrad_init, adagrad_step),
}


def batches(n, size):
    size = n if size == 0 or size >= n else size
    return [(b, min(b + size, n)) for b in range(0, n, size)]


def train(x, y, s, torch_order=False, norms=None):
    """Per-epoch full-data MSE (standardized) and the final parameters. If
    norms is a list, the Euclidean norm of the full-data gradient after each
    epoch is appended to it."""
    n, d = x.shape
    init, step = RULES[s["opt"]]
    theta = np.zeros(d + 1)
    st = init(d + 1)
    t = 0
    curve = []
    for _ in range(s["epochs"]):
        for lo, hi in batches(n, s["batch"]):
            _, g = loss_grad(x[lo:hi], y[lo:hi], theta)
            t += 1
            step(st, theta, g, s["lr"], t, s, torch_order)
        mse, g = loss_grad(x, y, theta)
        curve.append(mse)
        if norms is not None:
            norms.append(math.sqrt(math.fsum(g * g)))
    return curve, theta


# ---------------------------------------------------------------- torch

def train_torch(torch, x, y, s):
    """The same run through torch.optim itself, float64."""
    n, d = x.shape
    X = torch.tensor(x, dtype=torch.float64)
    Y = torch.tensor(y, dtype=torch.float64)
    w = torch.zeros(d, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    if s["opt"] in ("gd", "sgd"):
        opt = torch.optim.SGD([w, b], lr=s["lr"], momentum=s["momentum"],
                              nesterov=bool(s["nesterov"]))
    elif s["opt"] == "rmsprop":
        opt = torch.optim.RMSprop([w, b], lr=s["lr"], alpha=s["alpha"], eps=s["eps"])
    elif s["opt"] == "adagrad":
        opt = torch.optim.Adagrad([w, b], lr=s["lr"], lr_decay=s["lr_decay"],
                                  initial_accumulator_value=s["initial_accumulator"],
                                  eps=s["eps"])
    elif s["opt"] == "adamw":
        opt = torch.optim.AdamW([w, b], lr=s["lr"], betas=(s["beta1"], s["beta2"]),
                                eps=s["eps"], weight_decay=s["weight_decay"],
                                amsgrad=bool(s["amsgrad"]))
    else:
        opt = torch.optim.Adam([w, b], lr=s["lr"], betas=(s["beta1"], s["beta2"]),
                               eps=s["eps"], amsgrad=bool(s["amsgrad"]))
    curve = []
    for _ in range(s["epochs"]):
        for lo, hi in batches(n, s["batch"]):
            opt.zero_grad()
            loss = ((X[lo:hi] @ w + b - Y[lo:hi]) ** 2).mean()
            loss.backward()
            opt.step()
        with torch.no_grad():
            curve.append(float(((X @ w + b - Y) ** 2).mean()))
    theta = np.concatenate([w.detach().numpy(), b.detach().numpy()])
    return curve, theta


def max_rel(a, b):
    return max(abs(p - q) / max(abs(p), abs(q), 1e-300) for p, q in zip(a, b))


def max_abs(a, b):
    return max(abs(p - q) for p, q in zip(a, b))


# ---------------------------------------------------------------- output

def cli_flags(s):
    f = ["--opt", s["opt"], "--lr", repr(s["lr"]), "--epochs", str(s["epochs"])]
    if s["batch"]:
        f += ["--batch-size", str(s["batch"])]
    if s["momentum"]:
        f += ["--momentum", repr(s["momentum"])]
    if s["nesterov"]:
        f += ["--nesterov"]
    if s["opt"] == "rmsprop":
        f += ["--alpha", repr(s["alpha"]), "--eps", repr(s["eps"])]
    if s["opt"] in ("adam", "adamw"):
        f += ["--beta1", repr(s["beta1"]), "--beta2", repr(s["beta2"]),
              "--eps", repr(s["eps"])]
    if s["opt"] == "adamw":
        f += ["--weight-decay", repr(s["weight_decay"])]
    if s["amsgrad"]:
        f += ["--amsgrad"]
    if s["opt"] == "adagrad":
        f += ["--eps", repr(s["eps"])]
        if s["lr_decay"]:
            f += ["--lr-decay", repr(s["lr_decay"])]
        if s["initial_accumulator"]:
            f += ["--initial-accumulator", repr(s["initial_accumulator"])]
    return " ".join(f)


def config_words(s):
    keys = ["opt", "lr", "batch", "epochs", "momentum", "nesterov", "alpha",
            "beta1", "beta2", "eps"]
    # The newer keys only where they matter, so the older files' config
    # lines stay as they were.
    if s["opt"] == "adamw":
        keys.append("weight_decay")
    if s["amsgrad"]:
        keys.append("amsgrad")
    if s["opt"] == "adagrad":
        keys += ["lr_decay", "initial_accumulator"]
    return " ".join("%s=%s" % (k, s[k] if isinstance(s[k], str) else repr(s[k]))
                    for k in keys)


def header(name, s, spread, torch_note):
    return [
        "# gdtrain golden trajectory '%s' (do not edit; regenerate instead)" % name,
        "# made by: python3 tests/golden/make_golden.py (Python %s, numpy %s)"
        % (platform.python_version(), np.__version__),
        "# data: tests/golden/houses200.csv (first %d rows of data/houses.csv), "
        "every column z-scored (ddof 0); params start at 0; batches in file order; "
        "constant rate" % ROWS,
        "# train_loss: full-data MSE after each epoch, in the target's units "
        "(MSE_std * y_std^2)",
        "# order-of-operations spread (PyTorch's implementation order vs the "
        "documented one): %.3g relative" % spread,
        "# cross-check against torch.optim: " + torch_note,
        "# config: " + config_words(s),
        "# cli: " + cli_flags(s),
    ]


# ---------------------------------------------------------------- houses
# Curves on all of data/houses.csv, one per rule with gdtrain's defaults
# (`gdtrain --help` lists them: the rate and the batch size of each rule; the
# other hyperparameters are PyTorch's, as DEFAULTS and RULE_DEFAULTS), a
# constant rate, file order, zeros init, HOUSES_EPOCHS epochs. Written in
# gdtrain's --curve format so that `gdtrain curve-diff` compares them:
# epoch,train_loss,val_loss,grad_norm,lr,seconds with val_loss and seconds
# empty, train_loss in the target's units, grad_norm the Euclidean norm of
# the full-data gradient on standardized data (bias included) after the
# epoch. The format has no comment lines, so how they were made goes in
# houses/README.
HOUSES_DIR = os.path.join(HERE, "houses")
HOUSES_EPOCHS = 100
HOUSES = [
    ("gd", dict(opt="gd", lr=0.1, batch=0)),
    ("sgd", dict(opt="sgd", lr=0.01, batch=32)),
    ("rmsprop", dict(opt="rmsprop", lr=0.01, batch=0)),
    ("adam", dict(opt="adam", lr=0.01, batch=0)),
    ("adamw", dict(opt="adamw", lr=0.004, batch=0)),
    ("adagrad", dict(opt="adagrad", lr=0.5, batch=0)),
]


def write_houses(torch):
    names, target, x, y = load(SOURCE)
    xs, ys, y_std = standardize(x, y)
    scale = y_std * y_std
    os.makedirs(HOUSES_DIR, exist_ok=True)
    notes = []
    for name, v in HOUSES:
        s = settings(v, HOUSES_EPOCHS)
        norms = []
        curve, theta = train(xs, ys, s, False, norms)
        alt_curve, _ = train(xs, ys, s, True)
        spread = max_rel(curve, alt_curve)
        torch_note = "not done"
        if torch is not None:
            t_curve, _ = train_torch(torch, xs, ys, s)
            torch_note = "torch %s: %.2g" % (torch.__version__, max_rel(curve, t_curve))
        with open(os.path.join(HOUSES_DIR, name + ".csv"), "w") as f:
            f.write("epoch,train_loss,val_loss,grad_norm,lr,seconds\n")
            for e, (l, gn) in enumerate(zip(curve, norms), 1):
                f.write("%d,%.17g,,%.17g,%r,\n" % (e, l * scale, gn, s["lr"]))
        note = ("%-8s %s (tol 0, grad-tol 0, no shuffle, constant schedule); "
                "largest relative train_loss difference: implementation order "
                "%.2g, %s" % (name, cli_flags(s), spread, torch_note))
        notes.append(note)
        print("houses " + note)
    with open(os.path.join(HOUSES_DIR, "README"), "w") as f:
        f.write("Golden loss curves on all of data/houses.csv (do not edit; regenerate with\n"
                "python3 tests/golden/make_golden.py, an independent float64 reference of\n"
                "torch.optim, not gdtrain's output). Python %s, numpy %s.\n"
                "Each rule with gdtrain's default rate and batch size and PyTorch's other\n"
                "defaults, zeros init, file order, constant rate, %d epochs; columns as\n"
                "gdtrain --curve writes them: train_loss in the target's units, val_loss\n"
                "and seconds empty, grad_norm = |full-data gradient| on standardized data.\n"
                "Checked by tests/cli/golden_houses.sh. Runs:\n"
                % (platform.python_version(), np.__version__, HOUSES_EPOCHS))
        for note in notes:
            f.write("  " + note + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--torch-order", action="store_true",
                    help="follow PyTorch's implementation order where it departs "
                         "from the documented pseudo-code (Adam)")
    ap.add_argument("--no-torch", action="store_true",
                    help="skip the cross-check against torch even if it is installed")
    ap.add_argument("--houses-only", action="store_true",
                    help="only write tests/golden/houses/*.csv")
    args = ap.parse_args()

    write_subset()
    names, target, x, y = load()
    xs, ys, y_std = standardize(x, y)
    scale = y_std * y_std
    torch = None
    if not args.no_torch:
        try:
            import torch  # noqa: F401  (optional cross-check)
        except ImportError:
            print("torch not installed: no cross-check against torch.optim")
    if args.houses_only:
        write_houses(torch)
        return
    for name, v in VARIANTS:
        s = settings(v)
        curve, theta = train(xs, ys, s, args.torch_order)
        alt_curve, alt_theta = train(xs, ys, s, not args.torch_order)
        spread = max_rel(curve, alt_curve)
        torch_note = "not done (torch not installed, or --no-torch)"
        if torch is not None:
            t_curve, t_theta = train_torch(torch, xs, ys, s)
            torch_note = ("torch %s, max difference %.2g relative in train_loss, "
                          "%.2g absolute in the parameters"
                          % (torch.__version__, max_rel(curve, t_curve),
                             max_abs(theta, t_theta)))
        with open(os.path.join(HERE, name + ".csv"), "w") as f:
            for line in header(name, s, spread, torch_note):
                f.write(line + "\n")
            f.write("epoch,train_loss\n")
            for e, l in enumerate(curve, 1):
                f.write("%d,%.17g\n" % (e, l * scale))
        with open(os.path.join(HERE, name + ".params"), "w") as f:
            f.write("# final standardized parameters of '%s' after %d epochs, "
                    "[w..., b]; see %s.csv\n" % (name, s["epochs"], name))
            for j, nm in enumerate(names):
                f.write("%s,%.17g\n" % (nm, theta[j]))
            f.write("bias,%.17g\n" % theta[-1])
        print("%-13s final loss %.6g (target units); order spread %.2g; %s" % (
            name, curve[-1] * scale, spread, torch_note))
    write_houses(torch)


if __name__ == "__main__":
    main()
