"""Dask inputs as dask arrays chunked by rows only, with aligned chunks, and
the classes of a 1-D y found in one pass over its chunks."""

import warnings

import dask
import dask.array as da
import numpy as np
from sklearn.utils.validation import column_or_1d, validate_data

from .._array_api import plain_input
from .._targets import _sorted_labels


class RowChunked:
    """X, y and sample_weight of a fit as dask arrays with the same row
    chunks, X's columns in one block.

    A dask DataFrame or Series becomes an array (its partitions' lengths are
    computed once); numpy y or sample_weight is cut like X. ``validate_data``
    records ``n_features_in_`` and ``feature_names_in_`` without reading X.

    Attributes
    ----------
    X, y, sample_weight : dask arrays (``sample_weight`` may be None)
    columns : pandas Index or None
        y's column labels when it was a DataFrame (soft targets' classes).
    dtype : numpy dtype
        X's float dtype for the fit: float32 stays, anything else is float64.
    """

    def __init__(self, estimator, X, y, sample_weight, reset=True):
        validate_data(estimator, _described(X), reset=reset, skip_check_array=True)
        self.columns = getattr(y, "columns", None)
        dtype = getattr(y, "dtype", None)
        if isinstance(dtype, _categorical_dtype()):
            # the labels, not the categories: an unused category is no class
            # (as in memory), so the classes are found from the chunks
            y = y.astype(dtype.categories.dtype)
        X = plain_input(_as_array(X, "X"))
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D; got a dask array of shape {X.shape}.")
        if X.numblocks[1] > 1:  # a chunk is a block of whole rows
            X = X.rechunk({1: -1})
        if X.dtype != np.float32:
            X = X.astype(np.float64)
        self.X, self.dtype = X, np.dtype(X.dtype)
        self.y = _aligned(_as_array(y, "y", rows=X.chunks[0]), X, "y")
        if self.y.ndim == 2 and self.y.numblocks[1] > 1:
            self.y = self.y.rechunk({1: -1})
        self.sample_weight = None
        if sample_weight is not None:
            sample_weight = _as_array(sample_weight, "sample_weight", rows=X.chunks[0])
            self.sample_weight = _aligned(sample_weight, X, "sample_weight")

    def blocks(self):
        """``(X, y, sample_weight)`` of each non-empty row chunk, as delayed
        objects (``sample_weight`` None when not given)."""
        X_blocks = self.X.to_delayed().ravel()
        y_blocks = self.y.to_delayed().ravel()
        if self.sample_weight is None:
            weight_blocks = [None] * len(X_blocks)
        else:
            weight_blocks = self.sample_weight.to_delayed().ravel()
        sizes = self.X.chunks[0]
        return [
            parts
            for size, parts in zip(
                sizes, zip(X_blocks, y_blocks, weight_blocks, strict=True), strict=True
            )
            if size > 0
        ]


def _described(X):
    """What scikit-learn reads n_features_in_ and feature_names_in_ from: a
    dask DataFrame's empty pandas counterpart (its ``_meta``), else X."""
    return X._meta if hasattr(X, "columns") and hasattr(X, "_meta") else X


def _categorical_dtype():
    import pandas as pd  # a dask DataFrame brings pandas

    return pd.CategoricalDtype


def _as_array(obj, name, rows=None):
    """A dask array of ``obj``: its DataFrame or Series as one, with the
    partitions' lengths known; a numpy array cut into ``rows`` chunks."""
    if hasattr(obj, "to_dask_array"):
        with warnings.catch_warnings():
            # pandas' string labels become numpy objects: what y needs
            warnings.filterwarnings("ignore", "Dask currently has limited support")
            return obj.to_dask_array(lengths=True)
    if isinstance(obj, da.Array):
        if any(np.isnan(size) for size in obj.chunks[0]):
            obj = obj.compute_chunk_sizes()
        return obj
    if dask.is_dask_collection(obj):
        raise unsupported(obj, name)
    if rows is None:
        raise TypeError(f"{name} must be a dask array or DataFrame here.")
    array = np.asarray(obj)
    if array.ndim == 0 or array.shape[0] != sum(rows):
        raise ValueError(
            f"{name} has {array.shape[0] if array.ndim else 0} rows but X has "
            f"{sum(rows)}."
        )
    return da.from_array(array, chunks=(rows,) + array.shape[1:])


def unsupported(obj, name):
    """The error for a Dask collection that is not an array or DataFrame."""
    return TypeError(
        f"{name} is a {type(obj).__name__}; sksoftmax takes dask arrays, "
        "DataFrames and Series."
    )


def _aligned(array, X, name):
    """``array``, checked to have X's row chunks."""
    if array.shape[0] != X.shape[0]:
        raise ValueError(f"{name} has {array.shape[0]} rows but X has {X.shape[0]}.")
    if array.chunks[0] != X.chunks[0]:
        raise ValueError(
            f"The row chunks of {name} {array.chunks[0]} differ from X's "
            f"{X.chunks[0]}: each chunk of X must come with its own rows of "
            f"{name}. Rechunk it, e.g. {name}.rechunk({{0: X.chunks[0]}})."
        )
    return array


def _chunk_labels(y):
    return _sorted_labels(column_or_1d(y)) if len(y) else np.empty(0, y.dtype)


def find_classes(encoder, inputs):
    """The classes of the fit: those of y's columns, or the sorted labels of
    a 1-D y found in one pass over its chunks."""
    y = inputs.y
    if y.ndim == 2 and y.shape[1] > 1:
        return encoder.column_classes(y.shape[1])
    parts = dask.compute(*[dask.delayed(_chunk_labels)(b) for b in y.to_delayed()])
    labels = np.unique(np.concatenate(parts))
    return encoder.check(labels)[1]  # at least two classes, or its error
