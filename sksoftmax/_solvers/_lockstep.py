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

    def __init__(self, fun, coef0, solve):
        self.fun = fun
        self.coef0 = coef0
        # solve(k, objective, coef0, on_iteration) -> run k's result
        self.solve = solve
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

    def iterate(self, k, value, coef):
        with self.condition:
            self.unreported[k].append((float(value), coef))

    def run(self, k):
        try:
            self.results[k] = self.solve(
                k,
                lambda coef: self.objective(k, coef),
                self.coef0[k],
                lambda value, coef: self.iterate(k, value, coef),
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
    options = lbfgs_options(max_iter, tol, dtype)

    def solve(k, objective, start, on_iteration):
        return optimize.minimize(
            objective,
            start,
            method="L-BFGS-B",
            jac=True,
            # scipy passes an OptimizeResult to a parameter of this name
            callback=lambda intermediate_result: on_iteration(
                intermediate_result.fun, intermediate_result.x.copy()
            ),
            options=options,
        )

    runs = _Runs(fun, coef0, solve)
    current, stopped = _drive(runs, hook)
    return _result(runs, current, hook, stopped, (max_iter, tol, dtype))


def lockstep_runs(fun, coef0, solvers, *, max_iter=100, tol=1e-4, dtype=np.float64):
    """Independent runs of any of the solvers (``minimiser(penalty)``: OWL-QN,
    proximal L-BFGS, L-BFGS), one per row of ``coef0``, their evaluations
    batched as :func:`lbfgs_lockstep` batches them.

    Parameters
    ----------
    fun : callable
        As for :func:`lbfgs_lockstep`.
    coef0 : ndarray of shape (n_runs, n_coef_per_run)
    solvers : list of callable
        Run k's solver, called as ``solver(objective, start, max_iter=...,
        tol=..., hook=..., dtype=...)``.
    max_iter, tol, dtype
        Passed to every solver.

    Returns
    -------
    list of SolverResult
        Each run's.
    """

    def solve(k, objective, start, on_iteration):
        return solvers[k](objective, start, max_iter=max_iter, tol=tol, dtype=dtype)

    runs = _Runs(fun, coef0, solve)
    _drive(runs, None)
    return runs.results


def _drive(runs, hook):
    """Start every run in its worker thread, evaluate their rounds in this
    one until all end, and report iterations to ``hook`` (None: none);
    ``(current, stopped)``."""
    n_runs = runs.coef0.shape[0]
    threads = [
        threading.Thread(
            target=runs.run, args=(k,), name=f"sksoftmax-lbfgs-{k}", daemon=True
        )
        for k in range(n_runs)
    ]
    current = [None] * n_runs
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
            while (
                hook is not None and not stopped and runs.completed_iteration(current)
            ):
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
    return current, stopped


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
