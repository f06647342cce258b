"""ONNX export of SoftmaxRegression and OneVsRestSigmoid, through skl2onnx.

Needs the optional extra ``onnx`` (``pip install "sksoftmax[onnx]"``:
skl2onnx, onnx, onnxruntime). Importing this module registers the converters
with skl2onnx: then :func:`to_onnx` here, or skl2onnx's own ``to_onnx``,
converts our estimators alone or inside any Pipeline. (Without the import,
skl2onnx knows no converter for them: MissingShapeCalculator.)

The graph computes the logits ``X @ coef_.T + intercept_``, made finite
(NaN as 0, then clipped to the dtype's range: ``predict_proba`` raises on
rows whose logits overflow, a graph cannot), and then what ``predict_proba``
computes from them, finite and summing to one for every finite X:

- SoftmaxRegression, K >= 3 classes: a softmax shifted by the row maximum;
- one sigmoid (binary y, either estimator): ``[1 - sigmoid(z), sigmoid(z)]``;
  LogisticRegression's converter is not ours to borrow: its binary graph
  takes a one-row ``coef_`` for a two-class softmax and gives sigmoid(2z);
- OneVsRestSigmoid, multiclass: the K sigmoids normalised to sum to one, in
  log space (a softmax of the log-sigmoids);
- OneVsRestSigmoid, multilabel: the K sigmoids, and labels thresholded at 0.5
  (logit > 0) as an int64 indicator matrix.

Labels are ``classes_`` at the argmax of the probabilities: strings, or int64
for numeric classes (float and bool classes included). skl2onnx's ``zipmap``
option is honoured as for any classifier. The CV estimators export as the
model they refitted.
"""

import numpy as np
from scipy import sparse
from sklearn.utils.validation import check_is_fitted

try:
    import skl2onnx
    from skl2onnx.algebra.onnx_ops import (
        OnnxAbs,
        OnnxAdd,
        OnnxArgMax,
        OnnxCast,
        OnnxClip,
        OnnxConcat,
        OnnxDiv,
        OnnxExp,
        OnnxGather,
        OnnxGreater,
        OnnxIdentity,
        OnnxIsNaN,
        OnnxLog,
        OnnxMatMul,
        OnnxMin,
        OnnxNeg,
        OnnxReduceMaxApi18,
        OnnxReduceSumApi11,
        OnnxSigmoid,
        OnnxSub,
        OnnxWhere,
    )
    from skl2onnx.common.data_types import guess_numpy_type
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
    )
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "sksoftmax.onnx needs skl2onnx, onnx and onnxruntime: "
        'pip install "sksoftmax[onnx]"'
    ) from error

from onnx import TensorProto

from ._cv import OneVsRestSigmoidCV, SoftmaxRegressionCV
from ._one_vs_rest import OneVsRestSigmoid
from ._softmax import SoftmaxRegression

__all__ = ["to_onnx"]

# skl2onnx's classifier options: zipmap (labels -> probability dicts) and nocl
# (labels as class indices instead of classes_)
_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [False, True]}


def _finite(logits, dtype, opv):
    """The logits made finite: NaN (inf - inf inside the product, for rows
    far beyond the training data) as 0, then clipped to the dtype's range.
    predict_proba raises on such rows; a graph cannot, and gave NaN."""
    largest = np.finfo(dtype).max
    not_nan = OnnxWhere(
        OnnxIsNaN(logits, op_version=opv),
        np.array([0], dtype=dtype),
        logits,
        op_version=opv,
    )
    return OnnxClip(
        not_nan,
        np.array(-largest, dtype=dtype),
        np.array(largest, dtype=dtype),
        op_version=opv,
    )


def _softmax(scores, opv):
    """Softmax along axis 1, shifted by the row maximum by the graph itself
    (finite scores: no inf - inf, the largest term is exp(0) = 1)."""
    top = OnnxReduceMaxApi18(scores, axes=[1], keepdims=1, op_version=opv)
    exp = OnnxExp(OnnxSub(scores, top, op_version=opv), op_version=opv)
    total = OnnxReduceSumApi11(exp, axes=[1], keepdims=1, op_version=opv)
    return OnnxDiv(exp, total, op_version=opv)


def _probabilities(model, logits, dtype, opv):
    """What predict_proba computes from finite logits, as ONNX nodes: finite
    probabilities for every row, summing to one (but multilabel)."""
    if model.coef_.shape[0] == 1:  # one sigmoid: both columns
        positive = OnnxSigmoid(logits, op_version=opv)
        negative = OnnxSub(np.array([1], dtype=dtype), positive, op_version=opv)
        return OnnxConcat(negative, positive, axis=1, op_version=opv)
    if isinstance(model, SoftmaxRegression):
        return _softmax(logits, opv)
    if model.multilabel_:
        return OnnxSigmoid(logits, op_version=opv)
    # the sigmoids normalised in log space: dividing by their sum gave 0 / 0
    # where every sigmoid underflowed. log sigmoid(z) = min(z, 0) -
    # log(1 + exp(-|z|)) (onnxruntime has no float64 Softplus)
    exp_neg = OnnxExp(
        OnnxNeg(OnnxAbs(logits, op_version=opv), op_version=opv), op_version=opv
    )
    log_sigmoids = OnnxSub(
        OnnxMin(logits, np.array([0], dtype=dtype), op_version=opv),
        OnnxLog(
            OnnxAdd(exp_neg, np.array([1], dtype=dtype), op_version=opv),
            op_version=opv,
        ),
        op_version=opv,
    )
    return _softmax(log_sigmoids, opv)


def _labels(model, logits, probabilities, dtype, opv, nocl=False):
    """What predict computes, as ONNX nodes: the argmax of the
    probabilities, or for multilabel y the indicator of positive logits."""
    if getattr(model, "multilabel_", False):
        positive = OnnxGreater(logits, np.array([0], dtype=dtype), op_version=opv)
        return OnnxCast(positive, to=TensorProto.INT64, op_version=opv)
    index = OnnxArgMax(probabilities, axis=1, keepdims=0, op_version=opv)
    if nocl:
        return index
    return OnnxGather(_label_values(model.classes_), index, axis=0, op_version=opv)


def _label_values(classes):
    """The classes as the graph's label tensor: strings, or int64 for any
    numbers, as skl2onnx's shape calculator declares them (scikit-learn's
    float and bool classes are integral: it refuses other floats)."""
    classes = np.asarray(classes)
    if all(isinstance(label, str) for label in classes.tolist()):
        return classes.astype(str)
    return classes.astype(np.int64)


def _convert(scope, operator, container):
    """skl2onnx converter: logits, then labels and probabilities."""
    model = operator.raw_operator
    opv = container.target_opset
    options = container.get_options(model, dict(nocl=False))
    X = operator.inputs[0]
    dtype = guess_numpy_type(X.type)
    if dtype not in (np.float32, np.float64):
        dtype = np.float32
        X = OnnxCast(X, to=TensorProto.FLOAT, op_version=opv)
    coef = model.coef_.toarray() if sparse.issparse(model.coef_) else model.coef_
    coef = np.asarray(coef, dtype=dtype).T
    intercept = np.asarray(model.intercept_, dtype=dtype)
    logits = _finite(
        OnnxAdd(OnnxMatMul(X, coef, op_version=opv), intercept, op_version=opv),
        dtype,
        opv,
    )
    probabilities = _probabilities(model, logits, dtype, opv)
    labels_output, probabilities_output = operator.outputs[:2]
    OnnxIdentity(
        _labels(model, logits, probabilities, dtype, opv, nocl=options["nocl"]),
        op_version=opv,
        output_names=[labels_output],
    ).add_to(scope, container)
    OnnxIdentity(
        probabilities,
        op_version=opv,
        output_names=[probabilities_output],
    ).add_to(scope, container)


def _register():
    # skl2onnx finds a converter by the exact class: the CV estimators, which
    # predict as their base, are registered too
    model_classes = (
        SoftmaxRegression,
        OneVsRestSigmoid,
        SoftmaxRegressionCV,
        OneVsRestSigmoidCV,
    )
    for model_class in model_classes:
        skl2onnx.update_registered_converter(
            model_class,
            f"Sksoftmax{model_class.__name__}",
            calculate_linear_classifier_output_shapes,
            _convert,
            options=_OPTIONS,
        )


def to_onnx(model, X=None, **kwargs):
    """Convert a fitted model, or a Pipeline holding one, to ONNX.

    Checks that the model is fitted, then calls :func:`skl2onnx.to_onnx`
    (importing this module registered the converters of this package with
    skl2onnx, so that ``skl2onnx.to_onnx`` itself works as well).

    Parameters
    ----------
    model : SoftmaxRegression, OneVsRestSigmoid or a Pipeline with one
        A fitted model.
    X : array-like, default=None
        A few rows of input: their dtype and width set the graph's input
        (float32 or float64).
    **kwargs
        Passed to :func:`skl2onnx.to_onnx`, e.g. ``target_opset`` or
        ``options={id(model): {"zipmap": False}}``.

    Returns
    -------
    onnx.ModelProto
        The graph: inputs ``X``, outputs ``label`` and ``probabilities``.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime
    >>> from sklearn.datasets import load_iris
    >>> from sksoftmax import SoftmaxRegression
    >>> from sksoftmax.onnx import to_onnx
    >>> X, y = load_iris(return_X_y=True)
    >>> X = X.astype(np.float32)
    >>> model = SoftmaxRegression(max_iter=1000).fit(X, y)
    >>> onx = to_onnx(model, X[:1], options={"zipmap": False})
    >>> session = onnxruntime.InferenceSession(onx.SerializeToString())
    >>> labels, proba = session.run(None, {"X": X})
    >>> bool((labels == model.predict(X)).all())
    True
    >>> bool(np.allclose(proba, model.predict_proba(X), atol=1e-5))
    True
    """
    # skl2onnx's own error for an unfitted model is about "the number of
    # classes"; a Pipeline is fitted when its last step is
    check_is_fitted(model)
    return skl2onnx.to_onnx(model, X, **kwargs)


# Importing this module is the one-line registration: after
# ``import sksoftmax.onnx``, skl2onnx's own ``to_onnx`` and ``convert_sklearn``
# convert our estimators, alone or inside any Pipeline.
_register()
