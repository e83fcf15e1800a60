#!/usr/bin/env python3
"""SciPy reference for issue 5's benchmark: Epoch's recipe (Besiroglu et al. 2024) — Huber (δ = 1e-3) on
log L − LSE(a − α log N, b − β log D, e), summed, L-BFGS-B with an analytic gradient from every point of
the 4,500-start grid — on the Chinchilla points of ../shared/data/epoch_chinchilla. Prints one JSON line.

Usage: chinchilla_scipy.py CSV [--starts N]   (N < 4500: the first N grid points, for a per-start time)
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
    return np.log(n), np.log(c / (6 * n)), np.log(loss)


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
    logn, logd, logl = load(path)
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
    print(json.dumps({"seconds": elapsed, "starts": len(grid), "n": int(len(logn)), "objective": float(best.fun),
                      "A": float(np.exp(a)), "B": float(np.exp(b)), "E": float(np.exp(e)),
                      "alpha": float(alpha), "beta": float(beta)}))


if __name__ == "__main__":
    main()
