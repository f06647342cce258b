"""The smallest C at which an L1 or elastic-net fit has a coefficient."""

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing

from ._fit_data import fit_data
from ._penalties import check_penalty_factor, penalty_terms


def l1_min_c(estimator, X, y, sample_weight=None):
    """The smallest C where a penalised coefficient of ``estimator`` leaves zero.

    Below this C the fit of ``estimator`` (with its ``l1_ratio``,
    ``penalty_factor``, ``class_weight`` and targets) has every penalised
    coefficient at exactly zero: the model of the intercepts (and of the
    unpenalised features) alone. It follows from the gradient there, as
    scikit-learn's :func:`~sklearn.svm.l1_min_c` does for its losses: a
    coefficient stays zero while ``|dF/dW[k, j]| <= l1_ratio * f_j / C``.

    Parameters
    ----------
    estimator : SoftmaxRegression or OneVsRestSigmoid
        Unfitted is fine; its ``C`` is not used. ``l1_ratio`` must be > 0.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like
        Targets as ``fit`` takes them.
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    C : float
        The smallest C with a non-zero penalised coefficient (inf if the
        gradient vanishes there: no C brings one in).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import scale
    >>> from sksoftmax import SoftmaxRegression, l1_min_c
    >>> X, y = load_iris(return_X_y=True)
    >>> X = scale(X)
    >>> model = SoftmaxRegression(l1_ratio=1.0)
    >>> C = l1_min_c(model, X, y)
    >>> bool((model.set_params(C=0.99 * C).fit(X, y).coef_ == 0).all())
    True
    >>> bool((model.set_params(C=1.1 * C).fit(X, y).coef_ != 0).any())
    True
    """
    if not estimator.l1_ratio > 0:
        raise ValueError(
            "l1_min_c needs an estimator with l1_ratio > 0: with the L2 penalty "
            "alone every coefficient is non-zero at any C > 0."
        )
    data = fit_data(estimator, X, y, sample_weight, on_device=False)
    coef = zero_model(estimator, data, X, y, sample_weight)
    return first_C(estimator, data, coef)[0]


def first_C(estimator, data, coef):
    """The smallest C with a non-zero penalised coefficient, from the model
    ``coef`` (:func:`zero_model`) where they are all zero, and the gradient
    of the loss there (no L2 term: it vanishes at zero)."""
    loss = data.linear_loss
    gradient = loss.loss_gradient(coef, *data.objective_data, 0.0, data.weight_sum)[1]
    # the L1 penalty at C = 1: every strength is 1 / C times these
    unit = clone(estimator).set_params(C=1.0)
    _, penalty = penalty_terms(unit, data.problem, loss, data.weight_sum)
    ratio = penalty.largest_ratio(gradient)
    return (float(np.inf) if ratio == 0 else 1.0 / ratio), gradient


def zero_model(estimator, data, X, y, sample_weight):
    """The model where every penalised coefficient is zero: the intercepts
    alone, or with unpenalised features (factor 0) fitted unpenalised."""
    factor = check_penalty_factor(estimator.penalty_factor, data.X.shape[1])
    free = np.flatnonzero(factor == 0) if factor is not None else np.array([], int)
    if free.size == 0:
        return data.prior_coef()
    X_free = _safe_indexing(X, free, axis=1)
    unpenalised = clone(estimator).set_params(
        C=np.inf, l1_ratio=0.0, penalty_factor=None, tol=1e-10, max_iter=10000
    )
    unpenalised.fit(X_free, y, sample_weight=sample_weight)
    weights = np.zeros((data.linear_loss.n_outputs, data.X.shape[1]))
    weights[:, free] = unpenalised.coef_
    return data.linear_loss.pack(weights, unpenalised.intercept_)
