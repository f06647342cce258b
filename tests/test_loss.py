"""The shared loss module against independent references.

Finite differences for gradients, scipy.special for loss values, a column of
ones for the intercept.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from scipy.optimize import approx_fprime
from scipy.special import expit, log_expit, log_softmax, softmax

from sksoftmax._loss import LinearLoss, MultinomialLoss, SigmoidLoss

N_SAMPLES, N_FEATURES = 40, 5


def make_problem(loss_name, dtype=np.float64, seed=0):
    """Random X, targets and weights for a loss: multinomial (4 classes),
    one sigmoid (binary) or three sigmoids (multilabel)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES)).astype(dtype)
    if loss_name == "multinomial":
        return X, MultinomialLoss(), rng.integers(0, 4, N_SAMPLES), 4
    n_outputs = 1 if loss_name == "binary" else 3
    y = rng.integers(0, 2, (n_outputs, N_SAMPLES)).astype(dtype)
    return X, SigmoidLoss(), y, n_outputs


def random_coef(linear_loss, seed=1):
    return np.random.default_rng(seed).normal(size=linear_loss.n_coef)


LOSSES = ["multinomial", "binary", "multilabel"]


@pytest.mark.parametrize("loss_name", LOSSES)
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("sparse_X", [False, True])
@pytest.mark.parametrize("l2_reg_strength", [0.0, 0.3])
def test_gradient_equals_finite_differences(
    loss_name, fit_intercept, weighted, sparse_X, l2_reg_strength
):
    X, base_loss, y, n_outputs = make_problem(loss_name)
    rng = np.random.default_rng(2)
    sw = rng.uniform(0.1, 3, N_SAMPLES) if weighted else np.ones(N_SAMPLES)
    if sparse_X:
        X[np.abs(X) < 0.7] = 0
        X = sparse.csr_matrix(X)
    linear_loss = LinearLoss(base_loss, n_outputs, N_FEATURES, fit_intercept)
    coef = random_coef(linear_loss)
    args = (X, y, sw, l2_reg_strength)

    objective, gradient = linear_loss.loss_gradient(coef, *args)
    numerical = approx_fprime(coef, lambda c: linear_loss.loss(c, *args), 1e-7)
    assert_allclose(gradient, numerical, rtol=1e-5, atol=1e-6)
    # the three entry points agree
    assert objective == pytest.approx(linear_loss.loss(coef, *args), rel=1e-12)
    assert_allclose(linear_loss.gradient(coef, *args), gradient, rtol=1e-12)


@pytest.mark.parametrize("loss_name", LOSSES)
@pytest.mark.parametrize("sparse_X", [False, True])
def test_float32_matches_float64(loss_name, sparse_X):
    X64, base_loss, y, n_outputs = make_problem(loss_name)
    X32 = X64.astype(np.float32)
    if sparse_X:
        X64, X32 = sparse.csc_matrix(X64), sparse.csc_matrix(X32)
    sw = np.random.default_rng(3).uniform(0.1, 3, N_SAMPLES)
    linear_loss = LinearLoss(base_loss, n_outputs, N_FEATURES, True)
    coef = random_coef(linear_loss)
    f64, g64 = linear_loss.loss_gradient(coef, X64, y, sw, 0.1)
    f32, g32 = LinearLoss(base_loss, n_outputs, N_FEATURES, True).loss_gradient(
        coef,
        X32,
        y.astype(np.float32) if y.dtype.kind == "f" else y,
        sw.astype(np.float32),
        0.1,
    )
    assert isinstance(f32, float)
    assert g32.dtype == np.float64
    assert f32 == pytest.approx(f64, rel=1e-6)
    assert_allclose(g32, g64, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("loss_name", LOSSES)
def test_intercept_equals_column_of_ones(loss_name):
    X, base_loss, y, n_outputs = make_problem(loss_name)
    sw = np.random.default_rng(4).uniform(0.1, 3, N_SAMPLES)
    with_intercept = LinearLoss(base_loss, n_outputs, N_FEATURES, True)
    with_ones = LinearLoss(base_loss, n_outputs, N_FEATURES + 1, False)
    coef = random_coef(with_intercept)
    weights, intercept = with_intercept.unpack(coef)
    coef_ones = np.hstack([weights, intercept[:, None]]).ravel()
    X_ones = np.hstack([X, np.ones((N_SAMPLES, 1))])

    f1, g1 = with_intercept.loss_gradient(coef, X, y, sw)
    f2, g2 = with_ones.loss_gradient(coef_ones, X_ones, y, sw)
    assert f1 == pytest.approx(f2, rel=1e-12)
    gw, gb = with_intercept.unpack(g1)
    assert_allclose(np.hstack([gw, gb[:, None]]).ravel(), g2, rtol=1e-12)


def test_multinomial_kernel_against_scipy_special():
    # scipy.special on the usual (n_samples, n_classes) layout; the loss module
    # takes the transpose
    rng = np.random.default_rng(5)
    logits = rng.normal(scale=4, size=(50, 6))
    y = rng.integers(0, 6, 50)
    sw = rng.uniform(0.1, 2, 50)
    expected_loss = -(sw * log_softmax(logits, axis=1)[np.arange(50), y]).sum()
    expected_grad = sw[:, None] * (softmax(logits, axis=1) - np.eye(6)[y])

    buffer = np.ascontiguousarray(logits.T)
    loss = MultinomialLoss().weighted_loss_gradient_inplace(y, buffer, sw)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    assert_allclose(buffer.T, expected_grad, rtol=1e-10, atol=1e-14)
    assert_allclose(
        MultinomialLoss().gradient(y, logits.T).T,
        softmax(logits, axis=1) - np.eye(6)[y],
    )
    assert_allclose(
        MultinomialLoss().loss(y, logits.T),
        -log_softmax(logits, axis=1)[np.arange(50), y],
    )


def test_sigmoid_kernel_against_scipy_special():
    rng = np.random.default_rng(6)
    raw = rng.normal(scale=4, size=(3, 50))
    y = rng.integers(0, 2, (3, 50)).astype(float)
    sw = rng.uniform(0.1, 2, 50)
    per_entry = -(y * log_expit(raw) + (1 - y) * log_expit(-raw))
    expected_loss = (sw * per_entry).sum()
    expected_grad = sw * (expit(raw) - y)

    buffer = raw.copy()
    loss = SigmoidLoss().weighted_loss_gradient_inplace(y, buffer, sw)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    assert_allclose(buffer, expected_grad, rtol=1e-10, atol=1e-14)
    assert_allclose(SigmoidLoss().loss(y, raw), per_entry.sum(axis=0), rtol=1e-12)


def test_sigmoid_kernel_keeps_relative_precision_in_both_tails():
    # p = 1e-300 and 1 - p = 1e-300 alike: the kernel's one-exp formulas
    # lose nothing to cancellation where expit and log_expit do not
    raw = np.linspace(-700, 700, 1401)[None, :]
    y = (np.arange(1401) % 2).astype(float)[None, :]
    sw = np.ones(1401)
    per_entry = -(y * log_expit(raw) + (1 - y) * log_expit(-raw))
    buffer = raw.copy()
    loss = SigmoidLoss().weighted_loss_gradient_inplace(y, buffer, sw, per_output=True)
    assert loss[0] == pytest.approx(per_entry.sum(), rel=1e-14)
    # where y = 0 the residual is p itself, from 1e-304 up to 1
    assert_allclose(buffer[y == 0], expit(raw[y == 0]), rtol=1e-14, atol=0)
    assert_allclose(buffer[y == 1], expit(raw[y == 1]) - 1, rtol=1e-14, atol=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1e4, 1e6, 1e30])
def test_finite_for_huge_logits(dtype, scale):
    # two samples (columns) of three logits each
    raw = (np.array([[1.0, -1.0, 0.5], [-2.0, 3.0, 0.0]]).T * scale).astype(dtype)
    y_codes = np.array([1, 1])
    sw = np.ones(2, dtype=dtype)

    buffer = raw.copy()
    loss = MultinomialLoss().weighted_loss_gradient_inplace(y_codes, buffer, sw)
    # sample 0: true class 1 is 2*scale below the max; sample 1: it is the max
    assert loss == pytest.approx(2.0 * scale, rel=1e-6)
    assert_allclose(buffer.T, [[1, -1, 0], [0, 0, 0]], atol=1e-6)

    y_ind = np.array([[0, 1, 1], [0, 1, 1]], dtype=dtype).T
    buffer = raw.copy()
    loss = SigmoidLoss().weighted_loss_gradient_inplace(y_ind, buffer, sw)
    # a wrong-signed logit costs its size (sample 0, outputs 0 and 1), a right
    # one nothing, and sample 1's output 2 sits at 0: log 2.
    assert loss == pytest.approx(2.0 * scale + np.log(2), rel=1e-6)
    assert np.isfinite(buffer).all()
    assert_allclose(buffer, expit(raw.astype(np.float64)) - y_ind, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logits_buffer_reused_and_dtype_kept(dtype):
    X, base_loss, y, n_outputs = make_problem("multinomial", dtype=dtype)
    linear_loss = LinearLoss(base_loss, n_outputs, N_FEATURES, True)
    coef = random_coef(linear_loss)
    sw = np.ones(N_SAMPLES, dtype=dtype)
    linear_loss.loss_gradient(coef, X, y, sw)
    buffer = linear_loss._buffers["raw"]
    assert buffer.dtype == dtype
    linear_loss.loss_gradient(coef * 2, X, y, sw)
    linear_loss.loss_gradient(coef, X[:10], y[:10], sw[:10])
    assert linear_loss._buffers["raw"] is buffer


@pytest.mark.parametrize("loss_name", LOSSES)
def test_fit_intercept_only_is_the_intercept_optimum(loss_name):
    X, base_loss, y, n_outputs = make_problem(loss_name)
    sw = np.random.default_rng(7).uniform(0.1, 3, N_SAMPLES)
    linear_loss = LinearLoss(base_loss, n_outputs, N_FEATURES, True)
    intercept = base_loss.fit_intercept_only(y, sw, n_outputs)
    coef = linear_loss.pack(np.zeros((n_outputs, N_FEATURES)), intercept)
    _, gradient = linear_loss.loss_gradient(coef, X, y, sw)
    assert_allclose(linear_loss.unpack(gradient)[1], 0, atol=1e-12)


@pytest.mark.parametrize("loss_name", ["binary", "multilabel"])
def test_per_output_objectives_sum_to_the_objective(loss_name):
    X, base_loss, y, n_outputs = make_problem(loss_name)
    sw = np.random.default_rng(8).uniform(0.1, 3, N_SAMPLES)
    linear_loss = LinearLoss(base_loss, n_outputs, N_FEATURES, True)
    coef = random_coef(linear_loss)
    total, gradient = linear_loss.loss_gradient(coef, X, y, sw, 0.3)
    parts, same_gradient = linear_loss.loss_gradient(
        coef, X, y, sw, 0.3, per_output=True
    )
    assert parts.shape == (n_outputs,)
    assert parts.sum() == pytest.approx(total, rel=1e-12)
    assert_allclose(same_gradient, gradient, rtol=1e-12)
    # output k's objective is its own one-output problem's
    weights, intercept = linear_loss.unpack(coef)
    single = LinearLoss(base_loss, 1, N_FEATURES, True)
    for k in range(n_outputs):
        f_k = single.loss(
            single.pack(weights[k : k + 1], intercept[k : k + 1]),
            X,
            y[k : k + 1],
            sw,
            0.3,
        )
        assert parts[k] == pytest.approx(f_k, rel=1e-12)
