"""Minibatch SGD side by side: SoftmaxRegression(solver="sgd"), SGDClassifier
(log_loss, one-vs-rest) and MLPClassifier without hidden layers (scikit-learn's
only multinomial minibatch SGD).

Fashion-MNIST-shaped problem (60000 x 784, 10 classes, standardised), float64
and float32: time per epoch, test log-loss and accuracy after 1, 5 and 20
epochs, and how long SoftmaxRegression(sgd) takes to come within 0.5 point of
L-BFGS's test accuracy, against L-BFGS's own fit time.

    python benchmarks/bench_sgd.py            # full
    python benchmarks/bench_sgd.py --quick    # smoke: 3000 x 50, 1 and 2 epochs
"""

import argparse
import time
import warnings

import numpy as np
from bench_lbfgs import make_problem
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sksoftmax import SoftmaxRegression

C = 1.0


def models(n_train, epochs):
    """Constructors of each model run for ``epochs`` epochs at the same C."""
    no_early_stop = dict(tol=0.0, n_iter_no_change=epochs + 1)
    return {
        "SoftmaxRegression(sgd)": lambda: SoftmaxRegression(
            C=C, solver="sgd", max_iter=epochs, random_state=0, **no_early_stop
        ),
        "SGDClassifier": lambda: SGDClassifier(
            loss="log_loss",
            alpha=1.0 / (C * n_train),
            max_iter=epochs,
            tol=None,
            random_state=0,
        ),
        "MLPClassifier": lambda: MLPClassifier(
            hidden_layer_sizes=(),
            solver="sgd",
            batch_size=256,
            alpha=1.0 / C,
            max_iter=epochs,
            random_state=0,
            **no_early_stop,
        ),
    }


def timed_fit(make, X, y):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = make().fit(X, y)
    return model, time.perf_counter() - start


def run(X_train, X_test, y_train, y_test, epoch_list, label):
    print(f"\n== {label}: train {X_train.shape}, test {X_test.shape[0]}")
    print(
        f"{'model':<24}{'epochs':>7}{'fit (s)':>10}{'s/epoch':>10}"
        f"{'test log-loss':>15}{'accuracy':>10}"
    )
    per_epoch, results = {}, {}
    # alternate the models at each epoch count so noise hits all alike
    for epochs in epoch_list:
        for name, make in models(X_train.shape[0], epochs).items():
            model, seconds = timed_fit(make, X_train, y_train)
            loss = log_loss(y_test, model.predict_proba(X_test))
            acc = accuracy_score(y_test, model.predict(X_test))
            results[name, epochs] = (seconds, loss, acc)
            per_epoch.setdefault(name, []).append(seconds / epochs)
            print(
                f"{name:<24}{epochs:>7d}{seconds:>10.3f}{seconds / epochs:>10.3f}"
                f"{loss:>15.4f}{acc:>10.4f}"
            )
    ours = np.median(per_epoch["SoftmaxRegression(sgd)"])
    for name in ("MLPClassifier", "SGDClassifier"):
        print(
            f"epoch-time ratio ours / {name}: {ours / np.median(per_epoch[name]):.3f}"
        )
    mid, last = epoch_list[len(epoch_list) // 2], epoch_list[-1]
    print(
        f"test log-loss: ours after {mid} epochs "
        f"{results['SoftmaxRegression(sgd)', mid][1]:.4f}, SGDClassifier after "
        f"{last} epochs {results['SGDClassifier', last][1]:.4f}"
    )

    lbfgs, lbfgs_seconds = timed_fit(
        lambda: SoftmaxRegression(C=C, tol=1e-4), X_train, y_train
    )
    target = accuracy_score(y_test, lbfgs.predict(X_test)) - 0.005
    reached = None
    for epochs in range(1, 2 * last + 1):
        make = models(X_train.shape[0], epochs)["SoftmaxRegression(sgd)"]
        model, seconds = timed_fit(make, X_train, y_train)
        if accuracy_score(y_test, model.predict(X_test)) >= target:
            reached = (epochs, seconds)
            break
    print(
        f"L-BFGS (tol 1e-4): {lbfgs_seconds:.3f} s, test accuracy {target + 0.005:.4f}"
    )
    if reached:
        print(
            f"SGD within 0.5 point after {reached[0]} epoch(s), {reached[1]:.3f} s: "
            f"{reached[1] / lbfgs_seconds:.3f}x L-BFGS's time"
        )
    else:
        print(f"SGD not within 0.5 point of L-BFGS after {2 * last} epochs")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke mode for CI")
    args = parser.parse_args(argv)
    if args.quick:
        n_samples, n_features, epoch_list = 3000, 50, (1, 2)
    else:
        n_samples, n_features, epoch_list = 70000, 784, (1, 5, 20)
    X, y = make_problem(n_samples, n_features)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=1 / 7, random_state=0, stratify=y
    )
    for dtype in (np.float64, np.float32):
        run(
            X_train.astype(dtype),
            X_test.astype(dtype),
            y_train,
            y_test,
            epoch_list,
            np.dtype(dtype).name,
        )


if __name__ == "__main__":
    main()
