"""DaskFitData: the data of a fit on Dask collections, offering the solvers
what :class:`~sksoftmax._fit_data.FitData` offers, over persisted chunks."""

import contextlib
from dataclasses import replace

import numpy as np

from .._array_api import Namespace
from .._fit_data import FitData, _check_kind
from .._weights import balanced_class_weight, check_total_weight
from ._chunks import ChunkedLoss, Chunks, ChunkSpec, class_weight_totals
from ._inputs import RowChunked, find_classes
from ._sgd import ChunkEpochs


class DaskFitData(FitData):
    """:class:`FitData` for X, y, sample_weight as Dask collections.

    The chunks are validated, encoded and weighted on their workers and
    persisted there for the fit; nothing of X is gathered on the client.
    The objective (``linear_loss``, a :class:`ChunkedLoss`) takes
    ``objective_data = (chunks, None, None)``, and SGD visits the chunks
    with :class:`ChunkEpochs`. The parameters are FitData's; the CV
    estimators' ``apply_class_weight=False`` is refused.
    """

    sgd_epochs = ChunkEpochs

    def __init__(
        self,
        estimator,
        X,
        y,
        sample_weight,
        classes=None,
        reset=True,
        on_device=True,
        kind=None,
        apply_class_weight=True,
        one_pass=False,
    ):
        _check_supported(estimator, apply_class_weight)
        inputs = RowChunked(estimator, X, y, sample_weight, reset=reset)
        encoder = estimator._target_encoder(inputs.y, inputs.columns)
        _check_kind(estimator, encoder, kind)
        if classes is None:
            classes = find_classes(encoder, inputs)
        spec = ChunkSpec(
            encoder, classes, inputs.dtype, estimator.label_smoothing, None
        )
        blocks = inputs.blocks()
        spec = _with_class_weight(spec, estimator.class_weight, blocks)
        n_features = inputs.X.shape[1]
        self.chunks = Chunks(
            spec,
            blocks,
            n_features,
            estimator.fit_intercept,
            # row norms for SGD's step only
            estimator.batch_size if estimator.solver == "sgd" or one_pass else None,
            persist=not one_pass,
        )
        check_total_weight(self.chunks.weight_sum, inputs.dtype)
        self.namespace = Namespace(np.empty(0))
        self.X, self.y, self.classes = inputs.X, inputs.y, classes
        self.target_kind, self.dtype = encoder.kind, inputs.dtype
        self.problem, self.on_device = self.chunks.problem, False
        self.linear_loss = ChunkedLoss(
            self.problem.base_loss,
            self.problem.n_outputs,
            n_features,
            estimator.fit_intercept,
        )
        self.objective_data = (self.chunks, None, None)

    @property
    def weight_sum(self):
        return self.chunks.weight_sum

    def target_rows(self, rows):
        """The outputs of a lockstep subset: each chunk takes its own rows."""
        return rows

    def threads(self):
        """No limits here: each worker runs its own BLAS threads."""
        return contextlib.nullcontext()

    def prior_coef(self, unseen_neutral=False, sample_weight=None):
        loss = self.linear_loss
        intercept = None
        if loss.fit_intercept:
            intercept = self.problem.base_loss.intercept_from_totals(
                self.chunks.target_totals, self.weight_sum, unseen_neutral
            )
        return loss.pack(np.zeros((loss.n_outputs, loss.n_features)), intercept)

    def batch_sq_norm(self, batch_size):
        """Computed with the chunks' summaries, for ``estimator.batch_size``."""
        return self.chunks.batch_sq_norm


def _check_supported(estimator, apply_class_weight):
    if not apply_class_weight:  # the CV estimators weigh each fold themselves
        raise TypeError(
            f"{type(estimator).__name__} fits its folds in memory and takes no "
            "Dask collections; search C with GridSearchCV over "
            "SoftmaxRegression or OneVsRestSigmoid, or fit on a sample."
        )
    if estimator.solver == "sgd" and estimator.early_stopping:
        raise ValueError(
            "early_stopping is not supported on Dask collections: the "
            "validation split would be gathered on the client. Hold out a "
            "validation set yourself and call partial_fit, or use "
            "solver='lbfgs'."
        )


def _with_class_weight(spec, class_weight, blocks):
    """The spec with ``class_weight`` as a dict; "balanced" from every
    chunk's class totals (one pass over y and sample_weight)."""
    if class_weight is None:
        return spec
    if isinstance(class_weight, str):  # "balanced"
        totals = class_weight_totals(spec, blocks)
        per_class = balanced_class_weight(totals, spec.classes)
        class_weight = dict(zip(spec.classes.tolist(), per_class.tolist(), strict=True))
    return replace(spec, class_weight=class_weight)
