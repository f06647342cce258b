"""Several fits of one linear model on one X at once: the folds of a
cross-validation, each a fit whose sample weights are zero outside its
training rows.

A *run* is what one L-BFGS run of the lockstep solver minimises: one fold's
whole softmax (K coupled outputs), or one fold's single output when the base
loss is separable (sigmoids). Every evaluation stacks the coefficients of the
runs still going and computes all their logits with one product ``W @ X.T``
and all their gradients with one ``R @ X`` (a block of rows at a time, over
threads, as every ``LinearLoss``): X is read twice per round for every fold
together, and never copied per fold.
"""

import numpy as np

from ._linear import LinearLoss, _l2_penalty
from ._per_sample import SigmoidLoss


class FoldedLoss:
    """Objective and gradient of every (fold, output block) run.

    Parameters
    ----------
    linear_loss : LinearLoss
        The objective of one fit on all of X (its base loss, outputs,
        features and intercept).
    fold_weights : ndarray of shape (n_folds, n_samples)
        Each fold's ``s_i``, zero outside its training rows, in X's dtype.
    split_outputs : bool, default=True
        One run per output where the base loss is separable (sigmoids);
        False: one run per fold always (an L1 or group penalty's runs, whose
        solvers take the whole model).
    """

    def __init__(self, linear_loss, fold_weights, split_outputs=True):
        self.linear_loss = linear_loss
        self.fold_weights = fold_weights
        self.weight_sums = fold_weights.sum(axis=1, dtype=np.float64)
        base_loss, n_outputs = linear_loss.base_loss, linear_loss.n_outputs
        self.separable = base_loss.separable and split_outputs
        #: outputs one run fits, and runs per fold
        self.run_outputs = 1 if self.separable else n_outputs
        self.runs_per_fold = n_outputs // self.run_outputs
        n_features, fit_intercept = linear_loss.n_features, linear_loss.fit_intercept
        self.run_loss = LinearLoss(
            base_loss, self.run_outputs, n_features, fit_intercept
        )
        # every run's logits in one buffer, reused from round to round
        self._stacked = LinearLoss(
            base_loss, self.n_runs * self.run_outputs, n_features, fit_intercept
        )

    @property
    def n_runs(self):
        return self.fold_weights.shape[0] * self.runs_per_fold

    def fold(self, run):
        """The fold of a run."""
        return run // self.runs_per_fold

    def _run_target(self, run, target, dtype):
        if not self.separable:
            return target
        output = run % self.runs_per_fold
        return SigmoidLoss.target_rows(
            target, slice(output, output + 1), self.linear_loss.n_outputs, dtype
        )

    def to_runs(self, fold_coef):
        """One fold's packed coefficients as its runs' rows."""
        if self.separable:
            return self.linear_loss.to_rows(fold_coef)
        return fold_coef[None, :]

    def from_runs(self, run_rows):
        """The inverse of :meth:`to_runs`: one fold's packed coefficients."""
        if self.separable:
            return self.linear_loss.from_rows(run_rows)
        return run_rows[0]

    def loss_gradient(self, runs, coefs, X, target, l2_reg_strengths):
        """Objectives ``F_f / S_f`` (with each fold's L2 term) and gradients
        of the runs ``runs``, whose packed coefficients are the rows of
        ``coefs``; ``l2_reg_strengths[f]`` is fold f's ``l2_scale / (C S_f)``
        (an array of one per feature, with penalty factors).
        """
        n_rows = len(runs) * self.run_outputs
        stacked = self._stacked.for_outputs(n_rows)
        parts = [self.run_loss.unpack(coef) for coef in coefs]
        weights = np.concatenate([w for w, _ in parts])
        intercept = (
            np.concatenate([b for _, b in parts]) if stacked.fit_intercept else None
        )
        stacked_coef = stacked.pack(weights, intercept)
        base_loss = self.linear_loss.base_loss

        def kernel(raw, rows):
            """Each run's loss sum on the rows ``rows``, its residuals in
            its rows of ``raw``."""
            loss_sums = np.empty(len(runs))
            for i, run in enumerate(runs):
                run_rows = slice(i * self.run_outputs, (i + 1) * self.run_outputs)
                loss_sums[i] = base_loss.weighted_loss_gradient_inplace(
                    self._run_target(run, target[..., rows], raw.dtype),
                    raw[run_rows],
                    self.fold_weights[self.fold(run)][rows],
                )
            return loss_sums

        gradient = np.empty_like(stacked_coef)
        loss_sums = stacked.blocked_products(
            stacked_coef, X, kernel, gradient, (len(runs),)
        )
        grad_weights, grad_intercept = stacked.unpack(gradient)
        values = np.empty(len(runs))
        gradients = np.empty_like(coefs)
        for i, run in enumerate(runs):
            rows = slice(i * self.run_outputs, (i + 1) * self.run_outputs)
            fold = self.fold(run)
            weight_sum, l2 = self.weight_sums[fold], l2_reg_strengths[fold]
            run_weights = parts[i][0]
            values[i] = loss_sums[i] / weight_sum + _l2_penalty(run_weights, l2)
            intercept_i = None if grad_intercept is None else grad_intercept[rows]
            grad_i = grad_weights[rows] / weight_sum + l2 * run_weights
            gradients[i] = self.run_loss.pack(
                grad_i, None if intercept_i is None else intercept_i / weight_sum
            )
        return values, gradients
