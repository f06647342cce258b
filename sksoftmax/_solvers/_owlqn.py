"""OWL-QN: limited-memory quasi-Newton for a smooth objective plus an L1
term (Andrew and Gao, 2007, "Scalable training of L1-regularized log-linear
models"), the method of Spark MLlib and cuML for elastic-net logistic
regression.

Each iteration takes the L1 objective's pseudo-gradient (the least-norm
element of its subdifferential, ``L1Penalty.pseudo_gradient``), turns it
into a direction with the L-BFGS two-loop recursion over the smooth part's
gradient differences, keeps only the direction's entries that descend, and
searches along it with every step projected onto the orthant it starts in
(an entry that would change sign stops at zero: that is how exact zeros
arise). The smooth part is evaluated only through ``fun``, any object's
``loss_gradient``: the run is the same on numpy, sparse, Dask chunks or
another array namespace.

It stops when the largest entry of the pseudo-gradient, the largest
violation of the optimality conditions, is at most ``tol``; or when no step
lowers the objective in the working precision (``ftol`` as the L-BFGS runs
use it), as L-BFGS-B stops.
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

_ARMIJO = 1e-4  # sufficient decrease along the projected step
_MAX_HALVINGS = 60


def _two_loop(direction, pairs):
    """``H direction`` for the L-BFGS inverse-Hessian approximation H of the
    stored pairs (oldest first)."""
    q = direction.copy()
    alphas = []
    rhos = [1.0 / np.dot(s, y) for s, y in pairs]
    for (s, y), rho in zip(reversed(pairs), reversed(rhos), strict=True):
        alpha = rho * np.dot(s, q)
        q -= alpha * y
        alphas.append(alpha)
    if pairs:
        s, y = pairs[-1]
        q *= np.dot(s, y) / np.dot(y, y)
    for (s, y), rho, alpha in zip(pairs, rhos, reversed(alphas), strict=True):
        beta = rho * np.dot(y, q)
        q += (alpha - beta) * s
    return q


def owlqn(
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

    Parameters
    ----------
    fun : callable
        ``fun(coef, *args) -> (objective, gradient)`` of the smooth part.
    coef0 : ndarray of shape (n_coef,)
        Starting point (float64).
    penalty : L1Penalty
        The non-smooth part.
    args : tuple, default=()
    max_iter : int, default=100
    tol : float, default=1e-4
        Largest allowed violation of the optimality conditions.
    hook : IterationHook, default=None
        Told of every iteration, with the whole objective.
    dtype : numpy dtype, default=float64
        The dtype of ``fun``'s products, which sets ``ftol``.
    memory : list of (s, y), default=None
        Curvature pairs to start from (oldest first): a previous run's
        ``state["memory"]`` on the same smooth part, as along a path.

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
    objective = smooth + penalty.value(coef)
    pairs = curvature_pairs(memory)
    n_iter, converged, stopped, reason = 0, False, False, ""
    while True:
        pseudo = penalty.pseudo_gradient(coef, gradient)
        violation = float(np.max(np.abs(pseudo))) if pseudo.size else 0.0
        if violation <= tol:
            converged = True
            break
        if n_iter >= max_iter:
            reason = f"max_iter reached; optimality violation = {violation:.2g}"
            break
        direction = -_two_loop(pseudo, pairs)
        direction[direction * pseudo >= 0] = 0.0  # descend on every entry kept
        if not np.any(direction):
            direction, pairs = -pseudo, []
        # the orthant of the step: each coefficient's sign, or for a zero
        # one the sign it moves towards
        orthant = np.where(coef != 0, np.sign(coef), np.sign(direction))
        step = 1.0 if pairs else 1.0 / max(np.linalg.norm(pseudo), 1.0)
        for _ in range(_MAX_HALVINGS):
            trial = coef + step * direction
            trial[np.sign(trial) != orthant] = 0.0
            trial_smooth, trial_gradient = fun(trial, *args)
            trial_objective = trial_smooth + penalty.value(trial)
            if trial_objective <= objective + _ARMIJO * np.dot(pseudo, trial - coef):
                break
            step *= 0.5
        else:
            # no step lowers the objective: at the precision floor, as
            # L-BFGS-B's line search failure
            converged = violation <= max(tol, float(np.sqrt(np.finfo(dtype).eps)))
            reason = (
                "the line search found no lower point; optimality violation "
                f"= {violation:.2g}"
            )
            break
        n_iter += 1
        pairs = remember(pairs, trial - coef, trial_gradient - gradient)
        decrease = objective - trial_objective
        coef, gradient, objective = trial, trial_gradient, trial_objective
        if hook(objective, lambda c=coef: c.copy()):
            stopped = True
            break
        if decrease <= ftol * max(abs(objective), abs(objective + decrease), 1.0):
            # no step lowers the objective in the working precision
            converged = True
            break
    pseudo = penalty.pseudo_gradient(coef, gradient)
    violation = float(np.max(np.abs(pseudo))) if pseudo.size else 0.0
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
