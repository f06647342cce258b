"""Helpers shared by the benchmarks: the two fits at the same objective, their
side-by-side timing and the objective, as the package's comparison
(``python -m sksoftmax.compare``) has them."""

from sksoftmax.compare import side_by_side_fits, softmax_objective, time_side_by_side

__all__ = ["side_by_side_fits", "softmax_objective", "time_side_by_side"]
