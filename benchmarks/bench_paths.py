"""Whole L1 paths: regularization_path against adelie.grpnet, and against one
fit at the path's last C, one thread each.

For each problem, the grouped path (``l1_groups="features"``: a feature in
or out for every class, glmnet's ``type.multinomial="grouped"``) and the
elementwise one, 100 Cs from l1_min_c over glmnet's default ratio (1e-4),
tol 1e-6, screening on, stopping early as glmnet does. Then:

- one fit at the path's last C from the usual start (the path's time over
  it is the issue's "whole path <= 3x one fit");
- the grouped path without screening (the rules' worth), on the first
  problem only;
- adelie on the same objective and the same Cs (its lambda is 1 / (K C n):
  it divides the multinomial loss by K), at its default tolerances (1e-7)
  and tighter ones (``--adelie-tols``), where ``--adelie-python`` names a
  Python with adelie. adelie 1.1.52 pins numpy < 2, so it cannot share our
  environment: make a venv of its own,

      python3 -m venv /tmp/adelie-venv
      /tmp/adelie-venv/bin/pip install "adelie==1.1.52" "numpy<2"

  and the benchmark runs it there in a subprocess, exchanging X, y, the
  lambdas and the coefficients as .npy files (its time is measured inside
  that process, around ``grpnet`` alone). Both objectives are written out
  here (scipy's logsumexp) at every point of the path, from each side's
  coefficients, and printed at four. adelie's groups always hold a
  feature's K coefficients together, so it has no elementwise multinomial
  path to compare with.

    python benchmarks/bench_paths.py --adelie-python /tmp/adelie-venv/bin/python
    python benchmarks/bench_paths.py --problems dense-small
    python benchmarks/bench_paths.py --quick      # smoke: 2000 x 50, 20 Cs
"""

import argparse
import json
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sksoftmax import SoftmaxRegression, regularization_path

ADELIE_SCRIPT = """
import json, sys, time
import numpy as np
from scipy import sparse
import adelie as ad

folder, tol = sys.argv[1], float(sys.argv[2])
y = np.load(folder + "/y.npy")
lmdas = np.load(folder + "/lmdas.npy")
if __import__("os").path.exists(folder + "/X.npz"):
    X = ad.matrix.sparse(sparse.load_npz(folder + "/X.npz").tocsc(), method="naive")
else:
    X = np.asfortranarray(np.load(folder + "/X.npy"))
K = int(y.max()) + 1
Y = np.zeros((y.shape[0], K))
Y[np.arange(y.shape[0]), y] = 1.0
p = X.shape[1] if hasattr(X, "shape") else X.cols()
start = time.perf_counter()
state = ad.grpnet(
    X=X, glm=ad.glm.multinomial(Y), groups=np.arange(p), penalty=np.ones(p),
    alpha=1.0, lmda_path=lmdas, early_exit=False, progress_bar=False, n_threads=1,
    tol=tol, irls_tol=tol,
)
seconds = time.perf_counter() - start
betas = state.betas.toarray().reshape(len(lmdas), p, K).transpose(0, 2, 1)
np.save(folder + "/betas.npy", betas)
np.save(folder + "/intercepts.npy", np.asarray(state.intercepts))
print(json.dumps({"seconds": seconds, "version": ad.__version__}))
"""


def dense_problem(n_samples, n_features, n_classes, seed=0):
    X, y = make_classification(
        n_samples,
        n_features,
        n_informative=n_features // 5,
        n_redundant=n_features // 10,
        n_classes=n_classes,
        n_clusters_per_class=1,
        random_state=seed,
    )
    return StandardScaler().fit_transform(X), y


def sparse_problem(n_samples, n_features, n_classes, density, seed=0):
    """CSR X with ``density`` of ones-ish entries, y from a sparse true model
    (200 features) with Gumbel noise."""
    rng = np.random.default_rng(seed)
    n_entries = int(n_samples * n_features * density)
    rows = rng.integers(0, n_samples, n_entries)
    columns = rng.integers(0, n_features, n_entries)
    values = rng.uniform(0.5, 1.5, n_entries)
    # a repeated (row, column) is summed: a few entries above 1.5
    X = sparse.csr_matrix((values, (rows, columns)), shape=(n_samples, n_features))
    W = np.zeros((n_features, n_classes))
    informative = rng.choice(n_features, 200, replace=False)
    W[informative] = rng.normal(0, 3.0, (200, n_classes))
    logits = X @ W + rng.gumbel(size=(n_samples, n_classes))
    return X, np.argmax(logits, axis=1)


PROBLEMS = {
    "dense-small": lambda: dense_problem(20000, 200, 5),
    "dense-large": lambda: dense_problem(100000, 1000, 10),
    "sparse": lambda: sparse_problem(100000, 50000, 20, 0.001),
}


def objective(X, y, coefs, intercepts, C, l1_groups):
    """F / n of the softmax at W = coefs, b = intercepts, written out."""
    logits = np.asarray(X @ coefs.T) + intercepts
    loss = (logsumexp(logits, axis=1) - logits[np.arange(y.shape[0]), y]).mean()
    if l1_groups == "features":
        penalty = np.linalg.norm(coefs, axis=0).sum()
    else:
        penalty = np.abs(coefs).sum()
    return loss + penalty / (C * y.shape[0])


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def adelie_path(python, X, y, Cs, tol):
    """adelie's path at our Cs, in its own process, its coordinate descent
    and IRLS tolerances at ``tol``; (report, betas, intercepts)."""
    n_classes = int(y.max()) + 1
    with tempfile.TemporaryDirectory() as folder:
        if sparse.issparse(X):
            sparse.save_npz(f"{folder}/X.npz", X)
        else:
            np.save(f"{folder}/X.npy", X)
        np.save(f"{folder}/y.npy", y.astype(np.int64))
        np.save(f"{folder}/lmdas.npy", 1.0 / (n_classes * Cs * X.shape[0]))
        script = Path(folder) / "run_adelie.py"
        script.write_text(ADELIE_SCRIPT)
        out = subprocess.run(
            [python, str(script), folder, str(tol)], capture_output=True, text=True
        )
        if out.returncode:
            raise RuntimeError(f"adelie failed:\n{out.stderr[-3000:]}")
        report = json.loads(out.stdout.strip().splitlines()[-1])
        betas = np.load(f"{folder}/betas.npy")
        intercepts = np.load(f"{folder}/intercepts.npy")
    return report, betas, intercepts


def run(name, X, y, n_Cs, tol, adelie, compare_screening):
    """``adelie``: (its Python or None, its tolerances)."""
    adelie_python, adelie_tols = adelie
    n_classes = len(np.unique(y))
    print(
        f"\n== {name}: X {X.shape}{' CSR' if sparse.issparse(X) else ''}, "
        f"{n_classes} classes, up to {n_Cs} Cs, tol {tol}, one thread"
    )
    for l1_groups in ("features", None):
        kind = "grouped" if l1_groups else "elementwise"
        estimator = SoftmaxRegression(
            l1_ratio=1.0, l1_groups=l1_groups, tol=tol, max_iter=10000
        )
        seconds, path = timed(
            lambda est=estimator: regularization_path(est, X, y, n_Cs=n_Cs)
        )
        last = clone(estimator).set_params(C=path.Cs[-1])
        fit_seconds, fitted = timed(lambda last=last: last.fit(X, y))
        n_points = len(path.Cs)
        print(
            f"{kind}: {n_points} points, path {seconds:.2f} s "
            f"({path.n_iter.sum()} iterations), one fit at the last C "
            f"{fit_seconds:.2f} s ({fitted.n_iter_[0]} iterations): "
            f"path / fit = {seconds / fit_seconds:.2f}; "
            f"active features at the end {path.n_active[-1]}, largest working "
            f"set {path.n_screened.max()} of {X.shape[1]}"
        )
        if compare_screening and l1_groups:
            no_rules, full = timed(
                lambda est=estimator, Cs=path.Cs: regularization_path(
                    est, X, y, Cs=Cs, screening=False, stop_early=False
                )
            )
            gap = np.max(np.abs(full.objective - path.objective) / path.objective)
            print(
                f"  without screening: {no_rules:.2f} s "
                f"(screened / unscreened = {seconds / no_rules:.2f}); "
                f"largest objective gap {gap:.1e}"
            )
        if adelie_python and l1_groups:
            for adelie_tol in adelie_tols:
                compare_adelie(adelie_python, adelie_tol, X, y, path, seconds)


def compare_adelie(python, tol, X, y, path, seconds):
    report, betas, intercepts = adelie_path(python, X, y, path.Cs, tol)
    print(
        f"  adelie {report['version']} grpnet at the same Cs, tol and irls_tol "
        f"{tol:g}: {report['seconds']:.2f} s; ours / adelie = "
        f"{seconds / report['seconds']:.3f}"
    )
    gaps = []
    for i in range(len(path.Cs)):
        C = path.Cs[i]
        ours = objective(X, y, path.coefs[i], path.intercepts[i], C, "features")
        theirs = objective(X, y, betas[i], intercepts[i], C, "features")
        gaps.append((theirs - ours) / ours)
        if i in np.linspace(0, len(path.Cs) - 1, 4).astype(int):
            print(
                f"    point {i:>3} (C = {path.Cs[i]:.4g}): F/n ours {ours:.10f}, "
                f"adelie {theirs:.10f}, (adelie - ours) / ours = {gaps[-1]:+.1e}"
            )
    print(
        "    over every point: (adelie - ours) / ours in "
        f"[{min(gaps):+.1e}, {max(gaps):+.1e}]"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke mode for CI")
    parser.add_argument("--adelie-python", help="a Python with adelie installed")
    parser.add_argument(
        "--problems", nargs="*", choices=list(PROBLEMS), default=list(PROBLEMS)
    )
    parser.add_argument("--n-Cs", type=int, default=100)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument(
        "--adelie-tols",
        type=float,
        nargs="*",
        default=[1e-7, 1e-9],
        help="adelie's tol and irls_tol (1e-7 its default)",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    adelie = (args.adelie_python, args.adelie_tols)
    if not args.adelie_python:
        print("adelie: not compared (no --adelie-python)")
    with threadpool_limits(1):
        if args.quick:
            print("smoke mode: timings are not meaningful at this size")
            X, y = dense_problem(2000, 50, 3)
            run("quick", X, y, 20, args.tol, adelie, True)
            return
        for name in args.problems:
            X, y = PROBLEMS[name]()
            run(name, X, y, args.n_Cs, args.tol, adelie, name == "dense-small")


if __name__ == "__main__":
    main()
