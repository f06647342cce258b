"""ONNX export of SoftmaxRegression and OneVsRestSigmoid, through skl2onnx.

Needs the optional extra ``onnx`` (``pip install "sksoftmax[onnx]"``:
skl2onnx, onnx, onnxruntime). :func:`to_onnx` registers the converters and
hands over to skl2onnx, so a Pipeline holding our estimators converts too.

The graph computes the logits ``X @ coef_.T + intercept_`` and then what
``predict_proba`` computes from them:

- SoftmaxRegression, K >= 3 classes: Softmax;
- one sigmoid (binary y, either estimator): ``[1 - sigmoid(z), sigmoid(z)]``;
  LogisticRegression's converter is not ours to borrow: its binary graph
  takes a one-row ``coef_`` for a two-class softmax and gives sigmoid(2z);
- OneVsRestSigmoid, multiclass: the K sigmoids normalised to sum to one;
- OneVsRestSigmoid, multilabel: the K sigmoids, and labels thresholded at 0.5
  (logit > 0) as an int64 indicator matrix.

Labels are ``classes_[argmax]`` (integer or string classes). skl2onnx's
``zipmap`` option is honoured as for any classifier.
"""

import numpy as np
from scipy import sparse

try:
    import skl2onnx
    from skl2onnx.algebra.onnx_ops import (
        OnnxAdd,
        OnnxArgMax,
        OnnxCast,
        OnnxConcat,
        OnnxDiv,
        OnnxGather,
        OnnxGreater,
        OnnxIdentity,
        OnnxMatMul,
        OnnxReduceSumApi11,
        OnnxReshapeApi13,
        OnnxSigmoid,
        OnnxSoftmax,
        OnnxSub,
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

from ._one_vs_rest import OneVsRestSigmoid
from ._softmax import SoftmaxRegression

__all__ = ["to_onnx"]

# skl2onnx's classifier options: zipmap (labels -> probability dicts) and nocl
# (labels as class indices instead of classes_)
_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [False, True]}


def _probabilities(model, logits, dtype, opv):
    """What predict_proba computes from the logits, as ONNX nodes."""
    if model.coef_.shape[0] == 1:  # one sigmoid: both columns
        positive = OnnxSigmoid(logits, op_version=opv)
        negative = OnnxSub(np.array([1], dtype=dtype), positive, op_version=opv)
        return OnnxConcat(negative, positive, axis=1, op_version=opv)
    if isinstance(model, SoftmaxRegression):
        return OnnxSoftmax(logits, axis=1, op_version=opv)
    sigmoids = OnnxSigmoid(logits, op_version=opv)
    if model.multilabel_:
        return sigmoids
    total = OnnxReduceSumApi11(sigmoids, axes=[1], keepdims=1, op_version=opv)
    return OnnxDiv(sigmoids, total, op_version=opv)


def _labels(model, logits, dtype, opv, nocl=False):
    """What predict computes from the logits, as ONNX nodes."""
    if model.coef_.shape[0] == 1 or getattr(model, "multilabel_", False):
        # 1 where the logit is positive: the indicator matrix (multilabel), or
        # the index of classes_[1] (one sigmoid)
        positive = OnnxGreater(logits, np.array([0], dtype=dtype), op_version=opv)
        index = OnnxCast(positive, to=TensorProto.INT64, op_version=opv)
        if model.coef_.shape[0] > 1:
            return index
        index = OnnxReshapeApi13(index, np.array([-1], dtype=np.int64), op_version=opv)
    else:
        index = OnnxArgMax(logits, axis=1, keepdims=0, op_version=opv)
    if nocl:
        return index
    classes = np.asarray(model.classes_)
    integer = classes.dtype.kind in "iub"
    classes = classes.astype(np.int64) if integer else classes.astype(str)
    return OnnxGather(classes, index, axis=0, op_version=opv)


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
    logits = OnnxAdd(OnnxMatMul(X, coef, op_version=opv), intercept, op_version=opv)
    labels, probabilities = operator.outputs[:2]
    OnnxIdentity(
        _labels(model, logits, dtype, opv, nocl=options["nocl"]),
        op_version=opv,
        output_names=[labels],
    ).add_to(scope, container)
    OnnxIdentity(
        _probabilities(model, logits, dtype, opv),
        op_version=opv,
        output_names=[probabilities],
    ).add_to(scope, container)


def _register():
    for model_class in (SoftmaxRegression, OneVsRestSigmoid):
        skl2onnx.update_registered_converter(
            model_class,
            f"Sksoftmax{model_class.__name__}",
            calculate_linear_classifier_output_shapes,
            _convert,
            options=_OPTIONS,
        )


def to_onnx(model, X=None, **kwargs):
    """Convert a fitted model, or a Pipeline holding one, to ONNX.

    Registers the converters of this package with skl2onnx, then calls
    :func:`skl2onnx.to_onnx`.

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
    _register()
    return skl2onnx.to_onnx(model, X, **kwargs)
