"""What every solver returns, and the one hook every solver reports to."""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._stacklevel import user_stacklevel


@dataclass
class SolverResult:
    """What every solver returns.

    Attributes
    ----------
    coef : ndarray
        Float64 coefficients at the end of the run (packed, or one row per
        run for the lockstep solver).
    n_iter : int
        L-BFGS iterations or SGD epochs run.
    loss_curve : list of float
        Objective after each iteration or epoch.
    converged : bool
        Whether the stopping criterion was met before ``max_iter``.
    stopped : bool, default=False
        Whether the hook asked the run to stop.
    max_gradient : float, default=nan
        Largest absolute entry of the final gradient (L-BFGS; SGD never sees
        the full gradient).
    state : dict
        Solver state a later call may continue from (SGD only).
    """

    coef: np.ndarray
    n_iter: int
    loss_curve: list
    converged: bool
    stopped: bool = False
    max_gradient: float = float("nan")
    state: dict = field(default_factory=dict)


class IterationHook:
    """Told of every iteration (or epoch) of a solver; the one place that
    verbose output, ``loss_curve_``, monitoring and stop requests hang from.

    A solver calls it once per iteration, always from the thread that called
    the solver, with the objective there and a zero-argument function giving
    the coefficients (built only if a listener asks). It returns True when a
    listener asks the run to stop; the solver then ends at once with those
    coefficients and no ConvergenceWarning.

    Parameters
    ----------
    verbose : int, default=0
        Print one line per iteration and a closing line when positive.
    unit : str, default="Iteration"
        What one call counts ("Iteration", "Epoch").
    listeners : list of callable, default=()
        ``listener(n_iter, objective, coef) -> bool``: True asks to stop.

    Attributes
    ----------
    loss_curve : list of float
        The objective of every call.
    """

    def __init__(self, verbose=0, unit="Iteration", listeners=()):
        self.verbose = verbose
        self.unit = unit
        self.listeners = list(listeners)
        self.loss_curve = []
        self.start = time.perf_counter()

    @property
    def seconds(self):
        """Seconds since the hook was made."""
        return time.perf_counter() - self.start

    def __call__(self, objective, coef, **shown):
        """Record one iteration; ``shown`` adds ``name = value`` fields to the
        verbose line. Return whether to stop."""
        self.loss_curve.append(float(objective))
        n_iter = len(self.loss_curve)
        if self.verbose:
            fields = "".join(f", {name} = {value:.6g}" for name, value in shown.items())
            print(
                f"{self.unit} {n_iter}, objective = {objective:.10g}{fields}, "
                f"time = {self.seconds:.3f}s"
            )
        stop = False
        for listener in self.listeners:
            stop = bool(listener(n_iter, objective, coef)) or stop
        return stop

    def close(self, solver, result):
        """Print the closing line of a fit when verbose."""
        if not self.verbose:
            return
        objective = result.loss_curve[-1] if result.loss_curve else float("nan")
        status = (
            "stopped on request"
            if result.stopped
            else ("converged" if result.converged else "not converged")
        )
        print(
            f"{solver} {status}: {result.n_iter} {self.unit.lower()}s, "
            f"objective = {objective:.10g}, "
            f"max|gradient| = {result.max_gradient:.3g}, "
            f"{self.seconds:.3f}s"
        )


def warn_not_converged(solver, tol, max_iter, reason):
    """The ConvergenceWarning of every solver, naming tol and max_iter.

    ``solver`` is the parameter's value ("lbfgs", "sgd"): the text then
    starts as LogisticRegression's ("lbfgs failed to converge"), which
    users' warning filters match."""
    warnings.warn(
        f"{solver} failed to converge for tol={tol} and max_iter={max_iter} "
        f"({reason}); consider increasing max_iter or scaling the data.",
        ConvergenceWarning,
        stacklevel=user_stacklevel(),
    )


MEMORY = 10  # curvature pairs (s, y) the quasi-Newton solvers keep, as L-BFGS-B


def has_curvature(s, y):
    """Whether the pair (s, y) may enter an L-BFGS memory: ``s.y > 0``, with
    room for rounding."""
    return float(np.dot(s, y)) > 1e-12 * float(np.dot(y, y))


def remember(pairs, s, y):
    """The memory ``pairs`` (oldest first) after the step's pair (s, y): it
    is kept if it has curvature, and the oldest dropped past MEMORY."""
    if not has_curvature(s, y):
        return pairs
    return [*pairs[-(MEMORY - 1) :], (s, y)]


def curvature_pairs(memory):
    """The last :data:`MEMORY` pairs of ``memory`` (None: none) that have
    curvature: a run's start from a previous run's pairs."""
    kept = [(s, y) for s, y in memory or () if has_curvature(s, y)]
    return kept[-MEMORY:]
