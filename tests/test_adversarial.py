"""The families an adversarial user found in the wave-2 capabilities (soft
targets, the CV estimators, callbacks, weights, n_iter_ and the warnings),
each on several inputs, both estimators and both solvers where they apply.
References are independent: fits on rows written out by hand, GridSearchCV,
LogisticRegression(CV), metrics computed here. Dask, the Array API and ONNX
have their cases in their own modules."""

import copy
import threading
import warnings
from inspect import signature

import numpy as np
import pytest
from helpers import assert_raises_unchanged
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, get_scorer, log_loss
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from sksoftmax import (
    OneVsRestSigmoid,
    OneVsRestSigmoidCV,
    SoftmaxRegression,
    SoftmaxRegressionCV,
)
from sksoftmax._loss import _row_blocks
from sksoftmax._solvers import _lockstep

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_STD = StandardScaler().fit_transform(X_IRIS)
NAMES = np.array(["setosa", "versicolor", "virginica"])
ESTIMATORS = [SoftmaxRegression, OneVsRestSigmoid]
SOLVERS = ["lbfgs", "sgd"]
TIGHT = dict(tol=1e-10, max_iter=2000)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def fitted(estimator_class, **params):
    return estimator_class(max_iter=20, random_state=0, **params).fit(X_STD, Y_IRIS)


def soft(y, n_classes, seed=0):
    """Random distributions whose most probable class is y."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(len(y), n_classes))
    logits[np.arange(len(y)), y] += 3
    P = np.exp(logits)
    return P / P.sum(axis=1, keepdims=True)


# -- 1. soft-target rows that almost sum to one --------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("X_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("drift", [1 + 3e-4, 1 - 3e-4])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_rows_off_one_within_tolerance_fit_their_distributions(
    solver, X_dtype, drift, n_classes
):
    """float32 rows summing to 1 +- 3e-4 pass the row check; the fit must be
    the fit of the distributions (the rows divided by their sums), not walk
    the intercepts off along the unbounded common shift (they reached 1e13)."""
    keep = Y_IRIS < n_classes
    X, y = X_STD[keep].astype(X_dtype), Y_IRIS[keep]
    P = soft(y, n_classes)
    Y = (P * drift).astype(np.float32)
    normalised = Y.astype(np.float64) / Y.sum(axis=1, dtype=np.float64)[:, None]
    params = dict(solver=solver, random_state=0, **TIGHT)
    if solver == "sgd":
        params.update(max_iter=30, learning_rate="adaptive")
    model = SoftmaxRegression(**params).fit(X, Y)
    reference = SoftmaxRegression(**params).fit(X, normalised)
    assert np.all(np.abs(model.intercept_) < 50)
    atol = 1e-5 if X_dtype == np.float64 else 1e-3
    assert_allclose(model.coef_, reference.coef_, atol=atol)
    assert_allclose(model.intercept_, reference.intercept_, atol=atol)


# -- 2. per-label targets outside [0, 1] -----------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    "values, shown",
    [((-1, 1), r"\[-1, 1\]"), ((0, 2), r"\[0, 2\]"), ((0.0, 1.5), r"\[0.0, 1.5\]")],
)
def test_per_label_targets_outside_the_unit_interval_are_refused(solver, values, shown):
    Y = np.stack([Y_IRIS == 0, Y_IRIS == 1, X_STD[:, 0] > 0], axis=1)
    Y = np.where(Y, values[1], values[0])
    model = fitted(OneVsRestSigmoid, solver=solver)
    match = f"2-D targets must lie in \\[0, 1\\].*y holds {shown}"
    assert_raises_unchanged(model, match, "fit", X_STD, Y)
    assert_raises_unchanged(
        OneVsRestSigmoidCV(Cs=2, cv=3, solver=solver), match, "fit", X_STD, Y
    )


# -- 3./4. soft-target columns are matched to the classes by label -------------


def _frame(Y, columns, order):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(Y[:, order], columns=np.asarray(columns)[order])


@pytest.mark.parametrize(
    "columns", [NAMES, np.array([10, 2, 7]), np.array([0.5, 2.0, 1.0])]
)
@pytest.mark.parametrize("order", [[2, 0, 1], [1, 2, 0]])
def test_unsorted_columns_give_sorted_classes_and_the_same_fit(columns, order):
    Y = soft(Y_IRIS, 3)
    sorted_order = np.argsort(columns)
    expected = SoftmaxRegression(**TIGHT).fit(X_STD, _frame(Y, columns, sorted_order))
    model = SoftmaxRegression(**TIGHT).fit(X_STD, _frame(Y, columns, order))
    assert_array_equal(model.classes_, np.sort(columns))
    assert model.classes_.dtype.kind == np.asarray(columns).dtype.kind
    # to rounding: the row sums add the columns in another order
    assert_allclose(model.coef_, expected.coef_, atol=1e-10)
    assert_allclose(model.intercept_, expected.intercept_, atol=1e-10)


def test_unsorted_columns_in_cv_choose_as_sorted_ones():
    Y = soft(Y_IRIS, 3)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    search = dict(Cs=[0.01, 1.0, 100.0], cv=cv)
    expected = SoftmaxRegressionCV(**search).fit(X_STD, _frame(Y, NAMES, [0, 1, 2]))
    model = SoftmaxRegressionCV(**search).fit(X_STD, _frame(Y, NAMES, [2, 0, 1]))
    assert_array_equal(model.classes_, NAMES)
    assert model.C_ == expected.C_
    assert_allclose(model.scores_, expected.scores_)


@pytest.mark.parametrize("order", [[2, 0, 1], [1, 0, 2], [0, 1, 2]])
def test_partial_fit_matches_frame_columns_to_the_stream_classes(order):
    """A soft chunk whose columns come in any order continues the stream as
    the same chunk in the classes' order does, and hard labels follow it."""
    Y = np.eye(3)[Y_IRIS]
    stream = SoftmaxRegression(random_state=0)
    for _ in range(5):
        stream.partial_fit(X_STD, NAMES[Y_IRIS], classes=NAMES)
    reference = copy.deepcopy(stream).partial_fit(X_STD, _frame(Y, NAMES, [0, 1, 2]))
    model = copy.deepcopy(stream).partial_fit(X_STD, _frame(Y, NAMES, order))
    assert_array_equal(model.classes_, NAMES)
    assert_allclose(model.coef_, reference.coef_, atol=1e-12)
    # hard labels after it: no IndexError, the same model as the reference's
    model.partial_fit(X_STD, NAMES[Y_IRIS])
    reference.partial_fit(X_STD, NAMES[Y_IRIS])
    assert_allclose(model.coef_, reference.coef_, atol=1e-12)
    assert model.score(X_STD, NAMES[Y_IRIS]) > 0.85  # re-labelled rows: 0.04


def test_numpy_soft_chunk_columns_are_the_stream_classes_in_order():
    """numpy soft targets have no labels: their columns are the stream's
    classes, sorted (as predict_proba's columns); booleans stay booleans."""
    y = Y_IRIS > 0
    model = SoftmaxRegression(random_state=0).partial_fit(
        X_STD, y, classes=[True, False]
    )
    model.partial_fit(X_STD, np.eye(2)[y.astype(int)])
    assert model.classes_.dtype == bool
    assert_array_equal(model.classes_, [False, True])
    for _ in range(3):
        model.partial_fit(X_STD, np.eye(2)[y.astype(int)])
    assert model.score(X_STD, y) > 0.9


@pytest.mark.parametrize("columns", ["MultiIndex", "mixed"])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_unusable_column_labels_are_refused(columns, method):
    pd = pytest.importorskip("pandas")
    if columns == "MultiIndex":
        columns = pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)])
        match = "MultiIndex columns"
    else:
        columns, match = ["a", 1, "b"], "mix strings and numbers"
    model = fitted(SoftmaxRegression)
    frame = pd.DataFrame(soft(Y_IRIS, 3), columns=columns)
    kwargs = {"classes": [0, 1, 2]} if method == "partial_fit" else {}
    assert_raises_unchanged(
        SoftmaxRegression() if kwargs else model, match, method, X_STD, frame, **kwargs
    )


# -- 6./7./20./21. CV scores as GridSearchCV and LogisticRegressionCV ----------


@pytest.mark.parametrize("scoring", ["neg_log_loss", "accuracy"])
@pytest.mark.parametrize("estimator_class", [SoftmaxRegressionCV, OneVsRestSigmoidCV])
def test_weighted_cv_scores_equal_grid_search(scoring, estimator_class):
    """scores_ equal GridSearchCV's split scores with the same sample_weight,
    whatever the installed scikit-learn does with them (it weighs them from
    1.7 on)."""
    X, y = make_classification(
        200, 8, n_informative=4, n_classes=3, flip_y=0.2, random_state=1
    )
    sample_weight = np.random.RandomState(1).exponential(size=200) ** 3
    Cs, cv = [1e-3, 1e-1, 10.0], StratifiedKFold(4, shuffle=True, random_state=0)
    model = estimator_class(Cs=Cs, cv=cv, scoring=scoring, tol=1e-10, max_iter=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X, y, sample_weight=sample_weight)
        search = GridSearchCV(
            estimator_class._base_class(tol=1e-10, max_iter=1000),
            {"C": Cs},
            cv=cv,
            scoring=scoring,
        ).fit(X, y, sample_weight=sample_weight)
    expected = np.stack([search.cv_results_[f"split{f}_test_score"] for f in range(4)])
    assert_allclose(model.scores_, expected, rtol=1e-5, atol=1e-7)
    assert model.C_ == search.best_params_["C"]


def test_a_callable_scorer_gets_the_fold_models_at_their_C():
    seen = []

    def scorer(model, X, y):
        seen.append(model.get_params())
        return model.score(X, y)

    Cs = [0.01, 1.0, 100.0]
    SoftmaxRegressionCV(Cs=Cs, cv=3, scoring=scorer, tol=1e-3).fit(X_STD, Y_IRIS)
    assert [params["C"] for params in seen] == [C for C in Cs for _ in range(3)]
    expected = SoftmaxRegression(tol=1e-3).get_params()
    for params in seen:
        assert {k: v for k, v in params.items() if k != "C"} == {
            k: v for k, v in expected.items() if k != "C"
        }


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("scoring", ["neg_brier_score", "neg_log_loss"])
@pytest.mark.parametrize("routing", [False, True])
def test_folds_missing_classes_are_scored_with_every_class(n_classes, scoring, routing):
    """scikit-learn's test_logistic_cv_folds_with_classes_missing: each
    held-out fold holds one class, which the fold's training rows lack."""
    if (
        scoring == "neg_brier_score"
        and "labels" not in signature(brier_score_loss).parameters
    ):
        pytest.skip("brier_score_loss takes no labels before scikit-learn 1.7")
    y = np.array(["a", "a", "b", "b", "c", "c"])[: 2 * n_classes]
    X = np.arange(2 * n_classes, dtype=float)[:, None]
    cv = KFold(n_splits=n_classes)
    with config_context(enable_metadata_routing=routing):
        model = SoftmaxRegressionCV(
            cv=cv, scoring=scoring, Cs=np.logspace(-6, 6, 5), tol=1e-8
        ).fit(X, y)
    labels = np.unique(y)
    for f, (_, test) in enumerate(cv.split(X, y)):
        fold = clone(SoftmaxRegression()).fit(X, y)  # classes_, shapes
        fold.coef_ = model.coefs_paths_[f, 0, :, :-1]
        fold.intercept_ = model.coefs_paths_[f, 0, :, -1]
        proba = fold.predict_proba(X[test])
        if scoring == "neg_log_loss":
            expected = -log_loss(y[test], proba, labels=labels)
        elif n_classes == 2:
            expected = -brier_score_loss(
                y[test], proba[:, 1], pos_label="b", labels=labels
            )
        else:
            expected = -brier_score_loss(y[test], proba, labels=labels)
        assert model.scores_[f, 0] == pytest.approx(expected, rel=1e-6)


def test_routing_weighs_scores_where_the_scorer_requests_it():
    """scikit-learn's test_lr_cv_scores_differ_when_sample_weight_is_requested:
    the requested weights reach the scorer, the unrequested ones do not."""
    X, y = make_classification(n_samples=400, random_state=0)
    sample_weight = np.ones(len(y))
    sample_weight[: len(y) // 2] = 2
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = {}
    with config_context(enable_metadata_routing=True):
        for requested in (False, True):
            scorer = get_scorer("accuracy").set_score_request(sample_weight=requested)
            model = SoftmaxRegressionCV(Cs=[1.0], cv=cv, scoring=scorer)
            scores[requested] = model.fit(X, y, sample_weight=sample_weight).scores_
    for f, (train, test) in enumerate(cv.split(X, y)):
        fold = SoftmaxRegression().fit(X[train], y[train], sample_weight[train])
        correct = fold.predict(X[test]) == y[test]
        assert scores[False][f, 0] == pytest.approx(correct.mean(), abs=1e-12)
        weighted = np.average(correct, weights=sample_weight[test])
        assert scores[True][f, 0] == pytest.approx(weighted, abs=1e-12)


# -- 9./10. CV on two label columns, soft targets' default folds ---------------


def _mean_label_log_loss(model, X, Y):
    proba = model.predict_proba(X)
    return -np.mean([log_loss(Y[:, k], proba[:, k], labels=[0, 1]) for k in range(2)])


def test_cv_on_two_label_columns_scores_each_label():
    rows = np.random.RandomState(0).permutation(150)
    X, y = X_STD[rows], Y_IRIS[rows]
    Y = np.stack([y == 0, y == 1], axis=1).astype(int)
    Cs, cv = [0.01, 1.0, 100.0], KFold(3)
    model = OneVsRestSigmoidCV(Cs=Cs, cv=cv, tol=1e-10, max_iter=1000).fit(X, Y)
    search = GridSearchCV(
        OneVsRestSigmoid(tol=1e-10, max_iter=1000),
        {"C": Cs},
        cv=cv,
        scoring=_mean_label_log_loss,
    ).fit(X, Y)
    expected = np.stack([search.cv_results_[f"split{f}_test_score"] for f in range(3)])
    assert_allclose(model.scores_, expected, rtol=1e-6)


@pytest.mark.parametrize("cv", [None, 3])
@pytest.mark.parametrize("solver", SOLVERS)
def test_soft_targets_are_stratified_by_their_most_probable_class(cv, solver):
    """Class-sorted rows: one-hot Y must give the folds and the fit of y (an
    unstratified split left a class out of every held-out fold)."""
    params = dict(Cs=3, cv=cv, solver=solver, random_state=0, max_iter=30)
    from_labels = SoftmaxRegressionCV(**params).fit(X_STD, Y_IRIS)
    from_one_hot = SoftmaxRegressionCV(**params).fit(X_STD, np.eye(3)[Y_IRIS])
    assert from_one_hot.C_ == from_labels.C_
    assert_allclose(from_one_hot.scores_, from_labels.scores_, atol=1e-8)


# -- 11./14./22. callbacks -----------------------------------------------------


def _callbacks():
    return pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")


class _Recorder:
    def __init__(self, teardown_error=None):
        self.events, self.teardown_error = [], teardown_error

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        if self.teardown_error is not None:
            raise self.teardown_error

    def on_fit_task_begin(self, estimator, context, **kwargs):
        self.events.append(("begin", context.task_id))

    def on_fit_task_end(self, estimator, context, **kwargs):
        self.events.append(("end", context.task_id))
        return False


@pytest.mark.parametrize("scoring", ["neg_log_loss", "accuracy"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_scoring_monitor_scores_soft_targets_against_their_argmax(scoring, solver):
    Y = soft(Y_IRIS, 3)
    monitor = _callbacks().ScoringMonitor(scoring=scoring)
    model = SoftmaxRegression(solver=solver, max_iter=5, random_state=0)
    model.set_callbacks(monitor).fit(X_STD, Y)
    final = [row for row in monitor.get_logs().data if row["task_name"] == "fit"]
    expected = get_scorer(scoring)(model, X_STD, np.argmax(Y, axis=1))
    assert final[0][scoring] == pytest.approx(expected)


@pytest.mark.parametrize(
    "model",
    [SoftmaxRegression(), OneVsRestSigmoid(), SoftmaxRegressionCV(Cs=2, cv=3)],
    ids=["softmax", "one-vs-rest", "cv"],
)
def test_an_interrupted_teardown_leaves_no_stale_callback_state(model):
    _callbacks()
    model = clone(model).set_callbacks(_Recorder(KeyboardInterrupt("teardown")))
    with pytest.raises(KeyboardInterrupt):
        model.fit(X_STD, Y_IRIS)
    model.set_callbacks()
    model.fit(X_STD, Y_IRIS)  # raised the old teardown's interrupt again
    model.set_callbacks(_Recorder()).fit(X_STD, Y_IRIS)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
@pytest.mark.parametrize("max_iter", [0, 1, 3])
def test_callback_tasks_are_as_many_as_logistic_regression_fires(
    estimator_class, max_iter
):
    _callbacks()
    ours, theirs = _Recorder(), _Recorder()
    estimator_class(max_iter=max_iter).set_callbacks(ours).fit(X_STD, Y_IRIS)
    LogisticRegression(max_iter=max_iter).set_callbacks(theirs).fit(X_STD, Y_IRIS)
    assert len(ours.events) == len(theirs.events)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("max_iter", [0, 2])
def test_convergence_warnings_start_as_logistic_regression(
    estimator_class, solver, max_iter
):
    with pytest.warns(ConvergenceWarning, match=f"^{solver} failed to converge"):
        estimator_class(solver=solver, max_iter=max_iter, tol=1e-12).fit(X_IRIS, Y_IRIS)
    with warnings.catch_warnings():
        # the filter users wrote for LogisticRegression silences ours too
        warnings.filterwarnings("error", category=ConvergenceWarning)
        warnings.filterwarnings("ignore", message=f"{solver} failed to converge")
        estimator_class(solver=solver, max_iter=max_iter, tol=1e-12).fit(X_IRIS, Y_IRIS)


# -- 13. an interrupt while threads start -------------------------------------


@pytest.mark.parametrize("module", [_lockstep, _row_blocks], ids=["lockstep", "kernel"])
def test_an_interrupt_while_threads_start_surfaces_as_itself(module, monkeypatch):
    """The second thread's start is interrupted: KeyboardInterrupt, not
    "cannot join thread before it is started", and no thread left running."""
    estimator_class = OneVsRestSigmoid  # its outputs run in lockstep threads
    if module is _row_blocks:  # three blocks of 1024 rows over three threads
        monkeypatch.setattr(_row_blocks, "kernel_threads", lambda: 3)
        monkeypatch.setattr(_row_blocks, "_BLOCK_ENTRIES", 1)
        estimator_class = SoftmaxRegression
    real_start = threading.Thread.start
    starts = []

    def start(thread):
        starts.append(thread)
        if len(starts) == 2:
            raise KeyboardInterrupt
        real_start(thread)

    monkeypatch.setattr(module.threading.Thread, "start", start)
    X, y = make_classification(3000, 20, n_informative=10, n_classes=4, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        estimator_class(max_iter=50).fit(X, y)
    monkeypatch.undo()
    assert len(starts) >= 2
    assert not any(thread.is_alive() for thread in starts)


# -- 17./18. weights and C beyond float range -----------------------------------


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    "dtype, class_weight, sample_weight",
    [
        (np.float64, {0: 1e308}, None),  # the sum of the weights overflows
        (np.float64, None, np.full(150, 1.5e306)),
        (np.float32, None, np.full(150, 1e37)),  # each fits float32, the sum not
        (np.float32, {2: 1e36}, np.full(150, 10.0)),
    ],
)
def test_weights_whose_total_overflows_are_refused(
    estimator_class, solver, dtype, class_weight, sample_weight
):
    model = fitted(estimator_class, solver=solver).set_params(class_weight=class_weight)
    match = "total sample weight .* beyond the range of X's dtype"
    X = X_STD.astype(dtype)
    assert_raises_unchanged(model, match, "fit", X, Y_IRIS, sample_weight=sample_weight)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_a_stream_whose_total_weight_overflows_is_refused(estimator_class):
    """Each call's total is in range; the total the stream has seen is not,
    at the 12th call (11 * 1.5e301 <= 1.8e308 / 2^20 < 12 * 1.5e301)."""
    heavy = np.full(150, 1e299)
    model = estimator_class(random_state=0)
    for _ in range(11):
        model.partial_fit(X_STD, Y_IRIS, classes=[0, 1, 2], sample_weight=heavy)
    match = "total sample weight .* beyond the range"
    assert_raises_unchanged(
        model, match, "partial_fit", X_STD, Y_IRIS, sample_weight=heavy
    )


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("C", [1e-320, 5e-324])
def test_a_subnormal_C_is_refused(estimator_class, solver, C):
    model = fitted(estimator_class, solver=solver).set_params(C=C)
    assert_raises_unchanged(model, f"C={C!r} is too small", "fit", X_STD, Y_IRIS)
    stream = estimator_class(C=C)
    assert_raises_unchanged(
        stream, "is too small", "partial_fit", X_STD, Y_IRIS, classes=[0, 1, 2]
    )
    cv_class = (
        SoftmaxRegressionCV
        if estimator_class is SoftmaxRegression
        else (OneVsRestSigmoidCV)
    )
    assert_raises_unchanged(
        cv_class(Cs=[C, 1.0], cv=3, solver=solver), "is too small", "fit", X_STD, Y_IRIS
    )


# -- 19. n_iter_ as LogisticRegression's -----------------------------------------


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("y", [Y_IRIS, Y_IRIS > 0], ids=["multiclass", "binary"])
def test_n_iter_has_logistic_regressions_shape(estimator_class, solver, y):
    reference = LogisticRegression().fit(X_STD, y).n_iter_
    model = estimator_class(solver=solver, max_iter=5).fit(X_STD, y)
    assert model.n_iter_.shape == reference.shape == (1,)
    assert model.n_iter_.dtype == reference.dtype
    assert 1 <= model.n_iter_[0] <= 5
    classes = np.unique(y)
    stream = estimator_class().partial_fit(X_STD, y, classes=classes)
    stream.partial_fit(X_STD, y)
    assert stream.n_iter_.shape == (1,) and stream.n_iter_[0] == 2
