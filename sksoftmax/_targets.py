"""Targets: ``y`` -> the problem a solver minimises (the weights ``s_i`` are
``_weights``).

One encoder per kind of target. Each offers ``check(y, classes=None) ->
(y, classes)`` (``classes`` given by partial_fit: ``y`` must use no other)
and ``encode(y, classes, dtype) -> Problem``. An estimator picks the encoder
for its ``y``; a new kind of target is one more encoder here.
"""

from dataclasses import dataclass, replace

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from ._loss import MultinomialLoss, SigmoidLoss, SoftMultinomialLoss


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
    class_proba : ndarray of shape (n_samples, n_classes) or None
        For soft targets over the classes: each sample's distribution, which
        ``class_weight`` averages.
    """

    base_loss: object
    target: np.ndarray
    n_outputs: int
    class_codes: np.ndarray | None
    l2_scale: float = 1.0
    multilabel_dtype: np.dtype | None = None
    class_proba: np.ndarray | None = None


def check_classes(classes):
    """The ``classes`` argument of partial_fit: sorted, unique, at least two."""
    classes = np.asarray(classes)
    if classes.ndim != 1:
        raise ValueError(
            f"classes must be a 1-D array of labels; got an array of shape "
            f"{classes.shape}."
        )
    classes = np.unique(classes)
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


def _sorted_labels(y):
    """The sorted distinct labels of 1-D ``y``, checked to be class labels.

    Integer labels are always class labels, and are found by counting: one
    pass instead of three sorts (scikit-learn's target-type check sorts twice,
    LabelEncoder once), 70 ms of a 175 ms GPU fit on a million labels.
    """
    if y.dtype.kind in "iu" and y.size:
        low, high = int(y.min()), int(y.max())
        if high - low <= 4 * y.size:  # the counts take no more than y
            counts = np.bincount((y - low).astype(np.intp, copy=False))
            return (np.flatnonzero(counts) + low).astype(y.dtype)
    check_classification_targets(y)
    return LabelEncoder().fit(y).classes_


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

    #: What ``predict`` returns for this kind of target; a stream or warm
    #: start keeps the kind of its first fit.
    kind = "class labels"

    def __init__(self, owner):
        self.owner = owner

    def check(self, y, classes=None):
        """``(y, classes)``: at least two classes, or none outside ``classes``."""
        y = column_or_1d(y, warn=True)
        labels = _sorted_labels(y)
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
                f"but the data contains only one class: {labels.tolist()[0]!r}."
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
        """K sigmoids of class k against the rest, their targets given as the
        class codes (SigmoidLoss builds the indicator rows block by block)."""
        if classes.shape[0] == 2:
            return binary_problem(y, classes, dtype)
        codes = np.searchsorted(classes, y)
        return Problem(SigmoidLoss(), codes, classes.shape[0], codes)


class MultilabelIndicator:
    """A 2-D matrix of per-label targets in [0, 1] (a 0/1 indicator, or soft
    per-label probabilities): one sigmoid per label column."""

    kind = "a 2-D matrix of per-label targets"

    def check(self, y, classes=None):
        """``(y, arange(n_labels))``, or an error naming what is wrong."""
        kind = type_of_target(y)
        # scikit-learn calls any two integral values an indicator ({-1, 1},
        # {0, 2}): outside [0, 1] the BCE has no minimum and the intercepts
        # ran to 1e16, so the range is checked whatever the type
        if kind not in ("multilabel-indicator", "continuous-multioutput"):
            raise ValueError(
                "OneVsRestSigmoid takes 1-D class labels or a 2-D matrix of "
                "per-label targets in [0, 1] (a multilabel indicator of 0/1 or "
                f"soft targets); got y of type {kind!r}."
            )
        if not _all_in_unit_interval(y):
            values = np.unique(np.asarray(y))
            shown = values[:5].tolist() + (["..."] if values.size > 5 else [])
            raise ValueError(
                "OneVsRestSigmoid's 2-D targets must lie in [0, 1] (a 0/1 "
                f"indicator or per-label probabilities); y holds {shown}. "
                "Map the labels to 0/1 (e.g. (y > 0).astype(int))."
            )
        labels = self.column_classes(y.shape[1])
        if classes is not None and not np.array_equal(classes, labels):
            raise ValueError(
                f"y has {y.shape[1]} label columns, so classes must be "
                f"arange({y.shape[1]}); got {classes.tolist()}."
            )
        return y, labels

    @staticmethod
    def column_classes(n_columns):
        """The classes of a matrix of per-label targets: its column numbers."""
        return np.arange(n_columns)

    def encode(self, y, classes, dtype):
        """The transposed indicator, samples on the last axis."""
        target = np.ascontiguousarray(y.T, dtype=dtype)
        return Problem(
            SigmoidLoss(), target, y.shape[1], None, multilabel_dtype=y.dtype
        )


def _all_in_unit_interval(y):
    y = np.asarray(y)
    return bool(np.all(np.isfinite(y)) and np.all((y >= 0) & (y <= 1)))


class SoftTargets:
    """A target distribution per sample, Y of shape (n_samples, K >= 2): one
    softmax against Y (two classes: one sigmoid on the second column).

    The classes are sorted, as everywhere in scikit-learn, and Y's columns
    are put in their order: a DataFrame's by their labels; a numpy Y's
    columns are the classes in sorted order (those of a stream, or
    ``arange(K)``).

    Parameters
    ----------
    owner : str
        The estimator's name, for error messages.
    columns : sequence or pandas Index or None
        Y's column labels when it was a DataFrame: the classes.
    """

    # one class per sample either way: hard labels and distributions mix
    kind = ClassLabels.kind

    def __init__(self, owner, columns=None):
        self.owner = owner
        self.columns = None if columns is None else _column_labels(columns)

    def column_classes(self, n_columns):
        """The classes of Y's columns, sorted (before any data is seen)."""
        if self.columns is None:
            return np.arange(n_columns)
        return np.sort(self.columns)

    def check(self, y, classes=None):
        """``(Y, classes)``: valid distributions, renormalised in float64,
        columns in the order of the sorted ``classes``; else a ValueError."""
        Y = np.asarray(y)
        if not np.issubdtype(Y.dtype, np.number) or Y.dtype.kind == "c":
            raise ValueError(
                f"Soft targets Y must be real numbers; got dtype {Y.dtype}."
            )
        # float32 rows of 10 probabilities sum to 1 within ~1e-6
        tolerance = np.sqrt(np.finfo(np.result_type(Y.dtype, np.float32)).eps)
        Y = Y.astype(np.float64)
        if not np.all(np.isfinite(Y)):
            raise ValueError("Soft targets Y contain NaN or infinite entries.")
        if np.any(Y < 0):
            raise ValueError(
                "Soft targets Y contain negative entries; each row must be a "
                "distribution."
            )
        row_sums = Y.sum(axis=1)
        bad = np.flatnonzero(np.abs(row_sums - 1) > tolerance)
        if bad.size:
            raise ValueError(
                f"Each row of the soft targets Y must sum to 1; row {bad[0]} sums "
                f"to {row_sums[bad[0]]:.6g} ({bad.size} rows do not)."
            )
        # Rows summing to 1 + delta make logsumexp(z) - Y.z fall by delta t
        # along a common shift t of the logits: unbounded, and L-BFGS walked
        # the intercepts to 1e13. Divided in float64, every row sums to 1.
        Y /= row_sums[:, None]
        order, classes = self._labels(Y.shape[1], classes)
        if not np.array_equal(order, np.arange(len(order))):
            Y = Y[:, order]
        return Y, classes

    def _labels(self, n_columns, classes):
        """``(order, classes)``: the column of each class, and the classes."""
        if self.columns is not None:
            labels = self.columns
        elif classes is not None and len(classes) == n_columns:
            labels = np.asarray(classes)  # a stream's classes, sorted
        else:
            labels = np.arange(n_columns)
        order = np.argsort(labels, kind="stable")
        if classes is None:
            return order, labels[order]
        if not (len(classes) == n_columns and np.array_equal(labels[order], classes)):
            raise ValueError(
                f"Soft targets Y have {n_columns} columns {labels.tolist()}, but the "
                f"classes are {np.asarray(classes).tolist()}."
            )
        return order, classes

    def encode(self, y, classes, dtype):
        """K target rows; two classes: the second column for one sigmoid."""
        if classes.shape[0] == 2:
            target = np.ascontiguousarray(y[:, 1], dtype=dtype)[None, :]
            return Problem(SigmoidLoss(), target, 1, None, l2_scale=0.5, class_proba=y)
        target = np.ascontiguousarray(y.T, dtype=dtype)
        return Problem(
            SoftMultinomialLoss(), target, classes.shape[0], None, class_proba=y
        )


def _column_labels(columns):
    """Soft targets' column labels as a 1-D array of their own type, or a
    ValueError: one level, unique, and all strings or all numbers (labels
    that cannot be sorted cannot be classes)."""
    if getattr(columns, "nlevels", 1) > 1:
        raise ValueError(
            "Soft targets Y have MultiIndex columns; the classes need one label "
            "per column. Flatten the columns (e.g. Y.columns = ['a', 'b', ...])."
        )
    labels = list(columns)
    if len({isinstance(label, str) for label in labels}) > 1:
        raise ValueError(
            f"Soft targets Y's column labels {labels} mix strings and numbers; "
            "the classes must be all strings or all numbers."
        )
    labels = np.asarray(labels)
    if len(np.unique(labels)) != len(labels):
        raise ValueError(
            f"Soft targets Y's column labels {labels.tolist()} repeat a label; "
            "each class needs one column."
        )
    return labels


def smoothed(problem, label_smoothing, dtype):
    """The problem with its targets smoothed towards uniform: a softmax target
    becomes ``(1 - eps) Y + eps / K``, each sigmoid's ``(1 - eps) y + eps / 2``."""
    eps = label_smoothing
    target = problem.target
    if isinstance(problem.base_loss, SigmoidLoss):
        target = SigmoidLoss.target_rows(target, slice(None), problem.n_outputs, dtype)
        return replace(problem, target=((1 - eps) * target + eps / 2).astype(dtype))
    n_classes = problem.n_outputs
    if isinstance(problem.base_loss, SoftMultinomialLoss):
        distribution = (1 - eps) * target
    else:  # class codes
        distribution = np.zeros((n_classes, target.shape[0]), dtype=dtype)
        distribution[target, np.arange(target.shape[0])] = 1 - eps
    distribution += eps / n_classes
    return replace(problem, base_loss=SoftMultinomialLoss(), target=distribution)
