"""A fitted model as inference sees it: which coefficients are estimated
(contrasts against a reference class for the softmax, every sigmoid's own),
their names, their values, the penalty's curvature on them, and the sums over
the data the model was fitted on."""

import numpy as np
from scipy import sparse
from scipy.special import xlogy
from sklearn.utils.validation import check_is_fitted

from .._array_api import host_array
from .._dask_dispatch import is_dask_collection
from .._fit_data import fit_data
from .._loss import MultinomialLoss
from .._loss._hessian import information_sums
from .._penalties import check_penalty_factor

INTERCEPT = "intercept"


def _check_estimable(estimator):
    """Inference needs a smooth objective at the solution."""
    l1_ratio = getattr(estimator, "l1_ratio", 0.0) or 0.0
    if l1_ratio > 0:
        raise ValueError(
            f"Inference after an L1 or elastic-net fit (l1_ratio={l1_ratio}) is "
            "not valid: the penalty selected the features, and standard errors "
            "that ignore the selection are too small. Refit the selected "
            "features with l1_ratio=0 on other data, or use the bootstrap."
        )


def _reference_position(classes, reference):
    if reference is None:
        return 0
    matches = np.flatnonzero(classes == reference)
    if matches.shape[0] != 1:
        raise ValueError(
            f"reference={reference!r} is not one of the classes {classes.tolist()}."
        )
    return int(matches[0])


class FittedParameters:
    """The estimated coefficients of a fitted model and its data.

    Softmax with K >= 3 classes: the K - 1 contrasts ``[b_k - b_r, w_k -
    w_r]`` against the reference class r, as statsmodels ``MNLogit``; the
    penalty ``||W||^2 / (2C)`` on the K rows has, marginally on the contrasts
    (the reference row integrated out), the precision ``(I - 11^T / K) / C``
    on the weights. Two classes (one sigmoid) and every sigmoid of
    ``OneVsRestSigmoid``: ``[b_k, w_k]`` as statsmodels ``Logit``, with the
    penalty the fit used on it.

    Attributes
    ----------
    data : FitData or DaskFitData
    outputs : ndarray of int
        The rows of the fit's coefficients estimated, in order.
    output_labels : ndarray
        Their class (or label) names.
    sign : float
        -1 where a two-class reference is the second class (the contrast is
        then the first class against the second).
    values : ndarray of shape (m, q)
        The estimates, intercept first in each row.
    penalty : ndarray of shape (m q, m q)
        The penalty's Hessian on them (zero for C = inf).
    per_output_params : int
        Parameters of one output's model when the outputs are separate
        models (sigmoids), else of the whole model: the ``k`` of the
        small-sample corrections.
    """

    def __init__(self, estimator, X, y, sample_weight, reference=None):
        check_is_fitted(estimator)
        _check_estimable(estimator)
        self.estimator = estimator
        classes = host_array(estimator.classes_)
        self.data = data = fit_data(
            estimator,
            X,
            y,
            sample_weight,
            classes=classes,
            reset=False,
            on_device=False,
            kind=getattr(estimator, "_target_kind", None),
        )
        loss, problem = data.linear_loss, data.problem
        self.coef = data.warm_coef(estimator)
        self.softmax = isinstance(problem.base_loss, MultinomialLoss)
        weights, intercept = loss.unpack(self.coef)
        self.intercept_column = loss.fit_intercept
        rows = (
            weights if intercept is None else np.hstack([intercept[:, None], weights])
        )
        # the CV estimators' chosen C, or the parameter
        C = float(estimator.C_ if hasattr(estimator, "C_") else estimator.C)
        n_outputs, self.sign = problem.n_outputs, 1.0
        if self.softmax:
            position = _reference_position(classes, reference)
            self.reference = classes[position]
            self.outputs = np.delete(np.arange(n_outputs), position)
            self.output_labels = classes[self.outputs]
            self.values = rows[self.outputs] - rows[position]
            m = n_outputs - 1
            output_precision = (np.eye(m) - 1.0 / n_outputs) / C
        elif problem.l2_scale != 1.0:  # the two-class softmax: one sigmoid
            position = _reference_position(classes, reference)
            self.reference = classes[position]
            self.sign = 1.0 if position == 0 else -1.0
            self.outputs = np.arange(1)
            self.output_labels = classes[1 - position : 2 - position]
            self.values = self.sign * rows
            output_precision = np.eye(1) * problem.l2_scale / C
        else:
            if reference is not None:
                raise ValueError(
                    f"reference={reference!r} applies to a softmax; the "
                    "sigmoids of OneVsRestSigmoid each have their own "
                    "coefficients, against no reference."
                )
            self.reference = None
            self.outputs = np.arange(n_outputs)
            self.output_labels = classes
            self.values = rows
            output_precision = np.eye(n_outputs) / C
        q = rows.shape[1]
        # the L2 term's curvature on each column: 0 for the intercept, the
        # penalty factor (1 without) for each feature
        factor = check_penalty_factor(
            getattr(estimator, "penalty_factor", None), weights.shape[1]
        )
        weight_entries = np.ones(weights.shape[1]) if factor is None else factor
        if self.intercept_column:
            weight_entries = np.r_[0.0, weight_entries]
        self.penalty = np.kron(output_precision, np.diag(weight_entries))
        self.per_output_params = self.values.size if self.softmax else q
        self.C = C
        self.feature_names = self._feature_names(estimator, weights.shape[1])

    @staticmethod
    def _feature_names(estimator, n_features):
        names = getattr(estimator, "feature_names_in_", None)
        if names is None:
            names = [f"x{j}" for j in range(n_features)]
        return [str(name) for name in names]

    @property
    def parameter_names(self):
        """The names of the columns of ``values``."""
        return ([INTERCEPT] if self.intercept_column else []) + self.feature_names

    @property
    def label_level(self):
        # the outputs of a 2-D target are its columns, not classes
        return (
            "label"
            if self.data.problem.class_codes is None and not self.softmax
            else "class"
        )

    @property
    def n_obs(self):
        """The total weight: rows, when the weights count repetitions."""
        return self.data.weight_sum

    def sums(self, scores=False, group_codes=None, n_groups=0):
        """:func:`information_sums` of the data for the estimated outputs."""
        data = self.data
        if hasattr(data, "chunks"):
            from .._dask._chunks import chunk_information

            return data.chunks.map_sum(
                chunk_information, self.coef, self.outputs, scores
            )
        X, target, sample_weight = data.objective_data
        return information_sums(
            data.linear_loss,
            self.coef,
            X,
            target,
            sample_weight,
            self.outputs,
            scores,
            group_codes,
            n_groups,
        )

    def log_likelihoods(self):
        """``(log-likelihood, null log-likelihood)``, the null model with
        the intercepts alone (as statsmodels fits it, with or without
        ``fit_intercept``)."""
        data, loss = self.data, self.data.linear_loss
        X, target, sample_weight = data.objective_data
        if hasattr(data, "chunks"):
            loss_sum = data.chunks.sums(self.coef)[0]
            totals = data.chunks.target_totals
        else:
            loss_sum = loss.sums(self.coef, X, target, sample_weight)[0]
            totals = data.problem.base_loss.target_totals(
                target, sample_weight, data.problem.n_outputs
            )
        total = data.weight_sum
        null = xlogy(totals, totals / total).sum()
        if not self.softmax:  # each sigmoid's negatives too
            null += xlogy(total - totals, 1 - totals / total).sum()
        return -float(loss_sum), float(null)

    def group_codes(self, groups):
        """The cluster of each sample as codes ``[0, n_groups)``, and their
        number."""
        if hasattr(self.data, "chunks") or is_dask_collection(groups):
            raise ValueError(
                "cov_type='cluster' is not available for Dask input: every "
                "chunk's score sums would have to be gathered by group. Compute "
                "X, y and groups into memory for it."
            )
        return group_codes(groups, self.data.X.shape[0])


def group_codes(groups, n_samples):
    """Groups of any labels as codes ``[0, n_groups)`` and their number."""
    if groups is None:
        raise ValueError("cov_type='cluster' needs groups: one label per sample.")
    groups = host_array(groups.toarray() if sparse.issparse(groups) else groups)
    groups = np.asarray(groups)
    if groups.ndim != 1 or groups.shape[0] != n_samples:
        raise ValueError(
            f"groups must have one label per sample, shape ({n_samples},); "
            f"got shape {groups.shape}."
        )
    _, codes = np.unique(groups, return_inverse=True)
    n_groups = int(codes.max()) + 1 if codes.size else 0
    if n_groups < 2:
        raise ValueError(
            f"cov_type='cluster' needs at least two groups; groups has {n_groups}."
        )
    return codes.ravel(), n_groups
