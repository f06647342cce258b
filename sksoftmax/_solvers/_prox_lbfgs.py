"""Proximal L-BFGS: a limited-memory quasi-Newton method for a smooth
objective plus any penalty with a proximal operator (the grouped lasso's),
after Lee, Sun and Saunders (2014), "Proximal Newton-type methods for
minimizing composite functions".

Each iteration minimises the local model ``g.d + d^T B d / 2 + h(x + d)``,
B the L-BFGS matrix of the smooth part in its compact form ``gamma I - V M
V^T`` (V: the last m pairs (s, y), 2m columns), by accelerated proximal
gradient steps (FISTA) on the model alone: a product with B costs O(n_coef
m) and never touches X. The step to the model's minimiser is then searched
with backtracking on the true objective. The smooth part is evaluated only
through ``fun`` (any ``loss_gradient``): the same run on numpy, sparse, Dask
chunks or another array namespace.

It stops when the largest violation of the optimality conditions
(``penalty.violation``) is at most ``tol``, or when no step lowers the
objective in the working precision.
"""

import numpy as np

from ._lbfgs import lbfgs_options
from ._result import (
    IterationHook,
    SolverResult,
    curvature_pairs,
    remember,
    warn_not_converged,
)

_ARMIJO = 1e-4
_MAX_HALVINGS = 60
# FISTA steps on the model: at most _FIRST_INNER, raised 5x (up to
# _MAX_INNER) each time a step stops lowering the objective while the
# optimality violation is still above tol. Each step costs O(n_coef m), as
# much as a few evaluations when n_coef is large: a grouped path on sparse
# 10000 x 5000 with 10 classes took 78 s with up to 500 steps per model,
# 23 s with 20.
_FIRST_INNER = 20
_MAX_INNER = 500


class _CompactBFGS:
    """The L-BFGS Hessian approximation ``B = gamma I - V M V^T`` of the
    pairs (s, y) (Byrd, Nocedal and Schnabel, 1994)."""

    def __init__(self, pairs):
        S = np.column_stack([s for s, _ in pairs])
        Y = np.column_stack([y for _, y in pairs])
        self.gamma = float(np.dot(Y[:, -1], Y[:, -1]) / np.dot(S[:, -1], Y[:, -1]))
        products = S.T @ Y
        lower = np.tril(products, -1)
        middle = np.block(
            [
                [self.gamma * S.T @ S, lower],
                [lower.T, -np.diag(np.diag(products))],
            ]
        )
        self.V = np.hstack([self.gamma * S, Y])
        self.M = np.linalg.inv(middle)
        # the largest eigenvalue of B: gamma, or gamma plus the largest of
        # -M V^T V, whose nonzero eigenvalues are those of -V M V^T
        small = -self.M @ (self.V.T @ self.V)
        top = float(np.max(np.linalg.eigvals(small).real))
        self.largest = self.gamma + max(top, 0.0)

    def times(self, vector):
        return self.gamma * vector - self.V @ (self.M @ (self.V.T @ vector))


def _model_minimum(x, gradient, penalty, curvature, tolerance, max_inner):
    """``argmin_z g.(z - x) + (z - x)^T B (z - x) / 2 + h(z)`` by at most
    ``max_inner`` FISTA steps, ``curvature`` a _CompactBFGS (or None: B = I)."""
    times = (lambda v: v) if curvature is None else curvature.times
    step = 1.0 if curvature is None else 1.0 / curvature.largest
    z = penalty.prox(x - step * gradient, step)
    if curvature is None:
        return z
    point, momentum = z.copy(), 1.0
    for _ in range(max_inner):
        model_gradient = gradient + times(point - x)
        new = penalty.prox(point - step * model_gradient, step)
        change = float(np.max(np.abs(new - z))) / step if new.size else 0.0
        next_momentum = (1 + np.sqrt(1 + 4 * momentum**2)) / 2
        point = new + (momentum - 1) / next_momentum * (new - z)
        z, momentum = new, next_momentum
        if change <= tolerance:
            break
    return z


def prox_lbfgs(
    fun,
    coef0,
    penalty,
    *,
    args=(),
    max_iter=100,
    tol=1e-4,
    hook=None,
    dtype=np.float64,
    memory=None,
):
    """Minimise ``fun(coef, *args)[0] + penalty.value(coef)``.

    Parameters are those of :func:`owlqn` (``memory`` included);
    ``penalty`` offers ``value``, ``prox(coef, step)`` and
    ``violation(coef, gradient)``.

    Returns
    -------
    SolverResult
        ``max_gradient`` is the final violation of the optimality conditions;
        ``state["memory"]`` the pairs (s, y) held at the end.
    """
    hook = IterationHook() if hook is None else hook
    ftol = lbfgs_options(max_iter, tol, dtype)["ftol"]
    coef = np.array(coef0, dtype=np.float64)
    smooth, gradient = fun(coef, *args)
    penalty_value = penalty.value(coef)
    objective = smooth + penalty_value
    pairs = curvature_pairs(memory)
    n_iter, converged, stopped, reason = 0, False, False, ""
    max_inner = _FIRST_INNER
    while True:
        violation = penalty.violation(coef, gradient)
        if violation <= tol:
            converged = True
            break
        if n_iter >= max_iter:
            reason = f"max_iter reached; optimality violation = {violation:.2g}"
            break
        curvature = _CompactBFGS(pairs) if pairs else None
        target = _model_minimum(
            coef,
            gradient,
            penalty,
            curvature,
            max(0.1 * violation, 0.1 * tol),
            max_inner,
        )
        direction = target - coef
        predicted = np.dot(gradient, direction) + penalty.value(target) - penalty_value
        step = 1.0
        for _ in range(_MAX_HALVINGS):
            trial = coef + step * direction
            trial_smooth, trial_gradient = fun(trial, *args)
            trial_penalty = penalty.value(trial)
            trial_objective = trial_smooth + trial_penalty
            if trial_objective <= objective + _ARMIJO * step * min(predicted, 0.0):
                break
            step *= 0.5
        else:
            converged = violation <= max(tol, float(np.sqrt(np.finfo(dtype).eps)))
            reason = (
                "the line search found no lower point; optimality violation "
                f"= {violation:.2g}"
            )
            break
        n_iter += 1
        pairs = remember(pairs, trial - coef, trial_gradient - gradient)
        decrease = objective - trial_objective
        coef, gradient = trial, trial_gradient
        objective, penalty_value = trial_objective, trial_penalty
        if hook(objective, lambda c=coef: c.copy()):
            stopped = True
            break
        if 0 <= decrease <= ftol * max(abs(objective), abs(objective + decrease), 1.0):
            if max_inner < _MAX_INNER:  # the model's minimum may be too rough
                max_inner = min(5 * max_inner, _MAX_INNER)
                continue
            converged = True
            break
    violation = penalty.violation(coef, gradient)
    if not converged and not stopped:
        warn_not_converged("lbfgs", tol, max_iter, reason)
    return SolverResult(
        coef=coef,
        n_iter=n_iter,
        loss_curve=hook.loss_curve,
        converged=converged,
        stopped=stopped,
        max_gradient=violation,
        state={"memory": pairs},
    )
