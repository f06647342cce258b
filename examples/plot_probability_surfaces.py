"""
Softmax or K sigmoids: probability surfaces
===========================================

Three overlapping classes in two dimensions. :class:`~sksoftmax.SoftmaxRegression`
shares one distribution between the classes; :class:`~sksoftmax.OneVsRestSigmoid`
asks three independent yes/no questions, whose answers need not sum to one
(``predict_proba`` normalises them for multiclass ``y``). The shading shows the
probability of the most likely class; the dashed line marks where the three
raw sigmoids sum to one.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit
from sklearn.datasets import make_blobs

from sksoftmax import OneVsRestSigmoid, SoftmaxRegression

X, y = make_blobs(n_samples=300, centers=3, cluster_std=1.6, random_state=3)
xx, yy = np.meshgrid(
    np.linspace(X[:, 0].min() - 1, X[:, 0].max() + 1, 200),
    np.linspace(X[:, 1].min() - 1, X[:, 1].max() + 1, 200),
)
grid = np.c_[xx.ravel(), yy.ravel()]

fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), sharey=True)
for ax, model in zip(axes, [SoftmaxRegression(), OneVsRestSigmoid()], strict=True):
    model.fit(X, y)
    proba = model.predict_proba(grid)
    ax.contourf(
        xx, yy, proba.max(axis=1).reshape(xx.shape), levels=20, cmap="Greys", alpha=0.5
    )
    ax.contour(
        xx, yy, proba.argmax(axis=1).reshape(xx.shape), colors="k", linewidths=0.5
    )
    if isinstance(model, OneVsRestSigmoid):
        raw_sum = expit(model.decision_function(grid)).sum(axis=1)
        ax.contour(xx, yy, raw_sum.reshape(xx.shape), levels=[1.0], linestyles="--")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="viridis", s=12, edgecolor="k")
    ax.set_title(f"{type(model).__name__}: accuracy {model.score(X, y):.3f}")
fig.tight_layout()
plt.show()
