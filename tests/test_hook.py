"""The per-iteration hook: verbose lines of one shape, stop requests."""

import re
import warnings

import numpy as np
import pytest
from helpers import standardised
from numpy.testing import assert_allclose
from sklearn.datasets import load_iris, make_multilabel_classification

from sksoftmax import OneVsRestSigmoid, SoftmaxRegression
from sksoftmax._loss import LinearLoss, MultinomialLoss
from sksoftmax._solvers import IterationHook, SgdOptions, lbfgs, lbfgs_lockstep, sgd

X_IRIS, Y_IRIS = standardised(load_iris)
X_ML, Y_ML = make_multilabel_classification(n_samples=150, n_classes=4, random_state=0)

ITERATION_LINE = re.compile(
    r"^(Iteration|Epoch) (\d+), objective = \S+(, [a-z ]+ = \S+)*, time = \d+\.\d{3}s$"
)
CLOSING_LINE = re.compile(
    r"^(L-BFGS|SGD) (converged|not converged|stopped on request): \d+ "
    r"(iteration|epoch)s, objective = \S+, max\|gradient\| = \S+, \d+\.\d{3}s$"
)


@pytest.mark.parametrize(
    "estimator, X, y",
    [
        (SoftmaxRegression(), X_IRIS, Y_IRIS),
        (SoftmaxRegression(solver="sgd", max_iter=7), X_IRIS, Y_IRIS),
        (OneVsRestSigmoid(), X_IRIS, Y_IRIS),  # lockstep runs
        (OneVsRestSigmoid(), X_ML, Y_ML),
        (OneVsRestSigmoid(solver="sgd", max_iter=4), X_ML, Y_ML),
        (
            SoftmaxRegression(early_stopping=True, solver="sgd", max_iter=5),
            X_IRIS,
            Y_IRIS,
        ),
    ],
)
def test_verbose_lines_have_one_shape(estimator, X, y, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.set_params(verbose=1).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    *iterations, closing = lines
    assert len(iterations) == estimator.n_iter_
    for i, line in enumerate(iterations, 1):
        match = ITERATION_LINE.match(line)
        assert match, line
        assert int(match.group(2)) == i
    assert CLOSING_LINE.match(closing), closing
    assert f": {estimator.n_iter_[0]} " in closing
    objectives = [
        float(line.split("objective = ")[1].split(",")[0]) for line in iterations
    ]
    assert_allclose(objectives, estimator.loss_curve_, rtol=1e-9)


def test_partial_fit_prints_one_epoch_and_a_closing_line(capsys):
    model = SoftmaxRegression(verbose=1)
    model.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert ITERATION_LINE.match(lines[0]) and CLOSING_LINE.match(lines[1])


def stop_at(n_stop, seen):
    def listener(n_iter, objective, coef):
        seen.append((n_iter, objective, coef()))
        return n_iter == n_stop

    return listener


def quadratic(A, b):
    return lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b)


def test_lbfgs_stops_on_request_at_that_iterate():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(20, 20))
    A, b = M @ M.T + np.eye(20), rng.normal(size=20)
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning
        result = lbfgs(
            quadratic(A, b),
            np.zeros(20),
            max_iter=100,
            tol=1e-12,
            hook=IterationHook(listeners=[stop_at(3, seen)]),
        )
    assert result.stopped and not result.converged and result.n_iter == 3
    assert [n for n, _, _ in seen] == [1, 2, 3]
    assert_allclose(result.coef, seen[-1][2])
    # the same iterate as a run given max_iter=3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        capped = lbfgs(quadratic(A, b), np.zeros(20), max_iter=3, tol=1e-12)
    assert_allclose(result.coef, capped.coef)


def test_lockstep_stops_all_runs_at_the_requested_iteration():
    rng = np.random.default_rng(1)
    problems = []
    for k in range(4):
        M = rng.normal(size=(6, 6))
        problems.append((M @ M.T + (k + 1) * np.eye(6), rng.normal(size=6)))

    def fun(runs, x):
        values, gradients = [], []
        for k, xk in zip(runs, x, strict=True):
            value, gradient = quadratic(*problems[k])(xk)
            values.append(value)
            gradients.append(gradient)
        return np.array(values), np.array(gradients)

    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = lbfgs_lockstep(
            fun,
            np.zeros((4, 6)),
            max_iter=100,
            tol=1e-12,
            hook=IterationHook(listeners=[stop_at(2, seen)]),
        )
    assert result.stopped and result.n_iter == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        capped = [
            lbfgs(quadratic(*p), np.zeros(6), max_iter=2, tol=1e-12).coef
            for p in problems
        ]
    assert_allclose(result.coef, np.array(capped))
    assert_allclose(seen[-1][2], np.array(capped))


def test_sgd_stops_on_request():
    loss = LinearLoss(MultinomialLoss(), 3, 4, True)
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = sgd(
            loss.loss_gradient,
            np.zeros(loss.n_coef),
            (X_IRIS, Y_IRIS, np.ones(150)),
            l2_reg_strength=1e-2,
            learning_rate_init=0.1,
            state={},
            max_iter=50,
            options=SgdOptions(tol=0),
            hook=IterationHook(unit="Epoch", listeners=[stop_at(4, seen)]),
        )
    assert result.stopped and result.n_iter == 4 and len(result.loss_curve) == 4
    assert_allclose(result.coef, seen[-1][2])
