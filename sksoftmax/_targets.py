"""Targets: ``y`` -> the problem a solver minimises, and the weights ``s_i``.

One encoder per kind of target. Each offers ``check(y, classes=None) ->
(y, classes)`` (``classes`` given by partial_fit: ``y`` must use no other)
and ``encode(y, classes, dtype) -> Problem``. An estimator picks the encoder
for its ``y``; a new kind of target is one more encoder here.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight, column_or_1d

from ._loss import MultinomialLoss, SigmoidLoss


@dataclass
class Problem:
    """The encoded targets of one fit.

    Attributes
    ----------
    base_loss : MultinomialLoss or SigmoidLoss
        The per-sample loss on logits.
    target : ndarray
        ``y`` in the base loss's encoding, samples on the last axis.
    n_outputs : int
        Rows of ``coef_``.
    class_codes : ndarray of shape (n_samples,) or None
        Index into ``classes_`` of each sample, for ``class_weight`` and the
        stratified validation split; None where samples have no single class.
    l2_scale : float, default=1.0
        Multiplies the L2 strength ``1 / (C S)`` (1/2 for the two-class softmax,
        whose single sigmoid carries the penalty of two softmax rows).
    multilabel_dtype : dtype or None, default=None
        For a multilabel indicator y, its dtype (``predict`` returns it).
    """

    base_loss: object
    target: np.ndarray
    n_outputs: int
    class_codes: np.ndarray | None
    l2_scale: float = 1.0
    multilabel_dtype: np.dtype | None = None


def check_classes(classes):
    """The ``classes`` argument of partial_fit: sorted, unique, at least two."""
    classes = np.unique(np.asarray(classes))
    if classes.shape[0] < 2:
        raise ValueError(
            f"classes must hold at least 2 labels, got {classes.tolist()}."
        )
    return classes


def binary_problem(y, classes, dtype, l2_scale=1.0):
    """One sigmoid on ``classes[1]`` against ``classes[0]``."""
    codes = np.searchsorted(classes, y)
    target = (codes == 1).astype(dtype)[None, :]
    return Problem(SigmoidLoss(), target, 1, codes, l2_scale=l2_scale)


class ClassLabels:
    """1-D class labels for one softmax over the classes.

    Two classes are one sigmoid of ``z_1 - z_0`` whose L2 term is half the
    softmax's (the penalty on two symmetric rows is half the penalty on their
    difference).

    Parameters
    ----------
    owner : str
        The estimator's name, for error messages.
    """

    def __init__(self, owner):
        self.owner = owner

    def check(self, y, classes=None):
        """``(y, classes)``: at least two classes, or none outside ``classes``."""
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        labels = LabelEncoder().fit(y).classes_
        if classes is not None:
            unknown = np.setdiff1d(labels, classes)
            if unknown.size:
                raise ValueError(
                    f"y contains labels {unknown.tolist()} that are not in "
                    f"classes {classes.tolist()}."
                )
            return y, classes
        if labels.shape[0] < 2:
            raise ValueError(
                f"{self.owner} needs samples of at least 2 classes in y, "
                f"but the data contains only one class: {labels[0]!r}."
            )
        return y, labels

    def encode(self, y, classes, dtype):
        """The multinomial problem, or one sigmoid for two classes."""
        if classes.shape[0] == 2:
            return binary_problem(y, classes, dtype, l2_scale=0.5)
        codes = np.searchsorted(classes, y)
        return Problem(MultinomialLoss(), codes, classes.shape[0], codes)


class OneVsRestLabels(ClassLabels):
    """1-D class labels for one sigmoid per class (one in all for two)."""

    def encode(self, y, classes, dtype):
        """K indicator rows of class k against the rest."""
        if classes.shape[0] == 2:
            return binary_problem(y, classes, dtype)
        codes = np.searchsorted(classes, y)
        target = np.zeros((classes.shape[0], y.shape[0]), dtype=dtype)
        target[codes, np.arange(y.shape[0])] = 1
        return Problem(SigmoidLoss(), target, classes.shape[0], codes)


class MultilabelIndicator:
    """A 2-D 0/1 indicator matrix: one sigmoid per label column."""

    def check(self, y, classes=None):
        """``(y, arange(n_labels))``, or an error naming what is wrong."""
        if type_of_target(y) != "multilabel-indicator":
            raise ValueError(
                "OneVsRestSigmoid takes 1-D class labels or a 2-D multilabel "
                f"indicator matrix of 0/1; got y of type {type_of_target(y)!r}."
            )
        labels = np.arange(y.shape[1])
        if classes is not None and not np.array_equal(classes, labels):
            raise ValueError(
                f"y has {y.shape[1]} label columns, so classes must be "
                f"arange({y.shape[1]}); got {classes.tolist()}."
            )
        return y, labels

    def encode(self, y, classes, dtype):
        """The transposed indicator, samples on the last axis."""
        target = np.ascontiguousarray(y.T, dtype=dtype)
        return Problem(
            SigmoidLoss(), target, y.shape[1], None, multilabel_dtype=y.dtype
        )


def sample_weights(sample_weight, X, problem, classes, class_weight):
    """``s_i = sample_weight_i * class_weight[y_i]``, in X's dtype."""
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=X.dtype, ensure_non_negative=True, copy=True
    )
    if class_weight is not None and problem.class_codes is None:
        raise ValueError(
            "class_weight is not supported for multilabel y: a sample "
            "has no single class. Pass sample_weight instead."
        )
    if isinstance(class_weight, dict):
        known = set(classes.tolist())
        unknown = [k for k in class_weight if k not in known]
        if unknown:
            raise ValueError(
                f"class_weight has labels {unknown} that are not among the "
                f"classes {classes.tolist()}."
            )
    if class_weight is not None:
        per_class = compute_class_weight(
            class_weight,
            classes=classes,
            y=classes[problem.class_codes],
            sample_weight=sample_weight,
        )
        sample_weight *= per_class[problem.class_codes].astype(X.dtype)
    if not sample_weight.sum() > 0:
        raise ValueError(
            "The total sample weight is zero (after applying class_weight); "
            "at least one sample needs a positive weight."
        )
    return sample_weight
