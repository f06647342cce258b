"""
Probabilities for decisions: calibration, thresholds, uncertainty
=================================================================

Three uses of :class:`~sksoftmax.SoftmaxRegression`'s probabilities.

1. Calibration: temperature scaling with ``CalibratedClassifierCV`` on a
   multiclass problem; the reliability diagram compares before and after.
2. A costly error: on breast-cancer data a missed malignant tumour (class 0)
   is far worse than a false alarm; ``TunedThresholdClassifierCV`` moves the
   threshold to maximise recall of that class at acceptable precision.
3. Uncertainty: the predictive entropy is larger on the samples the model
   gets wrong.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.metrics import classification_report, make_scorer, recall_score
from sklearn.model_selection import TunedThresholdClassifierCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sksoftmax import SoftmaxRegression

# 1. calibration on digits, top-label reliability
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
raw = make_pipeline(StandardScaler(), SoftmaxRegression(C=10.0)).fit(X_train, y_train)
calibrated = CalibratedClassifierCV(
    make_pipeline(StandardScaler(), SoftmaxRegression(C=10.0)),
    method="temperature",
    cv=5,
).fit(X_train, y_train)


def reliability(model):
    proba = model.predict_proba(X_test)
    confidence = proba.max(axis=1)
    correct = model.classes_[proba.argmax(axis=1)] == y_test
    bins = np.linspace(0.5, 1.0, 6)
    which = np.clip(np.digitize(confidence, bins) - 1, 0, len(bins) - 2)
    kept = [b for b in range(len(bins) - 1) if np.any(which == b)]
    return (
        [confidence[which == b].mean() for b in kept],
        [correct[which == b].mean() for b in kept],
    )


# 2. threshold for a costly miss on breast cancer
Xb, yb = load_breast_cancer(return_X_y=True)
Xb_train, Xb_test, yb_train, yb_test = train_test_split(Xb, yb, random_state=0)
base = make_pipeline(StandardScaler(), SoftmaxRegression())
malignant_recall = make_scorer(recall_score, pos_label=0)
tuned = TunedThresholdClassifierCV(base, scoring=malignant_recall, cv=5).fit(
    Xb_train, yb_train
)
base.fit(Xb_train, yb_train)
print("default threshold:\n", classification_report(yb_test, base.predict(Xb_test)))
print(f"tuned threshold {tuned.best_threshold_:.3f}:")
print(classification_report(yb_test, tuned.predict(Xb_test)))

# 3. predictive entropy
proba = raw.predict_proba(X_test)
entropy = -(proba * np.log(np.clip(proba, 1e-300, None))).sum(axis=1)
wrong = raw.predict(X_test) != y_test

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for label, model in [("raw", raw), ("temperature", calibrated)]:
    axes[0].plot(*reliability(model), marker="o", label=label)
axes[0].plot([0.5, 1], [0.5, 1], "k--", label="perfect")
axes[0].set_xlabel("confidence")
axes[0].set_ylabel("accuracy")
axes[0].legend()
axes[1].hist(
    [entropy[~wrong], entropy[wrong]], bins=20, density=True, label=["right", "wrong"]
)
axes[1].set_xlabel("predictive entropy")
axes[1].legend()
fig.tight_layout()
plt.show()
