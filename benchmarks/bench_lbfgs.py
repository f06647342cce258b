"""SoftmaxRegression(lbfgs) against LogisticRegression(lbfgs), side by side.

A Fashion-MNIST-shaped problem (60000 x 784, 10 classes, standardised
make_classification), same C and tol, float64 and float32. Prints the fit-time
ratio, the final objective of each, iterations and loss-and-gradient
evaluations, the time of one of our evaluations against the two matrix
products it needs, and the memory the fit allocates beyond X.

    python benchmarks/bench_lbfgs.py            # full: 60000 x 784, tol 1e-8
    python benchmarks/bench_lbfgs.py --quick    # smoke: 2000 x 50, tol 1e-4
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.linear_model._linear_loss import LinearModelLoss
from sklearn.preprocessing import StandardScaler

from _common import side_by_side_fits, softmax_objective, time_side_by_side
from sksoftmax import SoftmaxRegression
from sksoftmax._loss import LinearLoss, MultinomialLoss

N_CLASSES = 10


def make_problem(n_samples, n_features, seed=0):
    X, y = make_classification(
        n_samples,
        n_features,
        n_informative=min(60, n_features // 2),
        n_redundant=min(100, n_features // 4),
        n_classes=N_CLASSES,
        n_clusters_per_class=1,
        random_state=seed,
    )
    return StandardScaler().fit_transform(X), y


class CountEvaluations:
    """Count calls of a loss_gradient method, ours or scikit-learn's."""

    def __init__(self, cls):
        self.cls, self.count = cls, 0
        self.original = cls.loss_gradient

    def __enter__(self):
        counter = self

        def counted(*args, **kwargs):
            counter.count += 1
            return counter.original(*args, **kwargs)

        self.cls.loss_gradient = counted
        return self

    def __exit__(self, *exc):
        self.cls.loss_gradient = self.original


def median_time(fn, repeat=7, settle=0.0):
    """Median seconds of ``repeat`` calls of ``fn``, after warm-up calls for
    ``settle`` seconds (one at least).

    OpenBLAS's threads spin for about 0.1 s after a threaded call: an
    evaluation timed right after the two-thread products took up to 1.7x as
    long as in a fit, where evaluations follow each other (d = 20, K = 10:
    120 ms against 70; K = 2: 34 against 20 for 4 calls). A side-by-side
    timing that alternates settles each side first (bench_kernel: 0.25 s).
    """
    start = time.perf_counter()
    fn()
    while time.perf_counter() - start < settle:
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def evaluation_vs_floor(X, y):
    """Median time of one loss_gradient against X @ W.T and (P - Y).T @ X."""
    n_samples, n_features = X.shape
    linear_loss = LinearLoss(MultinomialLoss(), N_CLASSES, n_features, True)
    rng = np.random.default_rng(0)
    coef = rng.normal(scale=0.01, size=linear_loss.n_coef)
    sw = np.ones(n_samples, dtype=X.dtype)
    weights = linear_loss.unpack(coef)[0].astype(X.dtype)
    logits = np.empty((N_CLASSES, n_samples), dtype=X.dtype)
    grad = np.empty((N_CLASSES, n_features), dtype=X.dtype)

    def two_products():
        np.matmul(weights, X.T, out=logits)
        np.matmul(logits, X, out=grad)

    def evaluation():
        linear_loss.loss_gradient(coef, X, y, sw, 1e-5)

    t_floor = median_time(two_products)
    t_eval = median_time(evaluation)
    return t_eval, t_floor


def peak_fit_memory(make_model, X, y):
    """Peak bytes numpy allocates during fit (X itself already exists)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    make_model().fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def run(X, y, C, tol, repeat, label):
    n_samples, n_features = X.shape
    fits = side_by_side_fits(X, y, C, tol)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        times, models = time_side_by_side(fits, repeat)
        with CountEvaluations(LinearLoss) as ours_count:
            fits["SoftmaxRegression"]()
        with CountEvaluations(LinearModelLoss) as ref_count:
            fits["LogisticRegression"]()
    warned = sorted({str(w.message)[:90] for w in caught})
    evals = {
        "SoftmaxRegression": ours_count.count,
        "LogisticRegression": ref_count.count,
    }
    t_eval, t_floor = evaluation_vs_floor(X, y)
    size_x = X.nbytes
    budget = 10 * n_samples * N_CLASSES * X.itemsize

    print(f"\n== {label}: {n_samples} x {n_features}, {N_CLASSES} classes")
    print(f"{'model':<20}{'fit (s)':>10}{'iters':>7}{'evals':>7}{'objective':>20}")
    objectives = {}
    for name, model in models.items():
        objectives[name] = softmax_objective(model.coef_, model.intercept_, X, y, C)
        print(
            f"{name:<20}{times[name]:>10.3f}{int(np.max(model.n_iter_)):>7d}"
            f"{evals[name]:>7d}{objectives[name]:>20.12f}"
        )
    ours, ref = objectives["SoftmaxRegression"], objectives["LogisticRegression"]
    print(
        f"fit-time ratio (ours / LogisticRegression): "
        f"{times['SoftmaxRegression'] / times['LogisticRegression']:.3f}"
    )
    print(f"relative objective difference: {abs(ours - ref) / ref:.2e}")
    print(
        f"one evaluation {t_eval * 1e3:.1f} ms vs two products {t_floor * 1e3:.1f} ms:"
        f" {t_eval / t_floor:.3f}x the floor"
    )
    for name in fits:
        make = {
            "SoftmaxRegression": lambda: SoftmaxRegression(C=C, tol=tol, max_iter=5),
            "LogisticRegression": lambda: LogisticRegression(C=C, tol=tol, max_iter=5),
        }[name]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            peak = peak_fit_memory(make, X, y)
        print(
            f"{name}: fit allocates {peak / 2**20:.1f} MiB beyond X "
            f"({size_x / 2**20:.1f} MiB); budget 10 n K floats = "
            f"{budget / 2**20:.1f} MiB"
        )
    for message in warned:
        print("warning:", message)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke mode for CI")
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--tol", type=float, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        n_samples, n_features, tol, repeat = 2000, 50, 1e-4, 1
    else:
        n_samples, n_features, tol, repeat = 60000, 784, 1e-8, 3
    tol = args.tol if args.tol is not None else tol
    repeat = args.repeat if args.repeat is not None else repeat
    X, y = make_problem(n_samples, n_features)
    print(f"C={args.C}, tol={tol}, median of {repeat} alternating runs")
    for dtype in (np.float64, np.float32):
        run(X.astype(dtype), y, args.C, tol, repeat, np.dtype(dtype).name)


if __name__ == "__main__":
    main()
