"""Predictions on Dask collections: lazy dask arrays with X's row chunks,
each block computed by the fitted estimator where X's block lives."""

import dask.array as da
import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from .._array_api import plain_input
from ._inputs import _described, unsupported


def _on_block(block, estimator, method, columns):
    if columns is not None:  # the fitted feature names, as fit saw them
        import pandas as pd

        block = pd.DataFrame(block, columns=columns)
    return method(estimator, block)


def predict_lazily(estimator, method, X):
    """``method(estimator, X)`` as a lazy dask array, one block per row chunk.

    X is checked now (fitted, number of features, feature names); its blocks
    are checked as they are computed.
    """
    check_is_fitted(estimator)
    validate_data(estimator, _described(X), reset=False, skip_check_array=True)
    columns = None
    if hasattr(X, "columns") and hasattr(estimator, "feature_names_in_"):
        columns = list(X.columns)
    # lazy: unknown chunk sizes (a DataFrame's partitions) stay unknown
    if hasattr(X, "to_dask_array"):
        X = X.to_dask_array()
    elif not isinstance(X, da.Array):
        raise unsupported(X, "X")
    X = plain_input(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D; got a dask array of shape {X.shape}.")
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    # the shape and dtype of one row's result
    row = np.zeros((1, X.shape[1]), dtype=estimator.coef_.dtype)
    probe = _on_block(row, estimator, method, columns)
    if probe.ndim == 1:
        return X.map_blocks(
            _on_block,
            estimator,
            method,
            columns,
            drop_axis=1,
            dtype=probe.dtype,
            meta=np.empty((0,), dtype=probe.dtype),
        )
    return X.map_blocks(
        _on_block,
        estimator,
        method,
        columns,
        chunks=(X.chunks[0], probe.shape[1:]),
        dtype=probe.dtype,
        meta=np.empty((0, 0), dtype=probe.dtype),
    )
