"""
The same fit on numpy and on a Dask cluster
===========================================

:class:`~sksoftmax.SoftmaxRegression` takes dask arrays and DataFrames as
they are: the chunks stay on the workers, each L-BFGS evaluation sends the
coefficients there and adds up the chunks' objective and gradient. The
objective is the one of the in-memory fit, so the coefficients are too, up
to the order of summation. Here a local cluster of two workers stands in for
a real one; the code is the same with a ``Client`` connected to a cluster.
"""

import time

import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster
from sklearn.datasets import make_classification

from sksoftmax import SoftmaxRegression

X, y = make_classification(
    n_samples=30_000,
    n_features=30,
    n_informative=20,
    n_classes=5,
    n_clusters_per_class=1,
    random_state=0,
)
X_train, y_train, X_test, y_test = X[:25_000], y[:25_000], X[25_000:], y[25_000:]

# %%
# A local cluster, and the data as chunks of 2,500 rows
# -----------------------------------------------------
# On a real cluster the chunks would be read by the workers themselves
# (``dask.dataframe.read_parquet``, ``dask.array.from_zarr``); nothing of X
# passes through this process then.

cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False)
client = Client(cluster)
X_dask = da.from_array(X_train, chunks=(2_500, 30))
y_dask = da.from_array(y_train, chunks=2_500)

# %%
# The same code, two kinds of input
# ---------------------------------

start = time.perf_counter()
in_memory = SoftmaxRegression(C=1.0, tol=1e-6, max_iter=500).fit(X_train, y_train)
seconds_memory = time.perf_counter() - start
start = time.perf_counter()
on_dask = SoftmaxRegression(C=1.0, tol=1e-6, max_iter=500).fit(X_dask, y_dask)
seconds_dask = time.perf_counter() - start

gap = np.abs(on_dask.coef_ - in_memory.coef_).max()
print(f"in memory: {in_memory.n_iter_[0]} iterations in {seconds_memory:.2f} s")
print(f"on Dask:   {on_dask.n_iter_[0]} iterations in {seconds_dask:.2f} s")
print(f"largest coefficient difference: {gap:.1e}")
assert gap < 1e-6

# %%
# Predictions on dask input are lazy: a dask array with X's row chunks,
# computed where the chunks are.

proba = on_dask.predict_proba(da.from_array(X_test, chunks=1_000))
print(proba)
assert np.allclose(proba.compute(), in_memory.predict_proba(X_test))

# %%
# Streaming with partial_fit
# --------------------------
# For data larger than the cluster's memory, each ``partial_fit`` call is one
# SGD pass over the chunks, the model travelling from chunk to chunk; a chunk
# is read when its turn comes. Test accuracy after each pass, against the
# L-BFGS fit:

stream = SoftmaxRegression(C=1.0, solver="sgd", random_state=0)
accuracy = []
for _ in range(5):
    stream.partial_fit(X_dask, y_dask, classes=np.arange(5))
    accuracy.append(stream.score(X_test, y_test))
print("accuracy per pass:", np.round(accuracy, 4))
assert accuracy[-1] > in_memory.score(X_test, y_test) - 0.02

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(range(1, 6), accuracy, marker="o", label="partial_fit passes over chunks")
ax.axhline(in_memory.score(X_test, y_test), color="k", ls="--", label="L-BFGS")
ax.set_xlabel("pass over the data")
ax.set_ylabel("test accuracy")
ax.legend()
fig.tight_layout()

client.close()
cluster.close()

# %%
# When to use which
# -----------------
# Data that fits in one machine's memory fits fastest as numpy: every
# evaluation on Dask pays for scheduling and moving the coefficients and
# gradients (tens of milliseconds), which the millisecond evaluations of this
# small example cannot hide, while on millions of rows the cluster's
# evaluation costs about what the in-memory one does (see the user guide's
# figures). Use Dask when the data lives on a cluster or exceeds memory:
# L-BFGS when the chunks fit in the workers' memory together, partial_fit
# passes when they do not.
