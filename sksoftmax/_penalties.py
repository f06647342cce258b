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

    def violation(self, coef, gradient):
        """The largest violation of the optimality conditions: the largest
        absolute entry of :meth:`pseudo_gradient` (0 for no coefficients)."""
        pseudo = self.pseudo_gradient(coef, gradient)
        return float(np.max(np.abs(pseudo))) if pseudo.size else 0.0
