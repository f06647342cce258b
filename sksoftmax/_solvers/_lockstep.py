"""Lockstep L-BFGS: independent runs whose evaluations are batched into one call.

For a separable objective (K sigmoids; later, K cross-validation folds) run
k is exactly the L-BFGS run of its own problem, as K separate fits would make
it, but every round of evaluations of the runs still going is one call of
``fun``, so X is read once per round for all runs instead of once per run.
One joint L-BFGS run over all K problems needs several times the iterations
(67 against at most 21 per output on a 20-label problem), since its curvature
pairs and line search mix problems of different scales.

Each run lives in a worker thread that blocks in its objective; once every
run still going has asked for an evaluation, the calling (driving) thread
evaluates them all and hands each its answer. Whatever ends the driving
thread's loop (an error, Ctrl-C, a stop request) cancels every worker and
joins it before returning or raising: no thread outlives the call.
"""

import threading
from collections import deque

import numpy as np
from scipy import optimize

from ._lbfgs import judge, lbfgs_options
from ._result import IterationHook, SolverResult, warn_not_converged


class _Cancelled(BaseException):
    """Raised inside a worker's objective to end its run."""


class _Runs:
    """The shared state of the worker threads and the driving thread."""

    def __init__(self, fun, coef0, max_iter, tol, dtype):
        self.fun = fun
        self.coef0 = coef0
        self.options = lbfgs_options(max_iter, tol, dtype)
        n_runs = coef0.shape[0]
        self.condition = threading.Condition()
        self.pending, self.answers = {}, {}
        self.running = set(range(n_runs))
        self.cancelled = False
        self.results = [None] * n_runs
        self.errors = []
        # iterates each run reached that the driver has not reported yet
        self.unreported = [deque() for _ in range(n_runs)]

    # -- worker side ---------------------------------------------------------

    def objective(self, k, coef):
        with self.condition:
            if self.cancelled:
                raise _Cancelled
            self.pending[k] = coef.copy()
            self.condition.notify_all()
            while k not in self.answers and not self.cancelled:
                self.condition.wait()
            if self.cancelled:
                raise _Cancelled
            return self.answers.pop(k)

    def iterate(self, k, intermediate_result):
        with self.condition:
            self.unreported[k].append(
                (float(intermediate_result.fun), intermediate_result.x.copy())
            )

    def run(self, k):
        try:
            self.results[k] = optimize.minimize(
                lambda coef: self.objective(k, coef),
                self.coef0[k],
                method="L-BFGS-B",
                jac=True,
                callback=lambda intermediate_result: self.iterate(
                    k, intermediate_result
                ),
                options=self.options,
            )
        except _Cancelled:
            pass
        except BaseException as error:  # raised again by the driving thread
            self.errors.append(error)
        finally:
            with self.condition:
                self.running.discard(k)
                self.condition.notify_all()

    # -- driving side --------------------------------------------------------

    def next_round(self):
        """The evaluations every running run waits for, or None when all ended."""
        with self.condition:
            while self.running and len(self.pending) < len(self.running):
                self.condition.wait()
            if not self.running:
                return None
            batch = dict(sorted(self.pending.items()))
            self.pending.clear()
            return batch

    def answer(self, batch):
        runs = np.fromiter(batch, dtype=np.intp, count=len(batch))
        values, gradients = self.fun(runs, np.stack(list(batch.values())))
        with self.condition:
            for i, k in enumerate(batch):
                self.answers[k] = (float(values[i]), gradients[i])
            self.condition.notify_all()

    def completed_iteration(self, current):
        """Advance ``current`` (per run: objective and coefficients at the
        last reported iteration) by one iteration if every run has reached
        it or ended; return whether it did."""
        with self.condition:
            waiting = [
                not q and k in self.running for k, q in enumerate(self.unreported)
            ]
            if any(waiting) or not any(self.unreported):
                return False
            for k, queue in enumerate(self.unreported):
                if queue:
                    current[k] = queue.popleft()
        return True

    def cancel(self):
        with self.condition:
            self.cancelled = True
            self.condition.notify_all()


def lbfgs_lockstep(fun, coef0, *, max_iter=100, tol=1e-4, hook=None, dtype=np.float64):
    """K independent L-BFGS runs, evaluated together.

    Parameters
    ----------
    fun : callable
        ``fun(runs, coefs) -> (objectives, gradients)`` for the integer array
        ``runs`` and their coefficients ``coefs`` of shape
        (len(runs), n_coef_per_run).
    coef0 : ndarray of shape (n_runs, n_coef_per_run)
        Starting points.
    max_iter, tol, dtype
        As in :func:`~sksoftmax._solvers.lbfgs`, for every run.
    hook : IterationHook, default=None
        Told of iteration i once every run has reached it or ended, with the
        summed objective (a run that ended counts with its final value) and
        every run's coefficients there; a stop request ends all runs there.

    Returns
    -------
    SolverResult
        ``coef`` of shape (n_runs, n_coef_per_run); ``n_iter`` the most
        iterations any run made (or the iteration a stop request ended);
        ``state["n_iter"]`` each run's (absent after a stop request).
    """
    hook = IterationHook() if hook is None else hook
    runs = _Runs(fun, coef0, max_iter, tol, dtype)
    threads = [
        threading.Thread(
            target=runs.run, args=(k,), name=f"sksoftmax-lbfgs-{k}", daemon=True
        )
        for k in range(coef0.shape[0])
    ]
    current = [None] * coef0.shape[0]
    stopped = False
    try:
        for thread in threads:
            thread.start()
        # This thread evaluates every round, so BLAS is always called from one
        # thread (from whichever run asked last, the logits product took 66 ms
        # instead of 40 ms on 60000 x 784, K = 10).
        while not stopped:
            batch = runs.next_round()
            if batch is not None:
                runs.answer(batch)
            while not stopped and runs.completed_iteration(current):
                stopped = _report(hook, current, runs)
            if batch is None:
                break
    finally:
        runs.cancel()
        for thread in threads:
            # an interrupt may land before every thread started: joining one
            # that never started raised a RuntimeError in its place
            if thread.is_alive():
                thread.join()
    if runs.errors:
        raise runs.errors[0]
    return _result(runs, current, hook, stopped, (max_iter, tol, dtype))


def _final(runs, current, k):
    """Objective and coefficients of run k at the last reported iteration."""
    if current[k] is not None:
        return current[k]
    if runs.results[k] is not None:  # ended without an iteration
        return float(runs.results[k].fun), runs.results[k].x
    return None, runs.coef0[k]


def _report(hook, current, runs):
    finals = [_final(runs, current, k) for k in range(len(current))]
    objective = sum(value for value, _ in finals)
    return hook(objective, lambda: np.stack([coef for _, coef in finals]))


def _result(runs, current, hook, stopped, stopping):
    max_iter, tol, dtype = stopping
    finals = [_final(runs, current, k) for k in range(len(current))]
    coef = np.stack([np.array(c, dtype=np.float64) for _, c in finals])
    if stopped:
        return SolverResult(
            coef=coef,
            n_iter=len(hook.loss_curve),
            loss_curve=hook.loss_curve,
            converged=False,
            stopped=True,
        )
    judged = [judge(r, tol, dtype) for r in runs.results]
    converged = np.array([c for c, _, _ in judged])
    max_gradients = np.array([g for _, _, g in judged])
    if not converged.all():
        first = int(np.flatnonzero(~converged)[0])
        warn_not_converged(
            "lbfgs",
            tol,
            max_iter,
            f"outputs {np.flatnonzero(~converged).tolist()}; output {first}: "
            f"{judged[first][1]}",
        )
    return SolverResult(
        coef=np.stack([r.x for r in runs.results]),
        n_iter=max(int(r.nit) for r in runs.results),
        loss_curve=hook.loss_curve,
        converged=bool(converged.all()),
        max_gradient=float(max_gradients.max()),
        state={"n_iter": [int(r.nit) for r in runs.results]},
    )
