"""L-BFGS: scipy's L-BFGS-B on one objective."""

import numpy as np
from scipy import optimize

from ._result import IterationHook, SolverResult, warn_not_converged

# maxls 50 as scikit-learn's LogisticRegression; ftol 0 so that the gradient
# test alone decides convergence (skglm does the same).
_LBFGS_OPTIONS = {"maxls": 50, "ftol": 0.0}


def lbfgs_options(max_iter, tol):
    """The L-BFGS-B options of every run."""
    return {**_LBFGS_OPTIONS, "maxiter": max_iter, "gtol": tol}


def max_abs(gradient):
    """Largest absolute entry of a gradient (0 for an empty one)."""
    return float(np.max(np.abs(gradient))) if gradient.size else 0.0


def message_text(message):
    """scipy's result message as text (older scipy gives bytes)."""
    return message.decode() if isinstance(message, bytes) else str(message)


def lbfgs(fun, coef0, *, args=(), max_iter=100, tol=1e-4, hook=None):
    """Minimise ``fun`` with scipy's L-BFGS-B.

    L-BFGS stops when the largest absolute gradient entry is at most ``tol``,
    or when ``hook`` asks it to.

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
    hook : IterationHook, default=None
        Told of every iteration.

    Returns
    -------
    SolverResult
    """
    hook = IterationHook() if hook is None else hook
    stopped = []

    def report(intermediate_result):
        x = intermediate_result.x
        if hook(intermediate_result.fun, lambda: x.copy()):
            stopped.append(True)
            raise StopIteration  # scipy ends the run at this iterate

    result = optimize.minimize(
        fun,
        coef0,
        method="L-BFGS-B",
        jac=True,
        args=args,
        callback=report,
        options=lbfgs_options(max_iter, tol),
    )
    max_gradient = max_abs(result.jac)
    # With ftol=0, scipy still reports success when an iteration cannot lower
    # the objective at all (float32 data asked for more than float32 holds):
    # only a gradient within tol counts as converged.
    converged = bool(result.success) and max_gradient <= tol
    if not converged and not stopped:
        warn_not_converged(
            "L-BFGS",
            tol,
            max_iter,
            f"{message_text(result.message)}; max|gradient| = {max_gradient:.2g}",
        )
    return SolverResult(
        coef=result.x,
        n_iter=int(result.nit),
        loss_curve=hook.loss_curve,
        converged=converged,
        stopped=bool(stopped),
        max_gradient=max_gradient,
    )
