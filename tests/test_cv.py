"""SoftmaxRegressionCV and OneVsRestSigmoidCV against independent references:
each (fold, C) fit against the estimator fitted on that fold's rows, the
scores against GridSearchCV on the same splits, the refit against a fit at
C_."""

import tracemalloc
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.datasets import load_iris, load_wine, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sksoftmax import (
    OneVsRestSigmoid,
    OneVsRestSigmoidCV,
    SoftmaxRegression,
    SoftmaxRegressionCV,
)

X_WINE, Y_WINE = load_wine(return_X_y=True)
X_WINE = StandardScaler().fit_transform(X_WINE)
CS = [0.01, 0.1, 1.0, 10.0, 100.0]
CV = StratifiedKFold(5)
PAIRS = {
    "softmax": (SoftmaxRegressionCV, SoftmaxRegression, Y_WINE),
    "binary softmax": (SoftmaxRegressionCV, SoftmaxRegression, (Y_WINE > 0) * 1),
    "one-vs-rest": (OneVsRestSigmoidCV, OneVsRestSigmoid, Y_WINE),
}


def reference_path(estimator_class, X, y, sample_weight=None, **params):
    """Each fold's fit at each C, fitted on its own rows from scratch."""
    coefs = []
    for train, _ in CV.split(X, y):
        weights = None if sample_weight is None else sample_weight[train]
        fold = []
        for C in CS:
            model = estimator_class(C=C, **params).fit(X[train], y[train], weights)
            fold.append(np.hstack([model.coef_, model.intercept_[:, None]]))
        coefs.append(fold)
    return np.array(coefs)


@pytest.mark.parametrize("case", list(PAIRS))
@pytest.mark.parametrize("weighting", ["none", "sample_weight", "balanced"])
def test_every_fold_and_C_is_the_fit_on_that_fold(case, weighting):
    cv_class, estimator_class, y = PAIRS[case]
    sample_weight = None
    params = dict(tol=1e-8, max_iter=1000)
    if weighting == "sample_weight":
        sample_weight = np.random.default_rng(0).uniform(0.2, 3.0, len(y))
    if weighting == "balanced":
        params["class_weight"] = "balanced"
    model = cv_class(Cs=CS, cv=CV, **params).fit(X_WINE, y, sample_weight)
    expected = reference_path(estimator_class, X_WINE, y, sample_weight, **params)
    assert model.coefs_paths_.shape == expected.shape
    for f, (train, _) in enumerate(CV.split(X_WINE, y)):
        S = len(train) if sample_weight is None else sample_weight[train].sum()
        for c, C in enumerate(CS):
            # within what the gradient test allows: tol / (1 / (C S)) each
            bound = max(1e-5, 2 * params["tol"] * C * S)
            weights = model.coefs_paths_[f, c, :, :-1]
            assert_allclose(weights, expected[f, c, :, :-1], rtol=0, atol=bound)
            # the unpenalised intercepts lie along flat directions at large C:
            # 3e-4 apart measured at C = 100 on wine, where W's bound is 2.9e-4
            intercepts = model.coefs_paths_[f, c, :, -1]
            assert_allclose(intercepts, expected[f, c, :, -1], rtol=0, atol=5 * bound)


@pytest.mark.parametrize("case", list(PAIRS))
@pytest.mark.parametrize("scoring", [None, "accuracy", "neg_brier_score"])
def test_scores_and_C_equal_grid_search(case, scoring):
    cv_class, estimator_class, y = PAIRS[case]
    if scoring == "neg_brier_score" and case != "binary softmax":
        scoring = "roc_auc_ovr"
    params = dict(tol=1e-10, max_iter=1000)
    model = cv_class(Cs=CS, cv=CV, scoring=scoring, **params).fit(X_WINE, y)
    search = GridSearchCV(
        estimator_class(**params),
        {"C": CS},
        cv=CV,
        scoring=scoring or "neg_log_loss",
    ).fit(X_WINE, y)
    expected = np.array(
        [search.cv_results_[f"split{f}_test_score"] for f in range(CV.n_splits)]
    )
    assert_allclose(model.scores_, expected, rtol=0, atol=1e-6)
    assert model.C_ == search.best_params_["C"]
    assert_allclose(model.Cs_, CS)


@pytest.mark.parametrize("case", list(PAIRS))
def test_refit_is_the_fit_at_C_and_no_refit_averages(case):
    cv_class, estimator_class, y = PAIRS[case]
    params = dict(tol=1e-10, max_iter=1000)
    model = cv_class(Cs=CS, cv=CV, **params).fit(X_WINE, y)
    direct = estimator_class(C=model.C_, **params).fit(X_WINE, y)
    # a warm and a cold start: at C = 100 on nearly separable wine both stop
    # where no step lowers the objective, 1.3e-5 apart
    assert_allclose(model.coef_, direct.coef_, atol=1e-4)
    assert_array_equal(model.predict(X_WINE), direct.predict(X_WINE))
    assert_allclose(
        model.predict_proba(X_WINE), direct.predict_proba(X_WINE), atol=1e-4
    )

    averaged = cv_class(Cs=CS, cv=CV, refit=False, **params).fit(X_WINE, y)
    best = list(CS).index(averaged.C_)
    mean = averaged.coefs_paths_[:, best].mean(axis=0)
    assert_allclose(averaged.coef_, mean[:, :-1])
    assert_allclose(averaged.intercept_, mean[:, -1])


def test_sparse_and_float32_input():
    X = sparse.csr_matrix(np.where(np.abs(X_WINE) > 0.5, X_WINE, 0.0))
    dense = SoftmaxRegressionCV(Cs=CS, cv=CV, tol=1e-8).fit(X.toarray(), Y_WINE)
    from_sparse = SoftmaxRegressionCV(Cs=CS, cv=CV, tol=1e-8).fit(X, Y_WINE)
    assert_allclose(from_sparse.scores_, dense.scores_, atol=1e-6)
    single = SoftmaxRegressionCV(Cs=CS, cv=CV, tol=1e-6).fit(
        X_WINE.astype(np.float32), Y_WINE
    )
    double = SoftmaxRegressionCV(Cs=CS, cv=CV, tol=1e-6).fit(X_WINE, Y_WINE)
    assert single.coef_.dtype == np.float32
    # up to C = 10; at C = 100 wine is nearly separable and the held-out
    # log-loss of the float32 fits moves by 0.06
    assert_allclose(single.scores_[:, :4], double.scores_[:, :4], atol=1e-3)


def test_callable_scoring_gets_the_fold_model_and_rows():
    seen = []

    def scoring(estimator, X, y):
        seen.append(X.shape)
        return accuracy_score(y, estimator.predict(X))

    model = SoftmaxRegressionCV(Cs=[0.1, 1.0], cv=CV, scoring=scoring)
    model.fit(X_WINE, Y_WINE)
    by_string = SoftmaxRegressionCV(Cs=[0.1, 1.0], cv=CV, scoring="accuracy")
    assert_allclose(model.scores_, by_string.fit(X_WINE, Y_WINE).scores_)
    assert len(seen) == 10 and all(shape[1] == 13 for shape in seen)


def test_multilabel_default_score_is_the_mean_label_log_loss():
    X, Y = make_multilabel_classification(300, n_classes=4, random_state=0)
    X = StandardScaler().fit_transform(X)
    folds = KFold(3)
    model = OneVsRestSigmoidCV(Cs=[0.1, 1.0], cv=folds, tol=1e-10).fit(X, Y)
    for f, (train, test) in enumerate(folds.split(X)):
        for c, C in enumerate([0.1, 1.0]):
            fold = OneVsRestSigmoid(C=C, tol=1e-10).fit(X[train], Y[train])
            proba = fold.predict_proba(X[test])
            expected = -np.mean(
                [log_loss(Y[test, k], proba[:, k], labels=[0, 1]) for k in range(4)]
            )
            assert model.scores_[f, c] == pytest.approx(expected, abs=1e-6)
    assert model.predict(X).shape == Y.shape


def test_sgd_solver_follows_the_path_fold_by_fold():
    params = dict(solver="sgd", max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = SoftmaxRegressionCV(Cs=[0.1, 1.0], cv=CV, **params).fit(X_WINE, Y_WINE)
        train, _ = next(CV.split(X_WINE, Y_WINE))
        warm = SoftmaxRegression(warm_start=True, **params)
        for c, C in enumerate([0.1, 1.0]):
            warm.set_params(C=C).fit(X_WINE[train], Y_WINE[train])
            assert_allclose(model.coefs_paths_[0, c, :, :-1], warm.coef_)


def test_in_a_pipeline_and_a_grid_search():
    X, y = load_iris(return_X_y=True)
    pipeline = make_pipeline(StandardScaler(), SoftmaxRegressionCV(Cs=3, cv=3))
    search = GridSearchCV(
        pipeline, {"softmaxregressioncv__fit_intercept": [True, False]}, cv=3
    )
    search.fit(X, y)
    assert search.best_estimator_[-1].C_ in search.best_estimator_[-1].Cs_
    assert search.score(X, y) > 0.9


def test_no_partial_fit_and_bad_Cs():
    assert not hasattr(SoftmaxRegressionCV(), "partial_fit")
    with pytest.raises(ValueError, match="Cs must hold positive values"):
        SoftmaxRegressionCV(Cs=[1.0, -1.0]).fit(X_WINE, Y_WINE)


def test_all_folds_hold_no_copy_of_X():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((20000, 500))
    y = (X[:, :10] @ rng.standard_normal((10, 5))).argmax(axis=1)
    model = SoftmaxRegressionCV(Cs=3, cv=5, max_iter=5)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    # the folds' logits (n_folds K n: 5% of X here, 6% on 60000 x 784 with
    # 10 classes) and weights, not X[train] per fold (4x X for 5 folds)
    assert peak < 0.2 * X.nbytes, peak / X.nbytes
