"""The weights of a fit: ``s_i = sample_weight_i * class_weight[y_i]`` from a
:class:`~sksoftmax._targets.Problem`, their total checked against X's dtype,
and the L2 strength ``1 / (C S)`` they give."""

import numpy as np
from sklearn.utils.validation import _check_sample_weight


def _class_totals(problem, sample_weight, n_classes):
    """Total weight of each class: ``sum_i s_i [y_i = k]``, or for soft targets
    ``sum_i s_i Y_ik``."""
    sample_weight = sample_weight.astype(np.float64)
    if problem.class_proba is not None:
        return sample_weight @ problem.class_proba
    return np.bincount(problem.class_codes, weights=sample_weight, minlength=n_classes)


def _class_weight_per_class(class_weight, classes, problem, sample_weight):
    """The weight of each class: a dict as given (1 for classes it omits), or
    "balanced", ``S / (K S_k)`` with ``S_k`` the class's total weight.

    Written out rather than taken from ``compute_class_weight``: soft targets
    count classes fractionally, and scikit-learn < 1.7 cannot weight the count.
    """
    if isinstance(class_weight, dict):
        per_class = np.array(
            [class_weight.get(k, 1.0) for k in classes.tolist()], dtype=np.float64
        )
        bad = ~np.isfinite(per_class) | (per_class < 0)
        if np.any(bad):
            k = int(np.flatnonzero(bad)[0])
            label = classes.tolist()[k]
            raise ValueError(
                f"class_weight for class {label!r} is {per_class[k]}; class "
                "weights must be finite and non-negative."
            )
        return per_class
    totals = _class_totals(problem, sample_weight, len(classes))
    return balanced_class_weight(totals, classes)


def balanced_class_weight(totals, classes):
    """ "balanced": ``S / (K S_k)`` from each class's total weight ``S_k``."""
    if np.any(totals <= 0):
        empty = classes[np.flatnonzero(totals <= 0)].tolist()
        raise ValueError(
            f"class_weight='balanced' needs weight in every class; classes {empty} "
            "have zero total sample weight."
        )
    return totals.sum() / (len(classes) * totals)


def _check_representable(sample_weight, per_class, classes, dtype):
    """Every ``s_i``, in X's dtype, finite: a class weight or a product with
    sample_weight beyond the dtype's range would make the objective NaN."""
    if np.all(np.isfinite(sample_weight)):
        return
    if np.any(per_class > np.finfo(dtype).max):
        k = int(np.argmax(per_class))
        label = classes.tolist()[k]
        raise ValueError(
            f"class_weight for class {label!r} is {per_class[k]:.3g}, beyond "
            f"the range of X's dtype {np.dtype(dtype).name}."
        )
    raise ValueError(
        "sample_weight times class_weight overflows X's dtype "
        f"{np.dtype(dtype).name} for {np.sum(~np.isfinite(sample_weight))} samples; "
        "scale the weights down (only their ratios matter)."
    )


def sample_weights(
    sample_weight, X, problem, classes, class_weight, require_positive=True
):
    """``s_i = sample_weight_i * class_weight[y_i]``, in X's dtype.

    ``require_positive=False``: a part of the rows (a Dask chunk) may weigh
    nothing; its caller checks the total."""
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=X.dtype, ensure_non_negative=True, copy=True
    )
    soft = problem.class_proba is not None
    if class_weight is not None and problem.class_codes is None and not soft:
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
        per_class = _class_weight_per_class(
            class_weight, classes, problem, sample_weight
        )
        with np.errstate(over="ignore", invalid="ignore"):
            if soft:
                sample_weight *= (problem.class_proba @ per_class).astype(X.dtype)
            else:
                sample_weight *= per_class[problem.class_codes].astype(X.dtype)
        _check_representable(sample_weight, per_class, classes, X.dtype)
    if require_positive:
        with np.errstate(over="ignore"):  # an infinite total is refused
            total = sample_weight.sum(dtype=np.float64)
        check_total_weight(total, X.dtype)
    return sample_weight


# Headroom below the dtype's largest value for the weighted sums a fit forms
# (the objective sums s_i loss_i; the intercepts' gradient s_i (p_i - y_i) in
# X's dtype): a total weight within 2^20 of the largest float64 still made the
# loss sum of OneVsRestSigmoid's three outputs inf.
_WEIGHT_HEADROOM = 2.0**-20


def check_total_weight(total, dtype=np.float64):
    """The total sample weight of a fit, checked positive and far enough
    within the range of X's ``dtype`` for the weighted sums of the fit: a
    total that overflowed gave a non-finite intercept and no error."""
    if not total > 0:
        raise ValueError(
            "The total sample weight is zero (after applying class_weight); "
            "at least one sample needs a positive weight."
        )
    largest = np.finfo(dtype).max
    if not total <= largest * _WEIGHT_HEADROOM:
        raise ValueError(
            f"The total sample weight (sample_weight times class_weight, summed "
            f"over the samples) is {total:.3g}, beyond the range of X's dtype "
            f"{np.dtype(dtype).name} for the weighted loss sums (largest value "
            f"{largest:.3g}); scale the weights down (only their ratios matter)."
        )


def l2_reg_strength(l2_scale, C, weight_sum):
    """The L2 strength of the scaled objective, ``l2_scale / (C S)`` (an
    array for an array of S, the CV folds'), checked finite: a subnormal C
    made it inf, and SGD's steps NaN."""
    with np.errstate(over="ignore", divide="ignore"):
        strength = l2_scale / (np.float64(C) * weight_sum)
    if not np.all(np.isfinite(strength)):
        raise ValueError(
            f"C={C!r} is too small: the L2 strength 1 / (C * total sample weight) "
            "overflows float64. Such a C fits the intercepts alone; use a C of "
            "1e-300 or more."
        )
    return strength if np.ndim(strength) else float(strength)
