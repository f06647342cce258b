"""L1 and elastic-net fits of both estimators against independent
references: the optimality (KKT) conditions with a gradient computed here
from ``predict_proba``, LogisticRegression's saga at the same objective, and
scipy's L-BFGS-B on the split-variable problem for per-feature factors."""

import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from scipy import optimize
from sklearn.datasets import load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.fixes import parse_version

from sksoftmax import OneVsRestSigmoid, SoftmaxRegression

TIGHT = dict(tol=1e-8, max_iter=5000)


def dataset(name):
    load = {"iris": load_iris, "wine": load_wine, "digits": load_digits}[name]
    X, y = load(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def saga(C, l1_ratio):
    """LogisticRegression with saga at this penalty, in any scikit-learn:
    ``penalty`` was replaced by ``l1_ratio`` alone in 1.8."""
    options = dict(C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-10, max_iter=100000)
    if parse_version(sklearn.__version__) < parse_version("1.8"):
        options["penalty"] = "elasticnet"
    return LogisticRegression(**options)


def objective(model, X, y, C, l1_ratio, factor=None):
    """F of the fitted model, written out from predict_proba and coef_
    (the two-class coef_ is the difference of the softmax's two rows)."""
    proba = model.predict_proba(X)
    classes = list(model.classes_)
    loss = -np.log(proba[np.arange(y.shape[0]), [classes.index(c) for c in y]]).sum()
    W = model.coef_
    if isinstance(model, SoftmaxRegression) and W.shape[0] == 1:
        W = np.vstack([-W / 2, W / 2])  # the symmetric two rows
    f = np.ones(W.shape[1]) if factor is None else factor
    penalty = (1 - l1_ratio) / 2 * (f * W**2).sum() + l1_ratio * (f * np.abs(W)).sum()
    return loss + penalty / C


def softmax_gradient(model, X, y, C, l1_ratio, factor):
    """The gradient of the smooth part (loss + L2) in W, from predict_proba."""
    proba = model.predict_proba(X)
    onehot = (y[:, None] == model.classes_[None, :]).astype(float)
    return (proba - onehot).T @ X + (1 - l1_ratio) * factor * model.coef_ / C


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_optimality_conditions_hold_at_the_solution(l1_ratio):
    X, y = dataset("wine")
    C = 0.05
    factor = np.linspace(0.25, 2.0, X.shape[1])
    model = SoftmaxRegression(
        C=C, l1_ratio=l1_ratio, penalty_factor=factor, **TIGHT
    ).fit(X, y)
    gradient = softmax_gradient(model, X, y, C, l1_ratio, factor)
    W, bound = model.coef_, l1_ratio * factor / C * np.ones_like(model.coef_)
    zero = W == 0
    assert 0 < zero.sum() < W.size  # a sparse model, not an empty one
    # scaled by the total weight: tol bounds the scaled objective's violation
    n = X.shape[0]
    assert np.all(np.abs(gradient[zero]) <= bound[zero] + 1e-6 * n)
    assert_allclose(gradient[~zero], -bound[~zero] * np.sign(W[~zero]), atol=1e-6 * n)


@pytest.mark.parametrize(
    "name", ["iris", "wine", pytest.param("digits", marks=pytest.mark.slow)]
)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_equals_logistic_regression_saga(name, l1_ratio):
    X, y = dataset(name)
    C = 0.1
    ours = SoftmaxRegression(C=C, l1_ratio=l1_ratio, **TIGHT).fit(X, y)
    reference = saga(C, l1_ratio).fit(X, y)
    ours_value = objective(ours, X, y, C, l1_ratio)
    reference_value = objective(reference, X, y, C, l1_ratio)
    assert ours_value == pytest.approx(reference_value, rel=1e-6)
    assert ours_value <= reference_value * (1 + 1e-9)
    # the probabilities are unique (the coefficients are not for pure L1:
    # a common shift of the classes' weights may leave |W|_1 unchanged)
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-4)
    if l1_ratio < 1:
        assert_array_equal(ours.coef_ == 0, np.abs(reference.coef_) < 1e-6)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_two_classes_are_logistic_regression_at_the_mapped_penalty(l1_ratio):
    """Two symmetric rows with difference d carry (1-rho)/4 |d|^2 + rho |d|_1:
    LogisticRegression's penalty at C' = 2C/(1+rho), rho' = 2rho/(1+rho)."""
    X, y = dataset("iris")
    keep = y > 0
    X, y = X[keep], y[keep]
    C = 0.5
    ours = SoftmaxRegression(C=C, l1_ratio=l1_ratio, **TIGHT).fit(X, y)
    mapped_C, mapped_ratio = 2 * C / (1 + l1_ratio), 2 * l1_ratio / (1 + l1_ratio)
    reference = saga(mapped_C, mapped_ratio).fit(X, y)
    assert_allclose(ours.coef_, reference.coef_, atol=1e-5)
    assert_allclose(ours.intercept_, reference.intercept_, atol=1e-5)
    sigmoid = OneVsRestSigmoid(C=mapped_C, l1_ratio=mapped_ratio, **TIGHT).fit(X, y)
    assert_allclose(ours.coef_, sigmoid.coef_, atol=1e-7)
    assert objective(ours, X, y, C, l1_ratio) == pytest.approx(
        objective(reference, X, y, mapped_C, mapped_ratio), rel=1e-7
    )


def test_one_vs_rest_equals_one_saga_per_class():
    X, y = dataset("wine")
    C = 0.1
    ours = OneVsRestSigmoid(C=C, l1_ratio=1.0, **TIGHT).fit(X, y)
    for k in range(3):
        reference = saga(C, 1.0).fit(X, y == k)
        assert_allclose(ours.coef_[k], reference.coef_[0], atol=1e-5)
    assert np.any(ours.coef_ == 0)


def test_penalty_factor_equals_the_split_variable_minimum():
    """Factors (0: an unpenalised feature) against scipy's L-BFGS-B on the
    written-out objective with W = U - V, U, V >= 0."""
    X, y = dataset("wine")
    n, d = X.shape
    C, l1_ratio = 0.05, 0.7
    factor = np.r_[0.0, np.linspace(0.5, 3.0, d - 1)]
    model = SoftmaxRegression(
        C=C, l1_ratio=l1_ratio, penalty_factor=factor, **TIGHT
    ).fit(X, y)
    onehot = np.eye(3)[y]

    def split(z):
        U, V = z[: 3 * d].reshape(3, d), z[3 * d : 6 * d].reshape(3, d)
        b = z[6 * d :]
        W = U - V
        logits = X @ W.T + b
        logits -= logits.max(axis=1, keepdims=True)
        log_proba = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        residual = np.exp(log_proba) - onehot
        value = (
            -(onehot * log_proba).sum()
            + (
                (1 - l1_ratio) / 2 * (factor * W**2).sum()
                + l1_ratio * (factor * (U + V)).sum()
            )
            / C
        )
        grad_W = residual.T @ X + (1 - l1_ratio) * factor * W / C
        l1 = l1_ratio * factor / C * np.ones((3, d))
        return value, np.concatenate(
            [(grad_W + l1).ravel(), (-grad_W + l1).ravel(), residual.sum(axis=0)]
        )

    bounds = [(0, None)] * (6 * d) + [(None, None)] * 3
    result = optimize.minimize(
        split,
        np.zeros(6 * d + 3),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 100000, "ftol": 1e-15, "gtol": 1e-10},
    )
    W = result.x[: 3 * d].reshape(3, d) - result.x[3 * d : 6 * d].reshape(3, d)
    assert objective(model, X, y, C, l1_ratio, factor) == pytest.approx(
        result.fun, rel=1e-9
    )
    assert_array_equal(model.coef_ == 0, np.abs(W) < 1e-6)
    assert np.all(model.coef_[:, 0] != 0)  # unpenalised: never exactly zero
    assert_allclose(model.coef_[:, 1:], W[:, 1:], atol=1e-5)
    # the unpenalised column is unique up to a shift common to the classes
    centred = model.coef_[:, 0] - model.coef_[:, 0].mean()
    assert_allclose(centred, W[:, 0] - W[:, 0].mean(), atol=1e-5)


def test_l1_ratio_zero_is_the_l2_fit_to_the_bit():
    X, y = dataset("wine")
    for Estimator in (SoftmaxRegression, OneVsRestSigmoid):
        default = Estimator(C=0.5).fit(X, y)
        explicit = Estimator(C=0.5, l1_ratio=0.0).fit(X, y)
        assert_array_equal(explicit.coef_, default.coef_)
        assert_array_equal(explicit.intercept_, default.intercept_)
        ones = Estimator(C=0.5, penalty_factor=np.ones(X.shape[1])).fit(X, y)
        assert_allclose(ones.coef_, default.coef_, rtol=1e-10)


def test_sparse_models_have_exact_zeros_everywhere_they_go():
    from scipy import sparse

    X, y = dataset("digits")
    model = SoftmaxRegression(C=0.05, l1_ratio=1.0).fit(X, y)
    assert np.mean(model.coef_ == 0) > 0.5
    on_sparse = SoftmaxRegression(C=0.05, l1_ratio=1.0).fit(sparse.csr_matrix(X), y)
    assert_array_equal(on_sparse.coef_ == 0, model.coef_ == 0)
    proba = model.predict_proba(X)
    model.sparsify()
    assert sparse.issparse(model.coef_)
    assert_allclose(model.predict_proba(X), proba)
    warm = SoftmaxRegression(C=0.05, l1_ratio=1.0, warm_start=True)
    warm.fit(X, y)
    warm.set_params(C=0.1).fit(X, y)
    cold = SoftmaxRegression(C=0.1, l1_ratio=1.0).fit(X, y)
    assert np.mean(warm.coef_ == 0) == pytest.approx(np.mean(cold.coef_ == 0), abs=0.02)


def test_bad_penalties_get_clear_errors_and_leave_the_model():
    X, y = dataset("wine")
    model = SoftmaxRegression(C=0.5).fit(X, y)
    before = model.coef_.copy()
    for factor, message in [
        (np.ones(3), "one entry per feature"),
        (-np.ones(X.shape[1]), "non-negative"),
        (np.full(X.shape[1], np.nan), "finite"),
        ("strong", "penalty_factor"),
    ]:
        with pytest.raises((ValueError, TypeError), match=message):
            model.set_params(penalty_factor=factor).fit(X, y)
        assert_array_equal(model.coef_, before)
    model.set_params(penalty_factor=None)
    for ratio in (-0.1, 1.5):
        with pytest.raises(ValueError, match="l1_ratio"):
            model.set_params(l1_ratio=ratio).fit(X, y)


@pytest.mark.parametrize(
    "Estimator, name, factor",
    [
        (SoftmaxRegression, "wine", None),
        (OneVsRestSigmoid, "wine", None),
        (SoftmaxRegression, "wine", "with zeros"),
        (SoftmaxRegression, "binary", None),
    ],
)
def test_l1_min_c_is_where_the_first_coefficient_enters(Estimator, name, factor):
    from sksoftmax import l1_min_c

    X, y = dataset("iris" if name == "binary" else name)
    if name == "binary":
        X, y = X[y > 0], y[y > 0]
    if factor is not None:
        factor = np.r_[0.0, np.linspace(0.5, 2.0, X.shape[1] - 1)]
    model = Estimator(l1_ratio=0.8, penalty_factor=factor, **TIGHT)
    C = l1_min_c(model, X, y)
    penalised = slice(1, None) if factor is not None else slice(None)
    below = model.set_params(C=0.999 * C).fit(X, y).coef_[:, penalised]
    above = model.set_params(C=1.01 * C).fit(X, y).coef_[:, penalised]
    assert np.all(below == 0)
    assert np.any(above != 0)


def test_l1_min_c_equals_scikit_learns_for_two_classes_without_intercept():
    from sklearn.svm import l1_min_c as sklearn_l1_min_c

    from sksoftmax import l1_min_c

    X, y = dataset("iris")
    X, y = X[y > 0], y[y > 0]
    ours = l1_min_c(SoftmaxRegression(l1_ratio=1.0, fit_intercept=False), X, y)
    assert ours == pytest.approx(
        sklearn_l1_min_c(X, y, loss="log", fit_intercept=False)
    )
    with pytest.raises(ValueError, match="l1_ratio > 0"):
        l1_min_c(SoftmaxRegression(), X, y)


# -- grouped penalties -------------------------------------------------------

GROUPS = np.array(["a", "a", "b", "c", "c", "c", "d", "e", "e", "f", "g", "g", "h"])


def group_terms(W, groups, factor, C, l1_ratio):
    """Per group: its columns, its strength rho f_g sqrt(|g|) / C, its norm."""
    for label in np.unique(groups):
        columns = groups == label
        strength = l1_ratio * factor[columns][0] * np.sqrt(columns.sum()) / C
        yield columns, strength, np.linalg.norm(W[:, columns])


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestSigmoid])
def test_grouped_optimality_conditions_hold(Estimator):
    X, y = dataset("wine")
    C, l1_ratio = 0.05, 0.9
    factor = np.where(GROUPS == "b", 0.5, 1.0)
    model = Estimator(
        C=C, l1_ratio=l1_ratio, l1_groups=GROUPS, penalty_factor=factor, **TIGHT
    ).fit(X, y)
    proba = model.predict_proba(X)
    if Estimator is SoftmaxRegression:
        target = (y[:, None] == model.classes_[None, :]).astype(float)
    else:  # each sigmoid's raw marginal against its own 0/1 target
        proba = 1 / (1 + np.exp(-model.decision_function(X)))
        target = (y[:, None] == model.classes_[None, :]).astype(float)
    W = model.coef_
    gradient = (proba - target).T @ X + (1 - l1_ratio) * factor * W / C
    tolerance = 1e-6 * X.shape[0]
    zero_groups = 0
    for columns, strength, norm in group_terms(W, GROUPS, factor, C, l1_ratio):
        if norm == 0:
            zero_groups += 1
            assert np.linalg.norm(gradient[:, columns]) <= strength + tolerance
        else:
            assert_allclose(
                gradient[:, columns], -strength * W[:, columns] / norm, atol=tolerance
            )
    assert 0 < zero_groups < len(np.unique(GROUPS))
    # a group is in or out for every output at once
    for columns, _, norm in group_terms(W, GROUPS, factor, C, l1_ratio):
        assert np.all(W[:, columns] == 0) == (norm == 0)


def test_grouped_fit_equals_a_written_out_proximal_gradient():
    """FISTA with backtracking on the objective written out in numpy, run to
    convergence: the same minimum and the same groups."""
    X, y = dataset("wine")
    n, d = X.shape
    C, l1_ratio = 0.1, 1.0
    model = SoftmaxRegression(C=C, l1_ratio=l1_ratio, l1_groups=GROUPS, **TIGHT)
    model.fit(X, y)
    onehot = np.eye(3)[y]
    labels = np.unique(GROUPS)
    strengths = np.array([l1_ratio * np.sqrt((GROUPS == g).sum()) / C for g in labels])

    def smooth(W, b):
        logits = X @ W.T + b
        logits -= logits.max(axis=1, keepdims=True)
        log_proba = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        residual = np.exp(log_proba) - onehot
        return -(onehot * log_proba).sum(), residual.T @ X, residual.sum(axis=0)

    def penalty(W):
        return sum(
            s * np.linalg.norm(W[:, GROUPS == g])
            for g, s in zip(labels, strengths, strict=True)
        )

    def prox(W, step):
        out = W.copy()
        for g, s in zip(labels, strengths, strict=True):
            norm = np.linalg.norm(W[:, GROUPS == g])
            scale = max(0.0, 1 - step * s / norm) if norm > 0 else 0.0
            out[:, GROUPS == g] *= scale
        return out

    W, b = np.zeros((3, d)), np.zeros(3)
    V, c, momentum, step = W.copy(), b.copy(), 1.0, 1.0
    for _ in range(3000):
        value, grad_W, grad_b = smooth(V, c)
        while True:  # backtracking on the smooth part's quadratic bound
            W_new, b_new = prox(V - step * grad_W, step), c - step * grad_b
            dW, db = W_new - V, b_new - c
            bound = value + (grad_W * dW).sum() + grad_b @ db
            bound += ((dW**2).sum() + db @ db) / (2 * step)
            if smooth(W_new, b_new)[0] <= bound:
                break
            step /= 2
        next_momentum = (1 + np.sqrt(1 + 4 * momentum**2)) / 2
        ratio = (momentum - 1) / next_momentum
        V, c = W_new + ratio * (W_new - W), b_new + ratio * (b_new - b)
        W, b, momentum = W_new, b_new, next_momentum
    reference = smooth(W, b)[0] + penalty(W)
    ours = objective(model, X, y, C, 0.0) - (model.coef_**2).sum() / (2 * C)
    ours += penalty(model.coef_)
    assert ours == pytest.approx(reference, rel=1e-9)
    for g in labels:
        assert np.all(model.coef_[:, GROUPS == g] == 0) == (
            np.linalg.norm(W[:, GROUPS == g]) < 1e-6
        )


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_two_classes_grouped_identity(l1_ratio):
    """Two symmetric rows: ||W[:, J]||_F = ||d_J|| / sqrt(2), so the softmax
    at (C, rho) is one sigmoid at rho' = 2 rho / (sqrt2 + (2 - sqrt2) rho),
    C' = 2 sqrt2 C / (sqrt2 + (2 - sqrt2) rho)."""
    X, y = dataset("wine")
    X, y = X[y > 0], y[y > 0]
    C = 0.2
    ours = SoftmaxRegression(C=C, l1_ratio=l1_ratio, l1_groups=GROUPS, **TIGHT)
    ours.fit(X, y)
    root2 = np.sqrt(2)
    denominator = root2 + (2 - root2) * l1_ratio
    sigmoid = OneVsRestSigmoid(
        C=2 * root2 * C / denominator,
        l1_ratio=2 * l1_ratio / denominator,
        l1_groups=GROUPS,
        **TIGHT,
    ).fit(X, y)
    assert_allclose(ours.coef_, sigmoid.coef_, atol=1e-7)
    assert_array_equal(ours.coef_ == 0, sigmoid.coef_ == 0)
    assert np.any(ours.coef_ == 0)


def test_grouped_l1_min_c_and_bad_groups():
    from sksoftmax import l1_min_c

    X, y = dataset("wine")
    model = SoftmaxRegression(l1_ratio=1.0, l1_groups="features", **TIGHT)
    C = l1_min_c(model, X, y)
    assert np.all(model.set_params(C=0.999 * C).fit(X, y).coef_ == 0)
    assert np.any(model.set_params(C=1.01 * C).fit(X, y).coef_ != 0)
    before = model.coef_.copy()
    for groups, factor, message in [
        (np.arange(3), None, "one group label per feature"),
        (GROUPS, np.linspace(1, 2, 13), "constant within each group"),
        (np.array([1, "a"] * 6 + [2], dtype=object), None, "one sortable type"),
    ]:
        with pytest.raises((ValueError, TypeError), match=message):
            model.set_params(l1_groups=groups, penalty_factor=factor).fit(X, y)
        assert_array_equal(model.coef_, before)


# -- other data backends and exports -----------------------------------------


@pytest.mark.parametrize("l1_groups", [None, "features"])
def test_dask_and_torch_fits_equal_the_in_memory_fit(l1_groups):
    """The solvers see only loss_gradient: Dask chunks and a torch tensor
    give the in-memory fit."""
    da = pytest.importorskip("dask.array")
    torch = pytest.importorskip("torch")
    from sklearn import config_context

    X, y = dataset("wine")
    params = dict(C=0.1, l1_ratio=0.8, l1_groups=l1_groups, **TIGHT)
    reference = SoftmaxRegression(**params).fit(X, y)
    chunks = ((50, 60, 68),)
    on_dask = SoftmaxRegression(**params).fit(
        da.from_array(X, chunks=chunks + (13,)), da.from_array(y, chunks=chunks)
    )
    assert_allclose(on_dask.coef_, reference.coef_, atol=1e-7)
    assert_array_equal(on_dask.coef_ == 0, reference.coef_ == 0)
    with config_context(array_api_dispatch=True):
        on_torch = SoftmaxRegression(**params).fit(torch.asarray(X), torch.asarray(y))
    assert_allclose(on_torch.coef_.numpy(), reference.coef_, atol=1e-7)
    assert_array_equal(on_torch.coef_.numpy() == 0, reference.coef_ == 0)


def test_a_sparse_model_exports_to_onnx():
    onnxruntime = pytest.importorskip("onnxruntime")
    sksoftmax_onnx = pytest.importorskip("sksoftmax.onnx")
    X, y = dataset("wine")
    model = SoftmaxRegression(C=0.05, l1_ratio=1.0).fit(X, y).sparsify()
    onx = sksoftmax_onnx.to_onnx(
        model, X[:1].astype(np.float32), options={"zipmap": False}
    )
    session = onnxruntime.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    labels, proba = session.run(
        None, {session.get_inputs()[0].name: X.astype(np.float32)}
    )
    assert_array_equal(labels, model.predict(X))
    assert_allclose(proba, model.predict_proba(X), atol=1e-5)


# -- SGD: proximal steps -----------------------------------------------------


def penalised_objective(model, X, y, C, l1_groups):
    """F / n of a pure L1 (or group L1) fit, written out."""
    log_proba = model.predict_log_proba(X)
    W = model.coef_
    if l1_groups is None:
        penalty = np.abs(W).sum()
    else:
        penalty = np.linalg.norm(W, axis=0).sum()
    return (-log_proba[np.arange(y.shape[0]), y].sum() + penalty / C) / y.shape[0]


@pytest.mark.parametrize("l1_groups", [None, "features"])
def test_sgd_reaches_the_objective_with_exact_zeros(l1_groups):
    X, y = dataset("wine")
    C = 0.1
    reference = SoftmaxRegression(C=C, l1_ratio=1.0, l1_groups=l1_groups, **TIGHT)
    reference.fit(X, y)
    full_batch = SoftmaxRegression(
        C=C,
        l1_ratio=1.0,
        l1_groups=l1_groups,
        solver="sgd",
        batch_size=X.shape[0],
        max_iter=3000,
        tol=1e-10,
        n_iter_no_change=50,
        random_state=0,
    ).fit(X, y)
    expected = penalised_objective(reference, X, y, C, l1_groups)
    # full batch, proximal gradient with momentum: the optimum and its zeros
    assert penalised_objective(full_batch, X, y, C, l1_groups) == pytest.approx(
        expected, rel=1e-6
    )
    assert_array_equal(full_batch.coef_ == 0, reference.coef_ == 0)
    minibatch = SoftmaxRegression(
        C=C,
        l1_ratio=1.0,
        l1_groups=l1_groups,
        solver="sgd",
        batch_size=32,
        learning_rate="adaptive",
        momentum=0.5,  # minibatch noise and proximal steps: less momentum
        max_iter=5000,
        tol=1e-9,
        n_iter_no_change=30,
        random_state=0,
    ).fit(X, y)
    assert penalised_objective(minibatch, X, y, C, l1_groups) == pytest.approx(
        expected, rel=1e-3
    )
    assert np.any(minibatch.coef_ == 0)


def test_partial_fit_streams_a_sparse_model():
    """A stream's objective is that of all the rows it has seen: 100 passes
    over the data are the data repeated 100 times, the fit at C = 100 C."""
    X, y = dataset("wine")
    C, passes = 0.002, 100
    reference = SoftmaxRegression(C=C * passes, l1_ratio=1.0, **TIGHT).fit(X, y)
    model = SoftmaxRegression(C=C, l1_ratio=1.0, momentum=0.5, random_state=0)
    rng = np.random.default_rng(0)
    for _ in range(passes):
        for chunk in np.array_split(rng.permutation(y.shape[0]), 3):
            model.partial_fit(X[chunk], y[chunk], classes=[0, 1, 2])
    expected = penalised_objective(reference, X, y, C * passes, None)
    assert penalised_objective(model, X, y, C * passes, None) == pytest.approx(
        expected, rel=2e-2
    )
    assert np.any(model.coef_ == 0)


def test_sgd_on_a_device_refuses_the_proximal_steps(monkeypatch):
    """On another library's device SGD's steps run there and take the plain
    L2 penalty only (host memory without numpy's view of it stands in for a
    device, as in test_array_api)."""
    torch = pytest.importorskip("torch")
    from sklearn import config_context

    from sksoftmax import _array_api

    monkeypatch.setattr(_array_api, "USE_HOST_VIEWS", False)
    xp = torch
    X, y = dataset("wine")
    model = SoftmaxRegression(solver="sgd", l1_ratio=0.5)
    with config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="plain L2 penalty"):
            model.fit(xp.asarray(X), xp.asarray(y))
    assert not hasattr(model, "coef_")


def test_sgd_over_dask_chunks_equals_in_memory_sgd():
    """Without shuffling, chunks of whole minibatches take the in-memory
    steps, the proximal ones included."""
    da = pytest.importorskip("dask.array")
    X, y = dataset("wine")
    params = dict(
        C=0.1, l1_ratio=1.0, solver="sgd", batch_size=32, shuffle=False, max_iter=20
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = SoftmaxRegression(**params).fit(X, y)
        chunks = ((64, 64, 50),)
        on_dask = SoftmaxRegression(**params).fit(
            da.from_array(X, chunks=chunks + (13,)), da.from_array(y, chunks=chunks)
        )
    assert_allclose(on_dask.coef_, reference.coef_, atol=1e-10)
    assert_array_equal(on_dask.coef_ == 0, reference.coef_ == 0)
    assert np.any(reference.coef_ == 0)


# -- cross-validation over Cs x l1_ratios -------------------------------------


@pytest.mark.parametrize("l1_groups", [None, "features"])
def test_cv_over_l1_ratios_equals_grid_search(l1_groups):
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from sksoftmax import SoftmaxRegressionCV

    X, y = dataset("wine")
    Cs, ratios = [0.01, 0.1, 1.0], [0.2, 1.0]
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    model = SoftmaxRegressionCV(
        Cs=Cs,
        l1_ratios=ratios,
        l1_groups=l1_groups,
        cv=folds,
        tol=1e-9,
        max_iter=5000,
    ).fit(X, y)
    search = GridSearchCV(
        SoftmaxRegression(l1_groups=l1_groups, tol=1e-9, max_iter=5000),
        {"C": Cs, "l1_ratio": ratios},
        cv=folds,
        scoring="neg_log_loss",
    ).fit(X, y)
    assert model.scores_.shape == (3, 2, 3)
    assert model.coefs_paths_.shape == (3, 2, 3, 3, 14)
    # GridSearchCV orders its candidates C-major: (C, l1_ratio)
    for r, ratio in enumerate(ratios):
        for c, C in enumerate(Cs):
            candidate = search.cv_results_["params"].index({"C": C, "l1_ratio": ratio})
            expected = [
                search.cv_results_[f"split{f}_test_score"][candidate] for f in range(3)
            ]
            assert_allclose(model.scores_[:, r, c], expected, rtol=1e-5)
    assert (model.C_, model.l1_ratio_) == (
        search.best_params_["C"],
        search.best_params_["l1_ratio"],
    )
    assert_allclose(model.coef_, search.best_estimator_.coef_, atol=1e-6)
    assert_array_equal(model.l1_ratios_, ratios)
