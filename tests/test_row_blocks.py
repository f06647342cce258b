"""Evaluations in row blocks over threads (``sksoftmax._loss._row_blocks``).

The blocked evaluation against the objective and gradient written out with
scipy.special on the whole (n, K) logits; the result on two threads against
the result on one, to the bit; and the threads: both take part, BLAS is at
one thread while they run and back afterwards, an error reaches the caller,
and nothing is left running.
"""

import threading

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import log_expit, log_softmax, softmax
from threadpoolctl import threadpool_info, threadpool_limits

from sksoftmax import OneVsRestSigmoid, SoftmaxRegression
from sksoftmax._loss import (
    LinearLoss,
    MultinomialLoss,
    SigmoidLoss,
    SoftMultinomialLoss,
    _row_blocks,
)
from sksoftmax._loss._folds import FoldedLoss
from sksoftmax._threads import kernel_threads

N_SAMPLES, N_FEATURES, N_CLASSES = 2900, 7, 4


def numpy_blas_threads():
    return {
        info["filepath"]: info["num_threads"]
        for info in threadpool_info()
        if info["user_api"] == "blas" and "numpy" in info["filepath"]
    }


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 256 rows: 12 blocks, the last one short (84 rows)."""
    monkeypatch.setattr(_row_blocks, "_BLOCK_ENTRIES", 256)
    monkeypatch.setattr(_row_blocks, "_MIN_BLOCK_ROWS", 256)
    blocks = _row_blocks.row_blocks(N_SAMPLES, N_CLASSES, N_FEATURES)
    assert len(blocks) == 12 and blocks[-1] == (2816, 2900)


def written_out(loss_name, X, target, sw, weights, intercept, l2):
    """Objective and gradient from the whole (n, K) logits, scipy.special."""
    logits = X @ weights.T + intercept
    if loss_name == "sigmoid":  # target (K, n) of 0/1
        Y = target.T
        per_sample = -(Y * log_expit(logits) + (1 - Y) * log_expit(-logits)).sum(1)
        residual = np.exp(log_expit(logits)) - Y
    else:
        Y = np.eye(N_CLASSES)[target] if loss_name == "hard" else target.T
        per_sample = -(Y * log_softmax(logits, axis=1)).sum(axis=1)
        residual = softmax(logits, axis=1) - Y
    weight_sum = sw.sum()
    objective = sw @ per_sample / weight_sum + 0.5 * l2 * (weights**2).sum()
    grad_weights = (sw[:, None] * residual).T @ X / weight_sum + l2 * weights
    grad_intercept = sw @ residual / weight_sum
    return objective, np.concatenate([grad_weights.ravel(), grad_intercept])


def problem(loss_name, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    sw = rng.uniform(0.1, 3, N_SAMPLES)
    if loss_name == "hard":
        return X, MultinomialLoss(), rng.integers(0, N_CLASSES, N_SAMPLES), sw
    if loss_name == "soft":
        target = rng.dirichlet(np.ones(N_CLASSES), N_SAMPLES).T
        return X, SoftMultinomialLoss(), np.ascontiguousarray(target), sw
    target = rng.integers(0, 2, (N_CLASSES, N_SAMPLES)).astype(float)
    return X, SigmoidLoss(), target, sw


@pytest.mark.parametrize("loss_name", ["hard", "soft", "sigmoid"])
@pytest.mark.parametrize("threads", [1, 2])
def test_blocked_evaluation_equals_written_out_objective(
    small_blocks, loss_name, threads
):
    X, base_loss, target, sw = problem(loss_name)
    loss = LinearLoss(base_loss, N_CLASSES, N_FEATURES, True)
    coef = np.random.default_rng(1).normal(scale=0.5, size=loss.n_coef)
    with threadpool_limits(limits=threads, user_api="blas"):
        objective, gradient = loss.loss_gradient(coef, X, target, sw, 0.3)
    expected = written_out(loss_name, X, target, sw, *loss.unpack(coef), 0.3)
    assert objective == pytest.approx(expected[0], rel=1e-12)
    assert_allclose(gradient, expected[1], rtol=1e-11, atol=1e-14)


def test_per_output_sums_add_up_over_blocks(small_blocks):
    X, base_loss, target, sw = problem("sigmoid")
    loss = LinearLoss(base_loss, N_CLASSES, N_FEATURES, True)
    coef = np.random.default_rng(2).normal(size=loss.n_coef)
    per_output, gradient = loss.loss_gradient(coef, X, target, sw, per_output=True)
    for k in range(N_CLASSES):
        one = LinearLoss(base_loss, 1, N_FEATURES, True)
        rows = loss.to_rows(coef)[k : k + 1]
        objective, grad_k = one.loss_gradient(
            one.from_rows(rows), X, target[k : k + 1], sw
        )
        assert per_output[k] == pytest.approx(objective, rel=1e-12)
        assert_allclose(one.to_rows(grad_k), loss.to_rows(gradient)[k : k + 1])


@pytest.mark.parametrize("loss_name", ["hard", "soft", "sigmoid"])
def test_two_threads_give_the_one_thread_result_to_the_bit(small_blocks, loss_name):
    X, base_loss, target, sw = problem(loss_name, seed=3)
    loss = LinearLoss(base_loss, N_CLASSES, N_FEATURES, True)
    coef = np.random.default_rng(4).normal(size=loss.n_coef)
    results = {}
    for threads in (1, 2, 1, 2):
        with threadpool_limits(limits=threads, user_api="blas"):
            results.setdefault(threads, []).append(
                loss.loss_gradient(coef, X, target, sw, 0.1)
            )
    for objective, gradient in results[1] + results[2]:
        assert objective == results[1][0][0]
        assert_array_equal(gradient, results[1][0][1])


def test_fits_on_one_and_two_threads_are_equal_to_the_bit():
    # large enough that fit_threads leaves BLAS's threads to the kernel
    # (60000 x 50 x 10 > SINGLE_THREAD_FLOPS): 7 blocks of 8738 rows
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60_000, 50))
    y = (X[:, :10] + rng.normal(scale=2, size=(60_000, 10))).argmax(axis=1)
    assert len(_row_blocks.row_blocks(*X.shape, 10)) == 7
    fitted = {}
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="blas"):
            fitted[threads] = [
                SoftmaxRegression(max_iter=15).fit(X, y),
                OneVsRestSigmoid(max_iter=15).fit(X, y),
            ]
    for one, two in zip(fitted[1], fitted[2], strict=True):
        assert_array_equal(one.coef_, two.coef_)
        assert_array_equal(one.intercept_, two.intercept_)


def test_every_worker_takes_part_with_blas_at_one_thread():
    barrier = threading.Barrier(2, timeout=30)
    seen = {}

    def task(worker, block):
        if worker not in seen:  # each worker waits for the other once
            seen[worker] = (block, numpy_blas_threads())
            barrier.wait()

    with threadpool_limits(limits=2, user_api="blas"):
        before = numpy_blas_threads()
        assert kernel_threads() == 2
        _row_blocks.for_each_block(task, 5)
        assert numpy_blas_threads() == before
    assert sorted(seen) == [0, 1]
    for _, blas_threads in seen.values():
        assert set(blas_threads.values()) == {1}


def test_a_failing_block_raises_in_the_caller_and_leaves_nothing_running():
    def task(worker, block):
        if block == 3:
            raise MemoryError("block 3 failed")

    with threadpool_limits(limits=2, user_api="blas"):
        before = numpy_blas_threads()
        with pytest.raises(MemoryError, match="block 3 failed"):
            _row_blocks.for_each_block(task, 8)
        assert numpy_blas_threads() == before
    assert not [t for t in threading.enumerate() if t.name == "sksoftmax-kernel"]


def test_outside_the_main_thread_blocks_run_in_the_calling_thread():
    # there, BLAS's count cannot be lowered for the blocks: more threads
    # would oversubscribe the cores
    found = []
    with threadpool_limits(limits=2, user_api="blas"):
        assert kernel_threads() == 2
        thread = threading.Thread(target=lambda: found.append(kernel_threads()))
        thread.start()
        thread.join()
    assert found == [1]


@pytest.mark.parametrize("loss_name", ["hard", "sigmoid"])
def test_folded_runs_in_blocks_equal_each_folds_written_out_objective(
    small_blocks, loss_name
):
    # the CV path's objective: every fold's runs from the same row blocks
    X, base_loss, target, sw = problem(loss_name, seed=6)
    folds = np.random.default_rng(7).integers(0, 3, N_SAMPLES)
    fold_weights = np.stack([np.where(folds == f, 0.0, sw) for f in range(3)])
    folded = FoldedLoss(
        LinearLoss(base_loss, N_CLASSES, N_FEATURES, True), fold_weights
    )
    runs = np.arange(folded.n_runs)
    run_coefs = np.random.default_rng(8).normal(
        size=(len(runs), folded.run_loss.n_coef)
    )
    l2 = np.array([0.1, 0.2, 0.3])
    with threadpool_limits(limits=2, user_api="blas"):
        values, gradients = folded.loss_gradient(runs, run_coefs, X, target, l2)
    per_fold = folded.runs_per_fold
    for f in range(3):
        fold_runs = slice(f * per_fold, (f + 1) * per_fold)
        coef = folded.linear_loss.from_rows(
            np.concatenate([folded.run_loss.to_rows(c) for c in run_coefs[fold_runs]])
        )
        weights, intercept = folded.linear_loss.unpack(coef)
        objective, gradient = written_out(
            loss_name, X, target, fold_weights[f], weights, intercept, l2[f]
        )
        # a fold's runs add up to its objective (one run, or one per sigmoid)
        assert values[fold_runs].sum() == pytest.approx(objective, rel=1e-12)
        expected = folded.linear_loss.to_rows(gradient)
        got = np.concatenate([folded.run_loss.to_rows(g) for g in gradients[fold_runs]])
        assert_allclose(got, expected, rtol=1e-11, atol=1e-14)
