"""The estimator base shared by SoftmaxRegression and OneVsRestSigmoid.

Only this module knows every piece: validation, labels, class and sample
weights, the loss, solver dispatch, warm start, partial_fit bookkeeping and
the decision function.
"""

import contextlib
import functools
import os
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from scipy.special import log_expit
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.extmath import row_norms, safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)
from threadpoolctl import ThreadpoolController

from ._loss import LinearLoss, SigmoidLoss
from ._solvers import lbfgs, lbfgs_separable, sgd

# Below this many multiply-adds per logits product, one BLAS thread beats two
# on this project's 2-core machines (digits: 0.071 s vs 0.32 s for a whole
# LogisticRegression fit), because the threads cost more to wake than the
# product costs to run.
_SINGLE_THREAD_FLOPS = 20_000_000

# The parameters both estimators share, documented once and put into each
# estimator's docstring where it says %(parameters)s.
PARAMETERS_DOC = """C : float, default=1.0
        Inverse L2 regularisation strength, exactly as in
        ``LogisticRegression``; ``np.inf`` means no penalty.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept per output.
    solver : {"lbfgs", "sgd"}, default="lbfgs"
        ``"lbfgs"``: scipy's L-BFGS-B on the whole data. ``"sgd"``: minibatch
        SGD with momentum on the same objective (for data too large for
        L-BFGS, and what :meth:`partial_fit` uses whatever this is).
    max_iter : int, default=100
        Maximum number of L-BFGS iterations, or of SGD epochs.
    tol : float, default=1e-4
        L-BFGS stops when the largest absolute entry of the gradient of the
        scaled objective ``F / sum_i s_i`` is at most ``tol``. SGD stops when
        the epoch objective (or, with early stopping, the validation score)
        has not improved by ``tol`` for more than ``n_iter_no_change`` epochs.
    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplied into the sample weights; "balanced" uses
        ``n_samples / (n_classes * weighted class count)`` as scikit-learn does
        (not available in :meth:`partial_fit`).
    warm_start : bool, default=False
        Start ``fit`` from the previous ``coef_`` and ``intercept_``; the
        classes and the number of features must not change. SGD's velocity
        starts afresh.
    batch_size : int, default=256
        SGD minibatch size, capped at n_samples.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        SGD step-size schedule, as in ``MLPClassifier``: "constant" keeps
        ``learning_rate_init``; "invscaling" sets it to
        ``learning_rate_init / (t + 1) ** power_t`` after each epoch, t the
        samples seen; "adaptive" divides it by 5 whenever more than
        ``n_iter_no_change`` epochs fail to improve by ``tol``, and stops when
        it has shrunk below 1e-6 of ``learning_rate_init``.
    learning_rate_init : "auto" or float, default="auto"
        SGD step size. "auto" is ``1 / L``, L bounding the curvature of any
        minibatch objective: the largest mean of ``||x_i||^2 + 1`` over a
        batch (the largest single one with unequal sample weights) times 1/2
        for softmax, 1/4 for sigmoids, plus the L2 strength. Stable for any
        scaling and dimension.
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    momentum : float, default=0.9
        SGD momentum, in [0, 1). The velocity is dropped after an epoch that
        raised the objective (adaptive restart).
    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum.
    shuffle : bool, default=True
        Whether SGD visits the samples in a new order every epoch.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified by
        class) and stop SGD when its accuracy stops improving; the best
        coefficients are kept. Not used by :meth:`partial_fit`.
    validation_fraction : float, default=0.1
        Share of the data held out for early stopping.
    n_iter_no_change : int, default=5
        Epochs without improvement by ``tol`` that SGD tolerates.
    random_state : int, RandomState instance or None, default=None
        Seeds SGD's shuffling and the validation split.
    verbose : int, default=0
        Print one line per L-BFGS iteration or SGD epoch when positive."""

ATTRIBUTES_DOC = """n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when X was a DataFrame with string column names.
    n_iter_ : int
        L-BFGS iterations or SGD epochs run by the last ``fit``; with
        :meth:`partial_fit`, the number of calls so far.
    loss_curve_ : list of float
        Scaled objective ``F / sum_i s_i`` after each L-BFGS iteration, or the
        mean objective of the minibatch steps of each SGD epoch.
    t_ : int
        Training samples seen by the solver (SGD counts every epoch).
    validation_scores_ : list of float
        With ``early_stopping``: the validation accuracy after each epoch.
    best_validation_score_ : float
        With ``early_stopping``: the best of ``validation_scores_``."""


def fill_doc(cls):
    """Put the shared parameter and attribute docs into ``cls.__doc__``."""
    cls.__doc__ = cls.__doc__.replace("%(parameters)s", PARAMETERS_DOC).replace(
        "%(attributes)s", ATTRIBUTES_DOC
    )
    return cls


_controller = None
_other_blas = None


def _blas_threads(n_samples, n_features, n_outputs):
    """Context setting the BLAS threads of a fit.

    - One thread for everything on small products.
    - On large ones numpy's BLAS keeps its threads, and any other BLAS (scipy
      ships its own OpenBLAS, which L-BFGS-B calls for its vector updates)
      gets one: its idle threads spin for a while after each call and took a
      core from numpy's matrix products, which then ran 1.5-2.4x slower
      (60000 x 784, K = 10: 62-97 ms instead of 40 ms per logits product).

    One controller for the process: ``threadpool_limits`` finds the BLAS
    libraries anew each time (2.7 ms, most of an iris fit); the controller's
    ``limit`` costs 11 us.
    """
    global _controller, _other_blas
    if _controller is None:
        _controller = ThreadpoolController()
        numpy_dir = os.path.dirname(np.__file__)  # numpy.libs starts with it too
        libs = _controller.select(user_api="blas").lib_controllers
        numpy_blas = [lib for lib in libs if lib.filepath.startswith(numpy_dir)]
        # a BLAS numpy shares with scipy keeps its threads
        _other_blas = [lib.filepath for lib in libs if lib not in numpy_blas]
        if not numpy_blas:
            _other_blas = []
    if n_samples * n_features * n_outputs < _SINGLE_THREAD_FLOPS:
        return _controller.limit(limits=1, user_api="blas")
    if _other_blas:
        return _controller.select(filepath=_other_blas).limit(limits=1)
    return contextlib.nullcontext()


def _atomic(fit_method):
    """A fit that raises leaves the estimator exactly as it was.

    ``validate_data`` sets ``n_features_in_`` before later checks (labels,
    weights, warm start) can fail, and the solver may raise on divergence:
    every attribute is put back. Fits replace attributes, never mutate them in
    place, so a shallow copy of ``vars(self)`` is the whole state.
    """

    @functools.wraps(fit_method)
    def wrapper(self, *args, **kwargs):
        before = dict(vars(self))
        try:
            return fit_method(self, *args, **kwargs)
        except BaseException:
            vars(self).clear()
            vars(self).update(before)
            raise

    return wrapper


class _Problem:
    """The encoded targets of one fit, as a subclass builds them.

    Attributes
    ----------
    base_loss : MultinomialLoss or SigmoidLoss
    target : ndarray
        ``y`` in the base loss's encoding, samples on the last axis.
    n_outputs : int
        Rows of ``coef_``.
    class_codes : ndarray of shape (n_samples,) or None
        Index into ``classes_`` of each sample, for ``class_weight`` and the
        stratified validation split; None where samples have no single class.
    l2_scale : float
        Multiplies the L2 strength ``1 / (C S)`` (1/2 for the two-class softmax,
        whose single sigmoid carries the penalty of two softmax rows).
    multilabel_dtype : dtype or None
        For a multilabel indicator y, its dtype (``predict`` returns it).
    """

    def __init__(
        self,
        base_loss,
        target,
        n_outputs,
        class_codes,
        l2_scale=1.0,
        multilabel_dtype=None,
    ):
        self.base_loss = base_loss
        self.target = target
        self.n_outputs = n_outputs
        self.class_codes = class_codes
        self.l2_scale = l2_scale
        self.multilabel_dtype = multilabel_dtype


# Above this many outputs, one thread per output costs more than it saves and
# the joint L-BFGS run is used instead.
_MAX_SEPARATE_RUNS = 256


def _batches_independent_runs(problem):
    """Whether to fit K sigmoids as K batched L-BFGS runs (lbfgs_separable)."""
    return problem.base_loss.separable and 1 < problem.n_outputs <= _MAX_SEPARATE_RUNS


class _BaseSoftmaxFamily(ClassifierMixin, BaseEstimator):
    """Validation, weights, solver dispatch and prediction of both estimators."""

    _parameter_constraints = {
        "C": [Interval(Real, 0, None, closed="right")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"lbfgs", "sgd"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
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

    # -- subclass hooks -------------------------------------------------------

    def _validate_targets(self, y, classes=None):
        """Check ``y`` and return ``(y, classes)``; with ``classes`` given (by
        partial_fit), check that ``y`` uses no other label."""
        raise NotImplementedError

    def _encode(self, y, classes, dtype):
        """Return the :class:`_Problem` for validated ``y`` and its ``classes``;
        an indicator target is built in ``dtype``, X's."""
        raise NotImplementedError

    def _multi_output_log_proba(self, decision):
        """Log-probabilities from logits of shape (n_samples, n_outputs > 1)."""
        raise NotImplementedError

    def _multi_output_predict(self, decision, classes, multilabel_dtype):
        """Predictions from logits of shape (n_samples, n_outputs > 1), the
        classes and, for a multilabel y, its dtype."""
        raise NotImplementedError

    def _predict_from_decision(self, decision, classes, multilabel_dtype):
        """Predictions from ``decision_function``'s output; one sigmoid (1-D
        logits) predicts ``classes[1]`` where its logit is positive."""
        if decision.ndim == 1:
            return classes[(decision > 0).astype(int)]
        return self._multi_output_predict(decision, classes, multilabel_dtype)

    # -- validation and weights -------------------------------------------------

    def _validate_class_labels(self, y, classes=None):
        """1-D class labels: ``(y, classes)``, with at least two classes, or
        with none outside the ``classes`` partial_fit was given."""
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        labels = LabelEncoder().fit(y).classes_
        if classes is not None:
            unknown = np.setdiff1d(labels, classes)
            if unknown.size:
                raise ValueError(
                    f"y contains labels {unknown.tolist()} that are not in "
                    f"classes {classes.tolist()}."
                )
            return y, classes
        if labels.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in y, "
                f"but the data contains only one class: {labels[0]!r}."
            )
        return y, labels

    @staticmethod
    def _binary_problem(y, classes, dtype, l2_scale=1.0):
        """One sigmoid on ``classes[1]`` against ``classes[0]``."""
        codes = np.searchsorted(classes, y)
        target = (codes == 1).astype(dtype)[None, :]
        return _Problem(SigmoidLoss(), target, 1, codes, l2_scale=l2_scale)

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
        if isinstance(self.class_weight, dict):
            known = set(classes.tolist())
            unknown = [k for k in self.class_weight if k not in known]
            if unknown:
                raise ValueError(
                    f"class_weight has labels {unknown} that are not among the "
                    f"classes {classes.tolist()}."
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

    def _prepare(self, X, y, sample_weight, classes=None, reset=True):
        """Validate everything and build the loss; changes nothing on self but
        what ``validate_data`` sets with ``reset=True``."""
        X, y = self._validate_X_y(X, y, reset=reset)
        y, classes = self._validate_targets(y, classes)
        problem = self._encode(y, classes, X.dtype)
        sample_weight = self._sample_weight(sample_weight, X, problem, classes)
        linear_loss = LinearLoss(
            problem.base_loss, problem.n_outputs, X.shape[1], self.fit_intercept
        )
        return X, y, classes, problem, sample_weight, linear_loss

    # -- fitting --------------------------------------------------------------

    def _initial_coef(self, linear_loss, problem, sample_weight):
        """Previous coefficients under warm start, else zero weights and the
        intercepts that best fit the class priors: fewer iterations from there."""
        shape = (linear_loss.n_outputs, linear_loss.n_features)
        if self.warm_start and hasattr(self, "coef_"):
            if self.coef_.shape != shape:
                raise ValueError(
                    f"warm_start: the previous fit has coef_ of shape "
                    f"{self.coef_.shape}, this data needs {shape}; the number "
                    "of features changed. Set warm_start=False."
                )
            return linear_loss.pack(self.coef_, self.intercept_)
        intercept = None
        if self.fit_intercept:
            intercept = problem.base_loss.fit_intercept_only(
                problem.target, sample_weight, problem.n_outputs
            )
        return linear_loss.pack(np.zeros(shape), intercept)

    def _learning_rate_init(self, problem, l2_reg_strength, batch_sq_norm):
        """The SGD step: the given float, or 1/L for "auto", L bounding the
        curvature of every minibatch objective."""
        if self.learning_rate_init != "auto":
            return float(self.learning_rate_init)
        curvature = problem.base_loss.max_curvature * batch_sq_norm + l2_reg_strength
        return 1.0 / curvature

    def _batch_sq_norm(self, X, sample_weight):
        """Largest mean of ``||x_i||^2`` (plus 1 for the intercept) over any
        minibatch: the mean of the ``batch_size`` largest with equal weights, the
        largest with unequal ones (a heavy sample can dominate a batch).

        The minibatch objective's curvature is at most max_curvature times this.
        On standardised digits it is 166 against a largest row of 2338: a
        14x longer step than the per-sample bound allows.
        """
        # in float64: squared norms of float32 rows overflow above ~1.8e19,
        # which made the "auto" step 0 and SGD learn nothing, silently
        if sparse.issparse(X):
            sq_norms = row_norms(X.astype(np.float64), squared=True)
        else:
            sq_norms = np.einsum("ij,ij->i", X, X, dtype=np.float64)
        sq_norms += int(self.fit_intercept)
        batch_size = min(self.batch_size, X.shape[0])
        if np.all(sample_weight == sample_weight[0]) and batch_size > 1:
            top = np.partition(sq_norms, -batch_size)[-batch_size:]
            return float(top.mean())
        return float(sq_norms.max())

    @_fit_context(prefer_skip_nested_validation=True)
    @_atomic
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
        X, y, classes, problem, sample_weight, linear_loss = self._prepare(
            X, y, sample_weight
        )
        if self.warm_start and hasattr(self, "classes_"):
            if not np.array_equal(self.classes_, classes):
                raise ValueError(
                    f"warm_start: the classes changed from {self.classes_.tolist()} "
                    f"to {classes.tolist()}; set warm_start=False to refit."
                )
        coef0 = self._initial_coef(linear_loss, problem, sample_weight)
        weight_sum = float(sample_weight.sum(dtype=np.float64))
        l2_reg_strength = problem.l2_scale / (self.C * weight_sum)
        n_samples, n_features = X.shape
        sgd_state = {"weight_seen": weight_sum}
        with _blas_threads(n_samples, n_features, problem.n_outputs):
            if self.solver == "lbfgs" and _batches_independent_runs(problem):
                result = self._lbfgs_separable(
                    linear_loss,
                    coef0,
                    X,
                    problem.target,
                    sample_weight,
                    l2_reg_strength,
                )
            elif self.solver == "lbfgs":
                result = lbfgs(
                    linear_loss.loss_gradient,
                    coef0,
                    args=(X, problem.target, sample_weight, l2_reg_strength),
                    max_iter=self.max_iter,
                    tol=self.tol,
                    verbose=self.verbose,
                )
            else:
                batch_sq_norm = self._batch_sq_norm(X, sample_weight)
                result = self._fit_sgd(
                    linear_loss,
                    coef0,
                    X,
                    y,
                    classes,
                    problem,
                    sample_weight,
                    l2_reg_strength,
                    batch_sq_norm,
                )
                sgd_state.update(result.state, batch_sq_norm=batch_sq_norm)
        self.classes_ = classes
        self._multilabel_dtype = problem.multilabel_dtype
        self._set_coef(linear_loss, result.coef, X.dtype)
        self.n_iter_ = result.n_iter
        self.loss_curve_ = result.loss_curve
        self._sgd_state = sgd_state
        self.t_ = sgd_state.get("t", n_samples)
        for name in ("validation_scores", "best_validation_score"):
            if name in sgd_state:
                setattr(self, name + "_", sgd_state.pop(name))
        return self

    def _lbfgs_separable(
        self, linear_loss, coef0, X, target, sample_weight, l2_reg_strength
    ):
        """One L-BFGS run per output, evaluated together (lbfgs_separable)."""
        n_features = linear_loss.n_features
        weight_sum = float(sample_weight.sum(dtype=np.float64))

        def to_blocks(loss, packed):
            # one row [w_k, b_k] per output
            weights, intercept = loss.unpack(packed)
            if intercept is None:
                return weights
            return np.hstack([weights, intercept[:, None]])

        def from_blocks(loss, blocks):
            intercept = blocks[:, n_features] if self.fit_intercept else None
            return loss.pack(blocks[:, :n_features], intercept)

        def fun(outputs, blocks):
            subset = linear_loss.for_outputs(len(outputs))
            coef = from_blocks(subset, blocks)
            all_outputs = len(outputs) == linear_loss.n_outputs
            values, gradient = subset.loss_gradient(
                coef,
                X,
                target if all_outputs else target[outputs],
                sample_weight,
                l2_reg_strength,
                weight_sum,
                per_output=True,
            )
            return values, to_blocks(subset, gradient)

        result = lbfgs_separable(
            fun,
            to_blocks(linear_loss, coef0),
            max_iter=self.max_iter,
            tol=self.tol,
            verbose=self.verbose,
        )
        result.coef = from_blocks(linear_loss, result.coef)
        return result

    def _fit_sgd(
        self,
        linear_loss,
        coef0,
        X,
        y,
        classes,
        problem,
        sample_weight,
        l2_reg_strength,
        batch_sq_norm,
    ):
        """SGD epochs for ``fit``, with the early-stopping split when asked."""
        rng = check_random_state(self.random_state)
        target = problem.target
        validation_score = None
        if self.early_stopping:
            train, val = train_test_split(
                np.arange(X.shape[0]),
                test_size=self.validation_fraction,
                stratify=problem.class_codes,
                random_state=rng,
            )
            X_val, y_val, s_val = X[val], y[val], sample_weight[val]

            def validation_score(coef):
                decision = linear_loss.raw_prediction(coef, X_val).T
                decision = decision.ravel() if decision.shape[1] == 1 else decision
                predicted = self._predict_from_decision(
                    decision, classes, problem.multilabel_dtype
                )
                return accuracy_score(y_val, predicted, sample_weight=s_val)

            X, target, sample_weight = (
                X[train],
                target[..., train],
                sample_weight[train],
            )
        return sgd(
            linear_loss.loss_gradient,
            coef0,
            X,
            target,
            sample_weight,
            l2_reg_strength=l2_reg_strength,
            learning_rate_init=self._learning_rate_init(
                problem, l2_reg_strength, batch_sq_norm
            ),
            state={},
            random_state=rng,
            max_iter=self.max_iter,
            validation_score=validation_score,
            **self._sgd_options(),
        )

    def _sgd_options(self):
        return dict(
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            power_t=self.power_t,
            momentum=self.momentum,
            nesterovs_momentum=self.nesterovs_momentum,
            shuffle=self.shuffle,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            verbose=self.verbose,
        )

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
            Its labels, all of them in ``classes``.
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
        first_call = not hasattr(self, "classes_")
        if first_call:
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit: "
                    "every label the stream will use."
                )
            classes = self._validate_classes(classes)
        else:
            if classes is not None and not np.array_equal(
                self._validate_classes(classes), self.classes_
            ):
                raise ValueError(
                    f"classes={np.asarray(classes).tolist()} differs from the "
                    f"classes of the first call, {self.classes_.tolist()}."
                )
            classes = self.classes_
        if isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: the "
                "class frequencies of a stream are unknown. Pass a dict of "
                "weights instead."
            )
        X, y, classes, problem, sample_weight, linear_loss = self._prepare(
            X, y, sample_weight, classes=classes, reset=first_call
        )
        if first_call:
            coef = self._initial_coef(linear_loss, problem, sample_weight)
            state = {}
        else:
            coef = linear_loss.pack(self.coef_, self.intercept_)
            state = getattr(self, "_sgd_state", {})
        weight_seen = state.get("weight_seen", 0.0)
        weight_seen += float(sample_weight.sum(dtype=np.float64))
        batch_sq_norm = max(
            state.get("batch_sq_norm", 0.0), self._batch_sq_norm(X, sample_weight)
        )
        l2_reg_strength = problem.l2_scale / (self.C * weight_seen)
        with _blas_threads(*X.shape, problem.n_outputs):
            result = sgd(
                linear_loss.loss_gradient,
                coef,
                X,
                problem.target,
                sample_weight,
                l2_reg_strength=l2_reg_strength,
                learning_rate_init=self._learning_rate_init(
                    problem, l2_reg_strength, batch_sq_norm
                ),
                state=state,
                random_state=self._partial_fit_rng(),
                max_iter=1,
                warn=False,
                **self._sgd_options(),
            )
        self.classes_ = classes
        self._multilabel_dtype = problem.multilabel_dtype
        self._set_coef(linear_loss, result.coef, X.dtype)
        self._sgd_state = {
            **result.state,
            "weight_seen": weight_seen,
            "batch_sq_norm": batch_sq_norm,
        }
        self.t_ = result.state["t"]
        self.n_iter_ = getattr(self, "n_iter_", 0) + 1 if not first_call else 1
        self.loss_curve_ = (
            [] if first_call else list(self.loss_curve_)
        ) + result.loss_curve
        return self

    def _partial_fit_rng(self):
        # A fixed random_state gives the same shuffles for the same sequence
        # of calls: seed each call from the seed and the samples seen so far.
        if self.random_state is None or isinstance(
            self.random_state, np.random.RandomState
        ):
            return check_random_state(self.random_state)
        t = getattr(self, "_sgd_state", {}).get("t", 0)
        return np.random.RandomState([self.random_state, t])

    def _validate_classes(self, classes):
        classes = np.unique(np.asarray(classes))
        if classes.shape[0] < 2:
            raise ValueError(
                f"classes must hold at least 2 labels, got {classes.tolist()}."
            )
        return classes

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
        check_is_fitted(self)
        return self._predict_from_decision(
            self.decision_function(X), self.classes_, self._multilabel_dtype
        )

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
        if decision.ndim == 1:
            # one sigmoid: p_1 = sigmoid(z), p_0 = sigmoid(-z)
            decision = decision[:, None]
            return np.hstack([log_expit(-decision), log_expit(decision)])
        return self._multi_output_log_proba(decision)

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
