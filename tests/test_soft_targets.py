"""Soft targets and label smoothing, against independent references: the hard
label fit, LogisticRegression on rows repeated once per class, scipy on the
written-out objective, finite differences and the closed-form optimum."""

import warnings

import numpy as np
import pytest
from helpers import standardised
from numpy.testing import assert_allclose, assert_array_equal
from scipy import optimize, sparse
from scipy.special import logsumexp
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from sksoftmax import OneVsRestSigmoid, SoftmaxRegression
from sksoftmax._loss import LinearLoss, SoftMultinomialLoss

# tol 1e-10 is at the floating-point floor of these objectives: L-BFGS may end
# on scipy's relative-reduction test a hair above it and warn. What is asserted
# is the distance between solutions, so the warning is not the subject here.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
TIGHT = dict(tol=1e-10, max_iter=10_000)
X_IRIS, Y_IRIS = standardised(load_iris)
X_DIGITS, Y_DIGITS = standardised(load_digits)


def problem(n_classes):
    """Standardised data with n_classes classes (2, 3 or 10)."""
    if n_classes == 10:
        return X_DIGITS[:600], Y_DIGITS[:600]
    keep = Y_IRIS < n_classes
    return X_IRIS[keep], Y_IRIS[keep]


def soft_targets(y, n_classes, seed=0, sharpness=2.0):
    """A random distribution per row, leaning towards the row's label."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(y.shape[0], n_classes))
    logits[np.arange(y.shape[0]), y] += sharpness
    Y = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
    return Y


def objective(model, X, Y, sample_weight=None):
    """F / S of DESIGN.md section 6, written out from the fitted model."""
    s = np.ones(X.shape[0]) if sample_weight is None else sample_weight
    Z = X @ model.coef_.T + model.intercept_
    W = model.coef_
    if Z.shape[1] == 1:  # one sigmoid for two classes: z_1 - z_0, L2 halved
        Z = np.hstack([np.zeros_like(Z), Z])
        penalty = W.ravel() @ W.ravel() / (4 * model.C)
    else:
        penalty = np.sum(W * W) / (2 * model.C)
    loss = logsumexp(Z, axis=1) - np.sum(Y * Z, axis=1)
    return (s @ loss + penalty) / s.sum()


def fit_quietly(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


@pytest.mark.parametrize("n_classes", [2, 3, 10])
@pytest.mark.parametrize("weights", ["none", "sample_weight", "class_weight"])
@pytest.mark.parametrize("frame", [False, True])
def test_one_hot_targets_equal_hard_labels(n_classes, weights, frame):
    if frame:
        pd = pytest.importorskip("pandas")  # a test extra, not the core
    X, y = problem(n_classes)
    Y = np.eye(n_classes)[y]
    sample_weight = np.random.default_rng(1).uniform(0.5, 2, y.shape[0])
    kwargs = {"sample_weight": sample_weight} if weights == "sample_weight" else {}
    class_weight = (
        dict(enumerate(np.linspace(0.5, 2, n_classes)))
        if weights == "class_weight"
        else None
    )
    target = pd.DataFrame(Y) if frame else Y
    hard = SoftmaxRegression(class_weight=class_weight, **TIGHT).fit(X, y, **kwargs)
    soft = SoftmaxRegression(class_weight=class_weight, **TIGHT).fit(
        X, target, **kwargs
    )
    assert_allclose(soft.coef_, hard.coef_, atol=1e-6)
    assert_allclose(soft.intercept_, hard.intercept_, atol=1e-6)
    assert_allclose(soft.loss_curve_[-1], hard.loss_curve_[-1], rtol=1e-12)
    assert_array_equal(soft.classes_, np.arange(n_classes))
    assert_array_equal(soft.predict(X), hard.predict(X))
    assert soft.score(X, y) == hard.score(X, y)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_one_hot_targets_equal_hard_labels_with_sgd(n_classes):
    X, y = problem(n_classes)
    params = dict(solver="sgd", max_iter=20, random_state=0, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        hard = SoftmaxRegression(**params).fit(X, y)
        soft = SoftmaxRegression(**params).fit(X, np.eye(n_classes)[y])
    assert_allclose(soft.coef_, hard.coef_, atol=1e-6)
    assert_allclose(soft.loss_curve_, hard.loss_curve_, rtol=1e-9)


@pytest.mark.parametrize("n_classes", [2, 3, 10])
def test_soft_targets_equal_repeated_rows_in_logistic_regression(n_classes):
    # Cross-entropy against Y_i equals K copies of row i, labelled k and
    # weighted Y_ik: LogisticRegression fits that with sample weights.
    X, y = problem(n_classes)
    Y = soft_targets(y, n_classes)
    s = np.random.default_rng(2).uniform(0.5, 2, y.shape[0])
    ours = SoftmaxRegression(C=0.5, **TIGHT).fit(X, Y, sample_weight=s)
    X_rep = np.repeat(X, n_classes, axis=0)
    y_rep = np.tile(np.arange(n_classes), X.shape[0])
    w_rep = (Y * s[:, None]).ravel()
    # two classes: one sigmoid, LogisticRegression at 2 C (DESIGN.md section 3)
    C_ref = 1.0 if n_classes == 2 else 0.5
    ref = LogisticRegression(C=C_ref, tol=1e-12, max_iter=10_000).fit(
        X_rep, y_rep, sample_weight=w_rep
    )
    assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)


def test_soft_targets_equal_scipy_on_the_written_out_objective():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    Y = rng.dirichlet(np.ones(4), size=40)
    s = rng.uniform(0.5, 2.0, 40)
    C = 0.7

    def F(packed):
        W, b = packed[:12].reshape(4, 3), packed[12:]
        Z = X @ W.T + b
        loss = logsumexp(Z, axis=1) - np.sum(Y * Z, axis=1)
        return s @ loss + np.sum(W * W) / (2 * C)

    reference = optimize.minimize(F, np.zeros(16), method="BFGS", tol=1e-12).x
    ours = SoftmaxRegression(C=C, **TIGHT).fit(X, Y, sample_weight=s)
    # the softmax is shift invariant in b: compare centred intercepts
    b_ref = reference[12:] - reference[12:].mean()
    assert_allclose(ours.coef_, reference[:12].reshape(4, 3), atol=1e-6)
    assert_allclose(ours.intercept_ - ours.intercept_.mean(), b_ref, atol=1e-6)


def test_intercept_only_fit_is_the_weighted_mean_target():
    rng = np.random.default_rng(4)
    Y = rng.dirichlet(np.ones(5), size=60)
    s = rng.uniform(0.1, 3.0, 60)
    model = SoftmaxRegression(C=np.inf, **TIGHT).fit(np.zeros((60, 2)), Y, s)
    assert_allclose(
        model.predict_proba(np.zeros((1, 2)))[0], s @ Y / s.sum(), rtol=1e-7
    )


@pytest.mark.parametrize("eps", [0.05, 0.3])
@pytest.mark.parametrize("n_classes", [2, 3, 10])
def test_label_smoothing_equals_smoothed_one_hot_targets(eps, n_classes):
    X, y = problem(n_classes)
    s = np.random.default_rng(5).uniform(0.5, 2, y.shape[0])
    smoothed = (1 - eps) * np.eye(n_classes)[y] + eps / n_classes
    ours = SoftmaxRegression(label_smoothing=eps, **TIGHT).fit(X, y, sample_weight=s)
    explicit = SoftmaxRegression(**TIGHT).fit(X, smoothed, sample_weight=s)
    assert_allclose(ours.coef_, explicit.coef_, atol=1e-6)
    assert_allclose(ours.intercept_, explicit.intercept_, atol=1e-6)
    assert_array_equal(ours.classes_, explicit.classes_)


def test_zero_label_smoothing_is_the_plain_fit_bit_for_bit():
    plain = SoftmaxRegression().fit(X_IRIS, Y_IRIS)
    zero = SoftmaxRegression(label_smoothing=0.0).fit(X_IRIS, Y_IRIS)
    assert_array_equal(zero.coef_, plain.coef_)
    assert_array_equal(zero.intercept_, plain.intercept_)


@pytest.mark.parametrize("kind", ["multiclass", "multilabel", "binary"])
def test_sigmoid_label_smoothing_equals_smoothed_targets(kind):
    eps = 0.2
    X = X_IRIS
    if kind == "multilabel":
        y = np.column_stack([Y_IRIS == 0, Y_IRIS == 1, X[:, 0] > 0]).astype(int)
        explicit_y = (1 - eps) * y + eps / 2
    elif kind == "multiclass":
        y = Y_IRIS
        explicit_y = (1 - eps) * np.eye(3)[y] + eps / 2
    else:
        y = (Y_IRIS == 2).astype(int)
        explicit_y = None
    ours = OneVsRestSigmoid(label_smoothing=eps, **TIGHT).fit(X, y)
    if explicit_y is None:
        # one sigmoid: its soft target in LogisticRegression's repeated rows
        X_rep = np.vstack([X, X])
        y_rep = np.r_[np.ones(len(y)), np.zeros(len(y))]
        w_rep = np.r_[(1 - eps) * y + eps / 2, 1 - ((1 - eps) * y + eps / 2)]
        ref = LogisticRegression(tol=1e-12, max_iter=10_000).fit(X_rep, y_rep, w_rep)
        assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
        return
    explicit = OneVsRestSigmoid(**TIGHT).fit(X, explicit_y)
    assert_allclose(ours.coef_, explicit.coef_, atol=1e-6)


def test_soft_per_label_targets_equal_logistic_regression_per_column():
    rng = np.random.default_rng(6)
    Y = rng.uniform(0, 1, size=(X_IRIS.shape[0], 3))
    ours = OneVsRestSigmoid(C=2.0, **TIGHT).fit(X_IRIS, Y)
    for k in range(3):
        X_rep = np.vstack([X_IRIS, X_IRIS])
        y_rep = np.r_[np.ones(150), np.zeros(150)]
        w_rep = np.r_[Y[:, k], 1 - Y[:, k]]
        ref = LogisticRegression(C=2.0, tol=1e-12, max_iter=10_000).fit(
            X_rep, y_rep, sample_weight=w_rep
        )
        assert_allclose(ours.coef_[k], ref.coef_[0], atol=1e-5)
        assert_allclose(ours.intercept_[k], ref.intercept_[0], atol=1e-5)
    assert_allclose(ours.predict_proba(X_IRIS).shape, (150, 3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("make_sparse", [False, True])
def test_soft_gradient_equals_finite_differences(dtype, make_sparse):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(30, 4)).astype(dtype)
    X = sparse.csr_matrix(X) if make_sparse else X
    Y = rng.dirichlet(np.ones(3), size=30).T.astype(dtype)
    s = rng.uniform(0.5, 2, 30).astype(dtype)
    loss = LinearLoss(SoftMultinomialLoss(), 3, 4, True)
    coef = rng.normal(size=loss.n_coef)
    _, gradient = loss.loss_gradient(coef, X, Y, s, 0.3)
    step = 1e-6 if dtype == np.float64 else 1e-3
    numeric = optimize.approx_fprime(coef, lambda c: loss.loss(c, X, Y, s, 0.3), step)
    assert_allclose(
        gradient,
        numeric,
        rtol=1e-4 if dtype == np.float64 else 2e-2,
        atol=1e-6 if dtype == np.float64 else 2e-3,
    )
    objective, _ = loss.loss_gradient(coef, X, Y, s, 0.3)
    assert_allclose(objective, loss.loss(coef, X, Y, s, 0.3), rtol=1e-5)


def test_class_weight_on_soft_targets_weights_by_expected_class():
    X, y = problem(3)
    Y = soft_targets(y, 3)
    class_weight = {0: 0.5, 1: 2.0, 2: 1.0}
    per_sample = Y @ np.array([0.5, 2.0, 1.0])
    ours = SoftmaxRegression(class_weight=class_weight, **TIGHT).fit(X, Y)
    ref = SoftmaxRegression(**TIGHT).fit(X, Y, sample_weight=per_sample)
    assert_allclose(ours.coef_, ref.coef_, atol=1e-7)
    counts = Y.sum(axis=0)
    balanced = Y @ (Y.shape[0] / (3 * counts))
    ours = SoftmaxRegression(class_weight="balanced", **TIGHT).fit(X, Y)
    ref = SoftmaxRegression(**TIGHT).fit(X, Y, sample_weight=balanced)
    assert_allclose(ours.coef_, ref.coef_, atol=1e-7)


def test_dataframe_columns_are_the_classes():
    pd = pytest.importorskip("pandas")  # a test extra, not the core
    X, y = problem(3)
    Y = pd.DataFrame(soft_targets(y, 3), columns=["setosa", "versicolor", "virginica"])
    model = SoftmaxRegression().fit(X, Y)
    assert_array_equal(model.classes_, ["setosa", "versicolor", "virginica"])
    names = np.array(["setosa", "versicolor", "virginica"])
    assert_array_equal(model.predict(X), names[model.predict_proba(X).argmax(axis=1)])
    assert model.score(X, names[y]) > 0.8


def test_partial_fit_and_warm_start_with_soft_targets():
    X, y = problem(3)
    Y = soft_targets(y, 3)
    model = SoftmaxRegression(random_state=0)
    for _ in range(5):
        for chunk in np.array_split(np.arange(len(y)), 3):
            model.partial_fit(X[chunk], Y[chunk], classes=[0, 1, 2])
    warm = SoftmaxRegression(warm_start=True, **TIGHT).fit(X, Y)
    cold_objective = warm.loss_curve_[-1]
    # five passes of the stream come within 5% of the optimum (measured 2.9%)
    assert model.n_iter_ == 15
    assert cold_objective < objective(model, X, Y) < 1.05 * cold_objective
    warm.fit(X, Y)
    assert warm.n_iter_ <= 2
    assert_allclose(warm.loss_curve_[-1], cold_objective, rtol=1e-10)


BAD_SOFT_TARGETS = [
    (lambda Y: -Y, "negative"),
    (lambda Y: np.where(np.arange(Y.size).reshape(Y.shape) == 4, np.nan, Y), "NaN"),
    (lambda Y: Y * 1.1, "must sum to 1"),
    (lambda Y: Y.astype(complex), "Complex data"),
    (lambda Y: Y.astype(str), "real numbers"),
]


@pytest.mark.parametrize("corrupt, message", BAD_SOFT_TARGETS)
def test_bad_soft_targets_are_refused_and_leave_the_model(corrupt, message):
    X, y = problem(3)
    Y = soft_targets(y, 3)
    model = SoftmaxRegression().fit(X, y)
    before = model.coef_.copy()
    with pytest.raises(ValueError, match=message):
        model.fit(X, corrupt(Y))
    assert_array_equal(model.coef_, before)


def test_soft_targets_must_match_the_classes_of_the_stream():
    X, y = problem(3)
    model = SoftmaxRegression().partial_fit(X, soft_targets(y, 3), classes=[0, 1, 2])
    with pytest.raises(ValueError, match="4 columns"):
        model.partial_fit(X, soft_targets(y, 4))
    with pytest.raises(ValueError, match="classes"):
        SoftmaxRegression().partial_fit(X, soft_targets(y, 3), classes=[0, 1, 2, 3])
    warm = SoftmaxRegression(warm_start=True).fit(X, soft_targets(y, 3))
    with pytest.raises(ValueError, match="classes changed"):
        warm.fit(X, soft_targets(y, 4))


def test_soft_per_label_targets_outside_the_unit_interval_are_refused():
    Y = np.random.default_rng(0).uniform(0, 1, size=(150, 3))
    Y[3, 1] = 1.5
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        OneVsRestSigmoid().fit(X_IRIS, Y)
