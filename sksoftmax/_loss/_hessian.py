"""Second-order sums of a linear model's loss: its Hessian in the
coefficients and the outer products of the per-sample scores, over X's rows.

What inference needs (``sksoftmax._inference``), written next to the
gradient it differentiates. With ``xt_i = [1, x_i]`` (the 1 only with an
intercept) and one block of coefficients ``[b_k, w_k]`` for each output k of
``outputs`` (the others held fixed, as a reference class is)::

    hessian     = sum_i s_i (diag(c_i) - o_i o_i^T) kron (xt_i xt_i^T)
    score_outer = sum_i s_i (r_i kron xt_i) (r_i kron xt_i)^T
    group_sums  = sum_{i in g} s_i (r_i kron xt_i)       one row per group g

where ``diag(c_i) - o_i o_i^T`` is the Hessian of sample i's loss in its
logits (the per-sample loss's ``hessian_terms``; no ``o`` for sigmoids) and
``r_i = p_i - y_i`` the gradient. The weights count as frequencies: integer
weights give what repeated rows give. All three add up over any split of
the rows, so Dask's chunks compute theirs where they live.

Rows go a block at a time (float64 copies of a block, the intercept's 1 in
front); ``(diag(c) - o o^T) kron xt xt^T`` is one weighted Gram matrix per
output on the diagonal minus one product ``V^T V`` of the block's
``o_i kron xt_i``: ``n (m q)^2`` multiply-adds in BLAS, never an
``(n, m q)`` matrix of all rows.
"""

import numpy as np
from scipy import sparse

from .._threads import kernel_threads
from ._row_blocks import for_each_block

# Entries of a block's (rows, m q) operand V: 16 MiB of float64. V^T V is
# nearly all the time, and the product runs at the BLAS floor from about
# 2000 rows: on 100,000 x 100 with 10 classes (m q = 909) it took 1.07 s
# in blocks of 2306 rows against 1.47 s in blocks of 1153 (2-core AMD EPYC,
# 145 GFLOP/s). Half of it as block rows (k, l >= k), or the distinct pairs
# of entries only (a quarter), took longer: the narrower products fall off
# the BLAS floor (1.44 and 1.35 s).
_BLOCK_ENTRIES = 1 << 21
_MIN_BLOCK_ROWS = 256


def _design(X_rows, fit_intercept):
    """A float64 dense copy of a block of rows, its intercept column first."""
    block = X_rows.toarray() if sparse.issparse(X_rows) else X_rows
    block = np.asarray(block, dtype=np.float64)
    if not fit_intercept:
        return np.array(block)  # a copy: the logits below take X's own
    return np.hstack([np.ones((block.shape[0], 1)), block])


def _kron_rows(factors, design):
    """``factors[:, i] kron design[i]`` for each row i: (rows, m q)."""
    n_rows = design.shape[0]
    # into a C-ordered buffer: the product of the transposed factors came
    # out in another order, and its reshape copied it (0.33 s of 2.6)
    product = np.empty((n_rows, factors.shape[0], design.shape[1]))
    np.multiply(factors.T[:, :, None], design[:, None, :], out=product)
    return product.reshape(n_rows, -1)


def information_sums(
    linear_loss,
    coef,
    X,
    y,
    sample_weight,
    outputs,
    scores=False,
    group_codes=None,
    n_groups=0,
):
    """The Hessian, and with ``scores`` the score outer products (and with
    ``group_codes`` each group's score sums), of ``sum_i s_i loss_i``.

    Parameters
    ----------
    linear_loss : LinearLoss
        Numpy (not another namespace); ``coef`` is packed as it packs.
    coef : ndarray of shape (n_coef,)
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y : ndarray
        Target in the base loss's encoding.
    sample_weight : ndarray of shape (n_samples,)
    outputs : ndarray of int
        The outputs whose coefficients the sums are over, in this order.
    scores : bool, default=False
        Also return ``score_outer``.
    group_codes : ndarray of int of shape (n_samples,) or None
        A group in ``[0, n_groups)`` per sample: also return ``group_sums``.
    n_groups : int, default=0

    Returns
    -------
    hessian : ndarray of shape (m q, m q)
        m outputs, q = n_features (+ 1 with an intercept, first in each
        output's block).
    score_outer : ndarray of shape (m q, m q), or 0.0 without ``scores``
    group_sums : ndarray of shape (n_groups, m q), or 0.0 without groups
    """
    outputs = np.asarray(outputs)
    n_params = len(outputs) * (X.shape[1] + int(linear_loss.fit_intercept))
    rows_per_block = max(_MIN_BLOCK_ROWS, _BLOCK_ENTRIES // max(n_params, 1))
    blocks = range(0, X.shape[0], rows_per_block)
    # contiguous shares of the blocks, one a thread, each summed on its own
    # and the shares added in order (the same result for a thread count)
    n_shares = min(kernel_threads(), len(blocks))
    shares = np.array_split(np.arange(len(blocks)), max(n_shares, 1))
    parts = [None] * len(shares)

    def sum_share(worker, share):
        parts[share] = sums = _Sums(n_params, scores, group_codes, n_groups)
        for block in shares[share]:
            rows = slice(blocks[block], blocks[block] + rows_per_block)
            sums.add_rows(linear_loss, coef, X, y, sample_weight, outputs, rows)

    # BLAS at one thread a share: 0.78 s against 0.96 s for V^T V with two
    # BLAS threads (20000 x 200, K = 10; 2-core AMD EPYC)
    for_each_block(sum_share, len(shares))
    total = parts[0] if parts else _Sums(n_params, scores, group_codes, n_groups)
    for part in parts[1:]:
        total.merge(part)
    return total.hessian, total.score_outer, total.group_sums


class _Sums:
    """:func:`information_sums`' three sums over some of the rows."""

    def __init__(self, n_params, scores, group_codes, n_groups):
        self.hessian = np.zeros((n_params, n_params))
        self.score_outer = np.zeros_like(self.hessian) if scores else 0.0
        self.group_codes, self.scores = group_codes, scores
        with_groups = group_codes is not None
        self.group_sums = np.zeros((n_groups, n_params)) if with_groups else 0.0

    def merge(self, other):
        self.hessian += other.hessian
        self.score_outer += other.score_outer
        self.group_sums += other.group_sums

    def add_rows(self, linear_loss, coef, X, y, sample_weight, outputs, rows):
        """Add the sums of the rows ``rows`` (a slice)."""
        design = _design(X[rows], linear_loss.fit_intercept)
        # the logits in float64, from the float64 block
        raw = linear_loss.raw_prediction(coef, design[:, -X.shape[1] :])
        weights = np.asarray(sample_weight[rows], dtype=np.float64)
        diag, outer = linear_loss.base_loss.hessian_terms(raw)
        q, root_weights = design.shape[1], np.sqrt(weights)
        diagonal_factors = _kron_rows(root_weights * diag[outputs], design)
        if outer is not None:
            products = diagonal_factors  # the softmax's o is its c: p
            if outer is not diag:
                products = _kron_rows(root_weights * outer[outputs], design)
            self.hessian -= products.T @ products
        # the diagonal term's blocks side by side, (q, m q), in one product
        # (one per output took 0.61 s of 2.2 on 100,000 x 100, K = 10)
        diagonal_blocks = (design * root_weights[:, None]).T @ diagonal_factors
        for position in range(len(outputs)):
            block = slice(position * q, (position + 1) * q)
            self.hessian[block, block] += diagonal_blocks[:, block]
        if not self.scores and self.group_codes is None:
            return
        residual = linear_loss.base_loss.gradient(y[..., rows], raw)[outputs]
        if self.scores:
            products = _kron_rows(root_weights * residual, design)
            self.score_outer += products.T @ products
        if self.group_codes is not None:
            products = _kron_rows(weights * residual, design)
            codes = self.group_codes[rows]
            membership = sparse.csr_matrix(
                (np.ones(codes.shape[0]), (codes, np.arange(codes.shape[0]))),
                shape=(self.group_sums.shape[0], codes.shape[0]),
            )
            self.group_sums += membership @ products
