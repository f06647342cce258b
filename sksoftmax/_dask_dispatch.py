"""Where a Dask collection turns off the in-memory path, without importing
Dask: an object can only be a Dask collection once Dask has been imported
(by whoever made it), so ``sys.modules`` tells."""

import functools
import sys


def is_dask_collection(obj):
    """Whether ``obj`` is a Dask collection (array, DataFrame, Series)."""
    dask = sys.modules.get("dask")
    return dask is not None and dask.is_dask_collection(obj)


def lazy_on_dask(method):
    """A prediction method that, given a Dask collection, returns a lazy dask
    array of its results with X's row chunks (``sksoftmax._dask``)."""

    @functools.wraps(method)
    def wrapper(self, X):
        if is_dask_collection(X):
            from ._dask import predict_lazily

            return predict_lazily(self, method, X)
        return method(self, X)

    return wrapper
