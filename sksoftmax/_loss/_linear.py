"""LinearLoss: packed coefficients -> objective and gradient for a design
matrix X, holding one of the per-sample losses (composition, as in
scikit-learn's ``LinearModelLoss``)."""

import numpy as np
from scipy import sparse

from .._array_api import to_host
from ._per_sample import _weighted_sum
from ._row_blocks import for_each_block, row_blocks


def _total_weight(sample_weight, namespace):
    if namespace is None:
        return float(sample_weight.sum(dtype=np.float64))
    xp = namespace.xp
    return float(xp.sum(xp.astype(sample_weight, namespace.accumulate_dtype)))


def _l2_penalty(weights, l2_reg_strength, per_output=False):
    """``l2_reg_strength / 2 * ||W||^2``, or its term for each row of W; a
    strength per feature (an array) weighs each column of W."""
    if np.ndim(l2_reg_strength) > 0:  # per-feature penalty factors
        terms = np.einsum("kj,kj,j->k", weights, weights, l2_reg_strength)
        return 0.5 * (terms if per_output else float(terms.sum()))
    if per_output:
        return 0.5 * l2_reg_strength * np.einsum("kj,kj->k", weights, weights)
    flat = weights.ravel()
    return 0.5 * l2_reg_strength * float(np.dot(flat, flat))


class LinearLoss:
    """Objective and gradient of a linear model with logits ``W @ X.T + b``.

    Conventions
    -----------
    - ``W`` has shape (n_outputs, n_features), C-ordered; ``b`` (n_outputs,).
    - The coefficients are packed in one 1-D float64 array, ``W.ravel()``
      followed by ``b`` when ``fit_intercept``; :meth:`unpack` returns views.
    - Logits are laid out (n_outputs, n_samples), one row per output, the
      transpose of what ``decision_function`` returns. Reductions over the
      classes then run along contiguous rows: the softmax kernel takes 1.1 ms
      instead of 6.9 ms (float32) and 1.6 ms instead of 6.7 ms (float64) on
      60000 samples x 10 classes, and the gradient product ``(P - Y).T @ X``
      is the fast orientation (53 ms vs 121 ms for ``X.T @ (P - Y)``).
    - ``y`` is what the base loss takes: integer codes (n_samples,) for
      :class:`MultinomialLoss`, an indicator matrix (n_outputs, n_samples) for
      :class:`SigmoidLoss`.
    - The objective is the weighted mean loss plus the L2 term on ``W`` only::

          sum_i s_i loss_i / weight_sum + l2_reg_strength / 2 * ||W||_F^2

      with ``weight_sum = sum_i s_i`` unless given. The estimators pass
      ``l2_reg_strength = 1 / (C S)``, S the total sample weight, so this is
      ``F / S`` of the design; the SGD solver passes a minibatch with its own
      ``weight_sum``.
    - X is never copied or densified; the logits live in one buffer of X's
      dtype that is reused across calls; the gradient is float64.

    Parameters
    ----------
    base_loss : MultinomialLoss or SigmoidLoss
        The per-sample loss on logits.
    n_outputs : int
        Number of rows of ``W`` (classes for softmax, sigmoids otherwise).
    n_features : int
        Number of columns of ``W``.
    fit_intercept : bool
        Whether the packed coefficients end with ``n_outputs`` intercepts.
    namespace : Namespace or None, default=None
        For X of another array library (``sksoftmax._array_api``): the
        products and the base loss run there, on X's device, while the
        packed coefficients and the gradient stay float64 numpy on the host,
        where the solvers work. None: the numpy in-place path.
    """

    def __init__(self, base_loss, n_outputs, n_features, fit_intercept, namespace=None):
        self.base_loss = base_loss
        self.n_outputs = n_outputs
        self.n_features = n_features
        self.fit_intercept = fit_intercept
        self.namespace = namespace
        # the logits buffers, in a dict that for_outputs' subsets share
        self._buffers = {}

    @property
    def n_coef(self):
        """Length of the packed coefficient vector."""
        return self.n_outputs * (self.n_features + int(self.fit_intercept))

    def pack(self, weights, intercept=None):
        """Pack ``W`` (and ``b``) into one float64 vector."""
        parts = [np.asarray(weights, dtype=np.float64).ravel()]
        if self.fit_intercept:
            parts.append(np.asarray(intercept, dtype=np.float64).ravel())
        return np.concatenate(parts)

    def unpack(self, coef):
        """Views ``(W, b)`` of packed coefficients; ``b`` is None without intercept."""
        n_weights = self.n_outputs * self.n_features
        weights = coef[:n_weights].reshape(self.n_outputs, self.n_features)
        intercept = coef[n_weights:] if self.fit_intercept else None
        return weights, intercept

    def to_rows(self, coef):
        """Packed coefficients as one row ``[w_k, b_k]`` per output (the
        layout of the lockstep solver, one run per output)."""
        weights, intercept = self.unpack(coef)
        if intercept is None:
            return weights
        return np.hstack([weights, intercept[:, None]])

    def from_rows(self, rows):
        """The inverse of :meth:`to_rows`."""
        intercept = rows[:, self.n_features] if self.fit_intercept else None
        return self.pack(rows[:, : self.n_features], intercept)

    def _buffer(self, name, worker, size, dtype, make=np.empty):
        # One flat buffer per name and worker thread for the whole fit (the
        # calling thread's logits are "raw"); SGD's minibatches and the row
        # blocks use a leading, still contiguous, part of it.
        key = name if worker == 0 else f"{name}{worker}"
        buf = self._buffers.get(key)
        if buf is None or buf.dtype != dtype or buf.size < size:
            buf = self._buffers[key] = make(size, dtype=dtype)
        return buf[:size]

    def _raw_buffer(self, n_samples, dtype, worker=0):
        size = self.n_outputs * n_samples
        raw = self._buffer("raw", worker, size, dtype)
        return raw.reshape(self.n_outputs, n_samples)

    def raw_prediction(self, coef, X, out=None):
        """Logits ``W @ X.T + b``, shape (n_outputs, n_samples), X's dtype."""
        weights, intercept = self.unpack(coef)
        weights = weights.astype(X.dtype, copy=False)
        if sparse.issparse(X):
            raw = (X @ weights.T).T
            if out is not None:
                out[...] = raw
                raw = out
        else:
            raw = np.matmul(weights, X.T, out=out)
        if intercept is not None:
            raw += intercept.astype(X.dtype, copy=False)[:, None]
        return raw

    @staticmethod
    def _weights_gradient(weighted_residual, X, out):
        if sparse.issparse(X):
            out[...] = (X.T @ weighted_residual.T).T
        elif out.dtype == X.dtype:
            # np.dot, not np.matmul: with one output (a (1, n) residual)
            # matmul kept the GIL, and two threads' products took as long as
            # one thread's (72 ms against 73 ms over 1e6 x 100; np.dot 45 ms)
            np.dot(weighted_residual, X, out=out)
        else:
            out[...] = np.dot(weighted_residual, X)

    def loss_gradient(
        self,
        coef,
        X,
        y,
        sample_weight,
        l2_reg_strength=0.0,
        weight_sum=None,
        per_output=False,
    ):
        """Objective and its gradient (float64, same packing as ``coef``).

        Parameters
        ----------
        coef : ndarray of shape (n_coef,)
            Packed coefficients.
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Design matrix, float32 or float64.
        y : ndarray
            Target in the base loss's encoding.
        sample_weight : ndarray of shape (n_samples,)
            Per-sample weights ``s_i``, in X's dtype.
        l2_reg_strength : float or ndarray of shape (n_features,), default=0.0
            Strength of the L2 term on ``W``; an array, one per column of W
            (per-feature penalty factors): ``sum_j l2_j ||W[:, j]||^2 / 2``.
        weight_sum : float, default=None
            Divisor of the summed loss; ``sample_weight.sum()`` when None.
        per_output : bool, default=False
            For a separable base loss (K sigmoids), return the objective of
            each output, an array of shape (n_outputs,), whose sum is the
            objective: output k's objective depends on row k of ``W`` and
            ``b_k`` only.

        Returns
        -------
        objective : float or ndarray of shape (n_outputs,)
        gradient : ndarray of shape (n_coef,), float64
        """
        if weight_sum is None:
            weight_sum = _total_weight(sample_weight, self.namespace)
        loss_sum, gradient = self.sums(coef, X, y, sample_weight, per_output)
        return self.scaled(coef, loss_sum, gradient, l2_reg_strength, weight_sum)

    def sums(self, coef, X, y, sample_weight, per_output=False):
        """The unscaled parts of :meth:`loss_gradient`, which add up over any
        split of the rows (Dask's chunks): ``sum_i s_i loss_i`` (per output
        with ``per_output``) and, packed as ``coef``, ``(P - Y) @ X`` and the
        residual sums of the intercepts."""
        gradient = np.empty_like(coef, dtype=np.float64)
        products = self._products if self.namespace is None else self._device_products
        loss_sum = products(coef, X, y, sample_weight, per_output, gradient)
        return loss_sum, gradient

    def scaled(self, coef, loss_sum, gradient, l2_reg_strength, weight_sum):
        """Objective and gradient from the :meth:`sums` of all rows: divided
        by ``weight_sum``, with the L2 term; ``gradient`` is scaled in place.
        An array ``loss_sum`` (per output) gives an objective per output."""
        grad_weights, grad_intercept = self.unpack(gradient)
        weights, _ = self.unpack(coef)
        grad_weights *= 1.0 / weight_sum
        objective = loss_sum / weight_sum
        if np.any(l2_reg_strength > 0):
            grad_weights += l2_reg_strength * weights
            per_output = np.ndim(loss_sum) > 0
            objective += _l2_penalty(weights, l2_reg_strength, per_output)
        if grad_intercept is not None:
            grad_intercept /= weight_sum
        return objective, gradient

    def _products(self, coef, X, y, sample_weight, per_output, gradient):
        """numpy: the summed loss; ``gradient`` gets the unscaled residual
        products ``(P - Y) @ X`` and, for intercepts, the residual sums."""
        loss_kwargs = {"per_output": True} if per_output else {}

        def kernel(raw, rows):
            return self.base_loss.weighted_loss_gradient_inplace(
                y[..., rows], raw, sample_weight[rows], **loss_kwargs
            )

        loss_shape = (self.n_outputs,) if per_output else ()
        return self.blocked_products(coef, X, kernel, gradient, loss_shape)

    def blocked_products(self, coef, X, kernel, gradient, loss_shape=()):
        """Loss sums and residual products of X's rows, a block at a time.

        ``kernel(raw, rows)`` gets the logits of the rows ``rows`` (a slice)
        and returns their loss sums (of shape ``loss_shape``), leaving
        ``s_i (p_i - y_i)`` in ``raw``; ``gradient`` (packed as ``coef``)
        gets the residual products ``(P - Y) @ X`` and, for intercepts, the
        residual sums. A dense X of many rows goes in row blocks over threads
        (``_row_blocks``); each block's sums land in a row of their own and
        are added in block order. Returns the summed loss sums.
        """
        blocks = None  # sparse X: all rows at once, never sliced
        if not sparse.issparse(X):
            blocks = row_blocks(X.shape[0], self.n_outputs, self.n_features)
        if blocks is None or len(blocks) == 1:
            return self._block_products(coef, X, slice(None), kernel, gradient)
        loss_sums = np.empty((len(blocks), *loss_shape))
        gradients = np.empty((len(blocks), gradient.shape[0]))

        def block_products(worker, block):
            rows = slice(*blocks[block])
            loss_sums[block] = self._block_products(
                coef, X[rows], rows, kernel, gradients[block], worker
            )

        for_each_block(block_products, len(blocks))
        gradients.sum(axis=0, out=gradient)
        total = loss_sums.sum(axis=0)
        return total if loss_shape else float(total)

    def _block_products(self, coef, X_rows, rows, kernel, gradient, worker=0):
        """:meth:`blocked_products` of the rows ``X_rows = X[rows]``, with
        ``worker``'s buffer."""
        raw = self._raw_buffer(X_rows.shape[0], X_rows.dtype, worker)
        raw = self.raw_prediction(coef, X_rows, out=raw)
        loss_sum = kernel(raw, rows)
        # raw now holds s_i (p_i - y_i), one row per output
        grad_weights, grad_intercept = self.unpack(gradient)
        self._weights_gradient(raw, X_rows, grad_weights)
        if grad_intercept is not None:
            # a product with ones, in X's dtype: the float64 sum of float32
            # rows took 4.6x as long (70 us against 15 on 10 x 17476), and a
            # float32 evaluation at d = 20, K = 100 took 195 ms instead of 179
            n_rows = X_rows.shape[0]
            ones = self._buffer("ones", worker, n_rows, X_rows.dtype, np.ones)
            grad_intercept[:] = np.dot(raw, ones)
        return loss_sum

    def _device_products(self, coef, X, y, sample_weight, per_output, gradient):
        """The same in X's own namespace and device: only the packed
        coefficients go there, and one array (residual products, residual
        sums, loss sums) comes back. Logits laid out (n_outputs, n_samples)
        as in numpy: on an H100 (1e6 x 784, K = 10, float32) an evaluation
        took 3.68 ms against 4.07 ms laid out (n_samples, n_outputs)."""
        xp = self.namespace.xp
        coef_device = self.namespace.to_device(coef, dtype=X.dtype)
        loss_sum, parts = self._device_sums(coef_device, X, y, sample_weight)
        parts.append(xp.reshape(loss_sum, (-1,)))
        host = to_host(xp.concat(parts), xp).astype(np.float64)
        gradient[:] = host[: gradient.shape[0]]
        loss_sum = host[gradient.shape[0] :]
        return loss_sum if per_output else float(loss_sum.sum())

    def _device_sums(self, coef_device, X, y, sample_weight):
        """On the device: the loss sum(s) and the unscaled gradient parts,
        ``[(P - Y) @ X flattened, residual sums]``, in the accumulation dtype."""
        namespace, n_weights = self.namespace, self.n_outputs * self.n_features
        xp, accumulate = namespace.xp, namespace.accumulate_dtype
        coef_device = xp.astype(coef_device, X.dtype)
        weights = xp.reshape(coef_device[:n_weights], (self.n_outputs, self.n_features))
        raw = weights @ X.T
        if self.fit_intercept:
            raw = raw + xp.reshape(coef_device[n_weights:], (self.n_outputs, 1))
        loss_sum, residual = self.base_loss.loss_gradient_xp(
            y, raw, sample_weight, xp, accumulate
        )
        parts = [xp.reshape(xp.astype(residual @ X, accumulate), (-1,))]
        if self.fit_intercept:
            parts.append(xp.sum(xp.astype(residual, accumulate), axis=1))
        return loss_sum, parts

    def loss_gradient_on_device(
        self, coef, X, y, sample_weight, l2_reg_strength, weight_sum
    ):
        """:meth:`loss_gradient` with everything on X's device and nothing
        brought back (SGD's minibatch steps): ``coef`` a 1-D array there in the
        accumulation dtype, ``weight_sum`` a 0-d array there; the objective
        (0-d) and the gradient are arrays there too."""
        xp = self.namespace.xp
        n_weights = self.n_outputs * self.n_features
        loss_sum, parts = self._device_sums(coef, X, y, sample_weight)
        gradient = xp.concat(parts) / weight_sum
        weights = coef[:n_weights]
        objective = xp.sum(loss_sum) / weight_sum
        if l2_reg_strength > 0:
            penalty = l2_reg_strength * weights
            if self.fit_intercept:
                penalty = xp.concat([penalty, xp.zeros_like(coef[n_weights:])])
            gradient = gradient + penalty
            objective = objective + 0.5 * l2_reg_strength * xp.sum(weights * weights)
        return objective, gradient

    def for_outputs(self, n_outputs):
        """The same loss for a subset of ``n_outputs`` outputs of a separable
        base loss, sharing this one's logits buffer."""
        subset = type(self)(
            self.base_loss,
            n_outputs,
            self.n_features,
            self.fit_intercept,
            self.namespace,
        )
        subset._buffers = self._buffers
        return subset

    def l2_gradient(self, coef, l2_reg_strength):
        """The gradient of the L2 term alone, ``l2 W`` (zero on the
        intercepts), packed as ``coef``: how the gradient of the objective
        changes with ``l2_reg_strength`` (a path's memory of curvature
        pairs, moved from one C to the next)."""
        weights, intercept = self.unpack(coef)
        return self.pack(
            l2_reg_strength * weights, None if intercept is None else 0 * intercept
        )

    def loss(self, coef, X, y, sample_weight, l2_reg_strength=0.0, weight_sum=None):
        """The objective of :meth:`loss_gradient`, computed without the gradient."""
        if weight_sum is None:
            weight_sum = float(sample_weight.sum(dtype=np.float64))
        raw = self.raw_prediction(coef, X)
        objective = _weighted_sum(self.base_loss.loss(y, raw), sample_weight)
        objective /= weight_sum
        weights, _ = self.unpack(coef)
        return objective + _l2_penalty(weights, l2_reg_strength)

    def gradient(self, coef, X, y, sample_weight, l2_reg_strength=0.0, weight_sum=None):
        """The gradient of :meth:`loss_gradient`."""
        return self.loss_gradient(
            coef, X, y, sample_weight, l2_reg_strength, weight_sum
        )[1]
