"""Average marginal effects and their Jacobian in the estimates (for the
delta method), as statsmodels ``get_margeff(at="overall", method="dydx")``.

Softmax, for every class k and feature j (the reference class included)::

    AME_kj = sum_i s_i p_ik (w_kj - wbar_ij) / S,     wbar_ij = sum_l p_il w_lj

Each sigmoid: ``AME_kj = sum_i s_i p_ik (1 - p_ik) w_kj / S``. The
Jacobian is written out (statsmodels differentiates numerically, by complex
steps): with ``A_ikj = p_ik (w_kj - wbar_ij)`` and ``xt_i = [1, x_i]``, the
derivative of ``S AME_kj`` in the estimate ``m`` of output l is::

    sum_i s_i [ (d_kl - p_il) A_ikj xt_im - p_ik A_ilj xt_im
                + [m is feature j] (d_kl p_ik - p_ik p_il) ]

Every term is a sum over rows: a product of two (rows, .) matrices per
block of rows, the same ``n (K d) (m q)`` multiply-adds as the Hessian.
"""

import numpy as np
from scipy.special import expit

from .._loss._hessian import _design, _kron_rows

_BLOCK_ENTRIES = 1 << 20


def margin_sums(linear_loss, coef, X, sample_weight, outputs, softmax):
    """``(S AME, S dAME/dtheta)`` summed over X's rows: shapes (L, d) and
    (L d, m q), L the classes (softmax) or the outputs (sigmoids)."""
    n_features = X.shape[1]
    offset = int(linear_loss.fit_intercept)
    weights_all, _ = linear_loss.unpack(coef)
    n_labels = weights_all.shape[0] if softmax else len(outputs)
    m, q = len(outputs), n_features + offset
    effects = np.zeros((n_labels, n_features))
    jacobian = np.zeros((n_labels, n_features, m, q))
    rows_per_block = max(256, _BLOCK_ENTRIES // max(n_labels * n_features + m * q, 1))
    feature_columns = np.arange(n_features) + offset
    for start in range(0, X.shape[0], rows_per_block):
        rows = slice(start, start + rows_per_block)
        design = _design(X[rows], linear_loss.fit_intercept)
        raw = linear_loss.raw_prediction(coef, design[:, offset:])
        s = np.asarray(sample_weight[rows], dtype=np.float64)
        diag, outer = linear_loss.base_loss.hessian_terms(raw)
        if softmax:
            proba = diag  # p, shape (K, rows)
            mean_weight = proba.T @ weights_all  # wbar, (rows, d)
            per_sample = proba.T[:, :, None] * (
                weights_all[None, :, :] - mean_weight[:, None, :]
            )  # A, (rows, K, d)
            weighted = per_sample * s[:, None, None]
            effects += weighted.sum(axis=0)
            flat = weighted.reshape(weighted.shape[0], -1)
            # - sum_i s p_il A_ikj xt_im, all k, l in outputs
            jacobian -= (flat.T @ _kron_rows(proba[outputs], design)).reshape(
                jacobian.shape
            )
            # - sum_i s p_ik A_ilj xt_im, all k, for each l
            all_classes = _kron_rows(s * proba, design).reshape(-1, n_labels, q)
            for position, output in enumerate(outputs):
                products = np.einsum("ij,ikm->kjm", per_sample[:, output], all_classes)
                jacobian[:, :, position, :] -= products
                # + d_kl sum_i s A_ikj xt_im
                jacobian[output, :, position, :] += weighted[:, output].T @ design
            cross = (s * proba) @ proba[outputs].T  # sum_i s p_ik p_il, (K, m)
            own = np.zeros_like(cross)
            own[outputs, np.arange(m)] = (s * proba[outputs]).sum(axis=1)
            jacobian[:, np.arange(n_features), :, feature_columns] += (own - cross)[
                None
            ]
        else:
            slope = diag[outputs]  # p (1 - p), (m, rows)
            proba = expit(raw[outputs])
            effects += (slope @ s)[:, None] * weights_all[outputs]
            curvature = (s * slope * (1 - 2 * proba)) @ design  # (m, q)
            for position, output in enumerate(outputs):
                jacobian[position, :, position, :] += np.outer(
                    weights_all[output], curvature[position]
                )
                jacobian[
                    position, np.arange(n_features), position, feature_columns
                ] += slope[position] @ s
    return effects, jacobian.reshape(n_labels * n_features, m * q)


def chunk_margins(chunk, loss_spec, coef, outputs, softmax):
    """:func:`margin_sums` on a Dask chunk."""
    from .._loss import LinearLoss

    loss = LinearLoss(*loss_spec)
    return margin_sums(loss, coef, chunk.X, chunk.sample_weight, outputs, softmax)


def average_marginal_effects(parameters):
    """``(labels, effects (L, d), jacobian (L d, m q))`` of a fitted model's
    data, in the parameters' sign convention."""
    data, softmax = parameters.data, parameters.softmax
    if hasattr(data, "chunks"):
        effects, jacobian = data.chunks.map_sum(
            chunk_margins, parameters.coef, parameters.outputs, softmax
        )
    else:
        X, _, sample_weight = data.objective_data
        effects, jacobian = margin_sums(
            data.linear_loss,
            parameters.coef,
            X,
            sample_weight,
            parameters.outputs,
            softmax,
        )
    total = data.weight_sum
    labels = data.classes if softmax else parameters.output_labels
    # a two-class reference of the second class: the effects on the first
    return labels, parameters.sign * effects / total, jacobian / total
