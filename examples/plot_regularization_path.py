"""
Regularisation paths: grouped and elementwise, and the CV curve
===============================================================

How do the 13 chemical measurements of the wine data enter a multinomial
model as the L1 penalty relaxes? :func:`~sksoftmax.regularization_path`
fits the model at every C from :func:`~sksoftmax.l1_min_c`, where the model
is the class frequencies alone, upwards, as glmnet does: each point
starts from the previous ones, and the strong rules leave out the
measurements that cannot enter yet.

With the grouped penalty (``l1_groups="features"``) a measurement enters
for the three cultivars at once, and the picture shows the norm of its three
coefficients. With the elementwise penalty each coefficient enters on its
own: a measurement may separate one cultivar and not the others.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

from sksoftmax import (
    CVScoreDisplay,
    PathDisplay,
    SoftmaxRegression,
    SoftmaxRegressionCV,
    regularization_path,
)

data = load_wine()
X = StandardScaler().fit_transform(data.data)
y, names = data.target, data.feature_names

grouped = regularization_path(
    SoftmaxRegression(l1_ratio=1.0, l1_groups="features"), X, y, n_Cs=60
)
elementwise = regularization_path(SoftmaxRegression(l1_ratio=1.0), X, y, n_Cs=60)

# %%
# The order in which the measurements enter the grouped model: the first
# ones are what a small model of the cultivars would read.
entered = np.argmax(np.linalg.norm(grouped.coefs, axis=1) > 0, axis=0)
for j in np.argsort(entered)[:5]:
    print(f"C = {grouped.Cs[entered[j]]:.4f}: {names[j]}")

# %%
# Both paths, drawn by :class:`~sksoftmax.PathDisplay`; the top axis counts
# the measurements in the model. The grouped path has one line per
# measurement; the elementwise one a line per coefficient, coloured by
# measurement, so one colour may leave zero three times.
fig, axes = plt.subplots(1, 2, figsize=(13, 5))
PathDisplay.from_path(grouped, feature_names=names, ax=axes[0])
axes[0].set_title("Grouped: each measurement's coefficient norm", pad=30)
axes[0].legend(fontsize="x-small", ncol=2)
PathDisplay.from_path(elementwise, feature_names=names, ax=axes[1])
axes[1].set_title("Elementwise: every coefficient", pad=30)
fig.tight_layout()

# %%
# Choosing C (and the mix of L1 and L2) by cross-validation: the mean
# log-loss over 5 folds against C for each ``l1_ratio``, one standard
# deviation either side, and the C chosen.
model = SoftmaxRegressionCV(
    Cs=np.logspace(-2, 2, 20), l1_ratios=[0.5, 1.0], l1_groups="features"
).fit(X, y)
print(f"C_ = {model.C_:.3g}, l1_ratio_ = {model.l1_ratio_}")
display = CVScoreDisplay.from_estimator(model)
display.ax_.set_title("Grouped elastic net: CV score against C")
plt.show()
