"""SGD on Dask: the model travels to the data. An epoch visits the chunks
in a random order; a task on each chunk's worker runs the minibatch steps
over that chunk, from the coefficients and velocity the previous chunk's
task returned. Only the model and the solver state move."""

import dask
import numpy as np

from .._loss import LinearLoss
from .._solvers._sgd import _epoch, _HostArrays


def _steps(chunk, spec, carried, step, seed):
    """The minibatch steps over one chunk, in a random order of its rows
    from ``seed``: ``carried`` (coefficients, velocity, summed objective and
    weight of the epoch so far) updated with this chunk's."""
    linear_loss, l2_reg_strength, options = spec
    coef, velocity, summed, total = carried
    coef, velocity = coef.copy(), velocity.copy()  # inputs are not ours
    n_rows = chunk.X.shape[0]
    order = np.random.RandomState(seed).permutation(n_rows) if options.shuffle else None
    mean = _epoch(
        linear_loss.loss_gradient,
        coef,
        velocity,
        order,
        step,
        data=(chunk.X, chunk.target, chunk.sample_weight),
        l2_reg_strength=l2_reg_strength,
        options=options,
    )
    weight = float(chunk.sample_weight.sum(dtype=np.float64))
    if weight > 0:  # a weightless chunk takes no step
        summed, total = summed + mean * weight, total + weight
    return coef, velocity, summed, total


def _first_objective(chunk, spec, coef):
    linear_loss, l2_reg_strength, options = spec
    batch = slice(0, min(options.batch_size, chunk.X.shape[0]))
    data = (chunk.X, chunk.target, chunk.sample_weight)
    return _HostArrays().first_batch_objective(
        linear_loss.loss_gradient, coef, data, batch, l2_reg_strength
    )


class ChunkEpochs:
    """The epochs of SGD over :class:`Chunks` (the ``epochs`` of
    :func:`~sksoftmax._solvers.sgd`), ``data`` being ``(chunks, None, None)``.

    Within a chunk the steps are those of the in-memory solver; minibatches
    do not span chunks, so a chunk of fewer rows than ``batch_size`` is one
    smaller step.
    """

    def __init__(self, loss_gradient, data, l2_reg_strength, options, arrays, rows):
        self.chunks = data[0]
        self.n_samples = self.chunks.n_samples
        base_loss, n_outputs, n_features, fit_intercept = self.chunks.loss_spec
        linear_loss = LinearLoss(base_loss, n_outputs, n_features, fit_intercept)
        self.spec = (linear_loss, l2_reg_strength, options)
        self.shuffle = options.shuffle

    def first_objective(self, coef):
        """The objective of the first minibatch of the first chunk."""
        first = dask.delayed(_first_objective)(self.chunks.chunks[0], self.spec, coef)
        return float(dask.compute(first)[0])

    def order(self, rng):
        """The chunks in the order of visit, and a seed for each chunk's
        order of rows."""
        n_chunks = len(self.chunks.chunks)
        visits = rng.permutation(n_chunks) if self.shuffle else np.arange(n_chunks)
        return visits, rng.randint(np.iinfo(np.int32).max, size=n_chunks)

    def run(self, coef, velocity, order, step):
        """One epoch: a chain of one task per chunk. Persisted chunks are
        computed as one graph; chunks prepared on each visit (data that may
        not fit in memory) one at a time, so that one is read at a time."""
        visits, seeds = order
        spec = dask.delayed(self.spec)  # one node: sent once
        carried = (coef, velocity, 0.0, 0.0)
        for index in visits:
            chunk = self.chunks.chunks[index]
            carried = dask.delayed(_steps)(chunk, spec, carried, step, seeds[index])
            if not self.chunks.persisted:
                carried = dask.compute(carried)[0]
        new_coef, new_velocity, summed, total = dask.compute(carried)[0]
        coef[:], velocity[:] = new_coef, new_velocity
        return summed / total if total > 0 else np.nan
