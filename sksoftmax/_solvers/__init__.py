"""Solvers: minimise an objective offering ``loss_gradient``.

One solver per module, one :class:`SolverResult`, one :class:`IterationHook`
that every solver reports each iteration to; none of them knows which
estimator called it.
"""

from ._lbfgs import lbfgs
from ._lockstep import lbfgs_lockstep
from ._result import IterationHook, SolverResult
from ._sgd import SgdOptions, sgd

__all__ = [
    "IterationHook",
    "SgdOptions",
    "SolverResult",
    "lbfgs",
    "lbfgs_lockstep",
    "sgd",
]
