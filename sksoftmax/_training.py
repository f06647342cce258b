"""fit and partial_fit, orchestrated: validated data -> problem and weights ->
start point -> solver -> fitted attributes.

Every function takes the estimator for its parameters and hooks; only
:func:`set_fitted` writes to it, so a fit that raises earlier changes nothing.
"""

import contextlib

import numpy as np
from scipy import sparse
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.extmath import row_norms
from sklearn.utils.validation import validate_data

from ._array_api import Namespace, host_array, to_host
from ._loss import LinearLoss, MultinomialLoss, SoftMultinomialLoss
from ._solvers import IterationHook, SgdOptions, lbfgs, lbfgs_lockstep, sgd
from ._solvers._lbfgs import max_abs
from ._targets import check_classes, sample_weights, smoothed
from ._threads import fit_threads

# Above this many outputs, one thread per output costs more than it saves and
# the joint L-BFGS run is used instead.
_MAX_LOCKSTEP_RUNS = 256


class Training:
    """Validated data and its problem, ready for a solver.

    Targets and weights are always numpy, on the host. X stays where it was
    given: numpy or sparse; another library's array on its device when the
    solver runs there (``on_device``; not SGD with early stopping), else
    numpy's view of it (host memory) or a host copy.

    Attributes
    ----------
    namespace : Namespace
        X's array namespace and device.
    X : {ndarray, sparse matrix} or array of X's namespace
    y : ndarray
        The validated targets, as given.
    classes : ndarray
    problem : Problem
    sample_weight : ndarray
        ``s_i``, in X's dtype.
    dtype : numpy dtype
        X's float dtype.
    on_device : bool
        Whether the objective runs in X's namespace, on its device.
    linear_loss : LinearLoss
        The objective.
    objective_data : tuple
        ``(X, target, sample_weight)`` as ``linear_loss`` takes them.
    """

    def __init__(
        self, estimator, X, y, sample_weight, classes=None, reset=True, on_device=True
    ):
        columns = list(y.columns) if hasattr(y, "columns") else None
        self.namespace = namespace = Namespace(X)
        X, y = validate_data(
            estimator,
            X,
            y,
            reset=reset,
            accept_sparse=["csr", "csc"],
            dtype=namespace.float_dtypes,
            multi_output=True,
        )
        # Targets and weights are O(n) work: done on the host, in numpy.
        y, sample_weight = host_array(y), host_array(sample_weight)
        dtype = namespace.host_dtype(X)
        view = namespace.host_view(X)
        if view is not None:  # in host memory: the numpy path, no copy
            X, on_device = view, False
        elif not namespace.is_numpy and not on_device:
            X = to_host(X, namespace.xp)
        encoder = estimator._target_encoder(y, columns)
        y, classes = encoder.check(y, classes)
        self.X, self.y, self.classes = X, y, classes
        self.problem = encoder.encode(y, classes, dtype)
        if estimator.label_smoothing > 0:
            self.problem = smoothed(self.problem, estimator.label_smoothing, dtype)
        # the weights need only X's number of rows and dtype
        rows_like_X = np.empty((X.shape[0], 0), dtype=dtype)
        self.sample_weight = sample_weights(
            sample_weight, rows_like_X, self.problem, classes, estimator.class_weight
        )
        self.on_device = on_device and not namespace.is_numpy
        self.dtype = dtype
        self.linear_loss = LinearLoss(
            self.problem.base_loss,
            self.problem.n_outputs,
            X.shape[1],
            estimator.fit_intercept,
        )
        self.objective_data = (X, self.problem.target, self.sample_weight)
        if self.on_device:
            self._to_device()

    def _to_device(self):
        """The objective's data on X's device; hard labels as one-hot rows
        built there (one Array API kernel serves every softmax target)."""
        problem, namespace = self.problem, self.namespace
        xp, base_loss = namespace.xp, problem.base_loss
        if type(base_loss) is MultinomialLoss:  # class codes
            codes = xp.reshape(namespace.to_device(problem.target), (1, -1))
            classes = xp.arange(problem.n_outputs, device=namespace.device)
            target = xp.astype(xp.reshape(classes, (-1, 1)) == codes, self.X.dtype)
            base_loss = SoftMultinomialLoss()
        else:
            target = namespace.to_device(problem.target)
        self.linear_loss = LinearLoss(
            base_loss,
            problem.n_outputs,
            self.X.shape[1],
            self.linear_loss.fit_intercept,
            namespace,
        )
        self.objective_data = (
            self.X,
            target,
            namespace.to_device(self.sample_weight),
        )

    def target_rows(self, rows):
        """Rows of the objective's target (the lockstep runs' subsets)."""
        target = self.objective_data[1]
        if not self.on_device:
            return target[rows]
        xp = self.namespace.xp
        return xp.take(target, self.namespace.to_device(rows), axis=0)

    @property
    def weight_sum(self):
        return float(self.sample_weight.sum(dtype=np.float64))

    def threads(self):
        """The BLAS thread limits of this fit (none for another library)."""
        if self.on_device:
            return contextlib.nullcontext()
        return fit_threads(*self.X.shape, self.problem.n_outputs)

    def prior_coef(self):
        """Zero weights and the intercepts that best fit the class priors:
        fewer iterations from there than from zero."""
        loss, problem = self.linear_loss, self.problem
        intercept = None
        if loss.fit_intercept:
            intercept = problem.base_loss.fit_intercept_only(
                problem.target, self.sample_weight, problem.n_outputs
            )
        return loss.pack(np.zeros((loss.n_outputs, loss.n_features)), intercept)

    def warm_coef(self, estimator):
        """The estimator's coefficients, packed, if this data fits them."""
        shape = (self.linear_loss.n_outputs, self.linear_loss.n_features)
        if estimator.coef_.shape != shape:
            raise ValueError(
                f"warm_start: the previous fit has coef_ of shape "
                f"{estimator.coef_.shape}, this data needs {shape}; the number "
                "of features changed. Set warm_start=False."
            )
        return self.linear_loss.pack(
            host_array(estimator.coef_), host_array(estimator.intercept_)
        )

    def batch_sq_norm(self, batch_size):
        """Largest mean of ``||x_i||^2`` (plus 1 for the intercept) over any
        minibatch: the mean of the ``batch_size`` largest with equal weights,
        the largest with unequal ones (a heavy sample can dominate a batch).

        The minibatch objective's curvature is at most max_curvature times
        this. On standardised digits it is 166 against a largest row of 2338:
        a 14x longer step than the per-sample bound allows.
        """
        X, sample_weight = self.X, self.sample_weight
        # in float64: squared norms of float32 rows overflow above ~1.8e19,
        # which made the "auto" step 0 and SGD learn nothing, silently
        if self.on_device:
            sq_norms = self.namespace.squared_row_norms(X)
        elif sparse.issparse(X):
            sq_norms = row_norms(X.astype(np.float64), squared=True)
        else:
            sq_norms = np.einsum("ij,ij->i", X, X, dtype=np.float64)
        sq_norms += int(self.linear_loss.fit_intercept)
        batch_size = min(batch_size, X.shape[0])
        if np.all(sample_weight == sample_weight[0]) and batch_size > 1:
            top = np.partition(sq_norms, -batch_size)[-batch_size:]
            return float(top.mean())
        return float(sq_norms.max())


def learning_rate_init(estimator, problem, l2_reg_strength, batch_sq_norm):
    """The SGD step: the given float, or 1/L for "auto", L bounding the
    curvature of every minibatch objective."""
    if estimator.learning_rate_init != "auto":
        return float(estimator.learning_rate_init)
    curvature = problem.base_loss.max_curvature * batch_sq_norm + l2_reg_strength
    return 1.0 / curvature


def sgd_options(estimator):
    """The SGD parameters both fit and partial_fit pass on."""
    return SgdOptions(
        batch_size=estimator.batch_size,
        learning_rate=estimator.learning_rate,
        power_t=estimator.power_t,
        momentum=estimator.momentum,
        nesterovs_momentum=estimator.nesterovs_momentum,
        shuffle=estimator.shuffle,
        tol=estimator.tol,
        n_iter_no_change=estimator.n_iter_no_change,
    )


def fit(estimator, X, y, sample_weight):
    """``estimator.fit``: every solver, warm start, early stopping."""
    # early stopping scores held-out rows on the host
    on_device = estimator.solver == "lbfgs" or not estimator.early_stopping
    data = Training(estimator, X, y, sample_weight, on_device=on_device)
    if estimator.warm_start and hasattr(estimator, "classes_"):
        previous = host_array(estimator.classes_)
        if not np.array_equal(previous, data.classes):
            raise ValueError(
                f"warm_start: the classes changed from {previous.tolist()} to "
                f"{data.classes.tolist()}; set warm_start=False to refit."
            )
    warm = estimator.warm_start and hasattr(estimator, "coef_")
    coef0 = data.warm_coef(estimator) if warm else data.prior_coef()
    weight_sum = data.weight_sum
    l2_reg_strength = data.problem.l2_scale / (estimator.C * weight_sum)
    sgd_state = {"weight_seen": weight_sum}
    lbfgs_runs = data.problem.base_loss.separable and (
        1 < data.problem.n_outputs <= _MAX_LOCKSTEP_RUNS
    )
    solver_name = "SGD" if estimator.solver == "sgd" else "L-BFGS"
    hook = IterationHook(
        estimator.verbose, unit="Epoch" if estimator.solver == "sgd" else "Iteration"
    )
    with data.threads():
        if estimator.solver == "sgd":
            batch_sq_norm = data.batch_sq_norm(estimator.batch_size)
            result = _fit_sgd(
                estimator, data, coef0, l2_reg_strength, batch_sq_norm, hook
            )
            sgd_state.update(result.state, batch_sq_norm=batch_sq_norm)
        elif lbfgs_runs:
            result = _fit_lockstep(estimator, data, coef0, l2_reg_strength, hook)
        else:
            result = lbfgs(
                data.linear_loss.loss_gradient,
                coef0,
                args=(*data.objective_data, l2_reg_strength, data.weight_sum),
                max_iter=estimator.max_iter,
                tol=estimator.tol,
                hook=hook,
            )
        _close(hook, solver_name, result, data, l2_reg_strength)
    set_fitted(estimator, data, result, sgd_state)
    estimator.n_iter_ = result.n_iter
    estimator.loss_curve_ = result.loss_curve
    estimator.t_ = sgd_state.get("t", data.X.shape[0])
    for name in ("validation_scores", "best_validation_score"):
        if name in sgd_state:
            setattr(estimator, name + "_", sgd_state.pop(name))


def _close(hook, solver_name, result, data, l2_reg_strength):
    """The verbose closing line; SGD's max|gradient| is computed for it."""
    if hook.verbose and np.isnan(result.max_gradient):
        coef = result.coef
        _, gradient = data.linear_loss.loss_gradient(
            coef, *data.objective_data, l2_reg_strength, data.weight_sum
        )
        result.max_gradient = max_abs(gradient)
    hook.close(solver_name, result)


def _fit_lockstep(estimator, data, coef0, l2_reg_strength, hook):
    """One L-BFGS run per sigmoid output, evaluated together (lockstep)."""
    linear_loss = data.linear_loss
    X, target, sample_weight = data.objective_data
    weight_sum = data.weight_sum

    def fun(outputs, blocks):
        subset = linear_loss.for_outputs(len(outputs))
        all_outputs = len(outputs) == linear_loss.n_outputs
        values, gradient = subset.loss_gradient(
            subset.from_rows(blocks),
            X,
            target if all_outputs else data.target_rows(outputs),
            sample_weight,
            l2_reg_strength,
            weight_sum,
            per_output=True,
        )
        return values, subset.to_rows(gradient)

    result = lbfgs_lockstep(
        fun,
        linear_loss.to_rows(coef0),
        max_iter=estimator.max_iter,
        tol=estimator.tol,
        hook=hook,
    )
    result.coef = linear_loss.from_rows(result.coef)
    return result


def _fit_sgd(estimator, data, coef0, l2_reg_strength, batch_sq_norm, hook):
    """SGD epochs for ``fit``, with the early-stopping split when asked."""
    rng = check_random_state(estimator.random_state)
    X, target, sample_weight = data.objective_data
    validation_score = None
    if estimator.early_stopping:
        train, val = train_test_split(
            np.arange(X.shape[0]),
            test_size=estimator.validation_fraction,
            stratify=data.problem.class_codes,
            random_state=rng,
        )
        y_val = data.y[val]
        if data.problem.class_proba is not None:  # soft targets: their argmax
            y_val = data.classes[np.argmax(y_val, axis=1)]
        validation_score = _validation_score(
            estimator, data, X[val], y_val, sample_weight[val]
        )
        X, target, sample_weight = X[train], target[..., train], sample_weight[train]
    return sgd(
        _minibatch_loss_gradient(data),
        coef0,
        (X, target, sample_weight),
        l2_reg_strength=l2_reg_strength,
        learning_rate_init=learning_rate_init(
            estimator, data.problem, l2_reg_strength, batch_sq_norm
        ),
        state={},
        random_state=rng,
        max_iter=estimator.max_iter,
        validation_score=validation_score,
        hook=hook,
        options=sgd_options(estimator),
        namespace=data.namespace if data.on_device else None,
    )


def _minibatch_loss_gradient(data):
    """What SGD steps call: on X's device the variant that brings nothing back."""
    if data.on_device:
        return data.linear_loss.loss_gradient_on_device
    return data.linear_loss.loss_gradient


def _validation_score(estimator, data, X_val, y_val, s_val):
    """Accuracy on the held-out part, from packed coefficients."""

    def validation_score(coef):
        decision = data.linear_loss.raw_prediction(coef, X_val).T
        decision = decision.ravel() if decision.shape[1] == 1 else decision
        predicted = estimator._predict_from_decision(
            decision, data.classes, data.problem.multilabel_dtype
        )
        return accuracy_score(y_val, predicted, sample_weight=s_val)

    return validation_score


def set_fitted(estimator, data, result, sgd_state):
    """Write the attributes every fit and partial_fit sets."""
    fitted = data.namespace.fitted
    estimator.classes_ = fitted(data.classes)
    estimator._multilabel_dtype = data.problem.multilabel_dtype
    weights, intercept = data.linear_loss.unpack(result.coef)
    if intercept is None:
        intercept = np.zeros(data.linear_loss.n_outputs)
    estimator.coef_ = fitted(np.ascontiguousarray(weights, dtype=data.dtype))
    estimator.intercept_ = fitted(intercept.astype(data.dtype))
    estimator._sgd_state = sgd_state


def partial_fit(estimator, X, y, classes, sample_weight):
    """``estimator.partial_fit``: one SGD epoch over the chunk, continuing."""
    first_call = not hasattr(estimator, "classes_")
    classes = _stream_classes(estimator, classes, first_call)
    if isinstance(estimator.class_weight, str):
        raise ValueError(
            "class_weight='balanced' is not supported by partial_fit: the "
            "class frequencies of a stream are unknown. Pass a dict of "
            "weights instead."
        )
    data = Training(
        estimator,
        X,
        y,
        sample_weight,
        classes=classes,
        reset=first_call,
    )
    if first_call:
        coef, state = data.prior_coef(), {}
    else:
        coef = data.linear_loss.pack(
            host_array(estimator.coef_), host_array(estimator.intercept_)
        )
        state = getattr(estimator, "_sgd_state", {})
    weight_seen = state.get("weight_seen", 0.0) + data.weight_sum
    batch_sq_norm = max(
        state.get("batch_sq_norm", 0.0), data.batch_sq_norm(estimator.batch_size)
    )
    l2_reg_strength = data.problem.l2_scale / (estimator.C * weight_seen)
    hook = IterationHook(estimator.verbose, unit="Epoch")
    with data.threads():
        result = sgd(
            _minibatch_loss_gradient(data),
            coef,
            data.objective_data,
            l2_reg_strength=l2_reg_strength,
            learning_rate_init=learning_rate_init(
                estimator, data.problem, l2_reg_strength, batch_sq_norm
            ),
            state=state,
            random_state=_partial_fit_rng(estimator),
            max_iter=1,
            warn=False,
            hook=hook,
            options=sgd_options(estimator),
            namespace=data.namespace if data.on_device else None,
        )
        _close(hook, "SGD", result, data, l2_reg_strength)
    set_fitted(
        estimator,
        data,
        result,
        {**result.state, "weight_seen": weight_seen, "batch_sq_norm": batch_sq_norm},
    )
    estimator.t_ = result.state["t"]
    estimator.n_iter_ = 1 if first_call else estimator.n_iter_ + 1
    previous = [] if first_call else list(estimator.loss_curve_)
    estimator.loss_curve_ = previous + result.loss_curve


def _stream_classes(estimator, classes, first_call):
    """The classes of a stream: given on the first call, the same later."""
    if first_call:
        if classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: "
                "every label the stream will use."
            )
        return check_classes(classes)
    # sorted: soft targets keep their classes in the order of Y's columns
    fitted_classes = host_array(estimator.classes_)
    if classes is not None and not np.array_equal(
        check_classes(host_array(classes)), np.sort(fitted_classes)
    ):
        raise ValueError(
            f"classes={np.asarray(classes).tolist()} differs from the "
            f"classes of the first call, {fitted_classes.tolist()}."
        )
    return fitted_classes


def _partial_fit_rng(estimator):
    # A fixed random_state gives the same shuffles for the same sequence of
    # calls: seed each call from the seed and the samples seen so far.
    random_state = estimator.random_state
    if random_state is None or isinstance(random_state, np.random.RandomState):
        return check_random_state(random_state)
    t = getattr(estimator, "_sgd_state", {}).get("t", 0)
    return np.random.RandomState([random_state, t])
