"""The chunks of a Dask fit, prepared once where they live, and the
objective over them.

Each chunk is validated and encoded on its worker (X checked, y -> the
problem's target, the weights ``s_i``) and persisted there for the whole
fit. An evaluation of the objective sends the coefficients once, computes
:meth:`LinearLoss.sums` on every chunk, and adds the parts up in a tree:
the same ``F / S`` as in memory, in another summation order.
"""

from dataclasses import dataclass, replace

import dask
import numpy as np
from scipy import sparse
from sklearn.utils.validation import check_array

from .._fit_data import largest_batch_mean, output_targets, squared_row_norms
from .._loss import LinearLoss
from .._loss._hessian import information_sums
from .._targets import smoothed
from .._weights import _class_totals, sample_weights

# parts a node of the summation tree adds (dask's reductions use 8 too)
_SPLIT_EVERY = 8


@dataclass(frozen=True)
class ChunkSpec:
    """How every chunk of one fit is validated and encoded."""

    encoder: object
    classes: np.ndarray
    dtype: np.dtype
    label_smoothing: float
    class_weight: dict | None


@dataclass
class Chunk:
    """One chunk, ready for the objective: X, target, weights, and the
    problem it encodes (without its arrays)."""

    X: object
    target: np.ndarray
    sample_weight: np.ndarray
    problem: object

    def __sizeof__(self):
        # What Dask's scheduler counts (via sys.getsizeof) when it weighs
        # moving a chunk against computing where it is: a few dozen bytes
        # without this, and idle workers "stole" evaluations, fetching
        # 200 MB chunks (0.17 s of compute became 1.06 s; 1M x 100, 2 workers).
        arrays = [self.target, self.sample_weight]
        if sparse.issparse(self.X):
            arrays += [self.X.data, self.X.indices, self.X.indptr]
        else:
            arrays.append(self.X)
        return sum(array.nbytes for array in arrays)


def _encoded(spec, y):
    y, _ = spec.encoder.check(y, spec.classes)
    problem = spec.encoder.encode(y, spec.classes, spec.dtype)
    if spec.label_smoothing > 0:
        problem = smoothed(problem, spec.label_smoothing, spec.dtype)
    return problem


def _prepare(spec, X, y, sample_weight):
    """A chunk validated and encoded."""
    X = check_array(
        X, accept_sparse=["csr", "csc"], dtype=spec.dtype, ensure_min_samples=0
    )
    problem = _encoded(spec, y)
    weights = sample_weights(
        sample_weight,
        X,
        problem,
        spec.classes,
        spec.class_weight,
        require_positive=False,
    )
    meta = replace(problem, target=None, class_codes=None, class_proba=None)
    return Chunk(X, problem.target, weights, meta)


def _class_weight_totals(spec, y, sample_weight):
    """One chunk's total weight per class, before class weights."""
    problem = _encoded(spec, y)
    rows = np.empty((len(y), 0), dtype=spec.dtype)
    weights = sample_weights(sample_weight, rows, problem, spec.classes, None, False)
    return (_class_totals(problem, weights, len(spec.classes)),)


def _add(*parts):
    """Parts ``(a, b, ...)`` of several chunks, added entry by entry."""
    return tuple(sum(values[1:], values[0]) for values in zip(*parts, strict=True))


def tree_sum(parts):
    """The entry-wise sum of delayed tuples, added in a tree of delayed
    tasks (a chain would add the chunks one after the other)."""
    while len(parts) > 1:
        parts = [
            dask.delayed(_add)(*parts[first : first + _SPLIT_EVERY])
            for first in range(0, len(parts), _SPLIT_EVERY)
        ]
    return parts[0]


def class_weight_totals(spec, blocks):
    """The total weight of each class over all chunks (for "balanced")."""
    parts = [dask.delayed(_class_weight_totals)(spec, y, w) for _, y, w in blocks]
    return dask.compute(tree_sum(parts))[0][0]


def _summary(chunk, batch_size, fit_intercept):
    """What the driver needs of a chunk: its problem, weight, target totals
    and rows, and for SGD's step (``batch_size`` not None) its
    ``batch_size`` largest squared row norms (plus the intercept's 1) and its
    smallest and largest weight."""
    problem, weights = chunk.problem, chunk.sample_weight
    totals = problem.base_loss.target_totals(chunk.target, weights, problem.n_outputs)
    summary = {
        "problem": problem,
        "weight_sum": float(weights.sum(dtype=np.float64)),
        "target_totals": totals,
        "n_samples": chunk.X.shape[0],
    }
    if batch_size is not None:
        sq_norms = squared_row_norms(chunk.X) + int(fit_intercept)
        top = min(batch_size, sq_norms.shape[0])
        sq_norms.partition(-top)
        summary["top_sq_norms"] = sq_norms[-top:]
        summary["weight_range"] = (weights.min(), weights.max())
    return summary


def _batch_sq_norm(summaries, batch_size):
    """:meth:`FitData.batch_sq_norm` over all rows, from the chunks'
    summaries: the ``batch_size`` largest norms of all rows are among each
    chunk's ``batch_size`` largest."""
    low = min(summary["weight_range"][0] for summary in summaries)
    high = max(summary["weight_range"][1] for summary in summaries)
    tops = np.concatenate([summary["top_sq_norms"] for summary in summaries])
    return largest_batch_mean(tops, low == high, batch_size)


def _chunk_sums(chunk, loss_spec, coef, outputs, per_output):
    """:meth:`LinearLoss.sums` on a chunk, for the outputs ``outputs`` (None:
    all)."""
    base_loss, n_outputs, n_features, fit_intercept = loss_spec
    target = chunk.target
    if outputs is not None:
        target = output_targets(target, n_outputs, outputs)
        n_outputs = len(outputs)
    loss = LinearLoss(base_loss, n_outputs, n_features, fit_intercept)
    return loss.sums(coef, chunk.X, target, chunk.sample_weight, per_output)


def chunk_information(chunk, loss_spec, coef, outputs, scores):
    """:func:`information_sums` on a chunk (inference's Hessian and score
    outer products)."""
    loss = LinearLoss(*loss_spec)
    return information_sums(
        loss, coef, chunk.X, chunk.target, chunk.sample_weight, outputs, scores
    )


class Chunks:
    """The chunks of one fit, prepared where they live.

    Parameters
    ----------
    spec : ChunkSpec
    blocks : list of tuple
        ``(X, y, sample_weight)`` delayed blocks, one per chunk.
    n_features : int
    fit_intercept : bool
    batch_size : int or None
        SGD's minibatch size (for the step size "auto"); None for L-BFGS,
        which needs no row norms.
    persist : bool
        Keep the prepared chunks in the workers' memory for the fit (many
        passes); else prepare each chunk again whenever it is visited (one
        SGD pass of ``partial_fit``, over data that may not fit in memory).

    Attributes
    ----------
    problem : Problem
        The problem's kind, without its arrays (they stay in the chunks).
    weight_sum : float
        ``S``, the total sample weight.
    target_totals : ndarray
        ``sum_i s_i y_ik`` per output (the starting intercepts).
    n_samples : int
    batch_sq_norm : float or None
        :meth:`FitData.batch_sq_norm` over all rows (None for L-BFGS).
    """

    def __init__(self, spec, blocks, n_features, fit_intercept, batch_size, persist):
        self.chunks = [dask.delayed(_prepare)(spec, *block) for block in blocks]
        if persist:
            self.chunks = list(dask.persist(*self.chunks))
        self.persisted, self.fit_intercept = persist, fit_intercept
        parts = dask.compute(
            *[dask.delayed(_summary)(c, batch_size, fit_intercept) for c in self.chunks]
        )
        self.problem = problem = parts[0]["problem"]
        self.weight_sum = sum(part["weight_sum"] for part in parts)
        self.target_totals = sum(part["target_totals"] for part in parts)
        self.n_samples = sum(part["n_samples"] for part in parts)
        self.batch_sq_norm = None
        if batch_size is not None:
            self.batch_sq_norm = _batch_sq_norm(parts, batch_size)
        self.loss_spec = (
            problem.base_loss,
            problem.n_outputs,
            n_features,
            fit_intercept,
        )

    def sums(self, coef, outputs=None, per_output=False):
        """``LinearLoss.sums`` over every chunk: one evaluation."""
        return self.map_sum(_chunk_sums, coef, outputs, per_output)

    def map_sum(self, function, *args):
        """``function(chunk, loss_spec, *args)`` on every chunk where it
        lives (a tuple of parts each), the parts added over the chunks."""
        args = [None if arg is None else dask.delayed(arg) for arg in args]
        # each argument one node of the graph: sent once, not once a chunk
        parts = [
            dask.delayed(function)(chunk, self.loss_spec, *args)
            for chunk in self.chunks
        ]
        return dask.compute(tree_sum(parts))[0]


class ChunkedLoss(LinearLoss):
    """:class:`LinearLoss` whose X is a :class:`Chunks`: its ``y``
    argument is None (each chunk's own target) or the outputs of a lockstep
    subset, and ``sample_weight`` is unused (the chunks hold theirs)."""

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
        loss_sum, gradient = X.sums(coef, y, per_output)
        return self.scaled(coef, loss_sum, gradient, l2_reg_strength, weight_sum)
