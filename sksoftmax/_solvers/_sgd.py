"""Minibatch SGD with momentum, MLPClassifier-style: the epoch loop, on the
host or on X's device; its rules (step schedule, stopping, divergence) are
in ``_sgd_rules``."""

import functools
from dataclasses import dataclass

import numpy as np

from .._array_api import to_host
from ._result import IterationHook, SolverResult, warn_not_converged
from ._sgd_rules import Divergence, Schedule, StoppingRule


@dataclass(frozen=True)
class SgdOptions:
    """The SGD parameters of the estimators, as in ``MLPClassifier``.

    ``batch_size`` is capped at n_samples; ``learning_rate`` and ``power_t``
    make the :class:`Schedule`; ``tol`` and ``n_iter_no_change`` the
    :class:`StoppingRule`. ``momentum``: the velocity is reset after an epoch
    whose objective rose (without that, momentum's oscillations on
    full-batch iris stopped "adaptive" at 10% above the optimum; with it,
    3e-7). ``shuffle``: a new random order every epoch.
    """

    batch_size: int = 256
    learning_rate: str = "constant"
    power_t: float = 0.5
    momentum: float = 0.9
    nesterovs_momentum: bool = True
    shuffle: bool = True
    tol: float = 1e-4
    n_iter_no_change: int = 5
    #: The non-smooth part of the objective (an L1 or group penalty): each
    #: step is followed by its proximal operator at the step size (proximal
    #: SGD), which is where exact zeros come from. Host data only.
    penalty: object = None


def _epoch(
    loss_gradient, coef, velocity, order, step, *, data, l2_reg_strength, options
):
    """One pass of minibatch steps, updating ``coef`` and ``velocity`` in
    place; return the weighted mean of the minibatch objectives."""
    X, y, sample_weight = data
    n_visits = X.shape[0] if order is None else order.shape[0]
    batch_size = min(options.batch_size, n_visits)
    summed, total_weight = 0.0, 0.0
    for first in range(0, n_visits, batch_size):
        if order is None:
            rows = slice(first, first + batch_size)
        else:
            rows = np.sort(order[first : first + batch_size])
        s_batch = sample_weight[rows]
        weight_sum = float(s_batch.sum(dtype=np.float64))
        if weight_sum <= 0:
            continue
        objective, gradient = loss_gradient(
            coef, X[rows], y[..., rows], s_batch, l2_reg_strength, weight_sum
        )
        if options.penalty is not None:  # at the point the batch was evaluated
            objective += options.penalty.value(coef)
        summed += objective * weight_sum
        total_weight += weight_sum
        _momentum_step(coef, velocity, gradient, step, options)
    return summed / total_weight if total_weight > 0 else np.nan


def _momentum_step(coef, velocity, gradient, step, options):
    """One step with (Nesterov's) momentum, ``coef`` and ``velocity`` in place."""
    momentum = options.momentum
    velocity *= momentum
    velocity -= step * gradient
    if options.nesterovs_momentum:
        coef += momentum * velocity - step * gradient
    else:
        coef += velocity
    if options.penalty is not None:
        shrunk = options.penalty.prox(coef, step)
        # The velocity keeps the move the proximal step allowed (without
        # this, momentum pushed zeroed coefficients out again every step):
        # the move is the velocity itself, or with Nesterov's momentum its
        # momentum-scaled part.
        correction = shrunk - coef
        if options.nesterovs_momentum and momentum > 0:
            correction /= momentum
        velocity += correction
        coef[:] = shrunk


def sgd(
    loss_gradient,
    coef,
    data,
    *,
    l2_reg_strength,
    learning_rate_init,
    state,
    options=SgdOptions(),
    random_state=None,
    max_iter=100,
    validation_score=None,
    warn=True,
    hook=None,
    namespace=None,
    rows=None,
    epochs=None,
):
    """Minibatch SGD with momentum on ``loss_gradient``.

    A step on minibatch B follows the gradient of
    ``sum_B s_i l_i / sum_B s_i + l2_reg_strength / 2 ||W||^2``; the caller sets
    ``l2_reg_strength = 1 / (C S)`` with S the total sample weight, so every
    step is an unbiased estimate of the gradient of ``F / S``.

    Parameters
    ----------
    loss_gradient : callable
        ``loss_gradient(coef, X_batch, y_batch, s_batch, l2_reg_strength,
        weight_sum) -> (objective, gradient)``, a LinearLoss method.
    coef : ndarray of shape (n_coef,)
        Starting point; not modified.
    data : tuple
        ``(X, y, sample_weight)``: the training data, the target in the
        loss's encoding (samples on its last axis) and the per-sample weights.
    l2_reg_strength : float or ndarray of shape (n_features,)
        L2 strength of every step (one per feature with penalty factors).
    learning_rate_init : float
        Initial step size.
    state : dict
        ``velocity``, ``decay`` (the schedule's factor on
        ``learning_rate_init``), ``t`` (samples seen) and ``start_objective``
        (what divergence is measured against) from an earlier call,
        or empty to start afresh; the returned result carries the updated
        state, this one is left untouched.
    options : SgdOptions, default=SgdOptions()
        Batch size, schedule, momentum, shuffling, stopping rule, and the
        non-smooth penalty whose proximal step follows every step.
    random_state : numpy.random.RandomState, default=None
        Source of the shuffling.
    max_iter : int, default=100
        Maximum number of epochs.
    validation_score : callable, default=None
        ``validation_score(coef) -> float``, higher is better: when given, it
        decides stopping and the best coefficients seen are returned.
    warn : bool, default=True
        Emit a ConvergenceWarning when ``max_iter`` epochs ran out.
    hook : IterationHook, default=None
        Told of every epoch.
    namespace : Namespace, default=None
        For data on another library's device: the steps run there,
        ``loss_gradient`` being ``LinearLoss.loss_gradient_on_device``; the
        coefficients given and returned, and the state, stay numpy.
    rows : ndarray of int, default=None
        The sorted rows of ``data`` an epoch visits (the training part of an
        early-stopping split, which is then never copied out of X); all when
        None. Host data only.
    epochs : class, default=None
        How an epoch visits the data, built as
        ``epochs(loss_gradient, data, l2_reg_strength, options, arrays, rows)``:
        :class:`LocalEpochs` when None (the rows of X, here or on its
        device); a Dask fit visits its chunks where they live.

    Returns
    -------
    SolverResult
        ``loss_curve`` holds the mean objective of the minibatch steps of each
        epoch; ``state`` the solver state to continue from; with
        ``validation_score``, ``state["validation_scores"]`` the score of each
        epoch.
    """
    hook = IterationHook(unit="Epoch") if hook is None else hook
    arrays = _HostArrays() if namespace is None else _DeviceArrays(namespace)
    epochs = (LocalEpochs if epochs is None else epochs)(
        loss_gradient, data, l2_reg_strength, options, arrays, rows
    )
    coef, velocity = arrays.resume(coef, state.get("velocity"))
    t = state.get("t", 0)
    rng = random_state if random_state is not None else np.random.RandomState(0)
    schedule = Schedule.resumed(options, learning_rate_init, state)
    rule = StoppingRule(options.tol, options.n_iter_no_change, validation_score)
    start = state.get("start_objective")
    if start is None:  # one minibatch evaluation
        start = epochs.first_objective(coef)
    divergence = Divergence(start, l2_reg_strength)
    converged = stopped = False
    for epoch in range(max_iter):
        step = schedule.step
        epoch_loss = epochs.run(coef, velocity, epochs.order(rng), step)
        t += epochs.n_samples
        epoch_loss, coef_finite = arrays.outcome(epoch_loss, coef)
        divergence.check(epoch, epoch_loss, coef_finite, step)
        if hook.loss_curve and epoch_loss > hook.loss_curve[-1]:
            # Adaptive restart (O'Donoghue & Candes, 2015): an epoch that raised
            # the objective means the momentum overshoots; drop it.
            velocity *= 0
        shown = rule.update(epoch_loss, coef)
        stopped = hook(epoch_loss, lambda: arrays.host(coef), **shown, step=step)
        if stopped:
            break
        schedule.end_epoch(t)
        if rule.out_of_patience:
            if not schedule.shrink():
                converged = True
                break
            rule.no_improvement = 0

    if warn and not converged and not stopped:
        warn_not_converged("sgd", options.tol, max_iter, "maximum number of epochs")
    state = {"velocity": velocity, "decay": schedule.decay, "t": t}
    state["start_objective"] = divergence.start
    return _result(arrays, coef, state, rule, hook, (converged, stopped))


class LocalEpochs:
    """Epochs over the rows of X, on the host or on X's device (``arrays``).

    An epochs object tells the solver how many samples an epoch visits
    (``n_samples``), the objective of its first minibatch, the order of an
    epoch's visits, and runs an epoch: ``run(coef, velocity, order, step)``
    updates both in place and returns the weighted mean minibatch objective.
    """

    def __init__(self, loss_gradient, data, l2_reg_strength, options, arrays, rows):
        self.n_samples = data[0].shape[0] if rows is None else rows.shape[0]
        self._loss_gradient, self._data, self._rows = loss_gradient, data, rows
        self._l2, self._options, self._arrays = l2_reg_strength, options, arrays
        namespace = getattr(arrays, "namespace", None)
        self.run = functools.partial(
            _epoch if namespace is None else _device_epoch,
            loss_gradient,
            data=data,
            l2_reg_strength=l2_reg_strength,
            options=options,
        )
        if namespace is not None:
            self.run = functools.partial(self.run, xp=namespace.xp)

    def first_objective(self, coef):
        """The objective of the first minibatch at ``coef``, a float."""
        batch = min(self._options.batch_size, self.n_samples)  # in bounds
        first = slice(0, batch) if self._rows is None else self._rows[:batch]
        return self._arrays.first_batch_objective(
            self._loss_gradient, coef, self._data, first, self._l2
        )

    def order(self, rng):
        """The rows an epoch visits, in order: all or ``rows``, shuffled or
        not (None: all, in order)."""
        order = rng.permutation(self.n_samples) if self._options.shuffle else None
        if self._rows is not None:
            order = self._rows if order is None else self._rows[order]
        return self._arrays.order(order)


class _Arrays:
    def resume(self, coef, velocity):
        """Coefficients and velocity to step on, from the caller's (numpy)."""
        velocity = np.zeros_like(coef) if velocity is None else velocity
        return self.start(coef), self.start(velocity)

    def first_batch_objective(self, loss_gradient, coef, data, first, l2):
        """The minibatch objective at ``coef`` on the rows ``first`` (a slice
        or an index array), as a float."""
        X, y, sample_weight = data
        s_batch = sample_weight[first]
        # the standard indexes every axis; sparse matrices take one index
        X_batch = X[first, ...] if self.on_device else X[first]
        objective, _ = loss_gradient(
            coef, X_batch, y[..., first], s_batch, l2, self.positive_sum(s_batch)
        )
        return self.scalar(objective)


class _HostArrays(_Arrays):
    """Coefficients and velocity as float64 numpy arrays (the numpy path)."""

    on_device = False

    def start(self, array):
        return array.copy()

    def order(self, order):
        return order

    def outcome(self, epoch_loss, coef):
        """The epoch's objective and whether the coefficients are finite."""
        return epoch_loss, bool(np.all(np.isfinite(coef)))

    def host(self, array):
        return array.copy()

    def positive_sum(self, weights):
        """The weights' sum, or 1 where it is 0 (the L2 term alone)."""
        return float(weights.sum(dtype=np.float64)) or 1.0

    def scalar(self, value):
        return float(value)


class _DeviceArrays(_Arrays):
    """Coefficients, velocity and the visiting order on X's device, in its
    accumulation dtype: an epoch brings back only its objective and whether
    the coefficients stayed finite."""

    on_device = True

    def __init__(self, namespace):
        self.namespace = namespace

    def start(self, array):
        return self.namespace.to_device(array, dtype=self.namespace.accumulate_dtype)

    def order(self, order):
        return None if order is None else self.namespace.to_device(order)

    def outcome(self, epoch_loss, coef):
        """The same, in the epoch's one transfer from the device."""
        xp = self.namespace.xp
        finite = xp.astype(xp.all(xp.isfinite(coef)), coef.dtype)
        both = to_host(xp.stack([xp.astype(epoch_loss, coef.dtype), finite]), xp)
        return float(both[0]), bool(both[1])

    def host(self, array):
        return to_host(array, self.namespace.xp).astype(np.float64)

    def positive_sum(self, weights):
        xp = self.namespace.xp
        return _nonzero(xp.sum(xp.astype(weights, self.namespace.accumulate_dtype)), xp)

    def scalar(self, value):
        return float(to_host(value, self.namespace.xp))


def _nonzero(weight_sum, xp):
    """A device weight sum, or 1 where it is 0 (the step is then the L2
    term's alone), without bringing it to the host."""
    return weight_sum + xp.astype(weight_sum == 0, weight_sum.dtype)


def _device_epoch(
    loss_gradient, coef, velocity, order, step, *, data, l2_reg_strength, options, xp
):
    """:func:`_epoch` with every array on X's device: a minibatch is gathered
    there, and its weight sum stays there too. A batch whose weights are all
    zero then takes an L2-only step where the host loop skips it: checking
    would cost a device sync per batch."""
    X, y, sample_weight = data
    batch_size = min(options.batch_size, X.shape[0])
    summed = total_weight = 0.0
    for first in range(0, X.shape[0], batch_size):
        last = min(first + batch_size, X.shape[0])  # in bounds, as the standard asks
        if order is None:
            rows = slice(first, last)
            X_batch, s_batch, y_batch = X[rows, ...], sample_weight[rows], y[..., rows]
        else:
            rows = xp.sort(order[first:last])
            X_batch = xp.take(X, rows, axis=0)
            s_batch = xp.take(sample_weight, rows, axis=0)
            y_batch = xp.take(y, rows, axis=y.ndim - 1)
        weight_sum = xp.sum(xp.astype(s_batch, coef.dtype))
        divisor = _nonzero(weight_sum, xp)
        objective, gradient = loss_gradient(
            coef, X_batch, y_batch, s_batch, l2_reg_strength, divisor
        )
        summed = summed + objective * weight_sum
        total_weight = total_weight + weight_sum
        _momentum_step(coef, velocity, gradient, step, options)
    return summed / total_weight  # left on the device


def _result(arrays, coef, state, rule, hook, outcome):
    """The SolverResult, its arrays back on the host."""
    converged, stopped = outcome
    if rule.best_coef is not None and not stopped:
        coef = rule.best_coef
    state["velocity"] = arrays.host(state["velocity"])
    coef = arrays.host(coef)
    if rule.validation_score is not None:
        state["validation_scores"] = rule.validation_scores
        state["best_validation_score"] = rule.best_score
    return SolverResult(
        coef=coef,
        n_iter=len(hook.loss_curve),
        loss_curve=hook.loss_curve,
        converged=converged,
        stopped=stopped,
        state=state,
    )
