"""OneVsRestSigmoid: K independent sigmoid classifiers fitted as one problem."""

import numpy as np

from ._array_api import log_expit, logsumexp, take_labels
from ._base import _BaseSoftmaxFamily
from ._docs import fill_doc
from ._inference import InferenceMixin
from ._targets import MultilabelIndicator, OneVsRestLabels


@fill_doc
class OneVsRestSigmoid(InferenceMixin, _BaseSoftmaxFamily):
    r"""K independent sigmoid (logistic) classifiers, fitted together.

    The model for labels that are not mutually exclusive (a multilabel
    indicator ``y``: a song both "vocal" and "film score"), and a vectorised
    ``OneVsRestClassifier(LogisticRegression())`` for multiclass ``y``: one
    fit reads X once per iteration for all K outputs, instead of K fits that
    each read all of X. With logits ``z_ik = w_k . x_i + b_k``, targets
    ``y_ik`` in {0, 1} and ``s_i = sample_weight_i * class_weight[y_i]`` it
    minimises

    .. math::

        F(W, b) = \sum_k \left[ \sum_i s_i \operatorname{BCE}\left(y_{ik},
                  \sigma(z_{ik})\right) + \frac{\lVert w_k \rVert^2}{2C} \right]

    (scaled by ``1 / sum_i s_i`` for the solver). With ``l1_ratio`` rho > 0
    the penalty of each ``w_k`` is the elastic net ``((1 - rho)/2 sum_j f_j
    w_kj^2 + rho sum_j f_j |w_kj|) / C`` (f: ``penalty_factor``), and with
    ``l1_groups`` the L1 part couples the outputs, ``rho sum_g f_g sqrt(|g|)
    ||W[:, J_g]||_F / C``: the labels share one selection of features. Each
    output's problem is ``LogisticRegression(C)``'s on its column:

    - binary y: one sigmoid, ``coef_`` of shape (1, n_features), 1-D
      ``decision_function``; equals ``LogisticRegression(C)`` (and
      ``SoftmaxRegression(C / 2)``: a two-class softmax is a sigmoid);
    - multiclass y: K sigmoids of class k against the rest; ``predict_proba``
      normalises them to sum to one (in log space, so no row is ever all
      zero), as :class:`~sklearn.multiclass.OneVsRestClassifier` does; equals
      ``OneVsRestClassifier(LogisticRegression(C))``;
    - multilabel indicator y, or soft per-label targets in [0, 1] (the
      BCE against each column): ``classes_`` is ``arange(n_labels)``,
      ``predict_proba`` gives each label's own probability (rows need not sum
      to one), ``predict`` the indicator matrix thresholded at 0.5, in y's
      dtype.

    ``class_weight`` weights each sample by its class, on all K outputs, as in
    the objective above; for multilabel y a sample has no single class, so
    ``class_weight`` is refused there: pass ``sample_weight``.

    Parameters
    ----------
    %(parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``arange(n_labels)`` for multilabel y.
    coef_ : ndarray of shape (n_outputs, n_features)
        One row per sigmoid: one for binary y, else one per class or label.
        Same dtype as the training X.
    intercept_ : ndarray of shape (n_outputs,)
        Intercepts (zeros when ``fit_intercept=False``).
    %(attributes)s

    See Also
    --------
    SoftmaxRegression : One softmax, for mutually exclusive classes.
    sklearn.multiclass.OneVsRestClassifier : The same model, K separate fits.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from sksoftmax import OneVsRestSigmoid
    >>> X, Y = make_multilabel_classification(n_samples=200, n_classes=3,
    ...                                       random_state=0)
    >>> clf = OneVsRestSigmoid().fit(X, Y)
    >>> clf.classes_
    array([0, 1, 2])
    >>> clf.predict(X[:2]).shape
    (2, 3)
    >>> bool(np.all((clf.predict_proba(X) >= 0) & (clf.predict_proba(X) <= 1)))
    True
    """

    def _target_encoder(self, y, columns):
        if y.ndim == 2 and y.shape[1] > 1:
            return MultilabelIndicator()
        return OneVsRestLabels(type(self).__name__)

    @property
    def multilabel_(self):
        """Whether the model was fitted on a multilabel indicator y."""
        return self._multilabel_dtype is not None

    def _multi_output_log_proba(self, decision, xp):
        log_marginal = log_expit(decision, xp)
        if self.multilabel_:
            return log_marginal
        return log_marginal - logsumexp(log_marginal, xp, axis=1)

    def _multi_output_predict(self, decision, classes, multilabel_dtype, xp):
        if multilabel_dtype is not None:
            # y's dtype, by name in the namespace of X
            return xp.astype(decision > 0, getattr(xp, np.dtype(multilabel_dtype).name))
        return take_labels(classes, xp.argmax(decision, axis=1), xp)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
