"""Helpers shared by the benchmarks: side-by-side timing and the objective."""

import time

import numpy as np

from sksoftmax._loss import LinearLoss, MultinomialLoss, SigmoidLoss


def time_side_by_side(fits, repeat):
    """Run each ``fits[name]()`` ``repeat`` times, alternating between them so
    that a noisy neighbour slows all alike; return median seconds and the last
    fitted model of each."""
    times = {name: [] for name in fits}
    models = {}
    for _ in range(repeat):
        for name, fit in fits.items():
            start = time.perf_counter()
            models[name] = fit()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}, models


def softmax_objective(coef, intercept, X, y, C):
    """F / n of DESIGN.md for a multinomial model with unit weights
    (two classes: the binomial form with C' = 2 C, rows = [w])."""
    classes = np.unique(y)
    codes = np.searchsorted(classes, y)
    sw = np.ones(X.shape[0])
    if coef.shape[0] == 1:
        loss = LinearLoss(SigmoidLoss(), 1, X.shape[1], True)
        target = (codes == 1).astype(float)[None, :]
        l2 = 1.0 / (2 * C * X.shape[0])
    else:
        loss = LinearLoss(MultinomialLoss(), coef.shape[0], X.shape[1], True)
        target = codes
        l2 = 1.0 / (C * X.shape[0])
    packed = loss.pack(coef, intercept)
    return loss.loss(packed, X, target, sw, l2)
