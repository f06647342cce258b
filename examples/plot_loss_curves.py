"""
Loss curves of L-BFGS and SGD
=============================

Both solvers minimise the same objective ``F / S``. L-BFGS reaches many digits
in a few dozen iterations over the whole data; SGD takes cheap minibatch steps
and gets close fast, then creeps. The curve is the objective gap to the L-BFGS
optimum, per iteration (L-BFGS) or per epoch (SGD, ``loss_curve_`` holds the
mean objective of each epoch's minibatch steps).
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from sksoftmax import SoftmaxRegression

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
C = 0.1
exact = SoftmaxRegression(C=C, tol=1e-8, max_iter=1000).fit(X, y)
optimum = exact.loss_curve_[-1]

runs = {
    "L-BFGS (per iteration)": exact,
    "SGD constant, batch 256 (per epoch)": SoftmaxRegression(
        C=C, solver="sgd", max_iter=200, tol=1e-6, random_state=0
    ).fit(X, y),
    "SGD adaptive, batch 64 (per epoch)": SoftmaxRegression(
        C=C,
        solver="sgd",
        batch_size=64,
        learning_rate="adaptive",
        n_iter_no_change=3,
        max_iter=200,
        tol=1e-5,
        random_state=0,
    ).fit(X, y),
}
fig, ax = plt.subplots(figsize=(7, 4))
for label, model in runs.items():
    gap = [max(f - optimum, 1e-12) for f in model.loss_curve_]
    ax.semilogy(range(1, len(gap) + 1), gap, label=label)
ax.set_xlabel("iteration / epoch")
ax.set_ylabel("objective - optimum")
ax.legend()
fig.tight_layout()
plt.show()
