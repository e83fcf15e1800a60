#!/usr/bin/env python3
"""SciPy reference for issue 5's benchmark: Epoch's recipe (Besiroglu et al. 2024) — Huber (δ = 1e-3) on
log L − LSE(a − α log N, b − β log D, e), summed, L-BFGS-B with an analytic gradient from every point of
the 4,500-start grid — on the Chinchilla points of ../shared/data/epoch_chinchilla. Prints one JSON line.

Usage: chinchilla_scipy.py CSV [--starts N] [--train-below FLOPS]
  N < 4500: the first N grid points, for a per-start time.
  --train-below: the backtest split of issue 14 (`moescope-cli backtest --train 'flops<FLOPS'`): fit on the
  points below FLOPS only, and print the RMSE of the loss on the others ("heldout_rmse") and on the fitted
  ones ("train_rmse").
"""
import itertools
import json
import sys
import time

import numpy as np
from scipy.optimize import minimize


def load(path):
    import csv
    rows = list(csv.DictReader(open(path)))
    n = np.array([float(r["Model Size"]) for r in rows])
    c = np.array([float(r["Training FLOP"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    keep = np.argsort(loss)[:-5]  # Epoch drops the 5 highest-loss points
    n, c, loss = n[keep], c[keep], loss[keep]
    return np.log(n), np.log(c / (6 * n)), np.log(loss), c


def predict(p, logn, logd):
    a, b, e, alpha, beta = p
    return np.exp(a - alpha * logn) + np.exp(b - beta * logd) + np.exp(e)


def objective(p, logn, logd, logl, delta=1e-3):
    a, b, e, alpha, beta = p
    t = np.stack([a - alpha * logn, b - beta * logd, np.full_like(logn, e)])
    m = t.max(0)
    w = np.exp(t - m)
    s = w.sum(0)
    pred = m + np.log(s)
    r = logl - pred
    absr = np.abs(r)
    quad = absr <= delta
    f = np.where(quad, 0.5 * r * r, delta * (absr - 0.5 * delta)).sum()
    dr = np.where(quad, r, delta * np.sign(r))  # dHuber/dr
    soft = w / s                                # d pred / d t_k
    g_pred = -dr                                # d f / d pred
    grad = np.array([
        (g_pred * soft[0]).sum(),
        (g_pred * soft[1]).sum(),
        (g_pred * soft[2]).sum(),
        (g_pred * soft[0] * -logn).sum(),
        (g_pred * soft[1] * -logd).sum(),
    ])
    return f, grad


def main():
    path = sys.argv[1]
    limit = int(sys.argv[sys.argv.index("--starts") + 1]) if "--starts" in sys.argv else None
    logn, logd, logl, flops = load(path)
    below = float(sys.argv[sys.argv.index("--train-below") + 1]) if "--train-below" in sys.argv else None
    held = flops >= below if below else np.zeros(len(logn), bool)
    heldn, heldd, heldl = logn[held], logd[held], logl[held]
    logn, logd, logl = logn[~held], logd[~held], logl[~held]
    grid = list(itertools.product([0, 5, 10, 15, 20, 25], [0, 5, 10, 15, 20, 25], [-1, -.5, 0, .5, 1],
                                  [0, .5, 1, 1.5, 2], [0, .5, 1, 1.5, 2]))
    if limit:
        grid = grid[:limit]
    best = None
    t = time.perf_counter()
    for start in grid:
        res = minimize(objective, np.array(start, float), args=(logn, logd, logl), jac=True, method="L-BFGS-B")
        if best is None or res.fun < best.fun:
            best = res
    elapsed = time.perf_counter() - t
    a, b, e, alpha, beta = best.x
    rmse = lambda n, d, l: float(np.sqrt(np.mean((predict(best.x, n, d) - np.exp(l)) ** 2))) if len(l) else None
    print(json.dumps({"train_rmse": rmse(logn, logd, logl), "heldout_rmse": rmse(heldn, heldd, heldl),
                      "heldout_n": int(len(heldl)),"seconds": elapsed, "starts": len(grid), "n": int(len(logn)), "objective": float(best.fun),
                      "A": float(np.exp(a)), "B": float(np.exp(b)), "E": float(np.exp(e)),
                      "alpha": float(alpha), "beta": float(beta)}))


if __name__ == "__main__":
    main()
