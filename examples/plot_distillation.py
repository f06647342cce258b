"""
Knowledge distillation: a softmax student trained on a teacher's probabilities
==============================================================================

A stronger model (the *teacher*, here a small neural network) gives class
probabilities for every training image; a :class:`~sksoftmax.SoftmaxRegression`
*student* trained on those distributions (soft targets) is compared with the
same student, same ``C``, trained on the hard labels: test log-loss, accuracy,
expected calibration error (ECE: the mean gap between confidence and
accuracy over 10 confidence bins) and a reliability curve (predicted
confidence against observed accuracy).

The teacher's probabilities are out-of-fold (``cross_val_predict``): each
training image is scored by a teacher that did not see it, so they carry the
teacher's real uncertainty instead of its memory of the label.

Two settings. With clean labels the hard labels already say everything the
linear student can use, and it does as well or better on them. With noisy
labels (20% of the training labels replaced at random, as with careless
annotation) the teacher's probabilities correct much of the noise: the
student trained on them has the lower test log-loss and the higher accuracy.
It is not better calibrated: the two students' reliability curves nearly
overlap and its ECE is no lower (0.15 against 0.13 here); what the soft
targets buy is in log-loss and accuracy.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import cross_val_predict, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from sksoftmax import SoftmaxRegression

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=900, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

rng = np.random.default_rng(0)
noisy = np.where(
    rng.random(y_train.shape[0]) < 0.2, rng.integers(0, 10, y_train.shape[0]), y_train
)


def expected_calibration_error(proba, y, n_bins=10):
    """The mean |accuracy - confidence| over equal-width confidence bins,
    weighted by the share of samples in each."""
    confidence, correct = proba.max(axis=1), proba.argmax(axis=1) == y
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    return sum(
        np.mean(bins == b)
        * abs(correct[bins == b].mean() - confidence[bins == b].mean())
        for b in np.unique(bins)
    )


C = 1.0
teacher = MLPClassifier(
    hidden_layer_sizes=(64,), alpha=1.0, max_iter=1000, random_state=0
)
results, test_proba = {}, {}
for setting, labels in [("clean labels", y_train), ("20% noisy labels", noisy)]:
    soft_labels = cross_val_predict(
        teacher, X_train, labels, cv=3, method="predict_proba"
    )
    models = {
        "teacher (MLP)": teacher.fit(X_train, labels),
        "student, hard": SoftmaxRegression(C=C).fit(X_train, labels),
        "student, soft": SoftmaxRegression(C=C).fit(X_train, soft_labels),
    }
    for name, model in models.items():
        proba = model.predict_proba(X_test)
        test_proba[setting, name] = proba
        results[setting, name] = (
            log_loss(y_test, proba),
            accuracy_score(y_test, proba.argmax(1)),
            expected_calibration_error(proba, y_test),
        )

# "student, soft": trained on the teacher's out-of-fold probabilities
print(f"{'setting':17s}{'model':15s}{'log-loss':>9s}{'accuracy':>9s}{'ECE':>7s}")
for (setting, name), (loss, accuracy, ece) in results.items():
    print(f"{setting:17s}{name:15s}{loss:9.4f}{accuracy:9.4f}{ece:7.3f}")

# what the text above claims, checked
hard = results["20% noisy labels", "student, hard"]
soft = results["20% noisy labels", "student, soft"]
assert soft[0] < hard[0] and soft[1] > hard[1]
assert soft[2] >= hard[2]  # not better calibrated
assert (
    results["clean labels", "student, hard"][0]
    <= results["clean labels", "student, soft"][0]
)

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
for name in ["teacher (MLP)", "student, hard", "student, soft"]:
    proba = test_proba["20% noisy labels", name]
    correct = proba.argmax(axis=1) == y_test
    observed, confidence = calibration_curve(
        correct, proba.max(axis=1), n_bins=8, strategy="quantile"
    )
    left.plot(confidence, observed, marker="o", label=name)
left.plot([0, 1], [0, 1], color="grey", linestyle=":")
left.set_xlabel("confidence (largest predicted probability)")
left.set_ylabel("observed accuracy")
left.set_title("Reliability on the test set, 20% noisy labels")
left.legend(fontsize=8)
settings = ["clean labels", "20% noisy labels"]
width = 0.38
for offset, name in [(-width / 2, "student, hard"), (width / 2, "student, soft")]:
    right.bar(
        np.arange(2) + offset,
        [results[s, name][0] for s in settings],
        width,
        label=name,
    )
right.set_xticks(range(2), settings)
right.set_ylabel("test log-loss")
right.set_title(f"Students at the same C = {C}")
right.legend(fontsize=8)
fig.tight_layout()
plt.show()
