"""Threads: BLAS limits under overlapping fits; interrupts in lockstep fits."""

import _thread
import os
import signal
import subprocess
import sys
import threading
import time

import joblib
import numpy as np
import pytest
from helpers import standardised
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_info, threadpool_limits

from sksoftmax import OneVsRestSigmoid, SoftmaxRegression
from sksoftmax._loss import LinearLoss
from sksoftmax._threads import limit_blas_threads

X_DIGITS, Y_DIGITS = standardised(load_digits)


def blas_threads():
    return {
        i["filepath"]: i["num_threads"]
        for i in threadpool_info()
        if i["user_api"] == "blas"
    }


@pytest.fixture
def two_blas_threads():
    """BLAS at 2 threads, so that a fit leaving 1 behind is seen even where
    the default is 1."""
    with threadpool_limits(limits=2, user_api="blas"):
        yield blas_threads()


@pytest.mark.slow
def test_threaded_grid_search_leaves_blas_threads_as_found():
    # As a user runs it: no limits of our own around it (a threadpool_limits
    # context around the search hid the defect). Whether fits overlap badly
    # depends on timing: before the fix, one search left BLAS at 1 thread in
    # 1 to 3 runs of 3.
    before = blas_threads()
    for _ in range(2):
        with joblib.parallel_config(backend="threading"):
            GridSearchCV(SoftmaxRegression(), {"C": [0.1, 1, 10]}, cv=5, n_jobs=2).fit(
                X_DIGITS, Y_DIGITS
            )
        assert blas_threads() == before


@pytest.mark.slow
def test_concurrent_fits_equal_serial_fits(two_blas_threads):
    makers = [
        lambda: SoftmaxRegression(C=0.5),
        lambda: OneVsRestSigmoid(C=2.0),
        lambda: SoftmaxRegression(solver="sgd", max_iter=5, random_state=0),
    ]
    serial = [make().fit(X_DIGITS, Y_DIGITS).coef_ for make in makers]
    concurrent = [[] for _ in makers]

    def fit_repeatedly(i):
        for _ in range(4):
            concurrent[i].append(makers[i]().fit(X_DIGITS, Y_DIGITS).coef_)

    threads = [threading.Thread(target=fit_repeatedly, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for expected, got in zip(serial, concurrent, strict=True):
        assert len(got) == 4
        for coef in got:
            # equal up to rounding: numpy's SIMD sums round by alignment
            assert_allclose(coef, expected, rtol=1e-9, atol=1e-12)
    assert blas_threads() == two_blas_threads


@pytest.mark.parametrize("exit_order", ["first in, first out", "last in, first out"])
def test_overlapping_limits_restore_the_count_found(two_blas_threads, exit_order):
    libraries = list(two_blas_threads)
    first = limit_blas_threads(dict.fromkeys(libraries, 1))
    second = limit_blas_threads({libraries[0]: 1})
    first.__enter__()
    second.__enter__()
    assert set(blas_threads().values()) == {1}
    if exit_order == "first in, first out":
        first.__exit__(None, None, None)
        # the second request still holds its library at 1, the others are back
        assert blas_threads()[libraries[0]] == 1
        assert all(blas_threads()[lib] == 2 for lib in libraries[1:])
        second.__exit__(None, None, None)
    else:
        second.__exit__(None, None, None)
        assert set(blas_threads().values()) == {1}
        first.__exit__(None, None, None)
    assert blas_threads() == two_blas_threads


# The workers are slowed down so that the driving thread spends the fit
# waiting for them, where the interrupt used to leave them waiting for good.
INTERRUPTED_FIT = """
import time
import numpy as np
from sksoftmax import OneVsRestSigmoid
from sksoftmax._solvers import _lockstep

objective = _lockstep._Runs.objective
def slow_objective(self, k, coef):
    time.sleep(0.05)
    return objective(self, k, coef)
_lockstep._Runs.objective = slow_objective

rng = np.random.default_rng(0)
X = rng.normal(size=(2000, 20))
y = rng.integers(0, {n_classes}, X.shape[0])
OneVsRestSigmoid(tol=0, max_iter=100000, verbose=1).fit(X, y)
print("fit returned", flush=True)
"""


@pytest.mark.parametrize("n_classes", [3, 30])
def test_sigint_during_lockstep_fit_exits_promptly(n_classes):
    process = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED_FIT.format(n_classes=n_classes)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        seen = []
        for line in process.stdout:  # the fit is under way at its first line
            seen.append(line)
            if line.startswith("Iteration 2,"):
                break
        assert seen and seen[-1].startswith("Iteration 2,"), seen
        process.send_signal(signal.SIGINT)
        start = time.perf_counter()
        _, stderr = process.communicate(timeout=15)
        assert time.perf_counter() - start < 10
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode != 0
    assert "KeyboardInterrupt" in stderr


def test_interrupt_in_driving_thread_ends_workers_and_keeps_model(monkeypatch):
    model = OneVsRestSigmoid(C=0.1).fit(X_DIGITS, Y_DIGITS)
    coef, intercept, n_iter = model.coef_.copy(), model.intercept_.copy(), model.n_iter_
    threads_before = threading.active_count()
    calls = []
    original = LinearLoss.loss_gradient

    def interrupted(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            _thread.interrupt_main()  # as Ctrl-C: raised in the main thread
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LinearLoss, "loss_gradient", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.set_params(C=10.0).fit(X_DIGITS, Y_DIGITS)
    assert len(calls) >= 4
    assert threading.active_count() == threads_before
    assert_array_equal(model.coef_, coef)
    assert_array_equal(model.intercept_, intercept)
    assert model.n_iter_ == n_iter


def test_error_in_objective_ends_workers(monkeypatch):
    threads_before = threading.active_count()
    calls = []
    original = LinearLoss.loss_gradient

    def broken(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise MemoryError("objective failed")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LinearLoss, "loss_gradient", broken)
    with pytest.raises(MemoryError, match="objective failed"):
        OneVsRestSigmoid().fit(X_DIGITS, Y_DIGITS)
    assert threading.active_count() == threads_before
    assert not np.any([t.name.startswith("sksoftmax") for t in threading.enumerate()])
