"""The estimator surface shared by SoftmaxRegression and OneVsRestSigmoid:
parameters, public methods and prediction. Fitting itself is in ``_training``,
targets in ``_targets``, solvers in ``_solvers``.
"""

import functools
import inspect
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._array_api import get_namespace
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _training
from ._array_api import (
    Namespace,
    check_same_namespace,
    log_expit,
    plain_input,
    take_labels,
)
from ._callbacks import CALLBACK_STATE, CallbackSupportMixin
from ._dask_dispatch import lazy_on_dask


def _atomic(fit_method):
    """A fit that raises leaves the estimator exactly as it was.

    ``validate_data`` sets ``n_features_in_`` before later checks (labels,
    weights, warm start) can fail, and the solver may raise on divergence:
    every attribute is put back. Fits replace attributes, never mutate them in
    place, so a shallow copy of ``vars(self)`` is the whole state.
    """

    @functools.wraps(fit_method)
    def wrapper(self, *args, **kwargs):
        # Callback state left by an earlier fit whose teardown was interrupted
        # (scikit-learn clears it on Exception only) is stale: a fit without
        # callbacks would tear it down again and fail, every time after.
        for name in CALLBACK_STATE:
            vars(self).pop(name, None)
        before = dict(vars(self))
        try:
            return fit_method(self, *args, **kwargs)
        except BaseException:
            # callbacks set up by this fit are still torn down after it
            running = {k: v for k, v in vars(self).items() if k in CALLBACK_STATE}
            vars(self).clear()
            vars(self).update(before)
            vars(self).update(running)
            raise

    return wrapper


# LogisticRegression's parameters that these estimators do not take, and
# what to do instead: a user swapping one for the other tries exactly these.
_NOT_OURS = {
    "penalty": "the penalty is set by C and l1_ratio, as in scikit-learn 1.8 "
    "and later: l1_ratio=0 is L2 (the default), 1 is L1, between is elastic net",
    "multi_class": "the estimator is the scheme: SoftmaxRegression is "
    "multinomial, sksoftmax.OneVsRestSigmoid one-vs-rest",
    "n_jobs": "one fit uses the BLAS threads of the process (limit them with "
    "threadpoolctl); parallelise searches with GridSearchCV(n_jobs=...)",
    "dual": "there is no dual formulation; the solvers are 'lbfgs' and 'sgd'",
    "l1_ratios": "the CV estimators (SoftmaxRegressionCV, OneVsRestSigmoidCV) "
    "search l1_ratios; this one takes one l1_ratio",
    "intercept_scaling": "the intercept is fitted unpenalised, as "
    "LogisticRegression's lbfgs solver does",
}


class _BaseSoftmaxFamily(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Validation, weights, solver dispatch and prediction of both estimators."""

    # the "?" link of the notebook (HTML) repr: our API reference, as
    # scikit-learn lets third-party estimators set it
    _doc_link_module = "sksoftmax"
    _doc_link_template = (
        "https://github.com/sksoftmax/sksoftmax/blob/main/docs/api.rst#{estimator_name}"
    )

    def __new__(cls, *args, **kwargs):
        # A parameter __init__ lacks would otherwise raise a TypeError naming
        # this private class; say which estimator, and what to use instead.
        names = cls._get_param_names()
        for name in sorted(set(kwargs) - set(names)):
            advice = _NOT_OURS.get(name, f"its parameters are {', '.join(names)}")
            raise TypeError(f"{cls.__name__} has no parameter {name!r}: {advice}.")
        return super().__new__(cls)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # the class's signature is __init__'s, not __new__'s (*args, **kwargs),
        # for help(), Sphinx and numpydoc
        init = inspect.signature(cls.__init__)
        cls.__signature__ = init.replace(parameters=list(init.parameters.values())[1:])

    _parameter_constraints = {
        "C": [Interval(Real, 0, None, closed="right")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"lbfgs", "sgd"})],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [
            StrOptions({"auto"}),
            Interval(Real, 0, None, closed="neither"),
        ],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterovs_momentum": ["boolean"],
        "shuffle": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "l1_groups": [StrOptions({"features"}), "array-like", None],
        "penalty_factor": ["array-like", None],
    }

    def __init__(
        self,
        *,
        C=1.0,
        fit_intercept=True,
        solver="lbfgs",
        max_iter=100,
        tol=1e-4,
        class_weight=None,
        warm_start=False,
        batch_size=256,
        learning_rate="constant",
        learning_rate_init="auto",
        power_t=0.5,
        momentum=0.9,
        nesterovs_momentum=True,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        random_state=None,
        verbose=0,
        label_smoothing=0.0,
        l1_ratio=0.0,
        l1_groups=None,
        penalty_factor=None,
    ):
        self.C = C
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.verbose = verbose
        self.label_smoothing = label_smoothing
        self.l1_ratio = l1_ratio
        self.l1_groups = l1_groups
        self.penalty_factor = penalty_factor

    # -- subclass hooks -------------------------------------------------------

    def _target_encoder(self, y, columns):
        """The encoder (see ``_targets``) for this kind of ``y``; ``columns``
        are y's column labels when it was a DataFrame."""
        raise NotImplementedError

    def _multi_output_log_proba(self, decision, xp):
        """Log-probabilities from logits of shape (n_samples, n_outputs > 1)
        in namespace ``xp``."""
        raise NotImplementedError

    def _multi_output_predict(self, decision, classes, multilabel_dtype, xp):
        """Predictions from logits of shape (n_samples, n_outputs > 1), the
        classes and, for a multilabel y, its dtype."""
        raise NotImplementedError

    def _predict_from_decision(self, decision, classes, multilabel_dtype, xp=None):
        """Predictions from ``decision_function``'s output; one sigmoid (1-D
        logits) predicts ``classes[1]`` where its logit is positive."""
        if xp is None:  # the Array API namespace of decision (numpy 1.x lacks astype)
            xp, _ = get_namespace(decision)
        if decision.ndim == 1:
            return take_labels(classes, xp.astype(decision > 0, xp.int64), xp)
        return self._multi_output_predict(decision, classes, multilabel_dtype, xp)

    @_fit_context(prefer_skip_nested_validation=True)
    @_atomic
    def fit(self, X, y, sample_weight=None):
        """Fit the model to ``X``, ``y`` (and ``sample_weight``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 input gives float32 coefficients.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target labels; or 2-D targets: for ``SoftmaxRegression`` a
            distribution over the classes per sample (soft targets, rows
            summing to 1), for ``OneVsRestSigmoid`` per-label targets in
            [0, 1] (a multilabel indicator, or soft per-label probabilities).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights. With L-BFGS, integer weights are equivalent
            to repeated rows; SGD's minibatches differ (a weighted row is one
            row of its batch), so its path does too.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _training.fit(self, X, y, sample_weight)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    @_atomic
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One SGD epoch over the given data, continuing from the current model.

        Every call counts as new data: the L2 term of each step is
        ``||W||^2 / (2 C S)`` with S the total sample weight seen so far (by
        ``fit`` and every ``partial_fit``), so one pass of ``partial_fit`` over
        chunks approximates ``fit`` on all the data seen, whatever the chunk
        sizes. The step size, velocity and samples seen (``t_``) carry over
        between calls; the "adaptive" schedule and early stopping need
        comparable epochs and do not act here. A call that raises leaves the
        model as it was.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Its labels, all of them in ``classes``, or 2-D targets as in
            :meth:`fit`.
        classes : array-like of shape (n_classes,), default=None
            Every label the stream will use; required on the first call, and
            if given later, the same as on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : object
            Updated estimator.
        """
        _training.partial_fit(self, X, y, classes, sample_weight)
        return self

    # -- prediction -----------------------------------------------------------

    @lazy_on_dask
    def decision_function(self, X):
        """Logits ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One column per row of ``coef_``; 1-D when there is one.
        """
        return self._decision_function(X, "decision_function")[0]

    def _decision_function(self, X, method):
        """Logits and the namespace of X, which must be the one ``fit`` saw."""
        check_is_fitted(self)
        X = plain_input(X)
        check_same_namespace(X, self, attribute="coef_", method=method)
        namespace = Namespace(X)
        xp = namespace.xp
        X = validate_data(
            self,
            X,
            reset=False,
            accept_sparse=["csr", "csc"],
            dtype=namespace.float_dtypes,
        )
        if namespace.is_numpy:
            with np.errstate(over="ignore", invalid="ignore"):  # raised below
                scores = safe_sparse_dot(X, self.coef_.T, dense_output=True)
                scores += self.intercept_
        else:
            # in the fitted dtype: the products of fit, whatever X's float
            scores = xp.astype(X, self.coef_.dtype) @ self.coef_.T + self.intercept_
        if not bool(xp.all(xp.isfinite(scores))):
            # inf - inf in the softmax would give NaN probabilities silently
            raise ValueError(
                f"{method}: the logits X @ coef_.T + intercept_ overflow "
                f"{self.coef_.dtype} for some samples; X has values far larger "
                "than the training data's. Scale X as it was scaled for fit."
            )
        if scores.shape[1] == 1:
            scores = xp.reshape(scores, (-1,))
        return scores, xp

    @lazy_on_dask
    def predict(self, X):
        """Predicted labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Labels from ``classes_`` (an indicator matrix for multilabel y).
        """
        decision, xp = self._decision_function(X, "predict")
        return self._predict_from_decision(
            decision, self.classes_, self._multilabel_dtype, xp
        )

    @lazy_on_dask
    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`, computed in log space.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Finite wherever the logits are, even where the probability
            underflows to zero.
        """
        return self._log_proba(X, "predict_log_proba")[0]

    def _log_proba(self, X, method):
        decision, xp = self._decision_function(X, method)
        return self._log_proba_from_decision(decision, xp), xp

    def _log_proba_from_decision(self, decision, xp):
        """Log-probabilities from ``decision_function``'s output."""
        if decision.ndim == 1:
            # one sigmoid: p_1 = sigmoid(z), p_0 = sigmoid(-z)
            decision = decision[:, None]
            log_proba = [log_expit(-decision, xp), log_expit(decision, xp)]
            return xp.concat(log_proba, axis=1)
        return self._multi_output_log_proba(decision, xp)

    @lazy_on_dask
    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        log_proba, xp = self._log_proba(X, "predict_proba")
        return xp.exp(log_proba)

    # -- coefficient storage ----------------------------------------------

    def sparsify(self):
        """Store ``coef_`` as a scipy.sparse CSR matrix.

        Saves memory and prediction time when most coefficients are zero
        (``coef_`` of an L2 fit rarely is; for sparse models from elsewhere).
        ``fit``, ``partial_fit`` and warm starts take it back as dense.

        Returns
        -------
        self : object
            The estimator.
        """
        check_is_fitted(self)
        if not isinstance(self.coef_, np.ndarray) and not sparse.issparse(self.coef_):
            raise TypeError(
                "sparsify needs coef_ as a numpy array; this model was fitted "
                f"on {type(self.coef_).__module__} arrays."
            )
        self.coef_ = sparse.csr_matrix(self.coef_)
        return self

    def densify(self):
        """Store ``coef_`` as a dense numpy array again (after :meth:`sparsify`).

        Returns
        -------
        self : object
            The estimator.
        """
        check_is_fitted(self)
        if sparse.issparse(self.coef_):
            self.coef_ = self.coef_.toarray()
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_class = True
        tags.array_api_support = True
        return tags
