"""OneVsRestSigmoid(lbfgs) against OneVsRestClassifier(LogisticRegression()),
side by side, n_jobs=1 and n_jobs=2, same C and tol.

A Fashion-MNIST-shaped multiclass problem (60000 x 784, 10 classes) and a
multilabel problem of the same size (20 labels): fit times, ratios and the
largest coefficient difference.

    python benchmarks/bench_ovr.py            # full
    python benchmarks/bench_ovr.py --quick    # smoke: 2000 x 50
"""

import argparse
import warnings

import numpy as np
from bench_lbfgs import make_problem
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler

from _common import time_side_by_side
from sksoftmax import OneVsRestSigmoid


def run(X, y, C, tol, repeat, label):
    fits = {
        "OneVsRestSigmoid": lambda: OneVsRestSigmoid(C=C, tol=tol, max_iter=10_000).fit(
            X, y
        ),
        "OvR(LR), n_jobs=1": lambda: OneVsRestClassifier(
            LogisticRegression(C=C, tol=tol, max_iter=10_000), n_jobs=1
        ).fit(X, y),
        "OvR(LR), n_jobs=2": lambda: OneVsRestClassifier(
            LogisticRegression(C=C, tol=tol, max_iter=10_000), n_jobs=2
        ).fit(X, y),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        times, models = time_side_by_side(fits, repeat)
    ours = models["OneVsRestSigmoid"]
    ref = models["OvR(LR), n_jobs=1"]
    ref_coef = np.vstack([est.coef_ for est in ref.estimators_])
    ref_intercept = np.hstack([est.intercept_ for est in ref.estimators_])
    diff = max(
        np.abs(ours.coef_ - ref_coef).max(),
        np.abs(ours.intercept_ - ref_intercept).max(),
    )
    print(f"\n== {label}: X {X.shape}, y {np.shape(y)}")
    for name, seconds in times.items():
        print(f"{name:<22}{seconds:>10.3f} s")
    for jobs in (1, 2):
        ratio = times["OneVsRestSigmoid"] / times[f"OvR(LR), n_jobs={jobs}"]
        print(f"ratio to n_jobs={jobs}: {ratio:.3f}")
    per_output = [int(est.n_iter_[0]) for est in ref.estimators_]
    print(f"iterations: ours {ours.n_iter_[0]}, per-output LR {per_output}")
    print(f"max |coef difference|: {diff:.2e}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke mode for CI")
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--tol", type=float, default=1e-6)
    args = parser.parse_args(argv)
    if args.quick:
        n_samples, n_features, repeat = 2000, 50, 1
    else:
        n_samples, n_features, repeat = 60000, 784, 3
    print(f"C={args.C}, tol={args.tol}, median of {repeat} alternating runs")
    X, y = make_problem(n_samples, n_features)
    run(X, y, args.C, args.tol, repeat, "multiclass, 10 classes")
    X, Y = make_multilabel_classification(
        n_samples, n_features, n_classes=20, n_labels=3, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    run(X, Y, args.C, args.tol, repeat, "multilabel, 20 labels")


if __name__ == "__main__":
    main()
