"""
Multilabel: labels that co-occur
================================

Each sample carries any number of five labels. :class:`~sksoftmax.OneVsRestSigmoid`
fits the five sigmoids in one problem, ``predict`` returns the indicator matrix
and ``predict_proba`` each label's own probability. Left: F1 per label. Right:
the probabilities do not sum to one, as they should not.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import make_multilabel_classification
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sksoftmax import OneVsRestSigmoid

X, Y = make_multilabel_classification(
    n_samples=2000, n_features=30, n_classes=5, n_labels=2, random_state=0
)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
model = make_pipeline(StandardScaler(), OneVsRestSigmoid(C=0.1)).fit(X_train, Y_train)
Y_pred = model.predict(X_test)
# a sample with no labels, correctly predicted with none, scores 1
print("f1_samples:", f1_score(Y_test, Y_pred, average="samples", zero_division=1.0))

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.bar(range(5), f1_score(Y_test, Y_pred, average=None))
left.set_xlabel("label")
left.set_ylabel("F1")
right.hist(model.predict_proba(X_test).sum(axis=1), bins=30)
right.set_xlabel("sum of the five label probabilities")
right.set_ylabel("samples")
fig.tight_layout()
plt.show()
