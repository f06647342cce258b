"""Solvers: minimise a :class:`~sksoftmax._loss.LinearLoss` objective.

Each solver is one function returning :class:`SolverResult`; none of them knows
which estimator called it.
"""

import threading
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize
from sklearn.exceptions import ConvergenceWarning


@dataclass
class SolverResult:
    """What every solver returns.

    Attributes
    ----------
    coef : ndarray of shape (n_coef,)
        Packed float64 coefficients at the end of the run.
    n_iter : int
        L-BFGS iterations or SGD epochs run.
    loss_curve : list of float
        Objective after each iteration or epoch.
    converged : bool
        Whether the stopping criterion was met before ``max_iter``.
    state : dict
        Solver state a later call may continue from (SGD only).
    """

    coef: np.ndarray
    n_iter: int
    loss_curve: list
    converged: bool
    state: dict = field(default_factory=dict)


def _warn_not_converged(solver, tol, max_iter, reason):
    warnings.warn(
        f"{solver} did not converge for tol={tol} and max_iter={max_iter} "
        f"({reason}); consider increasing max_iter or scaling the data.",
        ConvergenceWarning,
        stacklevel=3,
    )


def lbfgs(fun, coef0, *, args=(), max_iter=100, tol=1e-4, verbose=0):
    """Minimise ``fun`` with scipy's L-BFGS-B.

    ``ftol`` is 0 so that the gradient test alone stops the run: L-BFGS stops
    when the largest absolute gradient entry is at most ``tol``.

    Parameters
    ----------
    fun : callable
        ``fun(coef, *args) -> (objective, gradient)``.
    coef0 : ndarray of shape (n_coef,)
        Starting point (float64).
    args : tuple, default=()
        Extra arguments of ``fun``.
    max_iter : int, default=100
        Maximum number of iterations.
    tol : float, default=1e-4
        Gradient tolerance (``gtol``).
    verbose : int, default=0
        Print the objective after each iteration when positive.

    Returns
    -------
    SolverResult
    """
    loss_curve = []
    start = time.perf_counter()

    def record(intermediate_result):
        loss_curve.append(float(intermediate_result.fun))
        if verbose:
            print(
                f"Iteration {len(loss_curve)}, objective = {loss_curve[-1]:.10g}, "
                f"time = {time.perf_counter() - start:.3f}s"
            )

    result = optimize.minimize(
        fun,
        coef0,
        method="L-BFGS-B",
        jac=True,
        args=args,
        callback=record,
        options={"maxiter": max_iter, "maxls": 50, "gtol": tol, "ftol": 0.0},
    )
    # With ftol=0, scipy still reports success when an iteration cannot lower
    # the objective at all (float32 data asked for more than float32 holds):
    # only a gradient within tol counts as converged.
    max_gradient = float(np.max(np.abs(result.jac))) if result.jac.size else 0.0
    converged = bool(result.success) and max_gradient <= tol
    if not converged:
        _warn_not_converged(
            "L-BFGS",
            tol,
            max_iter,
            f"{_text(result.message)}; max|gradient| = {max_gradient:.2g}",
        )
    return SolverResult(
        coef=result.x,
        n_iter=int(result.nit),
        loss_curve=loss_curve,
        converged=converged,
    )


def _text(message):
    return message.decode() if isinstance(message, bytes) else str(message)


def sgd(
    loss_gradient,
    coef,
    X,
    y,
    sample_weight,
    *,
    l2_reg_strength,
    learning_rate_init,
    state,
    batch_size=256,
    learning_rate="constant",
    power_t=0.5,
    momentum=0.9,
    nesterovs_momentum=True,
    shuffle=True,
    random_state=None,
    max_iter=100,
    tol=1e-4,
    n_iter_no_change=5,
    validation_score=None,
    warn=True,
    verbose=0,
):
    """Minibatch SGD with momentum on ``loss_gradient``, MLPClassifier-style.

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
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : ndarray
        Target in the loss's encoding, samples on its last axis.
    sample_weight : ndarray of shape (n_samples,)
        Per-sample weights.
    l2_reg_strength : float
        L2 strength of every step.
    learning_rate_init : float
        Initial step size.
    state : dict
        ``velocity``, ``decay`` (the schedule's factor on
        ``learning_rate_init``) and ``t`` (samples seen) from an earlier call,
        or empty to start afresh; the returned result carries the updated
        state, this one is left untouched.
    batch_size : int, default=256
        Minibatch size, capped at n_samples.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Step-size schedule, as in MLPClassifier: "invscaling" sets the step to
        ``learning_rate_init / (t + 1) ** power_t`` after each epoch (t counts
        samples); "adaptive" divides it by 5 whenever more than
        ``n_iter_no_change`` epochs in a row fail to improve by ``tol``, and
        stops once it is below 1e-6 times ``learning_rate_init``.
    power_t : float, default=0.5
        Exponent of "invscaling".
    momentum : float, default=0.9
        Momentum of the velocity. The velocity is reset after an epoch whose
        objective rose: without that, momentum's oscillations on full-batch
        iris stopped "adaptive" at 10% above the optimum; with it, 3e-7.
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum.
    shuffle : bool, default=True
        Visit the samples in a new random order every epoch.
    random_state : numpy.random.RandomState, default=None
        Source of the shuffling.
    max_iter : int, default=100
        Maximum number of epochs.
    tol : float, default=1e-4
        Required improvement of the epoch objective (or validation score).
    n_iter_no_change : int, default=5
        Epochs without such improvement before stopping (or decaying).
    validation_score : callable, default=None
        ``validation_score(coef) -> float``, higher is better: when given, it
        decides stopping and the best coefficients seen are returned.
    warn : bool, default=True
        Emit a ConvergenceWarning when ``max_iter`` epochs ran out.
    verbose : int, default=0
        Print one line per epoch when positive.

    Returns
    -------
    SolverResult
        ``loss_curve`` holds the mean objective of the minibatch steps of each
        epoch; ``state`` the solver state to continue from; with
        ``validation_score``, ``state["validation_scores"]`` the score of each
        epoch.
    """
    n_samples = X.shape[0]
    batch_size = min(batch_size, n_samples)
    coef = coef.copy()
    velocity = state.get("velocity")
    velocity = np.zeros_like(coef) if velocity is None else velocity.copy()
    decay = state.get("decay", 1.0)
    t = state.get("t", 0)
    rng = random_state if random_state is not None else np.random.RandomState(0)

    loss_curve, validation_scores = [], []
    best_loss, best_score, best_coef = np.inf, -np.inf, None
    no_improvement, converged = 0, False
    start = time.perf_counter()
    for epoch in range(max_iter):
        order = rng.permutation(n_samples) if shuffle else None
        summed, total_weight = 0.0, 0.0
        for first in range(0, n_samples, batch_size):
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
            summed += objective * weight_sum
            total_weight += weight_sum
            step = learning_rate_init * decay
            velocity *= momentum
            velocity -= step * gradient
            if nesterovs_momentum:
                coef += momentum * velocity - step * gradient
            else:
                coef += velocity
        t += n_samples
        epoch_loss = summed / total_weight if total_weight > 0 else np.nan
        if not np.isfinite(epoch_loss) or not np.all(np.isfinite(coef)):
            raise ValueError(
                f"SGD diverged in epoch {epoch + 1} (objective {epoch_loss}) with "
                f"learning_rate_init={learning_rate_init}; use a smaller "
                "learning_rate_init or learning_rate_init='auto'."
            )
        if loss_curve and epoch_loss > loss_curve[-1]:
            # Adaptive restart (O'Donoghue & Candes, 2015): an epoch that raised
            # the objective means the momentum overshoots; drop it.
            velocity[:] = 0
        loss_curve.append(epoch_loss)

        if validation_score is not None:
            score = validation_score(coef)
            validation_scores.append(score)
            improved = score >= best_score + tol
            if score > best_score:
                best_score, best_coef = score, coef.copy()
        else:
            improved = epoch_loss <= best_loss - tol
            best_loss = min(best_loss, epoch_loss)
        no_improvement = 0 if improved else no_improvement + 1

        if verbose:
            shown = f", validation score = {score:.6f}" if validation_score else ""
            print(
                f"Epoch {epoch + 1}, objective = {epoch_loss:.8g}{shown}, "
                f"step = {learning_rate_init * decay:.3g}, "
                f"time = {time.perf_counter() - start:.3f}s"
            )
        if learning_rate == "invscaling":
            decay = 1.0 / (t + 1) ** power_t
        if no_improvement > n_iter_no_change:
            if learning_rate == "adaptive" and decay > 1e-6:
                decay /= 5
                no_improvement = 0
            else:
                converged = True
                break

    if warn and not converged:
        _warn_not_converged("SGD", tol, max_iter, "maximum number of epochs")
    if best_coef is not None:
        coef = best_coef
    new_state = {"velocity": velocity, "decay": decay, "t": t}
    if validation_score is not None:
        new_state["validation_scores"] = validation_scores
        new_state["best_validation_score"] = best_score
    return SolverResult(
        coef=coef,
        n_iter=len(loss_curve),
        loss_curve=loss_curve,
        converged=converged,
        state=new_state,
    )


def lbfgs_separable(fun, coef0, *, max_iter=100, tol=1e-4, verbose=0):
    """K independent L-BFGS runs whose evaluations are batched into one call.

    For a separable objective (K sigmoids): output k's run is exactly the
    L-BFGS run of its own problem, as K separate fits would make it, but every
    round of evaluations of the runs still going is one call of ``fun``, so X
    is read once per round for all outputs instead of once per output. One
    joint L-BFGS run over all K problems needs several times the iterations
    (67 against at most 21 per output on a 20-label problem), since its
    curvature pairs and line search mix problems of different scales.

    Each run lives in a thread that blocks in its objective; once every run
    still going has asked for an evaluation, the calling thread evaluates
    them all and hands each its answer.

    Parameters
    ----------
    fun : callable
        ``fun(outputs, coefs) -> (objectives, gradients)`` for the integer
        array ``outputs`` and their coefficients ``coefs`` of shape
        (len(outputs), n_coef_per_output).
    coef0 : ndarray of shape (n_outputs, n_coef_per_output)
        Starting points.
    max_iter, tol, verbose
        As in :func:`lbfgs`, for every output.

    Returns
    -------
    SolverResult
        ``coef`` of shape (n_outputs, n_coef_per_output); ``n_iter`` the most
        iterations any output ran; ``loss_curve`` the summed objective after
        each iteration (an output that stopped counts with its final value).
    """
    n_outputs = coef0.shape[0]
    condition = threading.Condition()
    pending, answers, running = {}, {}, set(range(n_outputs))

    def objective_of(k):
        def objective(coef):
            with condition:
                pending[k] = coef.copy()
                condition.notify_all()
                while k not in answers:
                    condition.wait()
                answer = answers.pop(k)
            if isinstance(answer, BaseException):
                raise answer
            return answer

        return objective

    results, curves, errors = [None] * n_outputs, [[] for _ in range(n_outputs)], []

    def run(k):
        try:
            results[k] = optimize.minimize(
                objective_of(k),
                coef0[k],
                method="L-BFGS-B",
                jac=True,
                callback=lambda intermediate_result: curves[k].append(
                    float(intermediate_result.fun)
                ),
                options={"maxiter": max_iter, "maxls": 50, "gtol": tol, "ftol": 0.0},
            )
        except BaseException as error:
            errors.append(error)
        finally:
            with condition:
                running.discard(k)
                condition.notify_all()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n_outputs)]
    for thread in threads:
        thread.start()
    # This thread evaluates every round, so BLAS is always called from one
    # thread (from whichever run asked last, the logits product took 66 ms
    # instead of 40 ms on 60000 x 784, K = 10).
    while True:
        with condition:
            while running and len(pending) < len(running):
                condition.wait()
            if not running:
                break
            batch = dict(sorted(pending.items()))
            pending.clear()
        outputs = np.fromiter(batch, dtype=np.intp, count=len(batch))
        try:
            values, gradients = fun(outputs, np.stack(list(batch.values())))
            replies = {k: (float(values[i]), gradients[i]) for i, k in enumerate(batch)}
        except BaseException as error:  # handed to every waiting run
            replies = dict.fromkeys(batch, error)
        with condition:
            answers.update(replies)
            condition.notify_all()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]

    max_gradients = np.array([np.max(np.abs(r.jac)) for r in results])
    converged = np.array([r.success for r in results]) & (max_gradients <= tol)
    if not converged.all():
        _warn_not_converged(
            "L-BFGS",
            tol,
            max_iter,
            f"outputs {np.flatnonzero(~converged).tolist()}; largest "
            f"max|gradient| = {max_gradients.max():.2g}",
        )
    n_iter = max(int(r.nit) for r in results)
    loss_curve = [
        float(
            sum(
                c[min(i, len(c) - 1)] if c else r.fun
                for c, r in zip(curves, results, strict=True)
            )
        )
        for i in range(n_iter)
    ]
    if verbose:
        for i, value in enumerate(loss_curve, 1):
            print(f"Iteration {i}, summed objective = {value:.10g}")
    return SolverResult(
        coef=np.stack([r.x for r in results]),
        n_iter=n_iter,
        loss_curve=loss_curve,
        converged=bool(converged.all()),
    )
