"""The L1 penalty and OWL-QN against independent references: the
subdifferential written out by hand, and scipy's L-BFGS-B on the
split-variable smooth problem (``coef = u - v``, ``u, v >= 0``) that has
the same minimum."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import optimize
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

from sksoftmax._loss import LinearLoss, MultinomialLoss, SigmoidLoss
from sksoftmax._penalties import L1Penalty
from sksoftmax._solvers._owlqn import owlqn


def test_pseudo_gradient_is_the_least_norm_subgradient():
    penalty = L1Penalty(np.array([1.0, 1.0, 1.0, 1.0, 0.0, 2.0]))
    coef = np.array([0.5, -0.5, 0.0, 0.0, 0.0, 0.0])
    gradient = np.array([0.3, 0.3, 0.4, -3.0, 0.7, 2.5])
    # nonzero: g + s sign(c); zero: the subdifferential is [g - s, g + s],
    # whose least-norm element is 0 if it holds 0, else its end nearer 0
    expected = [1.3, -0.7, 0.0, -2.0, 0.7, 0.5]
    assert_allclose(penalty.pseudo_gradient(coef, gradient), expected)
    assert penalty.violation(coef, gradient) == pytest.approx(2.0)
    assert_allclose(
        penalty.prox(np.array([0.5, -3.0, 0.1, 0.0, 1.0, -1.0]), 0.25),
        [
            0.25,
            -2.75,
            0.0,
            0.0,
            1.0,
            -0.5,
        ],
    )
    assert penalty.value(coef) == pytest.approx(1.0)


def _wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _split_variable_minimum(loss, penalty, args):
    """scipy's L-BFGS-B on f(u - v) + s.(u + v), u, v >= 0."""
    n_coef = loss.n_coef

    def objective(z):
        u, v = z[:n_coef], z[n_coef:]
        value, gradient = loss.loss_gradient(u - v, *args)
        return value + penalty.strength @ (u + v), np.concatenate(
            [gradient + penalty.strength, -gradient + penalty.strength]
        )

    result = optimize.minimize(
        objective,
        np.zeros(2 * n_coef),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0, None)] * (2 * n_coef),
        options={"maxiter": 100000, "ftol": 1e-15, "gtol": 1e-11, "maxcor": 20},
    )
    return result.x[:n_coef] - result.x[n_coef:], result.fun


@pytest.mark.parametrize("base_loss", ["softmax", "sigmoids"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_owlqn_reaches_the_split_variable_minimum(base_loss, l1_ratio):
    X, y = _wine()
    n, d = X.shape
    if base_loss == "softmax":
        loss, target = LinearLoss(MultinomialLoss(), 3, d, True), y
    else:
        loss, target = LinearLoss(SigmoidLoss(), 3, d, True), y
    C = 0.05
    factor = np.linspace(0.0, 2.0, d)  # one feature unpenalised
    penalty = L1Penalty.of_weights(loss, l1_ratio / (C * n), factor)
    l2 = (1 - l1_ratio) * factor / (C * n)
    args = (X, target, np.ones(n), l2, float(n))
    result = owlqn(
        loss.loss_gradient,
        np.zeros(loss.n_coef),
        penalty,
        args=args,
        tol=1e-8,
        max_iter=5000,
    )
    ours = loss.loss_gradient(result.coef, *args)[0] + penalty.value(result.coef)
    reference, reference_value = _split_variable_minimum(loss, penalty, args)
    assert ours == pytest.approx(reference_value, rel=1e-10)
    assert ours <= reference_value + 1e-12
    # the same features in and out (scipy's bounds leave 1e-10-sized dust)
    assert_array_equal(result.coef != 0, np.abs(reference) > 1e-7)
    assert 0 < np.count_nonzero(result.coef) < loss.n_coef
    # optimality: |g| <= s where zero, g = -s sign(c) where not
    gradient = loss.loss_gradient(result.coef, *args)[1]
    zero = result.coef == 0
    assert np.all(np.abs(gradient[zero]) <= penalty.strength[zero] + 1e-6)
    nonzero = ~zero
    assert_allclose(
        gradient[nonzero],
        -penalty.strength[nonzero] * np.sign(result.coef[nonzero]),
        atol=1e-6,
    )
    assert result.converged and result.max_gradient <= 1e-6
