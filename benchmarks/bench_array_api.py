"""SoftmaxRegression on torch tensors (Array API) against torch.optim.LBFGS.

Same objective (DESIGN.md: mean cross-entropy + ||W||^2 / (2 C n)), same
stopping rule (max |gradient| <= tol), side by side in one process:

- ours, X a torch tensor on --device, array_api_dispatch on (scipy's L-BFGS
  on the host, every product on the device);
- torch.optim.LBFGS on the device (strong Wolfe line search, history 10);
- scikit-learn's LogisticRegression with array API dispatch (its failure, if
  it fails, is reported as such);
- ours on the same data in numpy.

Prints fit time, iterations, objective evaluations and the objective of each,
one evaluation against the two matrix products it needs, and on CUDA the peak
device memory beyond X.

    python benchmarks/bench_array_api.py --device cuda --n 1000000
    python benchmarks/bench_array_api.py --quick     # CPU smoke run for CI
"""

import argparse
import os
import time
import warnings

os.environ.setdefault("SCIPY_ARRAY_API", "1")  # before scipy is imported

import numpy as np  # noqa: E402
from sklearn import config_context  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from sksoftmax import SoftmaxRegression  # noqa: E402
from sksoftmax._array_api import Namespace  # noqa: E402
from sksoftmax._loss import LinearLoss, SoftMultinomialLoss  # noqa: E402

N_CLASSES = 10


def make_problem(n_samples, n_features, seed=0):
    """Gaussian features, labels from a random linear model plus Gumbel noise
    (a softmax model is right, but not separable)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features), dtype=np.float32)
    W = rng.standard_normal((N_CLASSES, n_features), dtype=np.float32)
    logits = X @ W.T / np.sqrt(n_features) * 3
    y = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)
    return X, y


def synchronize(torch, device):
    if device == "cuda":
        torch.cuda.synchronize()


def torch_lbfgs(torch, X, y, C, tol, max_iter):
    """torch.optim.LBFGS on F / n; returns (coef, intercept, iters, evals)."""
    n_samples, n_features = X.shape
    W = torch.zeros((N_CLASSES, n_features), dtype=X.dtype, device=X.device)
    b = torch.zeros(N_CLASSES, dtype=X.dtype, device=X.device)
    W.requires_grad_(True)
    b.requires_grad_(True)
    optimizer = torch.optim.LBFGS(
        [W, b],
        lr=1,
        max_iter=max_iter,
        history_size=10,
        tolerance_grad=tol,
        tolerance_change=0,
        line_search_fn="strong_wolfe",
    )
    evaluations = []

    def closure():
        optimizer.zero_grad()
        logits = X @ W.T + b
        loss = torch.nn.functional.cross_entropy(logits, y)
        loss = loss + (W * W).sum() / (2 * C * n_samples)
        loss.backward()
        evaluations.append(1)
        return loss

    optimizer.step(closure)
    state = optimizer.state[optimizer._params[0]]
    return W.detach(), b.detach(), state["n_iter"], len(evaluations)


class CountEvaluations:
    def __enter__(self):
        self.count, self.original = 0, LinearLoss.loss_gradient
        counter = self

        def counted(*args, **kwargs):
            counter.count += 1
            return counter.original(*args, **kwargs)

        LinearLoss.loss_gradient = counted
        return self

    def __exit__(self, *exc):
        LinearLoss.loss_gradient = self.original


def objective(coef, intercept, X, y, C):
    """F / n in float64 on the host, for every result alike."""
    n_samples, n_features = X.shape
    loss = LinearLoss(SoftMultinomialLoss(), N_CLASSES, n_features, True)
    target = np.zeros((N_CLASSES, n_samples), dtype=X.dtype)
    target[y, np.arange(n_samples)] = 1
    packed = loss.pack(
        np.asarray(coef, dtype=float), np.asarray(intercept, dtype=float)
    )
    weights = np.ones(n_samples, dtype=X.dtype)
    return loss.loss_gradient(packed, X, target, weights, 1 / (C * n_samples))[0]


def timed(fit, torch, device):
    synchronize(torch, device)
    start = time.perf_counter()
    result = fit()
    synchronize(torch, device)
    return time.perf_counter() - start, result


def evaluation_vs_floor(torch, X, y, device, repeat=10):
    """Median seconds of one of our device evaluations and of the two
    products it needs (W @ X.T, R @ X)."""
    n_features = X.shape[1]

    with config_context(array_api_dispatch=True):
        namespace = Namespace(X)
        loss = LinearLoss(SoftMultinomialLoss(), N_CLASSES, n_features, True, namespace)
        target = torch.nn.functional.one_hot(y, N_CLASSES).T.to(X.dtype).contiguous()
        weights = torch.ones(X.shape[0], dtype=X.dtype, device=X.device)
        coef = np.random.default_rng(0).normal(scale=0.01, size=loss.n_coef)
        W = torch.asarray(
            coef[: N_CLASSES * n_features], device=X.device, dtype=X.dtype
        )
        W = W.reshape(N_CLASSES, n_features)

        def evaluation():
            loss.loss_gradient(coef, X, target, weights, 1e-5, float(X.shape[0]))

        def two_products():
            residual = W @ X.T
            return residual @ X

        times = {}
        for name, fn in [("evaluation", evaluation), ("floor", two_products)]:
            fn()
            runs = []
            for _ in range(repeat):
                seconds, _ = timed(fn, torch, device)
                runs.append(seconds)
            times[name] = float(np.median(runs))
    return times["evaluation"], times["floor"]


def sgd_epochs(torch, X, y, X_t, y_t, device, epochs=3):
    """Seconds per SGD epoch (batch 256), ours on the device against numpy."""

    def fit(X, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = SoftmaxRegression(solver="sgd", max_iter=epochs, random_state=0)
            return model.fit(X, y)

    seconds = {}
    for name, data in [(f"torch {device}", (X_t, y_t)), ("numpy", (X, y))]:
        with config_context(array_api_dispatch=True):
            seconds[name], model = timed(lambda data=data: fit(*data), torch, device)
        seconds[name] /= epochs
        print(f"SGD, {name}: {seconds[name]:.3f} s per epoch, "
              f"last epoch objective {model.loss_curve_[-1]:.6f}")  # fmt: skip
    ratio = seconds[f"torch {device}"] / seconds["numpy"]
    print(f"SGD epoch-time ratio ours on {device} / numpy: {ratio:.3f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CPU smoke run for CI")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--d", type=int, default=784)
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--tol", type=float, default=1e-5)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.d, args.device = 3000, 50, "cpu"
    import torch

    X, y = make_problem(args.n, args.d)
    X = X.astype(args.dtype)
    X_t = torch.asarray(X, device=args.device)
    y_t = torch.asarray(y, device=args.device)
    C, tol, max_iter = args.C, args.tol, 1000
    print(f"{args.n} x {args.d}, {N_CLASSES} classes, {args.dtype}, C={C}, "
          f"tol={tol} on max|gradient|, device {args.device}")  # fmt: skip
    rows = {}

    def ours_on_device():
        with config_context(array_api_dispatch=True), CountEvaluations() as counter:
            model = SoftmaxRegression(C=C, tol=tol, max_iter=max_iter).fit(X_t, y_t)
        return model.coef_, model.intercept_, int(model.n_iter_[0]), counter.count

    def ours_numpy():
        with CountEvaluations() as counter:
            model = SoftmaxRegression(C=C, tol=tol, max_iter=max_iter).fit(X, y)
        return model.coef_, model.intercept_, int(model.n_iter_[0]), counter.count

    def logistic_regression():
        with config_context(array_api_dispatch=True):
            model = LogisticRegression(C=C, tol=tol, max_iter=max_iter).fit(X_t, y_t)
        return model.coef_, model.intercept_, int(model.n_iter_[0]), None

    fits = {
        f"sksoftmax, torch {args.device}": ours_on_device,
        f"torch.optim.LBFGS, {args.device}": lambda: torch_lbfgs(
            torch, X_t, y_t, C, tol, max_iter
        ),
        "LogisticRegression, array API": logistic_regression,
        "sksoftmax, numpy": ours_numpy,
    }
    if args.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    for name, fit in fits.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            try:
                fit()  # warm up: kernels, allocator, BLAS threads
                seconds, (coef, intercept, n_iter, evals) = timed(
                    fit, torch, args.device
                )
            except Exception as error:  # a failure is a result here
                rows[name] = f"failed: {type(error).__name__}: {str(error)[:80]}"
                continue
        coef = coef.cpu().numpy() if hasattr(coef, "cpu") else np.asarray(coef)
        b = (
            intercept.cpu().numpy()
            if hasattr(intercept, "cpu")
            else np.asarray(intercept)
        )
        rows[name] = (seconds, n_iter, evals, objective(coef, b, X, y, C))
        if args.device == "cuda" and name.startswith("sksoftmax, torch"):
            peak = (torch.cuda.max_memory_allocated() - base) / 2**20
            budget = 10 * args.n * N_CLASSES * X.itemsize / 2**20
            print(f"{name}: peak device memory beyond X {peak:.1f} MiB "
                  f"(10 n K floats = {budget:.1f} MiB)")  # fmt: skip
    print(f"{'fit':34s} {'seconds':>9s} {'iters':>6s} {'evals':>6s} {'objective':>16s}")
    for name, row in rows.items():
        if isinstance(row, str):
            print(f"{name:34s} {row}")
        else:
            seconds, n_iter, evals, value = row
            print(
                f"{name:34s} {seconds:9.3f} {n_iter:6d} {evals or 0:6d} {value:16.10f}"
            )
    ours = rows[f"sksoftmax, torch {args.device}"]
    for name in (f"torch.optim.LBFGS, {args.device}", "sksoftmax, numpy"):
        if not isinstance(rows[name], str):
            print(f"fit-time ratio ours on {args.device} / {name}: "
                  f"{ours[0] / rows[name][0]:.3f}; relative objective difference "
                  f"{(ours[3] - rows[name][3]) / abs(rows[name][3]):+.2e}")  # fmt: skip
    sgd_epochs(torch, X, y, X_t, y_t, args.device)
    t_eval, t_floor = evaluation_vs_floor(torch, X_t, y_t, args.device)
    print(f"one evaluation {t_eval * 1e3:.2f} ms vs two products "
          f"{t_floor * 1e3:.2f} ms: {t_eval / t_floor:.3f}x the floor")  # fmt: skip


if __name__ == "__main__":
    main()
