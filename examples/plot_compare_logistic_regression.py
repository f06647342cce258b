"""
Against LogisticRegression
==========================

The comparison of ``python -m sksoftmax.compare``, charted: both estimators
fitted at the same objective on scikit-learn's embedded datasets, side by
side in one process, each fit time the median of alternating runs. Left:
fit-time ratio (below 1, SoftmaxRegression is faster). Right: the largest
coefficient difference, at tolerance 1e-8 for both.
"""

import matplotlib.pyplot as plt

from sksoftmax.compare import DATASETS, compare

names, ratios, diffs = [], [], []
for name, load in DATASETS.items():
    _, ratio, coef_diff = compare(
        name, load, C=1.0, tol=1e-8, repeat=3, min_seconds=0.2
    )
    names.append(name)
    ratios.append(ratio)
    diffs.append(coef_diff)
    print(f"{name}: time ratio {ratio:.3f}, max |coef diff| {coef_diff:.1e}")

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.barh(names, ratios)
left.axvline(1.0, color="k", linestyle="--")
left.set_xlabel("fit time: SoftmaxRegression / LogisticRegression")
right.barh(names, diffs)
right.set_xscale("log")
right.set_xlabel("max |coefficient difference|")
fig.tight_layout()
plt.show()
