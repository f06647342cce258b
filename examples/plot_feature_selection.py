"""
Feature selection: elementwise against grouped L1
=================================================

Which pixels of an 8 x 8 handwritten digit does a multinomial model need?
The elementwise L1 penalty (``l1_ratio=1``) zeroes single coefficients: a
pixel may matter for the digit 0 and not for the digit 7. The grouped
penalty (``l1_groups="features"``) treats the ten coefficients of a pixel
as one group, so a pixel is kept or dropped for the whole model: a
selection of features in the usual sense.

Both paths start at :func:`~sksoftmax.l1_min_c`, the C below which no
pixel enters, and warm-start each C from the previous fit. For each C the
left panel plots held-out accuracy against the number of pixels the model
reads; the images show which pixels a model of about 20 pixels reads.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sksoftmax import SoftmaxRegression, l1_min_c

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

paths = {}
for name, groups in [("elementwise", None), ("grouped", "features")]:
    model = SoftmaxRegression(l1_ratio=1.0, l1_groups=groups, warm_start=True)
    start = l1_min_c(model, X_train, y_train)
    points = []
    for C in start * np.logspace(0.05, 2.5, 25):
        model.set_params(C=C).fit(X_train, y_train)
        pixels_read = np.any(model.coef_ != 0, axis=0)
        points.append(
            (pixels_read.sum(), model.score(X_test, y_test), pixels_read.copy(), C)
        )
    paths[name] = points
    print(f"{name}: first pixel enters at C = {start:.4f}")

# %%
# The same accuracy from fewer pixels: the grouped model spends its penalty
# on pixels, the elementwise one on coefficients, and reads more pixels for
# the same accuracy.
fig, axes = plt.subplots(1, 3, figsize=(12, 4))
for name, points in paths.items():
    counts = [count for count, _, _, _ in points]
    scores = [score for _, score, _, _ in points]
    axes[0].plot(counts, scores, marker="o", label=name)
axes[0].set_xlabel("pixels read (a non-zero coefficient for some class)")
axes[0].set_ylabel("held-out accuracy")
axes[0].set_title("Accuracy against pixels read")
axes[0].legend()

for axis, (name, points) in zip(axes[1:], paths.items(), strict=True):
    count, score, pixels_read, C = min(points, key=lambda point: abs(point[0] - 20))
    axis.imshow(pixels_read.reshape(8, 8), cmap="Greys")
    axis.set_title(f"{name}: {count} pixels, accuracy {score:.2f}")
    axis.set_xticks([])
    axis.set_yticks([])
fig.tight_layout()
plt.show()
