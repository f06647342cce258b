"""scikit-learn callbacks (``sklearn.callback``, scikit-learn >= 1.9): each
fit is a task, each L-BFGS iteration, lockstep round or SGD epoch a subtask.

The solvers know nothing of callbacks: they report every iteration to their
:class:`~sksoftmax._solvers.IterationHook`, and :class:`FitTasks` is one more
listener there. With an older scikit-learn nothing here imports
``sklearn.callback`` and estimators have no ``set_callbacks``.
"""

try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # 1.6 - 1.8: no callbacks, nothing to support

    class CallbackSupportMixin:
        """Stand-in: scikit-learn < 1.9 has no callbacks."""


# What fit and teardown keep on the estimator while callbacks run: a fit
# that fails is rolled back, but these must survive to be torn down.
CALLBACK_STATE = ("_callback_fit_ctx", "_skl_callbacks_to_teardown")


class FitTasks:
    """The callback tasks of one fit or partial_fit call.

    ``begin`` opens the root task (the fit) with room for ``max_subtasks``
    iterations; the instance is then an :class:`IterationHook` listener that
    ends the iteration task that just finished and opens the next, as
    LogisticRegression's bridge does. ``end`` closes the task left open (an
    iteration that never ran, so an empty one) and the root task with the
    fitted attributes.

    Parameters
    ----------
    estimator : estimator
        The estimator being fitted.
    X, y : arrays
        The training data, as the callbacks are given them.
    sample_weight : array or None
        Passed to the callbacks as ``metadata``.
    attributes : callable
        ``attributes(coef) -> dict`` of fitted attributes from packed
        coefficients: what a model that stopped there predicts with.
    """

    def __init__(self, estimator, X, y, sample_weight, attributes):
        self.estimator = estimator
        self.data = {
            "X": X,
            "y": y,
            "metadata": None
            if sample_weight is None
            else {"sample_weight": sample_weight},
        }
        self.attributes = attributes
        self.root = self.task = None
        # only estimators with callbacks set (and scikit-learn >= 1.9) have them
        self.active = bool(getattr(estimator, "_skl_callbacks", None))

    def begin(self, max_subtasks, coef0, to_packed=None, task_name="fit"):
        """Open the fit task and the first iteration task, at ``coef0``;
        ``to_packed`` turns what the solver reports into packed coefficients."""
        if not self.active:
            return
        self.to_packed = to_packed or (lambda coef: coef)
        self.root = self.estimator._init_callback_context(
            task_name=task_name, max_subtasks=max_subtasks
        )
        self.root.call_on_fit_task_begin(estimator=self.estimator, **self.data)
        self.task = self._open(lambda: coef0)

    def _open(self, packed):
        task = self.root.subcontext(task_name="iteration")
        task.call_on_fit_task_begin(
            estimator=self.estimator,
            **self.data,
            reconstruction_attributes=lambda: self.attributes(packed()),
        )
        return task

    def __call__(self, n_iter, objective, coef):
        """IterationHook listener: end this iteration's task; True asks to stop."""
        if not self.active:
            return False

        def packed():
            return self.to_packed(coef())

        stop = self.task.call_on_fit_task_end(
            estimator=self.estimator,
            **self.data,
            reconstruction_attributes=lambda: self.attributes(packed()),
        )
        self.task = self._open(packed)
        return stop

    def end(self, final_attributes):
        """Close the open iteration task (empty) and the fit task."""
        if not self.active or self.root is None:
            return
        self.task.call_on_fit_task_end(estimator=self.estimator)
        self.root.call_on_fit_task_end(
            estimator=self.estimator,
            **self.data,
            reconstruction_attributes=final_attributes,
        )
