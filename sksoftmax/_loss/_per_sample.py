"""Per-sample losses on logits (``raw_prediction``), laid out (n_outputs,
n_samples): softmax cross-entropy against labels or target distributions,
and K independent sigmoids. They never see X or coefficients; their gradient
with respect to the logits is ``p - y``, written here once for numpy (in
place) and once for any Array API namespace (``loss_gradient_xp``)."""

import numpy as np
from scipy.special import expit, log_softmax

from .._array_api import softplus


def _weighted_sum(values, sample_weight):
    # The objective is accumulated in float64 whatever the dtype of X: a float32
    # sum over 60000 samples is noisy at the 1e-7 level, which makes L-BFGS stop
    # on its line search long before the gradient tolerance is met.
    return float(np.dot(values.astype(np.float64), sample_weight.astype(np.float64)))


def _weighted_sum_xp(values, sample_weight, xp, accumulate):
    # as _weighted_sum, on the device: one sum per row of ``values``
    weights = xp.astype(sample_weight, accumulate)
    return xp.sum(xp.astype(values, accumulate) * weights, axis=-1)


# Entries of a (K, n) buffer a blocked kernel takes at a time (128 KiB of
# float64): its temporaries stay this small.
_BLOCK_ENTRIES = 1 << 14

# Floor for a class prior in the starting intercepts: a class with no weight
# starts at log(1e-12) instead of -inf.
_TINY = 1e-12


def _exp_shifted_inplace(raw_prediction):
    """Overwrite logits (n_classes, n_samples) with ``exp(z - max_k z)``;
    return the maxima and the sums of the exponentials. Shifted first, so
    nothing overflows whatever the logits' size."""
    max_logit = raw_prediction.max(axis=0)
    raw_prediction -= max_logit
    np.exp(raw_prediction, out=raw_prediction)
    return max_logit, raw_prediction.sum(axis=0)


class MultinomialLoss:
    """Softmax cross-entropy on logits of shape (n_classes, n_samples).

    ``loss_i = logsumexp(z_i) - z_{i, y_i}`` with ``y`` given as integer class
    codes in ``[0, n_classes)``. The logits are laid out one row per class
    (see :class:`LinearLoss` for why).
    """

    #: Bound on the largest eigenvalue of the Hessian in the logits,
    #: ``diag(p) - p p^T``: 1/2.
    max_curvature = 0.5
    separable = False

    def loss(self, y, raw_prediction):
        """Per-sample loss, shape (n_samples,)."""
        log_proba = log_softmax(raw_prediction, axis=0)
        return -np.take_along_axis(log_proba, y[None, :], axis=0)[0]

    def gradient(self, y, raw_prediction):
        """Per-sample gradient with respect to the logits: ``p - onehot(y)``."""
        proba = np.exp(log_softmax(raw_prediction, axis=0))
        proba[y, np.arange(y.shape[0])] -= 1
        return proba

    def hessian_terms(self, raw_prediction):
        """The Hessian of each sample's loss in its logits, as ``(diag,
        outer)`` of shape (n_classes, n_samples) each: ``diag(p) - p p^T``
        (the same for target distributions: it does not depend on y)."""
        proba = np.exp(log_softmax(raw_prediction, axis=0))
        return proba, proba

    def weighted_loss_gradient_inplace(self, y, raw_prediction, sample_weight):
        """Return ``sum_i s_i loss_i``; overwrite the logits with ``s_i (p - y)``.

        In-place operations over the (n_classes, n_samples) buffer; the logits
        are shifted by their maximum before ``exp``, so nothing overflows
        whatever their size.
        """
        n_classes, n_samples = raw_prediction.shape
        flat = raw_prediction.reshape(-1)
        true_index = y * n_samples + np.arange(n_samples)
        true_logit = flat[true_index]
        max_logit, sum_exp = _exp_shifted_inplace(raw_prediction)
        # logsumexp(z_i) - z_{i, y_i}, from the shifted logits
        loss = np.log(sum_exp) + (max_logit - true_logit)
        raw_prediction *= sample_weight / sum_exp
        flat[true_index] -= sample_weight
        return _weighted_sum(loss, sample_weight)

    def fit_intercept_only(self, y, sample_weight, n_outputs, unseen_neutral=False):
        """Intercepts minimising the loss with ``W = 0``, from all rows."""
        totals = self.target_totals(y, sample_weight, n_outputs)
        total_weight = float(np.sum(sample_weight, dtype=np.float64))
        return self.intercept_from_totals(totals, total_weight, unseen_neutral)

    def target_totals(self, y, sample_weight, n_outputs):
        """``sum_i s_i y_ik`` per output, float64: what the starting
        intercepts need of the rows, added up over any split of them."""
        return np.bincount(y, weights=sample_weight, minlength=n_outputs)

    def intercept_from_totals(self, totals, total_weight, unseen_neutral=False):
        """The log class priors from the class totals.

        Centred to sum to zero, which L-BFGS then keeps (every gradient of the
        intercepts sums to zero), so the result is the same unique
        representative that a fit from zero reaches. ``unseen_neutral``: a
        class without weight gets the uniform prior ``1 / K`` (the seen ones
        share the rest) instead of the floor.
        """
        return _centred_log_prior(totals, unseen_neutral)


def _centred_log_prior(class_weight, unseen_neutral=False):
    prior = class_weight / class_weight.sum()
    unseen = prior <= 0
    if unseen_neutral and np.any(unseen):
        prior = prior * (1 - unseen.sum() / prior.shape[0])
        prior[unseen] = 1 / prior.shape[0]
    log_prior = np.log(np.maximum(prior, _TINY))
    return log_prior - log_prior.mean()


class SoftMultinomialLoss(MultinomialLoss):
    """Softmax cross-entropy against target distributions.

    ``loss_i = logsumexp(z_i) - Y_i . z_i`` with ``y`` of shape
    (n_classes, n_samples), each column a distribution over the classes
    (soft targets, label smoothing). One-hot columns give
    :class:`MultinomialLoss`; the gradient is still ``p_i - Y_i``.
    """

    def loss(self, y, raw_prediction):
        """Per-sample loss, shape (n_samples,)."""
        return -np.einsum("kn,kn->n", y, log_softmax(raw_prediction, axis=0))

    def gradient(self, y, raw_prediction):
        """Per-sample gradient with respect to the logits: ``p - Y``."""
        return np.exp(log_softmax(raw_prediction, axis=0)) - y

    def weighted_loss_gradient_inplace(self, y, raw_prediction, sample_weight):
        """Return ``sum_i s_i loss_i``; overwrite the logits with ``s_i (p - Y)``."""
        target_logit = np.einsum("kn,kn->n", y, raw_prediction)
        max_logit, sum_exp = _exp_shifted_inplace(raw_prediction)
        # logsumexp(z_i) - Y_i . z_i, from the shifted logits
        loss = np.log(sum_exp) + (max_logit - target_logit)
        raw_prediction *= sample_weight / sum_exp
        for raw_row, target_row in zip(raw_prediction, y, strict=True):
            # row by row: no second (n_classes, n_samples) buffer
            raw_row -= target_row * sample_weight
        return _weighted_sum(loss, sample_weight)

    def loss_gradient_xp(self, y, raw_prediction, sample_weight, xp, accumulate):
        """The same in any Array API namespace, without writing in place:
        ``(sum_i s_i loss_i, s_i (p_i - Y_i))``, the sum in ``accumulate``."""
        max_logit = xp.max(raw_prediction, axis=0)
        exp = xp.exp(raw_prediction - max_logit)
        sum_exp = xp.sum(exp, axis=0)
        loss = xp.log(sum_exp) + max_logit - xp.sum(y * raw_prediction, axis=0)
        residual = (exp / sum_exp - y) * sample_weight
        return _weighted_sum_xp(loss, sample_weight, xp, accumulate), residual

    def target_totals(self, y, sample_weight, n_outputs):
        """``sum_i s_i Y_ik``: the log priors are of the weighted mean target."""
        return y @ np.asarray(sample_weight, dtype=np.float64)


class SigmoidLoss:
    """Binary cross-entropy of K independent sigmoids on logits (K, n_samples).

    ``loss_i = sum_k softplus(z_ik) - y_ik z_ik`` with ``y`` a matrix of
    targets of the logits' shape (K, n_samples), or for one-vs-rest class
    labels their integer codes, shape (n_samples,): ``y_ik = [y_i = k]``,
    built a block of outputs at a time instead of K x n (a code outside
    ``[0, K)`` is negative for every output).
    """

    #: Bound on the second derivative of each output's loss, ``p (1 - p)``.
    max_curvature = 0.25
    #: The K outputs are K separate problems: see LinearLoss.loss_gradient.
    separable = True

    @staticmethod
    def _entry_loss(y, raw_prediction):
        # softplus(z) - y z, stable for logits of any size
        return np.logaddexp(0, raw_prediction) - y * raw_prediction

    @staticmethod
    def target_rows(y, rows, n_outputs, dtype):
        """Targets of the outputs ``rows`` (a slice), shape (len, n_samples)."""
        if y.ndim == 2:
            return y[rows]
        outputs = np.arange(n_outputs)[rows]
        return (y == outputs[:, None]).astype(dtype)

    def loss(self, y, raw_prediction):
        """Per-sample loss, shape (n_samples,), summed over the K outputs."""
        y = self.target_rows(y, slice(None), raw_prediction.shape[0], np.float64)
        return self._entry_loss(y, raw_prediction).sum(axis=0)

    def gradient(self, y, raw_prediction):
        """Per-sample gradient with respect to the logits: ``sigmoid(z) - y``."""
        y = self.target_rows(y, slice(None), raw_prediction.shape[0], np.float64)
        return expit(raw_prediction) - y

    def hessian_terms(self, raw_prediction):
        """The Hessian of each sample's loss in its logits, ``(diag, None)``:
        the K sigmoids are separate, so it is ``diag(p (1 - p))``; computed as
        ``sigmoid(z) sigmoid(-z)``, exact in either tail."""
        return expit(raw_prediction) * expit(-raw_prediction), None

    def weighted_loss_gradient_inplace(
        self, y, raw_prediction, sample_weight, per_output=False
    ):
        """Return ``sum_i s_i loss_i`` (or, with ``per_output``, its K terms);
        overwrite the logits with ``s_i (p - y)``.

        One exp an entry: with ``e = exp(-|z|)`` and ``u = 1 + e``,
        ``softplus(z) = max(z, 0) + log1p(e)`` and ``sigmoid(z) = (e + [z >= 0]
        (1 - e)) / u``, both exact in either tail; ``log1p(e)`` is ``log(u)
        + (e - (u - 1)) / u``, exact to rounding (``e - (u - 1)`` is the
        rounding error of ``u``). The whole kernel took 29 ns an entry with
        np.logaddexp and expit and takes 20 ns this way in float64, 26 and
        9 ns in float32 (25,000 entries, one thread): np.logaddexp costs
        20 ns an entry, np.log1p 7 and np.heaviside 5, where np.log and
        np.greater_equal cost 2 (float32) and 0.2.

        A few outputs at a time, so the temporaries are a block, not (K, n):
        with all K at once OneVsRestSigmoid held 4.5 K x n arrays at its peak
        (287 MB for K = 2000, n = 4000; SoftmaxRegression 96 MB).
        """
        n_outputs, n_samples = raw_prediction.shape
        weights64 = np.asarray(sample_weight, dtype=np.float64)
        output_loss = np.empty(n_outputs)
        block = max(1, _BLOCK_ENTRIES // max(n_samples, 1))
        for first in range(0, n_outputs, block):
            rows = slice(first, first + block)
            logits = raw_prediction[rows]
            target = self.target_rows(y, rows, n_outputs, logits.dtype)
            exp_neg = np.abs(logits)
            np.negative(exp_neg, out=exp_neg)
            np.exp(exp_neg, out=exp_neg)
            one_plus = exp_neg + 1
            entry_loss = np.subtract(one_plus, 1)
            np.subtract(exp_neg, entry_loss, out=entry_loss)
            entry_loss /= one_plus
            entry_loss += np.log(one_plus)
            entry_loss += np.maximum(logits, 0)
            entry_loss -= target * logits
            output_loss[rows] = entry_loss @ weights64
            numerator = np.subtract(1, exp_neg, out=entry_loss)
            numerator *= np.greater_equal(logits, 0, out=logits)
            numerator += exp_neg
            np.divide(numerator, one_plus, out=logits)
            logits -= target
            logits *= sample_weight
        return output_loss if per_output else float(output_loss.sum())

    def loss_gradient_xp(self, y, raw_prediction, sample_weight, xp, accumulate):
        """The same in any Array API namespace: ``(per-output sums of
        s_i loss_ik, s_i (p_i - y_i))``, the sums in ``accumulate``."""
        loss = softplus(raw_prediction, xp) - y * raw_prediction
        proba = xp.exp(-softplus(-raw_prediction, xp))
        residual = (proba - y) * sample_weight
        return _weighted_sum_xp(loss, sample_weight, xp, accumulate), residual

    fit_intercept_only = MultinomialLoss.fit_intercept_only

    def target_totals(self, y, sample_weight, n_outputs):
        """Each output's positive weight ``sum_i s_i y_ik``, float64."""
        weights64 = np.asarray(sample_weight, dtype=np.float64)
        if y.ndim == 1:  # class codes
            return np.bincount(y, weights=weights64, minlength=n_outputs)
        return y @ weights64

    def intercept_from_totals(self, totals, total_weight, unseen_neutral=False):
        """Each output's log-odds, ``log(rate / (1 - rate))``.

        ``unseen_neutral``: an output whose targets are all 0 (or all 1) gets
        the rate 1 / K (or 1 - 1 / K), K the number of classes, instead of the
        floor."""
        rate = totals / total_weight
        if unseen_neutral:
            uniform = 1 / max(totals.shape[0], 2)
            rate = np.where(rate <= 0, uniform, np.where(rate >= 1, 1 - uniform, rate))
        rate = np.clip(rate, _TINY, 1 - _TINY)
        return np.log(rate) - np.log1p(-rate)
