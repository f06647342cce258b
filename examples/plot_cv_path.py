"""
Choosing C: the validation curve and the coefficient paths
==========================================================

:class:`~sksoftmax.SoftmaxRegressionCV` fits every fold at every C of the
path in one pass over X per L-BFGS round, warm-starting each C from the
previous one. Its ``scores_`` give the validation curve (mean held-out
log-loss against C, with the spread over the folds) and its
``coefs_paths_`` how the weights grow as the penalty weakens.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

from sksoftmax import SoftmaxRegressionCV

X, y = load_wine(return_X_y=True)
X = StandardScaler().fit_transform(X)
model = SoftmaxRegressionCV(Cs=np.logspace(-3, 3, 13), tol=1e-6).fit(X, y)
print(f"C_ = {model.C_:.3g}; training accuracy of the refit: {model.score(X, y):.3f}")

mean, spread = model.scores_.mean(axis=0), model.scores_.std(axis=0)
best = np.argmax(mean)
assert model.C_ == model.Cs_[best]

fig, (curve, paths) = plt.subplots(1, 2, figsize=(10, 4))
curve.semilogx(model.Cs_, -mean, marker="o")
curve.fill_between(model.Cs_, -mean - spread, -mean + spread, alpha=0.2)
curve.axvline(model.C_, color="k", linestyle="--", label=f"C_ = {model.C_:.3g}")
curve.set_xlabel("C")
curve.set_ylabel("held-out log-loss (5 folds)")
curve.set_title("Validation curve")
curve.legend()

# the first fold's weights of the first class, one line per feature
weights = model.coefs_paths_[0, :, 0, :-1]
paths.semilogx(model.Cs_, weights)
paths.axvline(model.C_, color="k", linestyle="--")
paths.set_xlabel("C")
paths.set_ylabel("weight")
paths.set_title("Coefficient paths (fold 0, class 0)")
fig.tight_layout()
plt.show()
