"""Solvers: minimise an objective offering ``loss_gradient``.

One solver per module, one :class:`SolverResult`, one :class:`IterationHook`
that every solver reports each iteration to; none of them knows which
estimator called it.
"""

import functools

from ._lbfgs import lbfgs
from ._lockstep import lbfgs_lockstep, lockstep_runs
from ._owlqn import owlqn
from ._prox_lbfgs import prox_lbfgs
from ._result import IterationHook, SolverResult
from ._sgd import SgdOptions, sgd


def minimiser(penalty):
    """The solver of a smooth objective plus ``penalty`` (None: none), all
    called alike: L-BFGS-B without one, OWL-QN for a penalty with a
    pseudo-gradient (the elementwise L1), proximal L-BFGS for any other with
    a proximal operator (the groups)."""
    if penalty is None:
        return lbfgs
    solver = owlqn if hasattr(penalty, "pseudo_gradient") else prox_lbfgs
    return functools.partial(solver, penalty=penalty)


__all__ = [
    "IterationHook",
    "SgdOptions",
    "SolverResult",
    "lbfgs",
    "lbfgs_lockstep",
    "lockstep_runs",
    "minimiser",
    "sgd",
]
