"""SoftmaxRegression against LogisticRegression on scikit-learn's embedded data.

The main job of the README: both fitted at the same objective (same C, same
tol), side by side in one process, alternating runs, median times.

    python benchmarks/compare.py            # full: tol 1e-8, 7 runs each
    python benchmarks/compare.py --quick    # smoke: tol 1e-4, 1 run each
"""

import argparse
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from _common import softmax_objective, time_side_by_side
from sksoftmax import SoftmaxRegression

DATASETS = {
    "iris": load_iris,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
    "digits": load_digits,
}


def compare(name, load, C, tol, repeat):
    X, y = load(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    binary = len(np.unique(y)) == 2
    # For two classes SoftmaxRegression(C) is LogisticRegression(2 C).
    ref_C = 2 * C if binary else C
    fits = {
        "SoftmaxRegression": lambda: SoftmaxRegression(
            C=C, tol=tol, max_iter=10_000
        ).fit(X_train, y_train),
        "LogisticRegression": lambda: LogisticRegression(
            C=ref_C, tol=tol, max_iter=10_000
        ).fit(X_train, y_train),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        times, models = time_side_by_side(fits, repeat)
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke mode for CI")
    parser.add_argument("--C", type=float, default=1.0)
    args = parser.parse_args(argv)
    tol, repeat = (1e-4, 1) if args.quick else (1e-8, 7)

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
    if args.quick:
        print(
            "SMOKE MODE (--quick, for CI): one run at tol 1e-4 on data this small "
            "times\nPython overhead, not the fits; the time ratios below are not "
            "a measurement.\n"
        )
    print(f"C={args.C}, tol={tol}, median of {repeat} alternating runs\n")
    header = (
        f"{'dataset':<14}{'model':<20}{'fit (s)':>10}{'iters':>7}"
        f"{'objective':>16}{'accuracy':>10}{'log-loss':>10}"
    )
    print(header)
    print("-" * len(header))
    summary = []
    for name, load in DATASETS.items():
        rows, ratio, coef_diff = compare(name, load, args.C, tol, repeat)
        for r in rows:
            print(
                f"{r['dataset']:<14}{r['model']:<20}{r['fit_s']:>10.4f}"
                f"{r['n_iter']:>7d}{r['objective']:>16.10f}"
                f"{r['accuracy']:>10.4f}{r['log_loss']:>10.4f}"
            )
        rel = abs(rows[0]["objective"] - rows[1]["objective"]) / rows[1]["objective"]
        summary.append((name, ratio, rel, coef_diff))
    print(f"\n{'dataset':<14}{'time ratio':>12}{'rel. obj. diff':>16}", end="")
    print(f"{'max|coef diff|':>16}")
    for name, ratio, rel, coef_diff in summary:
        print(f"{name:<14}{ratio:>12.3f}{rel:>16.2e}{coef_diff:>16.2e}")
    print(
        "\ntime ratio = SoftmaxRegression / LogisticRegression fit time (< 1: faster)"
    )
    worst_rel = max(rel for _, _, rel, _ in summary)
    ratios = [ratio for _, ratio, _, _ in summary]
    print(
        f"\nConclusion: the same optimum on every dataset (objectives within "
        f"{worst_rel:.1e} relative), fit-time ratio {min(ratios):.2f} to "
        f"{max(ratios):.2f}" + (" (smoke run: not a timing)." if args.quick else ".")
    )


if __name__ == "__main__":
    main()
