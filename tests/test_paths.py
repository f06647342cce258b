"""regularization_path against independent references: each point against
the single fit of the estimator at that C (tol 1e-8), its objective written
out here from predict_proba; screening against the unscreened path; the
optimality check against a strong rule made to discard too much."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import load_digits, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sksoftmax import (
    OneVsRestSigmoid,
    SoftmaxRegression,
    _path_starts,
    _screening,
    l1_min_c,
    regularization_path,
)

TIGHT = dict(tol=1e-8, max_iter=10000)


def wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def digits(n=600):
    X, y = load_digits(return_X_y=True)
    X = X[:n]
    keep = X.std(axis=0) > 0
    return StandardScaler().fit_transform(X[:, keep]), y[:n]


def at_point(estimator, X, y, path, i):
    """A model carrying the path's coefficients at point i."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = clone(estimator).set_params(max_iter=0).fit(X, y)
    model.coef_, model.intercept_ = path.coefs[i].copy(), path.intercepts[i].copy()
    model.classes_ = path.classes
    return model


def objective(model, X, y, C, l1_ratio, l1_groups, factor=None):
    """F, written out from predict_proba (decision_function) and coef_."""
    if isinstance(model, OneVsRestSigmoid):  # each sigmoid's own loss
        Y = (y[:, None] == model.classes_[None, :]).astype(float)
        loss = np.logaddexp(0, -(2 * Y - 1) * model.decision_function(X)).sum()
    else:
        codes = np.searchsorted(model.classes_, y)
        proba = model.predict_proba(X)
        loss = -np.log(proba[np.arange(y.shape[0]), codes]).sum()
    W = model.coef_
    f = np.ones(W.shape[1]) if factor is None else factor
    if l1_groups == "features":
        l1 = (f * np.linalg.norm(W, axis=0)).sum()
    else:
        l1 = (f * np.abs(W)).sum()
    return loss + ((1 - l1_ratio) / 2 * (f * W**2).sum() + l1_ratio * l1) / C


CASES = [
    (SoftmaxRegression, 1.0, None),
    (SoftmaxRegression, 0.5, "features"),
    (OneVsRestSigmoid, 1.0, None),
]


@pytest.mark.parametrize(("Estimator", "l1_ratio", "l1_groups"), CASES)
def test_every_point_equals_the_single_fit(Estimator, l1_ratio, l1_groups):
    X, y = wine()
    estimator = Estimator(l1_ratio=l1_ratio, l1_groups=l1_groups, **TIGHT)
    path = regularization_path(estimator, X, y, n_Cs=30, stop_early=False)
    assert path.coefs.shape == (30, len(path.intercepts[0]), X.shape[1])
    for i in [0, 3, 8, 15, 29]:
        C = path.Cs[i]
        single = clone(estimator).set_params(C=C).fit(X, y)
        from_path = at_point(estimator, X, y, path, i)
        F_single = objective(single, X, y, C, l1_ratio, l1_groups)
        F_path = objective(from_path, X, y, C, l1_ratio, l1_groups)
        assert abs(F_path - F_single) <= 1e-6 * F_single
        assert_array_equal(path.coefs[i] != 0, single.coef_ != 0)
        # the objective it reports is F / S
        assert_allclose(path.objective[i] * X.shape[0], F_path, rtol=1e-9)


@pytest.mark.parametrize("l1_groups", [None, "features"])
def test_unscaled_columns_solved_scaled_meet_the_optimality_conditions(l1_groups):
    """wine's columns at scales from 0.03 to 3, sparse: the working sets'
    copies are scaled (another parametrisation of the same problem).
    At each point, the optimality conditions in the unscaled coefficients,
    the gradient written out from predict_proba, within 100x the solver's
    tol on the mean loss (as test_l1's; the single fit on unscaled X is no
    reference here: it stops short, at max_iter)."""
    X, y = wine()
    X = sparse.csr_matrix(X * np.logspace(-1.5, 0.5, X.shape[1]))
    estimator = SoftmaxRegression(l1_ratio=1.0, l1_groups=l1_groups, **TIGHT)
    assert _screening._column_scales(estimator, X) is not None
    path = regularization_path(estimator, X, y, n_Cs=8, C_min_ratio=0.05)
    n = X.shape[0]
    for i in [2, 5, 7]:
        C = path.Cs[i]
        model = at_point(estimator, X, y, path, i)
        onehot = (y[:, None] == model.classes_[None, :]).astype(float)
        gradient = np.asarray(X.T @ (model.predict_proba(X) - onehot)).T * C
        W = model.coef_  # with C: the penalty's subgradient has norm <= 1
        if l1_groups is None:
            zero = W == 0
            assert np.all(np.abs(gradient[zero]) <= 1 + 1e-6 * n * C)
            assert_allclose(gradient[~zero], -np.sign(W[~zero]), atol=1e-6 * n * C)
        else:
            norms = np.linalg.norm(W, axis=0)
            zero = norms == 0
            assert np.all(np.linalg.norm(gradient[:, zero], axis=0) <= 1 + 1e-6 * n * C)
            assert_allclose(
                gradient[:, ~zero], -W[:, ~zero] / norms[~zero], atol=1e-6 * n * C
            )
        assert 0 < zero.sum() < zero.size


def test_the_grid_starts_where_the_first_coefficient_enters():
    X, y = wine()
    estimator = SoftmaxRegression(l1_ratio=1.0, **TIGHT)
    path = regularization_path(
        estimator, X, y, n_Cs=10, C_min_ratio=0.01, stop_early=False
    )
    assert_allclose(path.Cs[0], l1_min_c(estimator, X, y), rtol=1e-12)
    assert_allclose(path.Cs[-1] / path.Cs[0], 100.0, rtol=1e-12)
    assert_allclose(np.diff(np.log(path.Cs)), np.log(100.0) / 9, rtol=1e-9)
    assert path.n_active[0] == 0 and path.n_active[1] > 0
    assert_array_equal(path.n_active, np.count_nonzero(path.coefs.any(axis=1), axis=1))
    # the intercepts-only model explains none of the deviance; later ones more
    assert path.deviance_ratio[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(path.deviance_ratio) > 0)
    # glmnet's default ratio: 1e-4 with more samples than features
    default = regularization_path(estimator, X, y, n_Cs=3, stop_early=False)
    assert_allclose(default.Cs[-1] / default.Cs[0], 1e4, rtol=1e-12)


@pytest.mark.parametrize("l1_groups", [None, "features"])
def test_screening_on_and_off_give_the_same_path(monkeypatch, l1_groups):
    # working sets of any size (by default, one of most columns is all)
    monkeypatch.setattr(_screening, "_MOST_COLUMNS", 1.0)
    X, y = digits()
    estimator = SoftmaxRegression(l1_ratio=1.0, l1_groups=l1_groups, **TIGHT)
    options = dict(n_Cs=25, C_min_ratio=0.05, stop_early=False)
    screened = regularization_path(estimator, X, y, screening=True, **options)
    full = regularization_path(estimator, X, y, screening=False, **options)
    assert_array_equal(screened.coefs != 0, full.coefs != 0)
    assert_allclose(screened.objective, full.objective, rtol=1e-9)
    assert_allclose(screened.coefs, full.coefs, atol=1e-5)
    # the rules did discard features (so the check above compared something)
    assert np.all(full.n_screened == X.shape[1])
    assert screened.n_screened.sum() < 0.8 * full.n_screened.sum()


def test_the_optimality_check_adds_what_the_rule_wrongly_dropped(monkeypatch):
    """A strong rule that keeps nothing: every feature must come back
    through the check over the discarded ones."""
    X, y = wine()
    estimator = SoftmaxRegression(l1_ratio=1.0, **TIGHT)
    options = dict(n_Cs=12, C_min_ratio=0.01, stop_early=False)
    full = regularization_path(estimator, X, y, screening=False, **options)

    def keeps_nothing(self, penalty, gradient, C, previous):
        return np.zeros(penalty.unit_strength.shape[0], dtype=bool)

    monkeypatch.setattr(_screening.WorkingSets, "strong_units", keeps_nothing)
    checked = regularization_path(estimator, X, y, **options)
    assert_array_equal(checked.coefs != 0, full.coefs != 0)
    assert_allclose(checked.objective, full.objective, rtol=1e-9)
    assert np.all(checked.n_screened >= full.n_active)


def test_secant_and_warm_starts_reach_the_same_points(monkeypatch):
    X, y = wine()
    estimator = SoftmaxRegression(l1_ratio=0.5, **TIGHT)
    options = dict(n_Cs=15, C_min_ratio=0.01, stop_early=False)
    secant = regularization_path(estimator, X, y, **options)
    monkeypatch.setattr(_path_starts, "EXTRAPOLATE", False)
    warm = regularization_path(estimator, X, y, **options)
    assert_allclose(secant.objective, warm.objective, rtol=1e-9)
    assert_array_equal(secant.coefs != 0, warm.coefs != 0)


def test_the_l2_path_equals_the_fits_at_its_Cs():
    X, y = wine()
    estimator = SoftmaxRegression(**TIGHT)
    Cs = [1e-2, 1e-1, 1.0, 10.0]
    path = regularization_path(estimator, X, y, Cs=Cs[::-1], stop_early=False)
    assert_array_equal(path.Cs, Cs)  # sorted, strong to weak
    for i, C in enumerate(Cs):
        single = clone(estimator).set_params(C=C).fit(X, y)
        F_single = objective(single, X, y, C, 0.0, None)
        F_path = objective(at_point(estimator, X, y, path, i), X, y, C, 0.0, None)
        assert abs(F_path - F_single) <= 1e-9 * F_single
        assert_allclose(path.coefs[i], single.coef_, atol=1e-4)
    default = regularization_path(estimator, X, y, n_Cs=4, stop_early=False)
    assert_allclose(default.Cs, np.logspace(-4, 4, 4))


def test_stopping_early_when_the_deviance_stops_changing():
    X, y = wine()
    estimator = SoftmaxRegression(l1_ratio=1.0, tol=1e-6, max_iter=10000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # separable at the end
        whole = regularization_path(estimator, X, y, n_Cs=60, stop_early=False)
        stopped = regularization_path(estimator, X, y, n_Cs=60)
    n = stopped.Cs.shape[0]
    assert 5 <= n < 60
    assert_allclose(stopped.objective, whole.objective[:n], rtol=1e-6)
    last, before = stopped.deviance_ratio[-1], stopped.deviance_ratio[-2]
    assert last - before < 1e-5 * last or last > 0.999
    ratios = whole.deviance_ratio[3 : n - 1]
    assert not np.any((np.diff(ratios) < 1e-5 * ratios[1:]) | (ratios[1:] > 0.999))


def test_sparse_input_and_penalty_factor_give_the_dense_path():
    X, y = wine()
    X[np.abs(X) < 0.5] = 0.0
    factor = np.ones(X.shape[1])
    factor[[2, 5]] = [0.0, 3.0]
    estimator = SoftmaxRegression(l1_ratio=1.0, penalty_factor=factor, **TIGHT)
    options = dict(n_Cs=12, C_min_ratio=0.01, stop_early=False)
    dense = regularization_path(estimator, X, y, **options)
    on_csr = regularization_path(estimator, sparse.csr_matrix(X), y, **options)
    assert_same_solutions(on_csr, dense)
    # the unpenalised feature is in from the start
    assert np.all(dense.coefs[:, :, 2] != 0)
    assert np.all(dense.coefs[0, :, np.arange(X.shape[1]) != 2] == 0)
    C = dense.Cs[6]
    single = clone(estimator).set_params(C=C).fit(X, y)
    assert_array_equal(dense.coefs[6] != 0, single.coef_ != 0)
    F_single = objective(single, X, y, C, 1.0, None, factor)
    F_path = objective(at_point(estimator, X, y, dense, 6), X, y, C, 1.0, None, factor)
    assert abs(F_path - F_single) <= 1e-9 * F_single
    # an unpenalised feature's softmax coefficients are defined up to a shift
    # common to every class: compare them centred
    assert_allclose(centred(dense.coefs[6]), centred(single.coef_), atol=1e-5)


def assert_same_solutions(path, reference):
    """The same objective and support at every point, and coefficients as
    close as the solver's tolerance on the gradient (1e-8) allows where the
    objective is flat (curvature 1e-4 in some directions here): two
    solutions of one problem reached along different rounding."""
    assert_allclose(path.objective, reference.objective, rtol=1e-11)
    assert_array_equal(path.coefs != 0, reference.coefs != 0)
    assert_allclose(centred(path.coefs), centred(reference.coefs), atol=1e-4)


def centred(coefs, class_axis=-2):
    """Softmax coefficients less their mean over the classes."""
    return coefs - coefs.mean(axis=class_axis, keepdims=True)


def test_dask_input_gives_the_in_memory_path():
    da = pytest.importorskip("dask.array")
    X, y = wine()
    estimator = OneVsRestSigmoid(l1_ratio=1.0, **TIGHT)
    options = dict(n_Cs=8, C_min_ratio=0.05, stop_early=False)
    in_memory = regularization_path(estimator, X, y, **options)
    chunked = regularization_path(
        estimator, da.from_array(X, chunks=60), da.from_array(y, chunks=60), **options
    )
    assert_allclose(chunked.Cs, in_memory.Cs, rtol=1e-10)
    assert_same_solutions(chunked, in_memory)


def test_bad_grids_get_clear_errors_and_the_estimator_is_untouched():
    X, y = wine()
    estimator = SoftmaxRegression(l1_ratio=1.0)
    before = estimator.get_params()
    for options, message in [
        (dict(Cs=[1.0, -1.0]), "Cs must be positive"),
        (dict(Cs=[]), "non-empty 1-D"),
        (dict(Cs=[1.0, np.nan]), "finite"),
        (dict(n_Cs=0), "n_Cs must be a positive integer"),
        (dict(C_min_ratio=2.0), r"C_min_ratio must be in \(0, 1\)"),
    ]:
        with pytest.raises(ValueError, match=message):
            regularization_path(estimator, X, y, **options)
    with pytest.raises(ValueError, match="l1_ratio"):
        regularization_path(SoftmaxRegression(l1_ratio=2.0), X, y)
    assert estimator.get_params() == before and not hasattr(estimator, "coef_")


def test_curvature_pairs_carried_to_the_next_C_and_working_set():
    """A pair (s, y) of gradient differences at C_last, carried to C, is the
    pair of the objective at C (both computed here from LinearLoss at each
    C); moved to a larger working set, its entries stay where they were."""
    from sksoftmax._loss import LinearLoss, MultinomialLoss

    X, y = wine()
    loss = LinearLoss(MultinomialLoss(), 3, X.shape[1], True)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, loss.n_coef))
    weight = np.ones(y.shape[0])
    factor = rng.uniform(0.5, 2.0, X.shape[1])  # per-feature L2 strengths

    def gradient(coef, C):
        return loss.gradient(coef, X, y, weight, factor / (C * y.size), y.size)

    C_last, C = 0.3, 0.45
    pairs = [(b - a, gradient(b, C_last) - gradient(a, C_last))]
    [(s, carried)] = _path_starts.carried_memory(
        pairs, loss, factor / (C * y.size), C, C_last
    )
    assert_allclose(carried, gradient(b, C) - gradient(a, C), rtol=1e-12)
    assert not np.allclose(pairs[0][1], carried)

    columns, wider = np.array([1, 4, 7]), np.array([0, 1, 4, 7, 9])
    small = LinearLoss(MultinomialLoss(), 3, 3, True)
    large = LinearLoss(MultinomialLoss(), 3, 5, True)
    weights, intercept = small.unpack(np.arange(small.n_coef, dtype=float))
    [(moved, _)] = _screening.moved_pairs(
        [(small.pack(weights, intercept),) * 2], columns, wider, large
    )
    moved_weights, moved_intercept = large.unpack(moved)
    assert_array_equal(moved_weights[:, [1, 2, 3]], weights)
    assert_array_equal(moved_weights[:, [0, 4]], 0.0)
    assert_array_equal(moved_intercept, intercept)
    # back to the smaller set: the new columns dropped, the rest as they were
    [(back, _)] = _screening.moved_pairs([(moved, moved)], wider, columns, small)
    assert_array_equal(back, small.pack(weights, intercept))


@pytest.mark.parametrize("rule", ["strong", "keeps nothing"])
def test_cv_paths_screened_equal_the_unscreened(monkeypatch, rule):
    """The CV estimators' folds on the union of their strong sets, every
    fold's discarded units checked: the scores and every fold's coefficients
    of the unscreened CV path (tol 1e-9); with a rule that keeps nothing,
    every feature comes back through the check."""
    from sksoftmax import SoftmaxRegressionCV, _cv_path

    X, y = wine()
    options = dict(Cs=[0.02, 0.05, 0.2, 1.0], l1_ratios=[1.0], cv=3, tol=1e-9)
    model = SoftmaxRegressionCV(l1_groups="features", max_iter=5000, **options)
    monkeypatch.setattr(_cv_path, "screens", lambda data: False)
    unscreened = clone(model).fit(X, y)
    monkeypatch.undo()
    if rule == "keeps nothing":
        monkeypatch.setattr(
            _screening.WorkingSets,
            "strong_units",
            lambda self, penalty, *args: np.zeros(penalty.unit_strength.size, bool),
        )
    screened = clone(model).fit(X, y)
    # the first C leaves features out of every fold: the rules had work
    assert np.any(np.all(unscreened.coefs_paths_[..., 0, :, :-1] == 0, axis=-2))
    assert_allclose(screened.scores_, unscreened.scores_, rtol=1e-6)
    assert_array_equal(screened.coefs_paths_ != 0, unscreened.coefs_paths_ != 0)
    assert_allclose(screened.coefs_paths_, unscreened.coefs_paths_, atol=1e-5)
