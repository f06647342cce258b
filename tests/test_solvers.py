"""The solvers on problems with a closed-form answer."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning

from sksoftmax._solvers import lbfgs, lbfgs_lockstep


def quadratics(n_outputs=5, dim=4, seed=0):
    """f_k(x) = x A_k x / 2 - b_k x, minimised at A_k^-1 b_k."""
    rng = np.random.default_rng(seed)
    A = []
    for k in range(n_outputs):
        M = rng.normal(size=(dim, dim))
        A.append(M @ M.T + (k + 1) * np.eye(dim))  # a different scale per output
    A, b = np.array(A), rng.normal(size=(n_outputs, dim))
    return A, b, np.linalg.solve(A, b[..., None])[..., 0]


def test_lbfgs_lockstep_solves_each_output():
    A, b, solution = quadratics()
    calls = []

    def fun(outputs, x):
        calls.append(len(outputs))
        Ax = np.einsum("kij,kj->ki", A[outputs], x)
        values = 0.5 * np.einsum("ki,ki->k", x, Ax) - np.einsum(
            "ki,ki->k", b[outputs], x
        )
        return values, Ax - b[outputs]

    result = lbfgs_lockstep(fun, np.zeros_like(b), max_iter=200, tol=1e-7)
    assert result.converged
    assert_allclose(result.coef, solution, atol=1e-6)
    # batched: never more calls than the longest single run needs
    single = [
        lbfgs(
            lambda x, k=k: (0.5 * x @ A[k] @ x - b[k] @ x, A[k] @ x - b[k]),
            np.zeros(4),
            max_iter=200,
            tol=1e-7,
        )
        for k in range(5)
    ]
    assert result.n_iter == max(r.n_iter for r in single)
    assert calls[0] == 5 and len(calls) < sum(r.n_iter + 2 for r in single)


def test_lbfgs_lockstep_passes_errors_on():
    rounds = []

    def fun(outputs, x):
        rounds.append(1)
        if len(rounds) == 3:
            raise ValueError("broken objective")
        return (x**2).sum(axis=1) + 1.0, 2 * x + 1.0

    with pytest.raises(ValueError, match="broken objective"):
        lbfgs_lockstep(fun, np.ones((3, 2)), max_iter=50, tol=1e-12)


def test_lbfgs_warns_with_tol_and_max_iter():
    A, b, solution = quadratics(n_outputs=1, dim=30)
    with pytest.warns(ConvergenceWarning, match="tol=1e-12 and max_iter=2"):
        result = lbfgs(
            lambda x: (0.5 * x @ A[0] @ x - b[0] @ x, A[0] @ x - b[0]),
            np.zeros(30),
            max_iter=2,
            tol=1e-12,
        )
    assert not result.converged and result.n_iter == 2
    done = lbfgs(
        lambda x: (0.5 * x @ A[0] @ x - b[0] @ x, A[0] @ x - b[0]),
        np.zeros(30),
        max_iter=500,
        tol=1e-7,
    )
    assert done.converged
    assert_allclose(done.coef, solution[0], atol=1e-5)
    assert len(done.loss_curve) == done.n_iter
