"""OneVsRestSigmoid against LogisticRegression / OneVsRestClassifier at the same
objective, for binary, multiclass and multilabel y."""

import warnings

import numpy as np
import pytest
from helpers import TIGHT, convexity_atol, standardised
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_multilabel_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sksoftmax import OneVsRestSigmoid, SoftmaxRegression


def weights_for(weighted, n):
    return np.random.default_rng(0).uniform(0.2, 3.0, n) if weighted else None


def fit_quietly(model, *args, **kwargs):
    # LogisticRegression may stop on its relative-reduction test before gtol
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_equals_logistic_regression(C, weighted):
    X, y = standardised(load_breast_cancer)
    sw = weights_for(weighted, len(y))
    ours = OneVsRestSigmoid(C=C, **TIGHT).fit(X, y, sample_weight=sw)
    ref = fit_quietly(LogisticRegression(C=C, **TIGHT), X, y, sample_weight=sw)
    atol = convexity_atol(C, np.ones(len(y)) if sw is None else sw)
    assert ours.coef_.shape == (1, X.shape[1])
    assert ours.decision_function(X).shape == (len(y),)
    assert_allclose(ours.coef_, ref.coef_, atol=atol)
    assert_allclose(ours.intercept_, ref.intercept_, atol=atol)
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)


@pytest.mark.parametrize("load", [load_iris, load_wine, load_digits])
@pytest.mark.parametrize("C", [0.01, 1.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_multiclass_equals_one_vs_rest_classifier(load, C, weighted):
    X, y = standardised(load)
    sw = weights_for(weighted, len(y))
    ours = OneVsRestSigmoid(C=C, **TIGHT).fit(X, y, sample_weight=sw)
    with config_context(enable_metadata_routing=True):
        binary = LogisticRegression(C=C, **TIGHT).set_fit_request(sample_weight=True)
        ref = fit_quietly(OneVsRestClassifier(binary), X, y, sample_weight=sw)
    ref_coef = np.vstack([est.coef_ for est in ref.estimators_])
    ref_intercept = np.hstack([est.intercept_ for est in ref.estimators_])
    atol = convexity_atol(C, np.ones(len(y)) if sw is None else sw)
    assert_allclose(ours.coef_, ref_coef, atol=atol)
    assert_allclose(ours.intercept_, ref_intercept, atol=atol)
    proba = ours.predict_proba(X)
    assert_allclose(proba, ref.predict_proba(X), atol=1e-4)
    assert_allclose(proba.sum(axis=1), 1)
    assert_array_equal(ours.predict(X), ours.classes_[proba.argmax(axis=1)])


@pytest.mark.parametrize("C", [0.01, 1.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_equals_one_logistic_regression_per_column(C, weighted):
    X, Y = make_multilabel_classification(
        n_samples=300, n_features=10, n_classes=4, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    sw = weights_for(weighted, len(Y))
    ours = OneVsRestSigmoid(C=C, **TIGHT).fit(X, Y, sample_weight=sw)
    assert_array_equal(ours.classes_, np.arange(4))
    assert ours.multilabel_
    atol = convexity_atol(C, np.ones(len(Y)) if sw is None else sw)
    for k in range(4):
        ref = fit_quietly(
            LogisticRegression(C=C, **TIGHT), X, Y[:, k], sample_weight=sw
        )
        assert_allclose(ours.coef_[k], ref.coef_[0], atol=atol)
        assert_allclose(ours.intercept_[k], ref.intercept_[0], atol=atol)
        assert_allclose(
            ours.predict_proba(X)[:, k], ref.predict_proba(X)[:, 1], atol=1e-4
        )
    predicted = ours.predict(X)
    assert predicted.dtype == Y.dtype
    assert_array_equal(predicted, (ours.predict_proba(X) > 0.5).astype(Y.dtype))
    assert ours.decision_function(X).shape == Y.shape


def test_two_class_softmax_is_a_sigmoid_at_twice_C():
    X, y = standardised(load_breast_cancer)
    softmax = SoftmaxRegression(C=0.3, **TIGHT).fit(X, y)
    sigmoid = OneVsRestSigmoid(C=0.6, **TIGHT).fit(X, y)
    assert_allclose(softmax.coef_, sigmoid.coef_, atol=1e-6)
    assert_allclose(softmax.intercept_, sigmoid.intercept_, atol=1e-6)
    assert_allclose(softmax.predict_proba(X), sigmoid.predict_proba(X), atol=1e-7)


def test_multiclass_log_proba_has_no_all_zero_rows():
    X, y = standardised(load_iris)
    model = OneVsRestSigmoid(C=1e4, **TIGHT).fit(X, y)
    far = X[:5] * 1e4  # every sigmoid saturates
    log_proba = model.predict_log_proba(far)
    assert np.isfinite(log_proba).all()
    assert_allclose(np.exp(log_proba).sum(axis=1), 1)


def test_multilabel_grid_search_f1_samples():
    X, Y = make_multilabel_classification(n_samples=300, n_classes=5, random_state=1)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), OneVsRestSigmoid()),
        {"onevsrestsigmoid__C": [0.01, 0.1, 1.0]},
        scoring="f1_samples",
        cv=3,
        n_jobs=2,
    ).fit(X, Y)
    assert search.best_score_ > 0.5
    assert search.predict(X).shape == Y.shape


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_partial_fit_all_target_types(kind):
    if kind == "multilabel":
        X, y = make_multilabel_classification(
            n_samples=600, n_classes=3, random_state=2
        )
        classes = np.arange(3)
    else:
        X, y = load_iris(return_X_y=True)
        if kind == "binary":
            X, y = X[y < 2], y[y < 2]
        classes = np.unique(y)
    X = StandardScaler().fit_transform(X)
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order], y[order]
    exact = OneVsRestSigmoid(C=0.1).fit(X, y)
    model = OneVsRestSigmoid(C=0.1, random_state=0)
    for _ in range(30):
        for X_chunk, y_chunk in zip(
            np.array_split(X, 4), np.array_split(y, 4), strict=True
        ):
            model.partial_fit(X_chunk, y_chunk, classes=classes)
    assert model.coef_.shape == exact.coef_.shape
    assert model.score(X, y) >= exact.score(X, y) - 0.03


def test_multilabel_refuses_class_weight_and_wrong_classes():
    X, Y = make_multilabel_classification(n_samples=50, n_classes=3, random_state=0)
    with pytest.raises(
        ValueError, match="class_weight is not supported for multilabel"
    ):
        OneVsRestSigmoid(class_weight="balanced").fit(X, Y)
    with pytest.raises(ValueError, match=r"classes must be arange\(3\)"):
        OneVsRestSigmoid().partial_fit(X, Y, classes=[0, 1])
