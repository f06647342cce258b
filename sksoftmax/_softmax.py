"""SoftmaxRegression: one linear layer, softmax, cross-entropy."""

import numpy as np
from scipy.special import log_expit, log_softmax
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._base import _BaseSoftmaxFamily, _Problem
from ._loss import MultinomialLoss, SigmoidLoss


class SoftmaxRegression(_BaseSoftmaxFamily):
    """Softmax (multinomial logistic) regression.

    One fully connected layer ``z = W x + b`` with ``W`` of shape
    (n_classes, n_features), a softmax over the ``z`` and the cross-entropy of
    the true class. With ``s_i = sample_weight_i * class_weight[y_i]`` it
    minimises::

        F(W, b) = sum_i s_i * (logsumexp(z_i) - z_{i, y_i}) + ||W||_F^2 / (2 C)

    (scaled by ``1 / sum_i s_i`` for the solver, which changes nothing but the
    conditioning). ``C`` means exactly what it means in
    :class:`~sklearn.linear_model.LogisticRegression`, and for three classes or
    more the fitted ``coef_`` and ``intercept_`` are LogisticRegression's.

    For two classes the softmax is a sigmoid of ``z_1 - z_0``: the model stores
    ``coef_`` of shape (1, n_features) equal to ``W[1] - W[0]`` and the fit
    equals ``LogisticRegression(C=2 * C)`` (the penalty on two symmetric rows is
    half the penalty on their difference).

    Parameters
    ----------
    C : float, default=1.0
        Inverse L2 regularisation strength, as in ``LogisticRegression``;
        ``np.inf`` means no penalty.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept per class.
    solver : {"lbfgs"}, default="lbfgs"
        ``"lbfgs"``: scipy's L-BFGS-B on the whole data.
    max_iter : int, default=100
        Maximum number of L-BFGS iterations.
    tol : float, default=1e-4
        L-BFGS stops when the largest absolute entry of the gradient of the
        scaled objective ``F / sum_i s_i`` is at most ``tol``.
    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplied into the sample weights; "balanced" uses
        ``n_samples / (n_classes * weighted class count)`` as in scikit-learn.
    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_``; the classes and
        the number of features must not change.
    verbose : int, default=0
        Print the objective after each iteration when positive.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (n_classes, n_features) or (1, n_features)
        Weights; one row for two classes. Same dtype as the training X.
    intercept_ : ndarray of shape (n_classes,) or (1,)
        Intercepts (zeros when ``fit_intercept=False``); for three classes or
        more they sum to zero.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X was a DataFrame with string column names.
    n_iter_ : int
        Number of L-BFGS iterations run.
    loss_curve_ : list of float
        Scaled objective ``F / sum_i s_i`` after each iteration.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The same model, more solvers.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sksoftmax import SoftmaxRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SoftmaxRegression(C=10.0).fit(X, y)
    >>> clf.coef_.shape
    (3, 4)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> clf.predict_proba(X[:1]).sum().round(6)
    np.float64(1.0)
    """

    def _validate_targets(self, y):
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        classes = LabelEncoder().fit(y).classes_
        if classes.shape[0] < 2:
            raise ValueError(
                "SoftmaxRegression needs samples of at least 2 classes in y, "
                f"but the data contains only one class: {classes[0]!r}."
            )
        return y, classes

    def _encode(self, y, classes, dtype):
        codes = np.searchsorted(classes, y)
        if classes.shape[0] == 2:
            target = (codes == 1).astype(dtype)[None, :]
            return _Problem(SigmoidLoss(), target, 1, codes, l2_scale=0.5)
        return _Problem(MultinomialLoss(), codes, classes.shape[0], codes)

    def _log_proba_from_decision(self, decision):
        if decision.shape[1] == 1:
            # two classes: p_1 = sigmoid(z), p_0 = sigmoid(-z)
            return np.hstack([log_expit(-decision), log_expit(decision)])
        return log_softmax(decision, axis=1)

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self)
        decision = self.decision_function(X)
        if decision.ndim == 1:
            return self.classes_[(decision > 0).astype(int)]
        return self.classes_[decision.argmax(axis=1)]
