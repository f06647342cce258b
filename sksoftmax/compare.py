"""SoftmaxRegression against LogisticRegression on scikit-learn's embedded data.

The README's main job and the install check: both estimators fitted at the
same objective (same C, same tol) on iris, wine, breast_cancer and digits,
side by side in one process, the two alternating, each fit time the median
of enough runs for a stable figure. Runs from an installed package::

    python -m sksoftmax.compare            # tol 1e-8, >= 1 s of runs a fit
    python -m sksoftmax.compare --quick    # smoke: tol 1e-4, one run each

It prints the machine (CPU, load, BLAS threads) and the versions, a row per
dataset and model, and a conclusion from the median time ratios.
"""

import argparse
import os
import platform
import time
import warnings

import numpy as np
import scipy
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info

from . import __version__
from ._loss import LinearLoss, MultinomialLoss, SigmoidLoss
from ._softmax import SoftmaxRegression

DATASETS = {
    "iris": load_iris,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
    "digits": load_digits,
}


def time_side_by_side(fits, repeat, min_seconds=0.0, max_repeat=1000):
    """Run each ``fits[name]()`` at least ``repeat`` times, alternating between
    them so that a noisy neighbour slows all alike, and on until each has run
    ``min_seconds`` in all (at most ``max_repeat`` times); return the median
    seconds and the last fitted model of each.

    A fit of a few milliseconds timed a few times gave ratios of 0.03 and
    0.71 in two runs (one slow outlier); half a second of runs each gives
    medians that a second run repeats within a few percent.
    """
    times = {name: [] for name in fits}
    models = {}
    while True:
        for name, fit in fits.items():
            start = time.perf_counter()
            models[name] = fit()
            times[name].append(time.perf_counter() - start)
        runs = len(times[next(iter(fits))])
        enough = all(sum(t) >= min_seconds for t in times.values())
        if runs >= max_repeat or (runs >= repeat and enough):
            break
    return {name: float(np.median(t)) for name, t in times.items()}, models


def softmax_objective(coef, intercept, X, y, C):
    """F / n of the user guide's objective for a multinomial model with unit
    weights (two classes: the binomial form with C' = 2 C, rows = [w])."""
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


def side_by_side_fits(X, y, C, tol, reference_C=None):
    """``{name: fit}``: SoftmaxRegression(C) and LogisticRegression at the same
    objective (``reference_C``, by default C), each a callable that fits it
    on X, y at ``tol``."""
    reference_C = C if reference_C is None else reference_C
    return {
        "SoftmaxRegression": lambda: SoftmaxRegression(
            C=C, tol=tol, max_iter=10_000
        ).fit(X, y),
        "LogisticRegression": lambda: LogisticRegression(
            C=reference_C, tol=tol, max_iter=10_000
        ).fit(X, y),
    }


def compare(name, load, C, tol, repeat, min_seconds):
    """Rows of one dataset, the time ratio and the largest coefficient gap."""
    X, y = load(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    binary = len(np.unique(y)) == 2
    # For two classes SoftmaxRegression(C) is LogisticRegression(2 C).
    fits = side_by_side_fits(X_train, y_train, C, tol, 2 * C if binary else C)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        times, models = time_side_by_side(fits, repeat, min_seconds)
    ours, ref = models["SoftmaxRegression"], models["LogisticRegression"]
    rows = []
    for label, model in models.items():
        rows.append(
            {
                "dataset": name,
                "model": label,
                "fit_s": times[label],
                "n_iter": int(np.max(model.n_iter_)),
                "objective": softmax_objective(
                    model.coef_, model.intercept_, X_train, y_train, C
                ),
                "accuracy": accuracy_score(y_test, model.predict(X_test)),
                "log_loss": log_loss(y_test, model.predict_proba(X_test)),
            }
        )
    coef_diff = max(
        np.abs(ours.coef_ - ref.coef_).max(),
        np.abs(ours.intercept_ - ref.intercept_).max(),
    )
    return rows, times["SoftmaxRegression"] / times["LogisticRegression"], coef_diff


def machine():
    """The lines saying where the figures come from."""
    blas = [
        f"{info['internal_api']} {info.get('version') or ''} "
        f"({info['num_threads']} threads)"
        for info in threadpool_info()
        if info["user_api"] == "blas"
    ]
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            names = [line for line in cpuinfo if line.startswith("model name")]
        cpu = names[0].split(":", 1)[1].strip() if names else cpu
    except OSError:
        pass
    load = (
        ", ".join(f"{x:.2f}" for x in os.getloadavg())
        if hasattr(os, "getloadavg")
        else "n/a"
    )
    return [
        f"CPU: {cpu}, {os.cpu_count()} logical cores; load average {load}",
        f"BLAS: {'; '.join(blas) or 'none found'}",
        f"sksoftmax {__version__}, numpy {np.__version__}, scipy "
        f"{scipy.__version__}, scikit-learn {sklearn.__version__}, "
        f"Python {platform.python_version()}",
    ]


def _print_preamble(args, tol, repeat, min_seconds):
    """What is compared, on which machine, and how it is timed."""
    print(
        "SoftmaxRegression against LogisticRegression (lbfgs) at the same "
        "objective.\n"
        "Each dataset: X standardised (StandardScaler fitted on the training "
        "part),\n"
        "a stratified 75/25 split; both fitted on the 75%, same tol. For two "
        "classes\n"
        f"LogisticRegression gets C = {2 * args.C:g}: SoftmaxRegression(C) is "
        "its binary model at 2C.\n"
        "objective: the training objective F / n of SoftmaxRegression (lower is "
        "better);\n"
        "accuracy and log-loss: on the held-out 25%.\n"
    )
    print("\n".join(machine()) + "\n")
    if args.quick:
        print(
            "SMOKE MODE (--quick, for CI): one run at tol 1e-4 on data this small "
            "times\nPython overhead, not the fits; the time ratios below are not "
            "a measurement.\n"
        )
        runs = "one run each"
    else:
        runs = (
            f"fit times: medians of at least {repeat} alternating runs and "
            f"{min_seconds:g} s of runs each"
        )
    print(f"C={args.C}, tol={tol}; {runs}\n")


def _print_summary(summary, quick):
    """The per-dataset ratios and the conclusion, from the medians."""
    print(f"\n{'dataset':<14}{'time ratio':>12}{'rel. obj. diff':>16}", end="")
    print(f"{'max|coef diff|':>16}")
    for name, ratio, rel, coef_diff in summary:
        print(f"{name:<14}{ratio:>12.3f}{rel:>16.2e}{coef_diff:>16.2e}")
    print(
        "\ntime ratio = SoftmaxRegression / LogisticRegression median fit time "
        "(< 1: faster)"
    )
    worst_rel = max(rel for _, _, rel, _ in summary)
    ratios = [ratio for _, ratio, _, _ in summary]
    timing = (
        " (smoke run: not a timing)."
        if quick
        else f"; median time ratio {np.median(ratios):.2f} "
        f"(per dataset {min(ratios):.2f} to {max(ratios):.2f})."
    )
    print(
        f"\nConclusion: the same optimum on every dataset (objectives within "
        f"{worst_rel:.1e} relative){timing}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke mode for CI")
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument(
        "--seconds",
        type=float,
        default=1.0,
        help="least time of runs for each fit's median (default 1)",
    )
    args = parser.parse_args(argv)
    tol, repeat, min_seconds = (1e-4, 1, 0.0) if args.quick else (1e-8, 7, args.seconds)

    _print_preamble(args, tol, repeat, min_seconds)
    header = (
        f"{'dataset':<14}{'model':<20}{'fit (s)':>10}{'iters':>7}"
        f"{'objective':>16}{'accuracy':>10}{'log-loss':>10}"
    )
    print(header)
    print("-" * len(header))
    summary = []
    for name, load in DATASETS.items():
        rows, ratio, coef_diff = compare(name, load, args.C, tol, repeat, min_seconds)
        for r in rows:
            print(
                f"{r['dataset']:<14}{r['model']:<20}{r['fit_s']:>10.4f}"
                f"{r['n_iter']:>7d}{r['objective']:>16.10f}"
                f"{r['accuracy']:>10.4f}{r['log_loss']:>10.4f}"
            )
        rel = abs(rows[0]["objective"] - rows[1]["objective"]) / rows[1]["objective"]
        summary.append((name, ratio, rel, coef_diff))
    _print_summary(summary, args.quick)


if __name__ == "__main__":
    main()
