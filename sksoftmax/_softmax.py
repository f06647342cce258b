"""SoftmaxRegression: one linear layer, softmax, cross-entropy."""

import numpy as np

from ._array_api import host_array, log_softmax, take_labels
from ._base import _BaseSoftmaxFamily
from ._docs import fill_doc
from ._inference import InferenceMixin
from ._targets import ClassLabels, SoftTargets


@fill_doc
class SoftmaxRegression(InferenceMixin, _BaseSoftmaxFamily):
    r"""Softmax (multinomial logistic) regression.

    One fully connected layer ``z = W x + b`` with ``W`` of shape
    (n_classes, n_features), a softmax over the ``z`` and the cross-entropy of
    the true class. With ``s_i = sample_weight_i * class_weight[y_i]`` it
    minimises

    .. math::

        F(W, b) = \sum_i s_i \left(\operatorname{logsumexp}(z_i) - z_{i, y_i}\right)
                  + \frac{\lVert W \rVert_F^2}{2C}

    (scaled by ``1 / sum_i s_i`` for the solver, which changes nothing but the
    conditioning). ``C`` means exactly what it means in
    :class:`~sklearn.linear_model.LogisticRegression`, and for three classes or
    more the fitted ``coef_`` and ``intercept_`` are LogisticRegression's.

    With ``l1_ratio`` rho > 0 the penalty is the elastic net (L1 for rho = 1),
    with per-feature factors ``f_j`` (``penalty_factor``, default 1):

    .. math::

        \frac{1}{C} \left[ \frac{1 - \rho}{2} \sum_j f_j \lVert W_{:, j}
        \rVert^2 + \rho \, \Omega(W) \right], \quad
        \Omega(W) = \sum_{k, j} f_j |W_{kj}| \ \text{or} \
        \sum_g f_g \sqrt{|g|} \, \lVert W_{:, J_g} \rVert_F

    (the second with ``l1_groups``: a group of features in or out for every
    class at once). For three classes or more ``SoftmaxRegression(C,
    l1_ratio=rho)`` equals ``LogisticRegression(C, l1_ratio=rho)``.

    For two classes the softmax is a sigmoid of ``z_1 - z_0``: the model stores
    ``coef_`` of shape (1, n_features) equal to ``W[1] - W[0]`` and the fit
    equals ``LogisticRegression(C=2 * C)`` (the penalty on two symmetric rows is
    half the penalty on their difference); with ``l1_ratio`` rho,
    ``LogisticRegression(C=2 * C / (1 + rho), l1_ratio=2 * rho / (1 + rho))``.

    ``y`` may also be a target distribution per sample, ``Y`` of shape
    (n_samples, n_classes) with rows summing to one (probabilistic labels, a
    teacher's ``predict_proba``): the loss is then
    ``logsumexp(z_i) - Y_i . z_i`` and ``classes_`` are Y's DataFrame column
    labels, or ``arange(n_classes)``. ``label_smoothing`` mixes every target
    with the uniform distribution.

    ``solver="sgd"`` and :meth:`partial_fit` minimise the same ``F / sum_i s_i``
    by minibatch SGD, so data that does not fit in memory can stream through
    a multinomial model.

    Parameters
    ----------
    %(parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (n_classes, n_features) or (1, n_features)
        Weights; one row for two classes. Same dtype as the training X.
    intercept_ : ndarray of shape (n_classes,) or (1,)
        Intercepts (zeros when ``fit_intercept=False``); for three classes or
        more they sum to zero.
    %(attributes)s

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The same model, more solvers.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sksoftmax import SoftmaxRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)  # raw iris needs more iterations
    >>> clf = SoftmaxRegression(C=10.0).fit(X, y)
    >>> clf.coef_.shape
    (3, 4)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> clf.predict_proba(X[:1]).sum().round(6)
    np.float64(1.0)
    """

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of :meth:`predict` on ``X`` against ``y``.

        ``y`` may be class labels or, as in :meth:`fit`, soft targets (a
        distribution per sample, a DataFrame's columns matched to
        ``classes_`` by label): they are scored against each row's most
        probable class, as the CV estimators and callbacks score them.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            True labels, or target distributions.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Mean accuracy (weighted by ``sample_weight``).
        """
        if np.ndim(y) == 2 and np.shape(y)[1] >= 2:
            classes = host_array(self.classes_)
            encoder = SoftTargets(type(self).__name__, getattr(y, "columns", None))
            Y, _ = encoder.check(host_array(y), classes)
            y = classes[np.argmax(Y, axis=1)]
        return super().score(X, y, sample_weight=sample_weight)

    def _target_encoder(self, y, columns):
        if y.ndim == 2 and y.shape[1] >= 2:
            return SoftTargets(type(self).__name__, columns)
        return ClassLabels(type(self).__name__)

    def _multi_output_log_proba(self, decision, xp):
        return log_softmax(decision, xp)

    def _multi_output_predict(self, decision, classes, multilabel_dtype, xp):
        return take_labels(classes, xp.argmax(decision, axis=1), xp)
