"""One evaluation of objective and gradient against its matrix-product floor,
on every shape, and the fit time against LogisticRegression on a tall
narrow problem.

(1) For d in {20, 100, 784} and K in {2, 10, 100} (K = 2 is the binary
    model: one sigmoid), float64 and float32, on 1, 2 and all BLAS threads:
    the median time of ``LinearLoss.loss_gradient`` against the two products
    it needs, ``W @ X.T`` and ``R @ X``, alternating, as a ratio; each timed
    after 0.25 s of calls of its own (``median_time``'s ``settle``).
(2) SoftmaxRegression against LogisticRegression on 1,000,000 x 100,
    10 classes, float64 and float32 (bench_lbfgs's comparison: fit time,
    iterations, evaluations, objectives).

(3) The time of an SGD epoch against MLPClassifier(hidden_layer_sizes=())'s,
    on 60000 x 784, 10 classes, float64 and float32 (bench_sgd.py's models,
    3 epochs, alternating, median of 3).

    python benchmarks/bench_kernel.py            # n = 1,000,000 (200,000 at d = 784)
    python benchmarks/bench_kernel.py --quick    # smoke: n = 20,000, no fits,
                                                 # SGD on 3000 x 50
"""

import argparse
import os
import warnings

import numpy as np
from bench_lbfgs import make_problem, median_time, run
from bench_sgd import models
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_info, threadpool_limits

from _common import time_side_by_side
from sksoftmax._loss import LinearLoss, MultinomialLoss, SigmoidLoss


def evaluation_and_floor(X, n_classes, repeat):
    """Median seconds of one evaluation and of its two products."""
    n_samples, n_features = X.shape
    rng = np.random.default_rng(0)
    if n_classes == 2:  # the binary model: one sigmoid
        loss = LinearLoss(SigmoidLoss(), 1, n_features, True)
        target = rng.integers(0, 2, n_samples).astype(X.dtype)[None, :]
    else:
        loss = LinearLoss(MultinomialLoss(), n_classes, n_features, True)
        target = rng.integers(0, n_classes, n_samples)
    coef = rng.normal(scale=0.01, size=loss.n_coef)
    sample_weight = np.ones(n_samples, dtype=X.dtype)
    weights = loss.unpack(coef)[0].astype(X.dtype)
    logits = np.empty((loss.n_outputs, n_samples), dtype=X.dtype)
    gradient = np.empty((loss.n_outputs, n_features), dtype=X.dtype)

    def two_products():
        np.matmul(weights, X.T, out=logits)
        # np.dot: np.matmul keeps the GIL and one thread on a (1, n) left side
        np.dot(logits, X, out=gradient)

    def evaluation():
        loss.loss_gradient(coef, X, target, sample_weight, 1e-5)

    floors, evaluations = [], []
    for _ in range(repeat):  # alternating
        floors.append(median_time(two_products, repeat=3, settle=0.25))
        evaluations.append(median_time(evaluation, repeat=3, settle=0.25))
    return float(np.median(evaluations)), float(np.median(floors))


def kernel_table(n_samples, dtypes, thread_counts, repeat):
    print(f"\n(1) one evaluation / its two products, median of {repeat} x 3 settled")
    print(
        f"{'dtype':<9}{'threads':>8}{'n':>9}{'d':>5}{'K':>5}{'eval ms':>10}"
        f"{'floor ms':>10}{'ratio':>8}"
    )
    rng = np.random.default_rng(0)
    for dtype in dtypes:
        for n_features in (20, 100, 784):
            # 200,000 rows at d = 784: 1.2 GiB of float64 instead of 6
            n = n_samples if n_features < 784 else n_samples // 5
            X = rng.standard_normal((n, n_features)).astype(dtype)
            for n_classes in (2, 10, 100):
                for threads in thread_counts:
                    with threadpool_limits(threads):
                        t_eval, t_floor = evaluation_and_floor(X, n_classes, repeat)
                    print(
                        f"{np.dtype(dtype).name:<9}{threads:>8}{n:>9}"
                        f"{n_features:>5}{n_classes:>5}{t_eval * 1e3:>10.1f}"
                        f"{t_floor * 1e3:>10.1f}{t_eval / t_floor:>8.2f}"
                    )
            del X


def sgd_epochs(n_samples, n_features, epochs, repeat):
    print(f"\n(3) SGD: seconds an epoch, {n_samples} x {n_features}, {epochs} epochs")
    X, y = make_problem(n_samples, n_features)
    for dtype in (np.float64, np.float32):
        X_typed, makers = X.astype(dtype), models(n_samples, epochs)
        fits = {
            name: lambda make=makers[name], X=X_typed: make().fit(X, y)
            for name in ("SoftmaxRegression(sgd)", "MLPClassifier")
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            times, _ = time_side_by_side(fits, repeat)
        ours, mlp = (seconds / epochs for seconds in times.values())
        print(
            f"{np.dtype(dtype).name:<9}ours {ours:.3f} s, MLPClassifier {mlp:.3f} s,"
            f" ratio {ours / mlp:.3f}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke mode for CI")
    args = parser.parse_args(argv)
    print(f"uptime: {os.popen('uptime').read().strip()}")
    all_threads = max(info["num_threads"] for info in threadpool_info()) or 1
    thread_counts = sorted({1, 2, all_threads})
    if args.quick:
        kernel_table(20_000, [np.float64], thread_counts, repeat=1)
        sgd_epochs(3000, 50, epochs=1, repeat=1)
        return
    kernel_table(1_000_000, [np.float64, np.float32], thread_counts, repeat=3)
    print("\n(2) tall narrow: SoftmaxRegression against LogisticRegression")
    X, y = make_problem(1_000_000, 100)
    for dtype in (np.float64, np.float32):
        run(X.astype(dtype), y, 1.0, 1e-4, 1, np.dtype(dtype).name)
    del X
    sgd_epochs(60_000, 784, epochs=3, repeat=3)


if __name__ == "__main__":
    main()
