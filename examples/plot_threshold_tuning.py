"""
Probabilities for decisions: calibration, thresholds, uncertainty
=================================================================

Three uses of :class:`~sksoftmax.SoftmaxRegression`'s probabilities.

1. Calibration: temperature scaling with ``CalibratedClassifierCV`` on a
   multiclass problem; the reliability diagram compares before and after,
   in five bins of equal counts (equal-width bins held too few samples at
   low confidence for a stable accuracy).
2. A costly error: on breast-cancer data a missed malignant tumour (class 0)
   is far worse than a false alarm. Counting a miss as 10 false alarms,
   :class:`~sklearn.model_selection.TunedThresholdClassifierCV` moves the
   threshold to the lowest expected cost: more malignant tumours caught, for
   a few more false alarms.
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


def reliability(model, n_bins=5):
    """Mean confidence and accuracy in bins of equal counts: most test
    samples are predicted with confidence near 1, and equal-width bins left
    a handful in the lower ones, whose accuracy jumped from bin to bin."""
    proba = model.predict_proba(X_test)
    confidence = proba.max(axis=1)
    correct = model.classes_[proba.argmax(axis=1)] == y_test
    bins = np.array_split(np.argsort(confidence), n_bins)  # ~90 samples each
    return (
        [confidence[b].mean() for b in bins],
        [correct[b].mean() for b in bins],
    )


# 2. threshold for a costly miss on breast cancer: a missed malignant tumour
# (true 0, predicted 1) costs 10, a false alarm (true 1, predicted 0) costs 1
Xb, yb = load_breast_cancer(return_X_y=True)
Xb_train, Xb_test, yb_train, yb_test = train_test_split(
    Xb, yb, stratify=yb, random_state=0
)


def cost(y_true, y_pred):
    missed = np.sum((y_true == 0) & (y_pred == 1))
    false_alarms = np.sum((y_true == 1) & (y_pred == 0))
    return 10 * missed + false_alarms


base = make_pipeline(StandardScaler(), SoftmaxRegression()).fit(Xb_train, yb_train)
tuned = TunedThresholdClassifierCV(
    make_pipeline(StandardScaler(), SoftmaxRegression()),
    scoring=make_scorer(cost, greater_is_better=False),
    cv=5,
).fit(Xb_train, yb_train)
default_pred, tuned_pred = base.predict(Xb_test), tuned.predict(Xb_test)
print("default threshold 0.5:\n", classification_report(yb_test, default_pred))
print(f"tuned threshold {tuned.best_threshold_:.3f} (on P(benign)):")
print(classification_report(yb_test, tuned_pred))
costs = {
    "default": int(cost(yb_test, default_pred)),
    "tuned": int(cost(yb_test, tuned_pred)),
}
print(f"test cost: default threshold {costs['default']}, tuned {costs['tuned']}")
# what the example claims: no more costly, at least as many tumours caught,
# and still a useful classifier (its accuracy falls: the price of the misses
# it avoids)
assert costs["tuned"] <= costs["default"]
recall = {
    name: recall_score(yb_test, pred, pos_label=0)
    for name, pred in [("default", default_pred), ("tuned", tuned_pred)]
}
assert recall["tuned"] >= recall["default"]
assert 0.5 < tuned.best_threshold_ < 1 and np.mean(tuned_pred == yb_test) > 0.8

# 3. predictive entropy
proba = raw.predict_proba(X_test)
entropy = -(proba * np.log(np.clip(proba, 1e-300, None))).sum(axis=1)
wrong = raw.predict(X_test) != y_test

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
curves = {"raw": reliability(raw), "temperature": reliability(calibrated)}
for label, (confidence, accuracy) in curves.items():
    axes[0].plot(confidence, accuracy, marker="o", label=label)
low = min(min(c + a) for c, a in curves.values()) - 0.02  # zoom on the points
axes[0].plot([low, 1], [low, 1], "k--", label="perfect")
axes[0].set_xlabel("confidence (largest probability), mean of the bin")
axes[0].set_ylabel("accuracy in the bin")
axes[0].set_title("Digits: reliability, 5 bins of ~90 test samples")
axes[0].legend()
axes[1].hist(
    [entropy[~wrong], entropy[wrong]], bins=20, density=True, label=["right", "wrong"]
)
axes[1].set_xlabel("predictive entropy")
axes[1].set_title("Digits: entropy of right and wrong predictions")
axes[1].legend()
fig.tight_layout()
plt.show()
