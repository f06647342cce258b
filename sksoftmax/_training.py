"""fit and partial_fit, orchestrated: validated data -> problem and weights ->
start point -> solver -> fitted attributes.

Every function takes the estimator for its parameters and hooks; only
:func:`set_fitted` writes to it, so a fit that raises earlier changes nothing.
"""

import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from ._array_api import host_array
from ._callbacks import FitTasks
from ._fit_data import fit_data
from ._penalties import penalty_terms
from ._solvers import (
    IterationHook,
    SgdOptions,
    lbfgs_lockstep,
    minimiser,
    sgd,
)
from ._solvers._lbfgs import max_abs
from ._solvers._result import SolverResult, warn_not_converged
from ._targets import check_classes
from ._weights import check_total_weight

# Above this many outputs, one thread per output costs more than it saves and
# the joint L-BFGS run is used instead.
_MAX_LOCKSTEP_RUNS = 256


def learning_rate_init(estimator, problem, l2_reg_strength, batch_sq_norm):
    """The SGD step: the given float, or 1/L for "auto", L bounding the
    curvature of every minibatch objective."""
    if estimator.learning_rate_init != "auto":
        return float(estimator.learning_rate_init)
    if not np.isfinite(batch_sq_norm):
        # the step would be 0 and SGD would learn nothing, silently
        raise ValueError(
            "learning_rate_init='auto' takes the step from the squared row "
            "norms of X, which overflow float64: X has values too large to "
            "train on. Scale X (e.g. StandardScaler) or pass a float "
            "learning_rate_init."
        )
    # the largest L2 strength, with a penalty factor per feature
    l2_bound = float(np.max(l2_reg_strength))
    curvature = problem.base_loss.max_curvature * batch_sq_norm + l2_bound
    return 1.0 / curvature


def sgd_options(estimator, penalty=None):
    """The SGD parameters both fit and partial_fit pass on, and the
    non-smooth penalty its proximal steps take."""
    return SgdOptions(
        penalty=penalty,
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
    warm = estimator.warm_start and hasattr(estimator, "coef_")
    data = fit_data(
        estimator,
        X,
        y,
        sample_weight,
        on_device=on_device,
        kind=getattr(estimator, "_target_kind", None) if warm else None,
    )
    if estimator.warm_start and hasattr(estimator, "classes_"):
        previous = host_array(estimator.classes_)
        if not np.array_equal(previous, data.classes):
            raise ValueError(
                f"warm_start: the classes changed from {previous.tolist()} to "
                f"{data.classes.tolist()}; set warm_start=False to refit."
            )
    coef0 = data.warm_coef(estimator) if warm else data.prior_coef()
    weight_sum = data.weight_sum
    l2_reg_strength, penalty = penalty_terms(
        estimator, data.problem, data.linear_loss, weight_sum
    )
    sgd_state = {"weight_seen": weight_sum}
    lockstep = (
        estimator.solver == "lbfgs"
        and penalty is None  # OWL-QN runs the outputs jointly
        and estimator.max_iter > 0
        and data.problem.base_loss.separable
        and 1 < data.problem.n_outputs <= _MAX_LOCKSTEP_RUNS
    )
    solver_name = "SGD" if estimator.solver == "sgd" else "L-BFGS"
    tasks = _fit_tasks(estimator, data, sample_weight)
    hook = IterationHook(
        estimator.verbose,
        unit="Epoch" if estimator.solver == "sgd" else "Iteration",
        listeners=[tasks],
    )
    # the lockstep runs report one row of coefficients per output
    to_packed = data.linear_loss.from_rows if lockstep else None
    tasks.begin(max(estimator.max_iter, 1) + 1, coef0, to_packed)
    with data.threads():
        if estimator.max_iter == 0:
            result = _starting_model(coef0, estimator.solver, estimator.tol)
            # the one iteration task LogisticRegression's lbfgs reports here
            # (scipy takes a step even then), ending at the starting model
            tasks(0, None, lambda: coef0)
        elif estimator.solver == "sgd":
            batch_sq_norm = data.batch_sq_norm(estimator.batch_size)
            result = _fit_sgd(
                estimator, data, coef0, (l2_reg_strength, penalty), batch_sq_norm, hook
            )
            sgd_state.update(result.state, batch_sq_norm=batch_sq_norm)
        elif lockstep:
            result = _fit_lockstep(estimator, data, coef0, l2_reg_strength, hook)
        else:
            result = minimiser(penalty)(
                data.linear_loss.loss_gradient,
                coef0,
                args=(*data.objective_data, l2_reg_strength, data.weight_sum),
                max_iter=estimator.max_iter,
                tol=estimator.tol,
                hook=hook,
                dtype=data.dtype,
            )
        _close(hook, solver_name, result, data, l2_reg_strength)
    _set_fit_attributes(estimator, data, result, sgd_state)
    tasks.end({})


def _check_sgd_penalty(data, l2_reg_strength, penalty):
    """SGD's steps on another library's device take the plain L2 penalty:
    the proximal steps and per-feature strengths are numpy's."""
    if data.on_device and (penalty is not None or np.ndim(l2_reg_strength) > 0):
        raise ValueError(
            "SGD on another array library's device fits the plain L2 penalty; "
            "for l1_ratio > 0 or penalty_factor use solver='lbfgs' there, or "
            "numpy input."
        )


def _set_fit_attributes(estimator, data, result, sgd_state):
    """Every attribute ``fit`` sets, and none that this fit does not define."""
    set_fitted(estimator, data, result, sgd_state)
    estimator.n_iter_ = _n_iter(result.n_iter, data.namespace)
    estimator.loss_curve_ = result.loss_curve
    estimator.t_ = sgd_state.get("t", data.X.shape[0])
    # only early stopping defines these: a refit without it drops them
    for name in ("validation_scores", "best_validation_score"):
        if name in sgd_state:
            setattr(estimator, name + "_", sgd_state.pop(name))
        elif hasattr(estimator, name + "_"):
            delattr(estimator, name + "_")


def _n_iter(n_iter, namespace):
    """``n_iter_`` as LogisticRegression's: an int32 array of shape (1,) in
    X's namespace, so code written for it (``n_iter_[0]``) runs unchanged."""
    return namespace.fitted(np.array([n_iter], dtype=np.int32))


def _fit_tasks(estimator, data, sample_weight):
    """The callback tasks of this fit; reconstructed models predict from the
    coefficients an iteration reached."""
    return FitTasks(
        estimator,
        data.X,
        data.labels,
        sample_weight,
        lambda coef: fitted_attributes(data, coef),
    )


def _starting_model(coef0, solver, tol):
    """``max_iter=0``: the starting point, with LogisticRegression's warning
    (scipy's L-BFGS-B would still take one iteration)."""
    warn_not_converged(solver, tol, 0, "no iterations were allowed")
    return SolverResult(coef=coef0, n_iter=0, loss_curve=[], converged=False)


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
        dtype=data.dtype,
    )
    result.coef = linear_loss.from_rows(result.coef)
    return result


def _fit_sgd(estimator, data, coef0, penalties, batch_sq_norm, hook):
    """SGD epochs for ``fit``, with the early-stopping split when asked: the
    epochs visit the training rows of X and the score reads the held-out
    rows, neither copied out of X. ``penalties``: the L2 strength and the
    non-smooth penalty (or None)."""
    l2_reg_strength, penalty = penalties
    _check_sgd_penalty(data, l2_reg_strength, penalty)
    rng = check_random_state(estimator.random_state)
    X, target, sample_weight = data.objective_data
    validation_score = train = None
    if estimator.early_stopping:
        train, val = train_test_split(
            np.arange(X.shape[0]),
            test_size=estimator.validation_fraction,
            stratify=data.problem.class_codes,
            random_state=rng,
        )
        train.sort()
        val.sort()
        if not sample_weight[train].sum() > 0:
            raise ValueError(
                "early_stopping: the training part of the split has zero total "
                "sample weight; give weight to more samples or lower "
                "validation_fraction."
            )
        validation_score = _validation_score(
            estimator, data, val, data.labels[val], sample_weight[val]
        )
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
        options=sgd_options(estimator, penalty),
        namespace=data.namespace if data.on_device else None,
        rows=train,
        epochs=data.sgd_epochs,
    )


def _minibatch_loss_gradient(data):
    """What SGD steps call: on X's device the variant that brings nothing back."""
    if data.on_device:
        return data.linear_loss.loss_gradient_on_device
    return data.linear_loss.loss_gradient


def _validation_score(estimator, data, val, y_val, s_val):
    """Accuracy on the held-out rows ``val`` of X, from packed coefficients."""

    def validation_score(coef):
        predicted = estimator._predict_from_decision(
            data.decision_rows(coef, val), data.classes, data.problem.multilabel_dtype
        )
        return accuracy_score(y_val, predicted, sample_weight=s_val)

    return validation_score


def fitted_attributes(data, coef):
    """The attributes a model predicts with, from packed coefficients."""
    fitted = data.namespace.fitted
    weights, intercept = data.linear_loss.unpack(coef)
    if intercept is None:
        intercept = np.zeros(data.linear_loss.n_outputs)
    return {
        "classes_": fitted(data.classes),
        "_multilabel_dtype": data.problem.multilabel_dtype,
        "_target_kind": data.target_kind,
        "coef_": fitted(np.ascontiguousarray(weights, dtype=data.dtype)),
        "intercept_": fitted(intercept.astype(data.dtype)),
    }


def set_fitted(estimator, data, result, sgd_state):
    """Write the attributes every fit and partial_fit sets."""
    for name, value in fitted_attributes(data, result.coef).items():
        setattr(estimator, name, value)
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
    data = fit_data(
        estimator,
        X,
        y,
        sample_weight,
        classes=classes,
        reset=first_call,
        kind=None if first_call else getattr(estimator, "_target_kind", None),
        one_pass=True,
    )
    if first_call:
        coef, state = data.prior_coef(unseen_neutral=True), {}
    else:
        coef = data.warm_coef(estimator)
        state = getattr(estimator, "_sgd_state", {})
    weight_seen = state.get("weight_seen", 0.0) + data.weight_sum
    batch_sq_norm = max(
        state.get("batch_sq_norm", 0.0), data.batch_sq_norm(estimator.batch_size)
    )
    check_total_weight(weight_seen, data.dtype)
    l2_reg_strength, penalty = penalty_terms(
        estimator, data.problem, data.linear_loss, weight_seen
    )
    _check_sgd_penalty(data, l2_reg_strength, penalty)
    tasks = _fit_tasks(estimator, data, sample_weight)
    hook = IterationHook(estimator.verbose, unit="Epoch", listeners=[tasks])
    tasks.begin(2, coef, task_name="partial_fit")  # an epoch, then the empty task
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
            options=sgd_options(estimator, penalty),
            namespace=data.namespace if data.on_device else None,
            epochs=data.sgd_epochs,
        )
        _close(hook, "SGD", result, data, l2_reg_strength)
    set_fitted(
        estimator,
        data,
        result,
        {**result.state, "weight_seen": weight_seen, "batch_sq_norm": batch_sq_norm},
    )
    estimator.t_ = result.state["t"]
    calls = 1 if first_call else int(host_array(estimator.n_iter_)[0]) + 1
    estimator.n_iter_ = _n_iter(calls, data.namespace)
    previous = [] if first_call else list(estimator.loss_curve_)
    estimator.loss_curve_ = previous + result.loss_curve
    tasks.end({})


def _stream_classes(estimator, classes, first_call):
    """The classes of a stream: given on the first call, the same later."""
    if first_call:
        if classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: "
                "every label the stream will use."
            )
        return check_classes(classes)
    fitted_classes = host_array(estimator.classes_)  # sorted, as every fit's
    if classes is not None and not np.array_equal(
        check_classes(host_array(classes)), fitted_classes
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
