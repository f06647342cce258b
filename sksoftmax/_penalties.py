"""The non-smooth part of a penalised objective: its value, proximal
operator and optimality conditions, as every non-smooth solver takes them.

The objective of a fit is ``f(coef) + h(coef)``: f the smooth part that
``LinearLoss.loss_gradient`` evaluates (the mean loss and the L2 term), h
the L1 part here, on the same scale (``F / S``). With l1_ratio rho,
per-feature factors f_j and total sample weight S, the L1 term of
``(1/C) rho sum_{k,j} f_j |W[k, j]|`` is, divided by S, an elementwise
``sum_i strength_i |coef_i|`` over the packed coefficients, zero for the
intercepts and for unpenalised features.
"""

import numpy as np

from ._weights import l2_reg_strength


class L1Penalty:
    """``h(coef) = sum_i strength_i |coef_i|``.

    Parameters
    ----------
    strength : ndarray of shape (n_coef,)
        Non-negative, one per packed coefficient.
    """

    def __init__(self, strength):
        self.strength = np.asarray(strength, dtype=np.float64)

    @classmethod
    def of_weights(cls, loss, l1_reg_strength, penalty_factor=None):
        """The penalty of ``l1_reg_strength * sum_{k,j} f_j |W[k, j]|`` on
        the coefficients that ``loss`` (a LinearLoss) packs."""
        factor = np.ones(loss.n_features) if penalty_factor is None else penalty_factor
        weights = np.broadcast_to(
            l1_reg_strength * factor, (loss.n_outputs, loss.n_features)
        )
        intercepts = np.zeros(loss.n_outputs) if loss.fit_intercept else None
        return cls(loss.pack(weights, intercepts))

    def value(self, coef):
        return float(np.dot(self.strength, np.abs(coef)))

    def prox(self, coef, step):
        """``argmin_x h(x) + ||x - coef||^2 / (2 step)``: soft thresholding."""
        threshold = step * self.strength
        return np.sign(coef) * np.maximum(np.abs(coef) - threshold, 0.0)

    def pseudo_gradient(self, coef, gradient):
        """The element of ``gradient + dh(coef)`` of least norm (dh the
        subdifferential): ``g_i + s_i sign(c_i)`` where ``c_i != 0``; at
        ``c_i = 0``, ``g_i`` moved towards zero by ``s_i``, or zero where
        ``|g_i| <= s_i``. It is zero exactly at a minimum of ``f + h``."""
        strength = self.strength
        shrunk = np.sign(gradient) * np.maximum(np.abs(gradient) - strength, 0.0)
        return np.where(coef != 0, gradient + strength * np.sign(coef), shrunk)

    def largest_ratio(self, gradient):
        """``max_i |g_i| / s_i`` over the penalised entries: at a point whose
        penalised entries are zero, they all stay zero for strengths of at
        least this many times ``s`` (l1_min_c's ratio)."""
        penalised = self.strength > 0
        if not np.any(penalised):
            return 0.0
        return float(np.max(np.abs(gradient[penalised]) / self.strength[penalised]))

    def violation(self, coef, gradient):
        """The largest violation of the optimality conditions: the largest
        absolute entry of :meth:`pseudo_gradient` (0 for no coefficients)."""
        pseudo = self.pseudo_gradient(coef, gradient)
        return float(np.max(np.abs(pseudo))) if pseudo.size else 0.0


def check_penalty_factor(penalty_factor, n_features):
    """``penalty_factor`` as a float64 array of n_features non-negative
    finite entries (None stays None)."""
    if penalty_factor is None:
        return None
    try:
        factor = np.asarray(penalty_factor, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(
            "penalty_factor must be an array of n_features numbers; got "
            f"{type(penalty_factor).__name__}."
        ) from error
    if factor.shape != (n_features,):
        raise ValueError(
            f"penalty_factor must have one entry per feature, shape "
            f"({n_features},); got shape {factor.shape}."
        )
    if not np.all(np.isfinite(factor)) or np.any(factor < 0):
        raise ValueError(
            "penalty_factor must be finite and non-negative (0 leaves a feature "
            f"unpenalised); got {factor[~(np.isfinite(factor) & (factor >= 0))][:3]}."
        )
    return factor


def check_solver(estimator):
    """The penalties the SGD solver does not fit get a clear error."""
    if estimator.solver == "sgd" and (
        estimator.l1_ratio > 0 or estimator.penalty_factor is not None
    ):
        raise ValueError(
            "solver='sgd' fits the plain L2 penalty; l1_ratio > 0 and "
            "penalty_factor are fitted by solver='lbfgs' (OWL-QN for the L1 "
            "part)."
        )


def penalty_terms(estimator, problem, loss, weight_sum):
    """The smooth L2 strength (a float, or one per feature with
    ``penalty_factor``) and the :class:`L1Penalty` (None without an L1 part)
    of ``(1/C) [(1 - rho)/2 sum_j f_j ||W[:, j]||^2 + rho sum_{k,j} f_j
    |W[k, j]|]`` divided by the total weight S.

    The two-class softmax fits one sigmoid ``d = W[1] - W[0]`` whose L2 term
    carries half the strength (``problem.l2_scale``): the symmetric rows give
    ``(1 - rho)/4 |d|^2 + rho |d|_1``, so its L1 term is not halved.
    """
    base = l2_reg_strength(problem.l2_scale, estimator.C, weight_sum)
    rho = float(estimator.l1_ratio)
    factor = check_penalty_factor(estimator.penalty_factor, loss.n_features)
    l2 = (1.0 - rho) * base if rho > 0 else base  # rho = 0: the L2 fit, bit for bit
    if factor is not None:
        l2 = l2 * factor
    penalty = None
    if rho > 0 and base > 0:
        penalty = L1Penalty.of_weights(loss, rho * base / problem.l2_scale, factor)
    return l2, penalty
