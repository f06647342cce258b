"""
Choosing C with GridSearchCV
============================

:class:`~sksoftmax.SoftmaxRegression` in a
:class:`~sklearn.pipeline.Pipeline` with a scaler, searched over ``C`` with
cross-validation. The validation curve shows the usual shape:
too small a ``C`` underfits, too large a ``C`` fits noise.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sksoftmax import SoftmaxRegression

X, y = load_digits(return_X_y=True)
Cs = np.logspace(-4, 2, 7)
search = GridSearchCV(
    make_pipeline(StandardScaler(), SoftmaxRegression()),
    {"softmaxregression__C": Cs},
    cv=5,
    scoring="neg_log_loss",
    return_train_score=True,
).fit(X, y)
print("best C:", search.best_params_["softmaxregression__C"])

results = search.cv_results_
fig, ax = plt.subplots(figsize=(7, 4))
for split in ("train", "test"):
    mean = -results[f"mean_{split}_score"]
    std = results[f"std_{split}_score"]
    ax.semilogx(Cs, mean, marker="o", label=split)
    ax.fill_between(Cs, mean - std, mean + std, alpha=0.2)
ax.set_xlabel("C")
ax.set_ylabel("log-loss")
ax.legend()
fig.tight_layout()
plt.show()
