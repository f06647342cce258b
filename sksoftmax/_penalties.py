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

    def __init__(self, strength, shape=None):
        self.strength = np.asarray(strength, dtype=np.float64)
        self.shape = shape  # of W, for screening's units (the features)

    @classmethod
    def of_weights(cls, loss, l1_reg_strength, penalty_factor=None):
        """The penalty of ``l1_reg_strength * sum_{k,j} f_j |W[k, j]|`` on
        the coefficients that ``loss`` (a LinearLoss) packs."""
        factor = np.ones(loss.n_features) if penalty_factor is None else penalty_factor
        weights = np.broadcast_to(
            l1_reg_strength * factor, (loss.n_outputs, loss.n_features)
        )
        intercepts = np.zeros(loss.n_outputs) if loss.fit_intercept else None
        return cls(loss.pack(weights, intercepts), (loss.n_outputs, loss.n_features))

    # Screening (``_path``) keeps or drops whole columns of X: a unit is a
    # feature here, a group for GroupPenalty. A unit's score is the size of
    # the loss gradient that the strength must hold at zero.

    def _weights(self, packed):
        return packed[: self.shape[0] * self.shape[1]].reshape(self.shape)

    @property
    def column_unit(self):
        """The unit of each column of W (its feature)."""
        return np.arange(self.shape[1])

    @property
    def unit_strength(self):
        """The strength of each feature (the same in every output)."""
        return self._weights(self.strength).max(axis=0)

    def unit_scores(self, gradient):
        """``max_k |g[k, j]|`` per feature: it stays zero while at most its
        strength."""
        return np.abs(self._weights(gradient)).max(axis=0)

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


def column_groups(l1_groups, n_features):
    """The group of each column as codes ``[0, n_groups)``: None for none
    (the elementwise L1 norm), "features" one group per feature, or any
    labels, one per feature."""
    if l1_groups is None:
        return None
    if isinstance(l1_groups, str):  # "features": the constraint allows no other
        return np.arange(n_features)
    labels = np.asarray(l1_groups)
    if labels.shape != (n_features,):
        raise ValueError(
            f"l1_groups must give one group label per feature, shape "
            f"({n_features},); got shape {labels.shape}."
        )
    try:
        _, codes = np.unique(labels, return_inverse=True)
    except TypeError as error:
        raise TypeError(
            "l1_groups labels must be of one sortable type (all numbers or "
            "all strings)."
        ) from error
    return codes.ravel()


def _group_factor(factor, groups):
    """The penalty factor of each group, which must be one number per group."""
    n_groups = int(groups.max()) + 1
    if factor is None:
        return np.ones(n_groups)
    first = np.zeros(n_groups)
    first[groups] = factor
    if not np.all(first[groups] == factor):
        varying = int(groups[np.flatnonzero(first[groups] != factor)[0]])
        raise ValueError(
            "penalty_factor must be constant within each group of l1_groups: "
            f"group {varying} (by its position among the sorted labels) has "
            f"{np.unique(factor[groups == varying]).tolist()}."
        )
    return first


def penalty_terms(estimator, problem, loss, weight_sum):
    """The smooth L2 strength (a float, or one per feature with
    ``penalty_factor``) and the non-smooth penalty (None without an L1 part)
    of ``(1/C) [(1 - rho)/2 sum_j f_j ||W[:, j]||^2 + rho Omega(W)]``
    divided by the total weight S: an :class:`L1Penalty` for the elementwise
    ``Omega = sum_{k,j} f_j |W[k, j]|``, a :class:`GroupPenalty` for
    ``Omega = sum_g f_g sqrt(|g|) ||W[:, J_g]||_F`` (|g| columns in group g).

    The two-class softmax fits one sigmoid ``d = W[1] - W[0]`` whose L2 term
    carries half the strength (``problem.l2_scale``): the symmetric rows
    ``-d/2, d/2`` give ``(1 - rho)/4 |d|^2 + rho |d|_1``, so its elementwise
    L1 term is not halved, and a group's ``||W[:, J]||_F = ||d_J|| /
    sqrt(2)``, so its group term is divided by sqrt(2).
    """
    base = l2_reg_strength(problem.l2_scale, estimator.C, weight_sum)
    rho = float(estimator.l1_ratio)
    factor = check_penalty_factor(estimator.penalty_factor, loss.n_features)
    groups = column_groups(getattr(estimator, "l1_groups", None), loss.n_features)
    l2 = (1.0 - rho) * base if rho > 0 else base  # rho = 0: the L2 fit, bit for bit
    if factor is not None:
        l2 = l2 * factor
    group_factor = None if groups is None else _group_factor(factor, groups)
    if not (rho > 0 and base > 0):
        return l2, None
    l1 = rho * base / problem.l2_scale
    if groups is None:
        return l2, L1Penalty.of_weights(loss, l1, factor)
    sizes = np.bincount(groups)
    strength = l1 * np.sqrt(problem.l2_scale) * group_factor * np.sqrt(sizes)
    return l2, GroupPenalty(loss.n_outputs, loss.n_features, groups, strength)


class GroupPenalty:
    """``h(coef) = sum_g s_g ||W[:, J_g]||_F``: the coefficients of a group of
    columns J_g of W, across every output, shrink together and are zero or
    not together (grouped multinomial lasso; ``J_g`` one feature for
    ``l1_groups="features"``).

    Parameters
    ----------
    n_outputs, n_features : int
        The shape of W in the packed coefficients (``W.ravel()``, then the
        intercepts, which no group holds).
    column_group : ndarray of int of shape (n_features,)
        The group of each column, ``[0, n_groups)``; -1 for none (an
        unpenalised feature).
    strength : ndarray of shape (n_groups,)
        ``s_g``, non-negative.
    """

    def __init__(self, n_outputs, n_features, column_group, strength):
        self.n_outputs, self.n_features = n_outputs, n_features
        self.column_group = np.asarray(column_group)
        self.strength = np.asarray(strength, dtype=np.float64)
        self._grouped = self.column_group >= 0

    def _weights(self, coef):
        n_weights = self.n_outputs * self.n_features
        return coef[:n_weights].reshape(self.n_outputs, self.n_features)

    def group_norms(self, coef):
        """``||W[:, J_g]||_F`` of every group."""
        weights = self._weights(coef)
        column_squares = np.einsum("kj,kj->j", weights, weights)
        sums = np.bincount(
            self.column_group[self._grouped],
            weights=column_squares[self._grouped],
            minlength=self.strength.shape[0],
        )
        return np.sqrt(sums)

    def value(self, coef):
        return float(np.dot(self.strength, self.group_norms(coef)))

    def _column_factor(self, group_factor):
        """A factor per group, spread over its columns (1 for no group)."""
        factor = np.ones(self.n_features)
        factor[self._grouped] = group_factor[self.column_group[self._grouped]]
        return factor

    def prox(self, coef, step):
        """Group soft thresholding: each group scaled by
        ``max(0, 1 - step s_g / ||W_g||)``."""
        norms = self.group_norms(coef)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(
                norms > 0, np.maximum(1.0 - step * self.strength / norms, 0.0), 0.0
            )
        out = coef.copy()
        self._weights(out)[...] *= self._column_factor(scale)
        return out

    def _residual_norms(self, coef, gradient):
        """Per group, the distance of ``-gradient`` from the subdifferential:
        ``max(||g_g|| - s_g, 0)`` at a zero group, ``||g_g + s_g W_g /
        ||W_g|| ||`` at a non-zero one."""
        norms = self.group_norms(coef)
        with np.errstate(divide="ignore", invalid="ignore"):
            unit = np.where(norms > 0, self.strength / norms, 0.0)
        shifted = gradient.copy()
        self._weights(shifted)[...] += self._column_factor(unit) * self._weights(coef)
        residual = self.group_norms(shifted)
        gradient_norms = self.group_norms(gradient)
        zero = norms == 0
        residual[zero] = np.maximum(gradient_norms[zero] - self.strength[zero], 0.0)
        return residual, shifted

    def violation(self, coef, gradient):
        """The largest violation of the optimality conditions: over groups,
        the norm of :meth:`_residual_norms`; over coefficients in no group
        (intercepts, unpenalised features), ``|g_i|``."""
        residual, _ = self._residual_norms(coef, gradient)
        free = np.ones(coef.shape[0], dtype=bool)
        free_weights = self._weights(free)
        free_weights[:, self._grouped] = False
        largest = float(residual.max()) if residual.size else 0.0
        if np.any(free):
            largest = max(largest, float(np.max(np.abs(gradient[free]))))
        return largest

    @property
    def column_unit(self):
        """The unit of each column of W for screening: its group."""
        return self.column_group

    @property
    def unit_strength(self):
        return self.strength

    def unit_scores(self, gradient):
        """``||g_g||``: a zero group stays zero while at most ``s_g``."""
        return self.group_norms(gradient)

    def largest_ratio(self, gradient):
        """``max_g ||g_g|| / s_g`` over the penalised groups (l1_min_c)."""
        norms = self.group_norms(gradient)
        penalised = self.strength > 0
        if not np.any(penalised):
            return 0.0
        return float(np.max(norms[penalised] / self.strength[penalised]))
