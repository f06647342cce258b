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
from ._path_starts import carried_memory, next_start, penalised_entries
from ._penalties import penalty_terms
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
    previous C (as :func:`~sksoftmax.regularization_path` does). Yields as
    :func:`lbfgs_path`.
    """
    weights = fold_weights(data, folds, estimator.class_weight)
    folded = FoldedLoss(data.linear_loss, weights, split_outputs=False)
    X, target, loss = data.X, data.problem.target, data.linear_loss
    coefs = np.stack([data.prior_coef(sample_weight=fold) for fold in weights])
    history, memories = [], [None] * len(folds)
    for C in Cs:
        at_C = clone(estimator).set_params(C=float(C))
        terms = [
            penalty_terms(at_C, data.problem, loss, weight_sum)
            for weight_sum in folded.weight_sums
        ]
        l2s, penalties = [l2 for l2, _ in terms], [p for _, p in terms]
        solvers = [minimiser(penalty) for penalty in penalties]
        if history:
            coefs = next_start(history, C, penalised_entries(penalties[0], loss))
            if penalties[0] is not None:  # scipy's L-BFGS takes no memory
                C_last = history[-1][0]
                solvers = [
                    functools.partial(
                        solver, memory=carried_memory(pairs, loss, l2, C, C_last)
                    )
                    for solver, pairs, l2 in zip(solvers, memories, l2s, strict=True)
                ]

        def fun(runs, run_coefs, l2s=l2s):
            return folded.loss_gradient(runs, run_coefs, X, target, l2s)

        results = lockstep_runs(
            fun,
            coefs,
            solvers,
            max_iter=max_iter,
            tol=tol,
            dtype=data.dtype,
        )
        coefs = np.stack([result.coef for result in results])
        memories = [result.state.get("memory") for result in results]
        if verbose:
            for f, result in enumerate(results):
                print(
                    f"C = {C:.4g}, fold {f}: {result.n_iter} iterations, "
                    f"optimality violation {result.max_gradient:.3g}"
                )
        history = [*history[-1:], (C, coefs)]
        yield coefs, np.array([result.n_iter for result in results])
