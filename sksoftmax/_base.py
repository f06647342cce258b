"""The estimator base shared by SoftmaxRegression and OneVsRestSigmoid.

Only this module knows every piece: validation, labels, class and sample
weights, the loss, solver dispatch, warm start and the decision function.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)
from threadpoolctl import ThreadpoolController

from ._loss import LinearLoss
from ._solvers import lbfgs

# Below this many multiply-adds per logits product, one BLAS thread beats two
# on this project's 2-core machines (digits: 0.071 s vs 0.32 s for a whole
# LogisticRegression fit), because the threads cost more to wake than the
# product costs to run.
_SINGLE_THREAD_FLOPS = 20_000_000


_controller = None


def _blas_threads(n_samples, n_features, n_outputs):
    """Context limiting BLAS to one thread for small products, else the default.

    One controller for the process: ``threadpool_limits`` finds the BLAS
    libraries anew each time (2.7 ms, most of an iris fit); the controller's
    ``limit`` costs 11 us.
    """
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    limit = 1 if n_samples * n_features * n_outputs < _SINGLE_THREAD_FLOPS else None
    return _controller.limit(limits=limit, user_api="blas")


class _Problem:
    """The encoded targets of one fit, as a subclass builds them.

    Attributes
    ----------
    base_loss : MultinomialLoss or SigmoidLoss
    target : ndarray
        ``y`` in the base loss's encoding.
    n_outputs : int
        Rows of ``coef_``.
    class_codes : ndarray of shape (n_samples,) or None
        Index into ``classes_`` of each sample, for ``class_weight``.
    l2_scale : float
        Multiplies the L2 strength ``1 / (C S)`` (1/2 for the two-class softmax,
        whose single sigmoid carries the penalty of two softmax rows).
    """

    def __init__(self, base_loss, target, n_outputs, class_codes, l2_scale=1.0):
        self.base_loss = base_loss
        self.target = target
        self.n_outputs = n_outputs
        self.class_codes = class_codes
        self.l2_scale = l2_scale


class _BaseSoftmaxFamily(ClassifierMixin, BaseEstimator):
    """Validation, weights, solver dispatch and prediction of both estimators."""

    _parameter_constraints = {
        "C": [Interval(Real, 0, None, closed="right")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"lbfgs"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
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
        verbose=0,
    ):
        self.C = C
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.verbose = verbose

    # -- subclass hooks -------------------------------------------------------

    def _validate_targets(self, y):
        """Check ``y`` and return ``(y, classes)``."""
        raise NotImplementedError

    def _encode(self, y, classes, dtype):
        """Return the :class:`_Problem` for validated ``y`` and its ``classes``;
        an indicator target is built in ``dtype``, X's."""
        raise NotImplementedError

    def _log_proba_from_decision(self, decision):
        """Log-probabilities of shape (n_samples, n_classes) from the logits."""
        raise NotImplementedError

    # -- fitting --------------------------------------------------------------

    def _validate_X_y(self, X, y, reset):
        return validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            multi_output=True,
        )

    def _sample_weight(self, sample_weight, X, problem, classes):
        """``s_i = sample_weight_i * class_weight[y_i]``, in X's dtype."""
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True, copy=True
        )
        if self.class_weight is not None:
            per_class = compute_class_weight(
                self.class_weight,
                classes=classes,
                y=classes[problem.class_codes],
                sample_weight=sample_weight,
            )
            sample_weight *= per_class[problem.class_codes].astype(X.dtype)
        if not sample_weight.sum() > 0:
            raise ValueError(
                "The total sample weight is zero (after applying class_weight); "
                "at least one sample needs a positive weight."
            )
        return sample_weight

    def _initial_coef(self, linear_loss, problem, sample_weight, n_features):
        """Previous coefficients under warm start, else zero weights and the
        intercepts that best fit the class priors: fewer iterations from there."""
        if self.warm_start and hasattr(self, "coef_"):
            if self.coef_.shape != (problem.n_outputs, n_features):
                raise ValueError(
                    f"warm_start: the previous fit has coef_ of shape "
                    f"{self.coef_.shape}, this data needs "
                    f"{(problem.n_outputs, n_features)}; the classes or the "
                    "number of features changed. Set warm_start=False."
                )
            return linear_loss.pack(self.coef_, self.intercept_)
        weights = np.zeros((problem.n_outputs, n_features))
        intercept = None
        if self.fit_intercept:
            intercept = problem.base_loss.fit_intercept_only(
                problem.target, sample_weight, problem.n_outputs
            )
        return linear_loss.pack(weights, intercept)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to ``X``, ``y`` (and ``sample_weight``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 input gives float32 coefficients.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; integer weights are equivalent to repeated rows.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = self._validate_X_y(X, y, reset=True)
        y, classes = self._validate_targets(y)
        if self.warm_start and hasattr(self, "classes_"):
            if not np.array_equal(self.classes_, classes):
                raise ValueError(
                    f"warm_start: the classes changed from {self.classes_.tolist()} "
                    f"to {classes.tolist()}; set warm_start=False to refit."
                )
        problem = self._encode(y, classes, X.dtype)
        sample_weight = self._sample_weight(sample_weight, X, problem, classes)
        n_samples, n_features = X.shape
        linear_loss = LinearLoss(
            problem.base_loss, problem.n_outputs, n_features, self.fit_intercept
        )
        coef0 = self._initial_coef(linear_loss, problem, sample_weight, n_features)
        weight_sum = float(sample_weight.sum(dtype=np.float64))
        l2_reg_strength = problem.l2_scale / (self.C * weight_sum)

        with _blas_threads(n_samples, n_features, problem.n_outputs):
            result = lbfgs(
                linear_loss.loss_gradient,
                coef0,
                args=(X, problem.target, sample_weight, l2_reg_strength, weight_sum),
                max_iter=self.max_iter,
                tol=self.tol,
                verbose=self.verbose,
            )
        self.classes_ = classes
        self._set_coef(linear_loss, result.coef, X.dtype)
        self.n_iter_ = result.n_iter
        self.loss_curve_ = result.loss_curve
        return self

    def _set_coef(self, linear_loss, coef, dtype):
        weights, intercept = linear_loss.unpack(coef)
        self.coef_ = np.ascontiguousarray(weights, dtype=dtype)
        if intercept is None:
            self.intercept_ = np.zeros(linear_loss.n_outputs, dtype=dtype)
        else:
            self.intercept_ = intercept.astype(dtype)

    # -- prediction -----------------------------------------------------------

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
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            reset=False,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
        )
        scores = safe_sparse_dot(X, self.coef_.T, dense_output=True)
        scores += self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

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
        check_is_fitted(self)
        decision = self.decision_function(X)
        return self._log_proba_from_decision(decision.reshape(decision.shape[0], -1))

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
        check_is_fitted(self)
        return np.exp(self.predict_log_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_class = True
        return tags
