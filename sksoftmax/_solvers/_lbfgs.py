"""L-BFGS: scipy's L-BFGS-B on one objective."""

import numpy as np
from scipy import optimize

from ._result import IterationHook, SolverResult, warn_not_converged

# maxls 50 as scikit-learn's LogisticRegression.
_MAXLS = 50
# The relative reduction of the objective below which no step can lower it in
# the working precision: LogisticRegression's 64 float64 epsilons, or for
# float32 products a sixteenth of float32's epsilon (the objective is a float64
# mean of float32-rounded terms, whose errors partly average out). With ftol 0,
# float32 fits kept searching below that noise: on 20000 x 784 at tol 1e-6,
# 94 evaluations (LogisticRegression: 53); eps32 / 16: 44, and coefficients
# 8e-5 from the float64 optimum (eps32: 36 evaluations, 3.7e-4).
_FTOL_FLOAT64 = 64 * np.finfo(np.float64).eps


def lbfgs_options(max_iter, tol, dtype=np.float64):
    """The L-BFGS-B options of every run on products in ``dtype``."""
    ftol = max(_FTOL_FLOAT64, float(np.finfo(dtype).eps) / 16)
    return {"maxls": _MAXLS, "ftol": ftol, "maxiter": max_iter, "gtol": tol}


def judge(result, tol, dtype):
    """Whether a scipy L-BFGS-B run converged, and if not, why.

    Converged: max|gradient| <= tol; or no step lowered the objective in the
    working precision (``ftol``: scipy's status 0, where LogisticRegression
    converges silently too); or the line search failed with the gradient
    within the noise floor of ``dtype``, the square root of its epsilon. Not
    converged, and the user should act: ``max_iter`` ran out, or the line
    search failed above the noise floor.

    Returns
    -------
    converged : bool
    reason : str
        scipy's message and the final max|gradient|, for the warning.
    max_gradient : float
        The final max|gradient|.
    """
    max_gradient = max_abs(result.jac)
    noise_floor = float(np.sqrt(np.finfo(dtype).eps))
    converged = max_gradient <= tol or result.status == 0
    if result.status == 2:  # the line search found no lower point
        converged = max_gradient <= max(tol, noise_floor)
    reason = f"{message_text(result.message)}; max|gradient| = {max_gradient:.2g}"
    if result.status == 2 and not converged:
        reason += f", above the noise floor {noise_floor:.2g} of {np.dtype(dtype).name}"
    return converged, reason, max_gradient


def max_abs(gradient):
    """Largest absolute entry of a gradient (0 for an empty one)."""
    return float(np.max(np.abs(gradient))) if gradient.size else 0.0


def message_text(message):
    """scipy's result message as text (older scipy gives bytes)."""
    return message.decode() if isinstance(message, bytes) else str(message)


def lbfgs(fun, coef0, *, args=(), max_iter=100, tol=1e-4, hook=None, dtype=np.float64):
    """Minimise ``fun`` with scipy's L-BFGS-B.

    L-BFGS stops when the largest absolute gradient entry is at most ``tol``,
    when no step lowers the objective in the working precision (see
    :func:`judge`), or when ``hook`` asks it to.

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
    dtype : numpy dtype, default=float64
        The dtype of ``fun``'s products: its precision sets ``ftol`` and the
        noise floor.

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
        options=lbfgs_options(max_iter, tol, dtype),
    )
    converged, reason, max_gradient = judge(result, tol, dtype)
    if not converged and not stopped:
        warn_not_converged("lbfgs", tol, max_iter, reason)
    return SolverResult(
        coef=result.x,
        n_iter=int(result.nit),
        loss_curve=hook.loss_curve,
        converged=converged,
        stopped=bool(stopped),
        max_gradient=max_gradient,
    )
