"""Inference: our fit plus coefficient table against statsmodels' MNLogit
fit plus summary, side by side in one process; and our table's time
against our fit's at scale.

Part A: 20000 x 50 with 5 classes and 20000 x 200 with 10 classes
(standardised, no redundant columns), unpenalised. Ours:
``SoftmaxRegression(C=inf, tol=1e-8).fit`` then ``coef_table``; statsmodels:
``MNLogit(y, add_constant(X)).fit()`` (Newton, its default) then
``summary()``, stopped by a timer after ``--limit`` seconds (reported as not
finished). Runs alternate, ours first. Reports each time, the ratio, and
where both finished how equal the numbers are: the largest relative
difference of the standard errors, and of the coefficients in units of
their standard error.

Part B: 1,000,000 x 100 with 10 classes, bench_dask's model (a softmax
plus Gumbel noise), unpenalised: ``coef_table`` against the fit that
produced the model, as ratios, for the fit at the default tol (1e-4) and at
tol 1e-8 (what a table's numbers assume: the maximum of the likelihood).

    python benchmarks/bench_inference.py            # A (2 runs) and B
    python benchmarks/bench_inference.py --quick    # smoke: 2000 x 10, B at 20000 rows
"""

import argparse
import signal
import time
import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

from sksoftmax import SoftmaxRegression


class TimeLimit(Exception):
    pass


def _raise_time_limit(signum, frame):
    raise TimeLimit


def make_problem(n_samples, n_features, n_classes, seed=0):
    X, y = make_classification(
        n_samples,
        n_features,
        n_informative=n_features // 2,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        class_sep=0.5,
        random_state=seed,
    )
    return StandardScaler().fit_transform(X), y


def ours(X, y):
    model = SoftmaxRegression(C=np.inf, tol=1e-8, max_iter=10000).fit(X, y)
    table = model.coef_table(X, y)
    return table[["coef", "std_err"]].to_numpy().T


def statsmodels_fit(X, y, limit):
    """MNLogit fit + summary, or None after ``limit`` seconds."""
    import statsmodels.api as sm

    signal.signal(signal.SIGALRM, _raise_time_limit)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = sm.MNLogit(y, sm.add_constant(X)).fit(disp=0)
            results.summary()
        return np.asarray(results.params).T.ravel(), np.asarray(results.bse).T.ravel()
    except TimeLimit:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def part_a(shapes, repeat, limit):
    print(
        f"{'problem':<24}{'ours (s)':>10}{'statsmodels (s)':>17}{'ratio':>8}"
        f"{'std_err rel. diff.':>20}{'coef diff. / std_err':>22}"
    )
    for n_samples, n_features, n_classes in shapes:
        X, y = make_problem(n_samples, n_features, n_classes)
        ours_times, theirs_times, theirs = [], [], None
        for _ in range(repeat):
            start = time.perf_counter()
            coef, std_err = ours(X, y)
            ours_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            theirs = statsmodels_fit(X, y, limit)
            theirs_times.append(time.perf_counter() - start)
            if theirs is None:
                break  # one run past the limit says enough
        mine = min(ours_times)
        label = f"{n_samples} x {n_features}, K={n_classes}"
        if theirs is None:
            print(
                f"{label:<24}{mine:>10.2f}{'> ' + str(limit):>17}"
                f"{'< ' + format(mine / limit, '.3f'):>8}{'not finished':>20}"
            )
            continue
        their_coef, their_std_err = theirs
        difference = np.max(np.abs(std_err / their_std_err - 1))
        shift = np.max(np.abs(coef - their_coef) / std_err)
        seconds = min(theirs_times)
        print(
            f"{label:<24}{mine:>10.2f}{seconds:>17.2f}{mine / seconds:>8.3f}"
            f"{difference:>20.1e}{shift:>22.1e}"
        )


def softmax_problem(n_samples, n_features, n_classes, seed=0):
    """bench_dask's model: standard normal X, labels from a softmax model
    plus Gumbel noise (the argmax of noisy logits)."""
    true_coef = np.random.RandomState(0).normal(size=(n_features, n_classes))
    true_coef *= 2.0 / np.sqrt(n_features)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    logits = X @ true_coef + rng.gumbel(size=(n_samples, n_classes))
    return X, np.argmax(logits, axis=1)


def part_b(n_samples, repeat):
    X, y = softmax_problem(n_samples, 100, 10)
    print(f"\n{n_samples} x 100, K=10, unpenalised (909 estimates)")
    print(
        f"{'fit tol':<10}{'fit (s)':>9}{'iterations':>12}{'coef_table (s)':>16}"
        f"{'table / fit':>13}"
    )
    for tol in [1e-4, 1e-8]:
        fits, tables = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            model = SoftmaxRegression(C=np.inf, tol=tol, max_iter=10000).fit(X, y)
            fits.append(time.perf_counter() - start)
            start = time.perf_counter()
            model.coef_table(X, y)
            tables.append(time.perf_counter() - start)
        fit, table = min(fits), min(tables)
        print(
            f"{tol:<10g}{fit:>9.2f}{model.n_iter_[0]:>12}{table:>16.2f}"
            f"{table / fit:>13.2f}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke mode for CI")
    parser.add_argument(
        "--limit",
        type=float,
        default=300.0,
        help="seconds statsmodels may take per fit",
    )
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    if args.quick:
        print("smoke mode: timings are not meaningful at this size")
        part_a([(2000, 10, 3)], 1, args.limit)
        part_b(20000, 1)
        return
    part_a([(20000, 50, 5), (20000, 200, 10)], args.repeat, args.limit)
    part_b(1_000_000, args.repeat)


if __name__ == "__main__":
    main()
