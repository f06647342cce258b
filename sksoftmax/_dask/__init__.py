"""Dask collections: fit on chunks where they live, predict lazily.

Imported only when a Dask collection reaches an estimator
(``sksoftmax._dask_dispatch``); installing the ``dask`` extra is then needed.
"""

from ._data import DaskFitData
from ._predict import predict_lazily

__all__ = ["DaskFitData", "predict_lazily"]
