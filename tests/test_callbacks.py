"""scikit-learn callbacks (``sklearn.callback``, scikit-learn >= 1.9): one
task per L-BFGS iteration, lockstep round, SGD epoch and partial_fit call;
reconstructed models equal fits stopped there; stop requests end the fit."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sksoftmax import OneVsRestSigmoid, SoftmaxRegression

callback = pytest.importorskip(
    "sklearn.callback", reason="callbacks need scikit-learn >= 1.9"
)

X, Y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)
Y_MULTILABEL = np.stack([Y == 0, Y == 1, X[:, 0] > 0], axis=1).astype(int)
CASES = {
    "softmax": (SoftmaxRegression, Y),
    "one-vs-rest, lockstep": (OneVsRestSigmoid, Y),
    "multilabel": (OneVsRestSigmoid, Y_MULTILABEL),
    "binary": (SoftmaxRegression, (Y > 0).astype(int)),
}


class Recorder:
    """Records every task and the probabilities its reconstructed model gives;
    asks to stop after ``stop_after`` iterations."""

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.begun, self.ended, self.proba = [], [], []
        self.setups = self.teardowns = 0

    def setup(self, estimator, context):
        self.setups += 1

    def teardown(self, estimator, context):
        self.teardowns += 1

    def on_fit_task_begin(self, estimator, context):
        self.begun.append((context.task_name, context.task_id))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.ended.append((context.task_name, context.task_id))
        if fitted_estimator is not None and context.task_name == "iteration":
            self.proba.append(fitted_estimator.predict_proba(X))
        return (
            self.stop_after is not None
            and context.task_name == "iteration"
            and context.task_id + 1 >= self.stop_after
        )


def quiet_fit(model, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, **kwargs)


@pytest.mark.parametrize("case", list(CASES))
def test_one_task_per_iteration_reconstructs_the_fit_stopped_there(case):
    estimator_class, y = CASES[case]
    recorder = Recorder()
    model = estimator_class(tol=1e-12, max_iter=6).set_callbacks(recorder)
    quiet_fit(model, y)
    n_iter = int(model.n_iter_[0])
    iterations = [task for task in recorder.ended if task[0] == "iteration"]
    # one task per iteration, plus the empty one opened after the last
    assert len(iterations) == n_iter + 1 == 7
    assert recorder.begun[0] == ("fit", 0) and recorder.ended[-1] == ("fit", 0)
    assert recorder.setups == recorder.teardowns == 1
    assert len(recorder.proba) == n_iter
    for i, proba in enumerate(recorder.proba, start=1):
        stopped = quiet_fit(estimator_class(tol=1e-12, max_iter=i), y)
        assert_allclose(proba, stopped.predict_proba(X), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_a_stop_request_ends_the_fit_there_without_warning(case, solver):
    estimator_class, y = CASES[case]
    recorder = Recorder(stop_after=3)
    model = estimator_class(solver=solver, tol=1e-12, max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.set_callbacks(recorder).fit(X, y)
    assert model.n_iter_ == 3
    assert_allclose(model.predict_proba(X), recorder.proba[-1])
    assert recorder.teardowns == 1


@pytest.mark.parametrize("estimator_class", [SoftmaxRegression, OneVsRestSigmoid])
def test_sgd_epochs_and_partial_fit_calls_are_tasks(estimator_class):
    recorder = Recorder()
    model = estimator_class(solver="sgd", max_iter=4, tol=0, random_state=0)
    quiet_fit(model.set_callbacks(recorder), Y)
    assert sum(task[0] == "iteration" for task in recorder.ended) == 4 + 1
    assert len(recorder.proba) == 4
    assert_allclose(recorder.proba[-1], model.predict_proba(X))

    stream = Recorder()
    model = estimator_class(solver="sgd", random_state=0).set_callbacks(stream)
    for first in range(0, 150, 50):
        model.partial_fit(
            X[first : first + 50], Y[first : first + 50], classes=[0, 1, 2]
        )
    assert [t for t in stream.begun if t[0] != "iteration"] == [("partial_fit", 0)] * 3
    assert len(stream.proba) == 3 and stream.teardowns == 3
    assert_allclose(stream.proba[-1], model.predict_proba(X))


def test_scoring_monitor_logs_one_score_per_iteration():
    monitor = callback.ScoringMonitor(scoring="neg_log_loss")
    model = SoftmaxRegression(tol=1e-12, max_iter=8).set_callbacks(monitor)
    quiet_fit(model, Y)
    rows = monitor.get_logs().data
    per_iteration = [row for row in rows if row["task_name"] == "iteration"]
    assert len(per_iteration) == model.n_iter_ == 8
    scores = [row["neg_log_loss"] for row in per_iteration]
    assert scores == sorted(scores)  # L-BFGS lowers the training log-loss
    final = [row for row in rows if row["task_name"] == "fit"][0]["neg_log_loss"]
    assert final == pytest.approx(scores[-1])


@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_progress_bar_runs_in_a_non_terminal(solver, capsys):
    pytest.importorskip("rich")
    model = OneVsRestSigmoid(solver=solver, max_iter=5, random_state=0)
    quiet_fit(model.set_callbacks(callback.ProgressBar()), Y)
    model.partial_fit(X, Y)
    assert model.n_iter_ == 6


def test_clone_keeps_callbacks_by_reference():
    recorder = Recorder()
    model = SoftmaxRegression(C=0.5).set_callbacks(recorder)
    cloned = clone(model)
    assert cloned._skl_callbacks[0] is recorder
    quiet_fit(cloned, Y)
    assert recorder.setups == 1


def test_a_failed_fit_still_tears_callbacks_down():
    recorder = Recorder()
    model = SoftmaxRegression(solver="sgd", learning_rate_init=1e6)
    with pytest.raises(ValueError, match="SGD diverged"):
        model.set_callbacks(recorder).fit(X, Y)
    assert recorder.teardowns == 1
    assert not hasattr(model, "coef_")
    assert not hasattr(model, "_callback_fit_ctx")


def test_cv_estimators_report_one_task_per_C_and_stop_the_path():
    from sksoftmax import OneVsRestSigmoidCV, SoftmaxRegressionCV

    Cs = [0.01, 0.1, 1.0, 10.0]
    for estimator_class in (SoftmaxRegressionCV, OneVsRestSigmoidCV):
        recorder = Recorder()
        model = estimator_class(Cs=Cs, cv=3, refit=False).set_callbacks(recorder)
        model.fit(X, Y)
        assert len(recorder.proba) == len(Cs)
        # each C's task predicts with the mean of the folds' coefficients,
        # which refit=False keeps at C_
        best = list(Cs).index(model.C_)
        assert_allclose(recorder.proba[best], model.predict_proba(X))
        stopped = estimator_class(Cs=Cs, cv=3).set_callbacks(Recorder(stop_after=2))
        stopped.fit(X, Y)
        assert_allclose(stopped.Cs_, Cs[:2])
        assert stopped.scores_.shape == (3, 2) and stopped.C_ in Cs[:2]
