"""ONNX export: onnxruntime's labels equal ``predict`` and its probabilities
``predict_proba`` within 1e-5, for every kind of model and in a Pipeline."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sksoftmax import OneVsRestSigmoid, SoftmaxRegression

onnxruntime = pytest.importorskip("onnxruntime")
sksoftmax_onnx = pytest.importorskip("sksoftmax.onnx")

X_RAW, Y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X_RAW)
NAMES = np.array(["setosa", "versicolor", "virginica"])
TARGETS = {
    "multiclass": Y,
    "binary": (Y > 0).astype(int),
    "multilabel": np.stack([Y == 0, Y == 1, X[:, 0] > 0], axis=1).astype(int),
    "string labels": NAMES[Y],
    "binary string labels": NAMES[Y][Y > 0],
}


def run(onx, X):
    session = onnxruntime.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


@pytest.mark.parametrize("estimator_class", [SoftmaxRegression, OneVsRestSigmoid])
@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_onnxruntime_equals_predict_and_predict_proba(estimator_class, target, dtype):
    y = TARGETS[target]
    if target == "multilabel" and estimator_class is SoftmaxRegression:
        pytest.skip("SoftmaxRegression takes no multilabel y")
    X_fit = (X[Y > 0] if target.startswith("binary string") else X).astype(dtype)
    model = estimator_class(C=10.0, max_iter=500).fit(X_fit, y)
    onx = sksoftmax_onnx.to_onnx(model, X_fit[:1], options={"zipmap": False})
    labels, proba = run(onx, X_fit)
    assert proba.dtype == dtype
    assert_array_equal(labels, model.predict(X_fit))
    assert_allclose(proba, model.predict_proba(X_fit), atol=1e-5)


@pytest.mark.parametrize("estimator_class", [SoftmaxRegression, OneVsRestSigmoid])
def test_a_pipeline_converts_with_zipmap(estimator_class):
    X32 = X_RAW.astype(np.float32)
    pipeline = make_pipeline(StandardScaler(), estimator_class()).fit(X32, Y)
    labels, proba = run(sksoftmax_onnx.to_onnx(pipeline, X32[:1]), X32)
    assert_array_equal(labels, pipeline.predict(X32))
    # zipmap (skl2onnx's default for classifiers): one {label: probability} a row
    as_array = np.array([[row[k] for k in pipeline.classes_] for row in proba])
    assert_allclose(as_array, pipeline.predict_proba(X32), atol=1e-5)


def test_sparsified_coefficients_convert():
    model = SoftmaxRegression().fit(X, Y).sparsify()
    labels, proba = run(
        sksoftmax_onnx.to_onnx(model, X[:1], options={"zipmap": False}), X
    )
    assert_array_equal(labels, model.predict(X))
    assert_allclose(proba, model.predict_proba(X), atol=1e-5)


def test_nocl_gives_class_indices():
    model = SoftmaxRegression().fit(X, NAMES[Y])
    options = {"zipmap": False, "nocl": True}
    labels, _ = run(sksoftmax_onnx.to_onnx(model, X[:1], options=options), X)
    assert_array_equal(model.classes_[labels], model.predict(X))


def _sksoftmax_cv():
    from sksoftmax import OneVsRestSigmoidCV, SoftmaxRegressionCV

    return SoftmaxRegressionCV, OneVsRestSigmoidCV


@pytest.mark.parametrize("estimator_class", [SoftmaxRegression, OneVsRestSigmoid])
@pytest.mark.parametrize(
    "labels",
    [
        Y.astype(float),
        (Y > 0).astype(float),
        Y > 0,
        (Y + 1).astype(np.uint8),
    ],
    ids=["float", "binary float", "bool", "uint8"],
)
def test_every_label_dtype_exports_and_runs(estimator_class, labels):
    """Float classes (a CSV's 0., 1., 2.) exported, but onnxruntime refused the
    graph: its labels were declared int64 and built as strings."""
    X32 = X.astype(np.float32)
    model = estimator_class(max_iter=500).fit(X32, labels)
    onx = sksoftmax_onnx.to_onnx(model, X32[:1], options={"zipmap": False})
    predicted, proba = run(onx, X32)
    assert_array_equal(predicted, model.predict(X32).astype(np.int64))
    assert_allclose(proba, model.predict_proba(X32), atol=1e-5)


@pytest.mark.parametrize("cv_index", [0, 1], ids=["softmax CV", "one-vs-rest CV"])
@pytest.mark.parametrize("target", ["multiclass", "string labels"])
def test_cv_estimators_export_as_their_refitted_model(cv_index, target):
    model = _sksoftmax_cv()[cv_index](Cs=3, cv=3).fit(X, TARGETS[target])
    onx = sksoftmax_onnx.to_onnx(model, X[:1], options={"zipmap": False})
    labels, proba = run(onx, X)
    assert_array_equal(labels, model.predict(X))
    assert_allclose(proba, model.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("unfitted", ["model", "pipeline"])
def test_exporting_an_unfitted_model_says_so(unfitted):
    from sklearn.exceptions import NotFittedError

    model = SoftmaxRegression()
    if unfitted == "pipeline":
        model = make_pipeline(StandardScaler(), model)
    with pytest.raises(NotFittedError, match="not fitted"):
        sksoftmax_onnx.to_onnx(model, X[:1])


EXTREME_ROWS = {
    # logits overflow the dtype: the products hold inf - inf (NaN)
    "overflowing": lambda dtype: np.full((3, 4), np.finfo(dtype).max / 2, dtype),
    "mixed signs": lambda dtype: (
        np.array([[1, -1, 1, -1], [-1, 1, -1, 1], [1, 1, -1, -1]], dtype)
        * (np.finfo(dtype).max / 4)
    ),
    # every sigmoid near exp(-100): underflows float32 (0 / 0 before)
    "all far negative": lambda dtype: np.full((3, 4), -60.0, dtype),
}


@pytest.mark.parametrize("estimator_class", [SoftmaxRegression, OneVsRestSigmoid])
@pytest.mark.parametrize("target", ["multiclass", "binary", "multilabel"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows", list(EXTREME_ROWS))
def test_extreme_rows_give_finite_probabilities(estimator_class, target, dtype, rows):
    """predict_proba raises where the logits overflow; a graph cannot, and
    must give finite probabilities summing to one, labelled by their argmax."""
    if target == "multilabel" and estimator_class is SoftmaxRegression:
        pytest.skip("SoftmaxRegression takes no multilabel y")
    X_fit = X.astype(dtype)
    # the intercepts make every logit of the far negative rows about -60 and
    # below, where float32's exp(-100) underflows
    model = estimator_class(C=10.0, max_iter=500).fit(X_fit, TARGETS[target])
    if rows == "all far negative":
        model.coef_ = np.abs(model.coef_) + 0.5
    onx = sksoftmax_onnx.to_onnx(model, X_fit[:1], options={"zipmap": False})
    labels, proba = run(onx, EXTREME_ROWS[rows](dtype))
    assert np.all(np.isfinite(proba))
    if target == "multilabel":
        assert np.all((proba >= 0) & (proba <= 1))
        return
    assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    classes = np.asarray(model.classes_)
    assert_array_equal(labels, classes[np.argmax(proba, axis=1)])


@pytest.mark.parametrize("in_pipeline", [False, True])
def test_skl2onnx_converts_once_sksoftmax_onnx_is_imported(in_pipeline):
    """Importing sksoftmax.onnx is the registration: skl2onnx's own to_onnx
    then converts our models, alone or in a Pipeline."""
    import skl2onnx

    X32 = X.astype(np.float32)
    model = SoftmaxRegression().fit(X32, Y)
    if in_pipeline:
        model = make_pipeline(StandardScaler(), model).fit(X32, Y)
    onx = skl2onnx.to_onnx(model, X32[:1], options={"zipmap": False})
    labels, proba = run(onx, X32)
    assert_array_equal(labels, model.predict(X32))
    assert_allclose(proba, model.predict_proba(X32), atol=1e-5)
