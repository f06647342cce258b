"""Solvers: minimise a :class:`~sksoftmax._loss.LinearLoss` objective.

Each solver is one function returning :class:`SolverResult`; none of them knows
which estimator called it.
"""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize
from sklearn.exceptions import ConvergenceWarning


@dataclass
class SolverResult:
    """What every solver returns.

    Attributes
    ----------
    coef : ndarray of shape (n_coef,)
        Packed float64 coefficients at the end of the run.
    n_iter : int
        L-BFGS iterations or SGD epochs run.
    loss_curve : list of float
        Objective after each iteration or epoch.
    converged : bool
        Whether the stopping criterion was met before ``max_iter``.
    state : dict
        Solver state a later call may continue from (SGD only).
    """

    coef: np.ndarray
    n_iter: int
    loss_curve: list
    converged: bool
    state: dict = field(default_factory=dict)


def _warn_not_converged(solver, tol, max_iter, reason):
    warnings.warn(
        f"{solver} did not converge for tol={tol} and max_iter={max_iter} "
        f"({reason}); consider increasing max_iter or scaling the data.",
        ConvergenceWarning,
        stacklevel=3,
    )


def lbfgs(fun, coef0, *, args=(), max_iter=100, tol=1e-4, verbose=0):
    """Minimise ``fun`` with scipy's L-BFGS-B.

    ``ftol`` is 0 so that the gradient test alone stops the run: L-BFGS stops
    when the largest absolute gradient entry is at most ``tol``.

    Parameters
    ----------
    fun : callable
        ``fun(coef, *args) -> (objective, gradient)``.
    coef0 : ndarray of shape (n_coef,)
        Starting point (float64).
    args : tuple, default=()
        Extra arguments of ``fun``.
    max_iter : int, default=100
        Maximum number of iterations.
    tol : float, default=1e-4
        Gradient tolerance (``gtol``).
    verbose : int, default=0
        Print the objective after each iteration when positive.

    Returns
    -------
    SolverResult
    """
    loss_curve = []
    start = time.perf_counter()

    def record(intermediate_result):
        loss_curve.append(float(intermediate_result.fun))
        if verbose:
            print(
                f"Iteration {len(loss_curve)}, objective = {loss_curve[-1]:.10g}, "
                f"time = {time.perf_counter() - start:.3f}s"
            )

    result = optimize.minimize(
        fun,
        coef0,
        method="L-BFGS-B",
        jac=True,
        args=args,
        callback=record,
        options={"maxiter": max_iter, "maxls": 50, "gtol": tol, "ftol": 0.0},
    )
    # With ftol=0, scipy still reports success when an iteration cannot lower
    # the objective at all (float32 data asked for more than float32 holds):
    # only a gradient within tol counts as converged.
    max_gradient = float(np.max(np.abs(result.jac))) if result.jac.size else 0.0
    converged = bool(result.success) and max_gradient <= tol
    if not converged:
        _warn_not_converged(
            "L-BFGS",
            tol,
            max_iter,
            f"{_text(result.message)}; max|gradient| = {max_gradient:.2g}",
        )
    return SolverResult(
        coef=result.x,
        n_iter=int(result.nit),
        loss_curve=loss_curve,
        converged=converged,
    )


def _text(message):
    return message.decode() if isinstance(message, bytes) else str(message)
