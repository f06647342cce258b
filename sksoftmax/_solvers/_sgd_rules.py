"""The rules SGD steps and stops by: the step ``Schedule``, the
``StoppingRule`` (patience) and ``Divergence`` (an error, not a stop)."""

import numpy as np


class Schedule:
    """The step size: ``learning_rate_init`` times a decay factor.

    "constant" keeps it; "invscaling" sets the decay to ``1 / (t + 1) **
    power_t`` after each epoch (t counts samples); "adaptive" divides it by 5
    when the stopping rule runs out of patience, until it is below 1e-6.
    """

    def __init__(self, kind, learning_rate_init, power_t, decay=1.0):
        self.kind = kind
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.decay = decay

    @classmethod
    def resumed(cls, options, learning_rate_init, state):
        """The schedule of ``options``, at the decay an earlier call left."""
        return cls(
            options.learning_rate,
            learning_rate_init,
            options.power_t,
            state.get("decay", 1.0),
        )

    @property
    def step(self):
        """The step size now."""
        return self.learning_rate_init * self.decay

    def end_epoch(self, t):
        """Update after an epoch, ``t`` samples seen in all."""
        if self.kind == "invscaling":
            self.decay = 1.0 / (t + 1) ** self.power_t

    def shrink(self):
        """Shrink the step ("adaptive"); False when it may not shrink further."""
        if self.kind == "adaptive" and self.decay > 1e-6:
            self.decay /= 5
            return True
        return False


class StoppingRule:
    """Stop when more than ``n_iter_no_change`` epochs in a row fail to improve
    by ``tol``: the epoch objective (lower is better), or with
    ``validation_score`` the validation score (higher is better; the best
    coefficients seen are kept)."""

    def __init__(self, tol, n_iter_no_change, validation_score=None):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.validation_score = validation_score
        self.best_loss, self.best_score, self.best_coef = np.inf, -np.inf, None
        self.validation_scores = []
        self.no_improvement = 0

    def update(self, epoch_loss, coef):
        """Take one epoch's result; return what the verbose line shows."""
        if self.validation_score is None:
            improved = epoch_loss <= self.best_loss - self.tol
            self.best_loss = min(self.best_loss, epoch_loss)
            shown = {}
        else:
            score = self.validation_score(coef)
            self.validation_scores.append(score)
            improved = score >= self.best_score + self.tol
            if score > self.best_score:
                self.best_score, self.best_coef = score, coef.copy()
            shown = {"validation score": score}
        self.no_improvement = 0 if improved else self.no_improvement + 1
        return shown

    @property
    def out_of_patience(self):
        """Whether too many epochs failed to improve."""
        return self.no_improvement > self.n_iter_no_change


class Divergence:
    """Raises once SGD diverges: an epoch whose objective is not finite, or
    far above the objective at the start (a rising objective is not "no
    improvement": steps too long for the problem climbed from 1.1 to 1e15 on
    iris and were reported as converged).

    ``start`` is the objective of the first minibatch at the starting point,
    or for a stream the start of its first call, kept in the state: a stream
    that diverges slowly over many calls is still caught.
    """

    #: How far above max(start, 1) an epoch's objective counts as diverged;
    #: cross-entropy that high means logits of the wrong sign and size 100.
    factor = 100.0

    def __init__(self, start, l2_reg_strength):
        self.start = start
        self.l2_reg_strength = l2_reg_strength

    def check(self, epoch, epoch_loss, coef_finite, step):
        limit = self.factor * max(self.start, 1.0)
        if np.isfinite(epoch_loss) and coef_finite and epoch_loss <= limit:
            return
        hint = "use a smaller learning_rate_init, or learning_rate_init='auto'"
        strength = float(np.max(self.l2_reg_strength))  # one per feature, or one
        if step * strength >= 1:
            hint += (
                f"; the L2 term alone (strength 1 / (C S) = "
                f"{strength:.3g}) makes steps of this size overshoot, "
                "so a larger C also helps"
            )
        raise ValueError(
            f"SGD diverged in epoch {epoch + 1}: the objective went from "
            f"{self.start:.4g} at the start to {epoch_loss:.4g} with step size "
            f"{step:.3g}; {hint}."
        )
