"""Inference for fitted models: covariance of the estimates, coefficient
tables, fit statistics, Wald tests and average marginal effects
(``_parameters``: what is estimated; ``_covariance``: its covariance;
``_margins``: the effects; ``_mixin``: the estimators' methods)."""

from ._mixin import InferenceMixin, WaldTest

__all__ = ["InferenceMixin", "WaldTest"]
