"""SoftmaxRegression against scikit-learn's LogisticRegression at the same
objective, and in the scikit-learn workflows users put it in."""

import pickle
import warnings

import numpy as np
import pytest
from helpers import TIGHT, convexity_atol, ref_weights, sample_weights, standardised
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from scipy.special import softmax
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sksoftmax import SoftmaxRegression
from sksoftmax._loss import LinearLoss, MultinomialLoss


def scaled_objective(model, X, y, s, C):
    """F / S of DESIGN.md at a fitted multinomial model, s the effective weights."""
    linear_loss = LinearLoss(MultinomialLoss(), len(model.classes_), X.shape[1], True)
    coef = linear_loss.pack(model.coef_, model.intercept_)
    return linear_loss.loss(
        coef, X, np.searchsorted(model.classes_, y), s, 1 / (C * s.sum())
    )


@pytest.mark.parametrize("load", [load_iris, load_wine, load_digits])
@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("weighting", ["none", "weights", "balanced"])
def test_equals_logistic_regression_multiclass(load, C, weighting):
    X, y = standardised(load)
    sw, class_weight = sample_weights(weighting, y)
    ours = SoftmaxRegression(C=C, class_weight=class_weight, **TIGHT)
    ref = LogisticRegression(C=C, class_weight=class_weight, **TIGHT)
    ours.fit(X, y, sample_weight=sw)
    with warnings.catch_warnings():
        # LogisticRegression may stop on its relative-reduction test first
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref.fit(X, y, sample_weight=sw)

    s = ref_weights(sw, class_weight, y)
    f_ours = scaled_objective(ours, X, y, s, C)
    f_ref = scaled_objective(ref, X, y, s, C)
    assert f_ours == pytest.approx(f_ref, rel=1e-7)
    atol = convexity_atol(C, s)
    assert_allclose(ours.coef_, ref.coef_, atol=atol)
    assert_allclose(ours.intercept_, ref.intercept_, atol=atol)
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("weighting", ["none", "weights", "balanced"])
def test_binary_equals_logistic_regression_at_twice_C(C, weighting):
    X, y = standardised(load_breast_cancer)
    sw, class_weight = sample_weights(weighting, y)
    ours = SoftmaxRegression(C=C, class_weight=class_weight, **TIGHT)
    ref = LogisticRegression(C=2 * C, class_weight=class_weight, **TIGHT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y, sample_weight=sw)
        ref.fit(X, y, sample_weight=sw)
    assert ours.coef_.shape == (1, X.shape[1])
    assert ours.intercept_.shape == (1,)
    s = ref_weights(sw, class_weight, y)
    atol = convexity_atol(2 * C, s)
    assert_allclose(ours.coef_, ref.coef_, atol=atol)
    assert_allclose(ours.intercept_, ref.intercept_, atol=atol)
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)
    assert ours.decision_function(X).shape == (X.shape[0],)


def test_binary_is_the_difference_of_a_symmetric_softmax():
    """The binomial fit solves the two-row softmax problem: its optimum, split
    as W = [-w/2, w/2], has zero softmax gradient."""
    X, y = standardised(load_breast_cancer)
    model = SoftmaxRegression(C=0.5, **TIGHT).fit(X, y)
    w, b = model.coef_[0], model.intercept_[0]
    linear_loss = LinearLoss(MultinomialLoss(), 2, X.shape[1], True)
    coef = linear_loss.pack(np.vstack([-w / 2, w / 2]), [-b / 2, b / 2])
    sw = np.ones(len(y))
    _, gradient = linear_loss.loss_gradient(coef, X, y, sw, 1 / (0.5 * len(y)))
    assert np.abs(gradient).max() < 1e-7
    raw = X @ np.vstack([-w / 2, w / 2]).T + [-b / 2, b / 2]
    assert_allclose(model.predict_proba(X), softmax(raw, axis=1), rtol=1e-10)


def test_integer_weights_equal_repeated_rows():
    X, y = standardised(load_wine)
    sw = np.random.default_rng(1).integers(0, 4, len(y))
    weighted = SoftmaxRegression(**TIGHT).fit(X, y, sample_weight=sw)
    repeated = SoftmaxRegression(**TIGHT).fit(X.repeat(sw, axis=0), y.repeat(sw))
    assert_allclose(weighted.coef_, repeated.coef_, atol=1e-6)
    assert_allclose(weighted.intercept_, repeated.intercept_, atol=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_float32_in_float32_out(n_classes):
    X, y = standardised(load_iris)
    X, y = X[y < n_classes], y[y < n_classes]
    m32 = SoftmaxRegression(tol=1e-5).fit(X.astype(np.float32), y)
    m64 = SoftmaxRegression(tol=1e-5).fit(X, y)
    assert m32.coef_.dtype == np.float32
    assert m32.intercept_.dtype == np.float32
    assert m32.decision_function(X.astype(np.float32)).dtype == np.float32
    assert_allclose(m32.coef_, m64.coef_, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_equals_dense(fmt):
    X, y = standardised(load_digits)
    X[np.abs(X) < 0.5] = 0
    dense = SoftmaxRegression(**TIGHT).fit(X, y)
    sp = SoftmaxRegression(**TIGHT).fit(sparse.csr_matrix(X).asformat(fmt), y)
    assert_allclose(sp.coef_, dense.coef_, atol=1e-6)
    assert_allclose(
        sp.predict_proba(sparse.csr_matrix(X)), dense.predict_proba(X), atol=1e-6
    )


def test_string_labels_and_dataframe():
    pd = pytest.importorskip("pandas")  # a test extra, not the core
    X, y = standardised(load_iris)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    df = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    model = SoftmaxRegression().fit(df, pd.Series(names))
    assert_array_equal(model.classes_, ["setosa", "versicolor", "virginica"])
    assert_array_equal(model.feature_names_in_, ["sl", "sw", "pl", "pw"])
    assert set(model.predict(df)) <= set(names)
    assert model.score(df, names) > 0.9
    numeric = SoftmaxRegression().fit(X, y)
    assert_allclose(model.coef_, numeric.coef_)


def test_predict_log_proba_in_log_space():
    X, y = standardised(load_iris)
    model = SoftmaxRegression(C=1e6, **TIGHT).fit(X, y)
    far = X[:3] * 1e3
    log_proba = model.predict_log_proba(far)
    assert np.isfinite(log_proba).all()
    assert (model.predict_proba(far) == 0).any()  # underflowed there
    assert_allclose(np.exp(log_proba).sum(axis=1), 1)


def test_intercepts_sum_to_zero_and_n_iter():
    X, y = standardised(load_wine)
    model = SoftmaxRegression().fit(X, y)
    assert abs(model.intercept_.sum()) < 1e-10
    assert 1 <= model.n_iter_ == len(model.loss_curve_)
    assert np.all(np.diff(model.loss_curve_) <= 1e-12)


def test_no_intercept():
    X, y = standardised(load_iris)
    ours = SoftmaxRegression(fit_intercept=False, **TIGHT).fit(X, y)
    ref = LogisticRegression(fit_intercept=False, **TIGHT).fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, atol=1e-4)
    assert_array_equal(ours.intercept_, 0)


def test_warm_start_resumes_and_rejects_new_classes():
    X, y = standardised(load_digits)
    cold = SoftmaxRegression(tol=1e-6, max_iter=1000).fit(X, y)
    warm = SoftmaxRegression(tol=1e-6, max_iter=1000, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm.set_params(max_iter=10).fit(X, y)
    warm.set_params(max_iter=1000).fit(X, y)
    assert_allclose(warm.coef_, cold.coef_, atol=1e-3)
    refit = warm.fit(X, y)
    assert refit.n_iter_ <= 2  # already at the optimum
    with pytest.raises(ValueError, match="warm_start: the classes changed"):
        warm.fit(X[y < 5], y[y < 5])


def test_convergence_warning_names_tol_and_max_iter():
    X, y = standardised(load_digits)
    with pytest.warns(ConvergenceWarning, match=r"tol=1e-08 and max_iter=3"):
        SoftmaxRegression(tol=1e-8, max_iter=3).fit(X, y)


def test_pipeline_grid_search_and_pickle():
    X, y = load_digits(return_X_y=True)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), SoftmaxRegression()),
        {"softmaxregression__C": [0.01, 0.1, 1.0]},
        cv=3,
        n_jobs=2,
    ).fit(X, y)
    assert search.best_score_ > 0.9
    assert search.best_params_["softmaxregression__C"] in (0.01, 0.1, 1.0)
    restored = pickle.loads(pickle.dumps(search.best_estimator_))
    assert_array_equal(restored.predict_proba(X), search.predict_proba(X))


def test_one_class_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 2 classes"):
        SoftmaxRegression().fit(np.ones((4, 2)), [1, 1, 1, 1])


def test_zero_total_weight_is_a_clear_error():
    X, y = standardised(load_iris)
    with pytest.raises(ValueError, match="Sample weights must contain|weight is zero"):
        SoftmaxRegression().fit(X, y, sample_weight=np.zeros(len(y)))
    sw = (y == 0).astype(float)
    with pytest.raises(ValueError, match="total sample weight is zero"):
        SoftmaxRegression(class_weight={0: 0, 1: 1, 2: 1}).fit(X, y, sample_weight=sw)
