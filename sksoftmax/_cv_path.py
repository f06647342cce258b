"""The regularisation path of every fold at once, for the CV estimators.

Fold membership is a per-fold sample weight on the one X (zero outside the
fold's training rows, ``class_weight`` computed on those rows), so fold f's
fit is exactly ``estimator(C).fit(X[train_f], y[train_f])``. For each C, from
strong to weak regularisation, the folds' L-BFGS runs go in lockstep (one
product of X with every fold's coefficients per round) and start from their
solutions at the previous Cs (``_path_starts``: extrapolated on fine grids).
With an L1, group or per-feature penalty each fold's run is its penalty's
solver, the folds again in lockstep.
"""

import functools

import numpy as np
from sklearn.base import clone

from ._loss._folds import FoldedLoss
from ._path_starts import next_start, penalised_entries
from ._penalties import penalty_terms
from ._screening import WorkingSets, screens
from ._solvers import IterationHook, lbfgs_lockstep, lockstep_runs, minimiser
from ._weights import l2_reg_strength, sample_weights


def fold_weights(data, folds, class_weight):
    """``(n_folds, n_samples)`` weights: ``data``'s sample weights on each
    fold's training rows, times ``class_weight`` as that part alone gives it."""
    weights = np.zeros((len(folds), data.X.shape[0]), dtype=data.dtype)
    rows_like_X = np.empty((data.X.shape[0], 0), dtype=data.dtype)
    for f, (train, _) in enumerate(folds):
        masked = np.zeros_like(data.sample_weight)
        masked[train] = data.sample_weight[train]
        weights[f] = sample_weights(
            masked, rows_like_X, data.problem, data.classes, class_weight
        )
    return weights


def lbfgs_path(data, folds, Cs, class_weight, *, max_iter, tol, verbose=0):
    """Each fold's fit at each C of ``Cs`` in turn, every fold starting from
    its fit at the previous C.

    Yields
    ------
    coefs : ndarray of shape (n_folds, n_coef)
        The folds' packed coefficients at this C.
    n_iter : ndarray of shape (n_folds,)
        The most L-BFGS iterations of any of a fold's runs.
    """
    weights = fold_weights(data, folds, class_weight)
    folded = FoldedLoss(data.linear_loss, weights)
    X, target = data.X, data.problem.target
    n_folds, per_fold = len(folds), folded.runs_per_fold
    run_coef = np.concatenate(
        [
            folded.to_runs(data.prior_coef(sample_weight=weights[f]))
            for f in range(n_folds)
        ]
    )
    history = []
    for C in Cs:
        if history:
            run_coef = next_start(history, C)
        l2 = l2_reg_strength(data.problem.l2_scale, C, folded.weight_sums)

        def fun(runs, blocks, l2=l2):
            return folded.loss_gradient(runs, blocks, X, target, l2)

        hook = IterationHook(verbose)
        result = lbfgs_lockstep(
            fun, run_coef, max_iter=max_iter, tol=tol, hook=hook, dtype=data.dtype
        )
        if verbose:
            print(f"C = {C:.4g}: ", end="")
            hook.close("L-BFGS", result)
        run_coef = result.coef
        history = [*history[-1:], (C, run_coef)]
        fold_runs = [slice(f * per_fold, (f + 1) * per_fold) for f in range(n_folds)]
        yield (
            np.stack([folded.from_runs(run_coef[runs]) for runs in fold_runs]),
            np.array([max(result.state["n_iter"][runs]) for runs in fold_runs]),
        )


def penalised_path(data, folds, Cs, estimator, *, max_iter, tol, verbose=0):
    """:func:`lbfgs_path` for the penalties of ``estimator`` that plain
    L-BFGS does not take (``l1_ratio > 0``, ``l1_groups``,
    ``penalty_factor``): each fold's fit by the solver of its penalty
    (OWL-QN, proximal L-BFGS, or L-BFGS with an L2 strength per feature),
    the folds' runs in lockstep (one product of X for every fold per round),
    one run per fold, each starting from its curvature pairs at the
    previous C. With an L1 or group term on numpy or sparse X, the runs work
    on the union of the folds' strong sets (``_screening``), every fold's
    discarded units checked after each C, as
    :func:`~sksoftmax.regularization_path` does for one fit. Yields as
    :func:`lbfgs_path`.
    """
    weights = fold_weights(data, folds, estimator.class_weight)
    folds_on = _FoldsOnColumns(data, estimator, weights)
    loss, sets = data.linear_loss, folds_on.sets
    coefs = priors = np.stack([data.prior_coef(sample_weight=fold) for fold in weights])
    screening = screens(data)
    history, memory, gradients = [], None, None
    for C in Cs:
        penalties = folds_on.terms(C, estimator, loss)[1]
        columns = sets.all_columns
        if history:
            coefs = next_start(history, C, penalised_entries(penalties[0], loss))
        if screening and penalties[0] is not None:
            if gradients is None:  # at the first C: the gradients at the start
                gradients = folds_on.whole_gradients(coefs)
            previous = history[-1][0] if history else C
            keep = np.any(
                [
                    sets.strong_units(penalty, gradient, C, (previous, coef))
                    for penalty, gradient, coef in zip(
                        penalties, gradients, coefs, strict=True
                    )
                ],
                axis=0,
            )
            columns = sets.columns_of(penalties[0], keep)
        n_iter = np.zeros(len(folds), dtype=int)
        while True:
            if columns.size == 0:  # every unit out: the intercepts-only fits
                coefs, violations = priors.copy(), np.zeros(len(folds))
            else:
                results, memory = folds_on.solve(
                    C, columns, coefs, memory, max_iter, tol
                )
                n_iter += [result.n_iter for result in results]
                violations = [result.max_gradient for result in results]
                coefs = np.stack(
                    [sets.from_columns(result.coef, columns) for result in results]
                )
            if columns.size == sets.all_columns.size:
                screening = False  # the rules keep everything from here on
                break
            gradients = folds_on.whole_gradients(coefs)
            failing = np.any(
                [
                    sets.failing(penalty, gradient, columns)
                    for penalty, gradient in zip(penalties, gradients, strict=True)
                ],
                axis=0,
            )
            if not np.any(failing):
                break
            columns = sets.grown(penalties[0], columns, failing)
        if verbose:
            for f, violation in enumerate(violations):
                print(
                    f"C = {C:.4g}, fold {f}: {n_iter[f]} iterations on "
                    f"{columns.size} features, optimality violation "
                    f"{violation:.3g}"
                )
        history = [*history[-1:], (C, coefs)]
        yield coefs, n_iter


class _FoldsOnColumns:
    """Every fold's problem (one estimator, ``weights`` per fold) on a set of
    columns of X, solved in lockstep."""

    def __init__(self, data, estimator, weights):
        self.data, self.estimator, self.weights = data, estimator, weights
        self.sets = WorkingSets(estimator, data)
        self.whole = FoldedLoss(data.linear_loss, weights, split_outputs=False)
        self._folded = (None, None)  # (columns, FoldedLoss)

    def terms(self, C, estimator, loss):
        """Each fold's L2 strength and penalty at C, of ``estimator`` (the
        whole one or that of some columns) with ``loss``, its LinearLoss."""
        at_C = clone(estimator).set_params(C=float(C))
        terms = [
            penalty_terms(at_C, self.data.problem, loss, weight_sum)
            for weight_sum in self.whole.weight_sums
        ]
        return [l2 for l2, _ in terms], [penalty for _, penalty in terms]

    def folded(self, columns):
        if self._folded[0] is None or not np.array_equal(self._folded[0], columns):
            loss = self.sets.restricted(columns)[0]
            self._folded = (columns, FoldedLoss(loss, self.weights, False))
        return self._folded[1]

    def whole_gradients(self, coefs):
        """Each fold's loss gradient over all of X at ``coefs``."""
        runs = np.arange(coefs.shape[0])
        l2s = [0.0] * coefs.shape[0]
        target = self.data.problem.target
        return self.whole.loss_gradient(runs, coefs, self.data.X, target, l2s)[1]

    def solve(self, C, columns, coefs, memory, max_iter, tol):
        """Each fold's fit at C on ``columns`` from ``coefs`` (whole), its
        solver starting from ``memory`` (columns, C, each fold's pairs);
        the results (on ``columns``) and the memory they end with."""
        loss, X, estimator = self.sets.restricted(columns)
        l2s, penalties = self.terms(C, estimator, loss)
        solvers = [minimiser(penalty) for penalty in penalties]
        if memory is not None and penalties[0] is not None:
            last_columns, C_last, pairs = memory  # scipy's L-BFGS takes none
            solvers = [
                functools.partial(
                    solver,
                    memory=self.sets.carried_pairs(
                        (last_columns, C_last, fold_pairs), columns, l2, C
                    ),
                )
                for solver, fold_pairs, l2 in zip(solvers, pairs, l2s, strict=True)
            ]
        folded, target = self.folded(columns), self.data.problem.target

        def fun(runs, run_coefs):
            return folded.loss_gradient(runs, run_coefs, X, target, l2s)

        results = lockstep_runs(
            fun,
            np.stack([self.sets.to_columns(coef, columns) for coef in coefs]),
            solvers,
            max_iter=max_iter,
            tol=self.sets.solver_tol(tol, columns),
            dtype=self.data.dtype,
        )
        pairs = [result.state.get("memory") for result in results]
        return results, (columns, C, pairs)
