"""Helpers shared by the benchmarks: side-by-side timing and the objective,
the same the package's comparison (``python -m sksoftmax.compare``) uses."""

from sksoftmax.compare import softmax_objective, time_side_by_side

__all__ = ["softmax_objective", "time_side_by_side"]
