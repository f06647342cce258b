"""SoftmaxRegressionCV against LogisticRegressionCV and
GridSearchCV(SoftmaxRegression()), side by side in one process.

Same Cs (10, logspace(-4, 4)), the same 5 stratified folds, tol and scoring
(neg_log_loss); the references with n_jobs=1 and n_jobs=2. Prints the time of
each, our time as a ratio to each, the C each chose, and the memory each fit
allocates beyond X (tracemalloc, one extra run; n_jobs=1).

Then (``--starts``) the path's starting points: SoftmaxRegressionCV with each
C's runs started from the secant through the last two solutions in log C
(taken for steps of at most 2x in C) against the plain warm start,
alternating with LogisticRegressionCV (n_jobs=1), on 20000 x 100 with 10
classes, over 10 and 40 Cs in [1e-4, 1e4]; L-BFGS iterations per C and fold
(n_iter_) and evaluations of the objective per C for each.

    python benchmarks/bench_cv.py            # digits (3 runs) and 60000 x 784
    python benchmarks/bench_cv.py --starts   # the starts only
    python benchmarks/bench_cv.py --quick    # smoke: digits, 3 Cs, 1 run
"""

import argparse
import tracemalloc
import warnings

import numpy as np
from bench_lbfgs import CountEvaluations, make_problem
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from _common import time_side_by_side
from sksoftmax import SoftmaxRegression, SoftmaxRegressionCV, _path_starts
from sksoftmax._loss._folds import FoldedLoss


def chosen_C(model):
    if isinstance(model, GridSearchCV):
        return model.best_params_["C"]
    return float(np.ravel(model.C_)[0])


def make_fits(Cs, folds, tol, n_jobs_list):
    common = dict(tol=tol, max_iter=1000)
    fits = {
        "SoftmaxRegressionCV": lambda X, y: SoftmaxRegressionCV(
            Cs=Cs, cv=folds, **common
        ).fit(X, y)
    }
    for n_jobs in n_jobs_list:
        fits[f"LogisticRegressionCV n_jobs={n_jobs}"] = lambda X, y, n_jobs=n_jobs: (
            LogisticRegressionCV(
                Cs=Cs,
                cv=folds,
                scoring="neg_log_loss",
                n_jobs=n_jobs,
                use_legacy_attributes=False,
                **common,
            ).fit(X, y)
        )
        fits[f"GridSearchCV n_jobs={n_jobs}"] = lambda X, y, n_jobs=n_jobs: (
            GridSearchCV(
                SoftmaxRegression(**common),
                {"C": list(Cs)},
                cv=folds,
                scoring="neg_log_loss",
                n_jobs=n_jobs,
            ).fit(X, y)
        )
    return fits


def peak_beyond_X(fit, X, y):
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fit(X, y)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def run(label, X, y, Cs, tol, repeat, n_jobs_list):
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    fits = make_fits(Cs, folds, tol, n_jobs_list)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FutureWarning)
        times, models = time_side_by_side(
            {name: (lambda fit=fit: fit(X, y)) for name, fit in fits.items()}, repeat
        )
        peaks = {
            name: peak_beyond_X(fit, X, y)
            for name, fit in fits.items()
            if "n_jobs=2" not in name
        }
    ours = times["SoftmaxRegressionCV"]
    print(f"\n== {label}: X {X.shape}, {len(np.unique(y))} classes, {len(Cs)} Cs")
    print(f"{'':<30}{'time (s)':>10}{'ours / it':>11}{'C chosen':>11}{'beyond X':>10}")
    for name, seconds in times.items():
        peak = f"{peaks[name] / X.nbytes:.2f}x" if name in peaks else ""
        print(
            f"{name:<30}{seconds:>10.2f}{ours / seconds:>11.3f}"
            f"{chosen_C(models[name]):>11.4g}{peak:>10}"
        )


def starts(X, y, Cs, tol, repeat):
    """Secant against warm starts along the L2 path, and LogisticRegressionCV."""
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    reference = make_fits(Cs, folds, tol, [1])["LogisticRegressionCV n_jobs=1"]
    counts = {}

    def ours(extrapolate):
        def fit():
            _path_starts.EXTRAPOLATE = extrapolate
            try:
                with CountEvaluations(FoldedLoss) as count:
                    model = SoftmaxRegressionCV(
                        Cs=Cs, cv=folds, tol=tol, max_iter=1000
                    ).fit(X, y)
            finally:
                _path_starts.EXTRAPOLATE = True
            counts[extrapolate] = count.count
            return model

        return fit

    fits = {
        "ours, secant starts": ours(True),
        "ours, warm starts": ours(False),
        "LogisticRegressionCV n_jobs=1": lambda: reference(X, y),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FutureWarning)
        times, models = time_side_by_side(fits, repeat)
    reference_time = times["LogisticRegressionCV n_jobs=1"]
    print(f"\n== starts: X {X.shape}, {len(np.unique(y))} classes, {len(Cs)} Cs")
    print(
        f"{'':<32}{'time (s)':>9}{'/ LRCV':>8}{'iter/C/fold':>12}"
        f"{'evals/C':>9}{'C chosen':>10}"
    )
    for name, seconds in times.items():
        model = models[name]
        row = f"{name:<32}{seconds:>9.2f}{seconds / reference_time:>8.3f}"
        if name.startswith("ours"):
            n_iter = np.asarray(model.n_iter_, dtype=float).mean()
            evals = counts[name.endswith("secant starts")] / len(Cs)
            row += f"{n_iter:>12.1f}{evals:>9.1f}"
        else:
            row += f"{'':>21}"
        print(row + f"{chosen_C(model):>10.4g}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke mode for CI")
    parser.add_argument("--tol", type=float, default=1e-4)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--starts", action="store_true", help="the starts only")
    args = parser.parse_args(argv)
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    if args.quick:
        print("smoke mode: timings are not meaningful at this size")
        run("digits", X, y, np.logspace(-4, 4, 3), args.tol, 1, [1])
        starts(X, y, np.logspace(-4, 4, 3), args.tol, 1)
        return
    if args.starts:
        X, y = make_problem(20000, 100)
        for n_Cs in (10, 40):
            starts(X, y, np.logspace(-4, 4, n_Cs), args.tol, 3)
        return
    Cs = np.logspace(-4, 4, 10)
    print(f"tol={args.tol}, scoring neg_log_loss, 5 stratified folds")
    run("digits", X, y, Cs, args.tol, 3, [1, 2])
    if not args.skip_large:
        X, y = make_problem(60000, 784)
        run("Fashion-MNIST-shaped", X, y, Cs, args.tol, 1, [1, 2])


if __name__ == "__main__":
    main()
