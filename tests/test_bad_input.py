"""Every bad input gets a clear error: the exception type and a message naming
the problem, for both estimators and both solvers. A call that raises leaves a
fitted estimator bit-for-bit as it was."""

import copy
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from sksoftmax import OneVsRestSigmoid, SoftmaxRegression

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_IRIS = StandardScaler().fit_transform(X_IRIS)
N = len(Y_IRIS)


def with_nan(a, where=(0, 0)):
    a = np.array(a, dtype=float)
    a[where] = np.nan
    return a


def with_inf(a, where=(0, 0)):
    a = np.array(a, dtype=float)
    a[where] = np.inf
    return a


# (id, fit arguments, estimator parameters, exception type, message pattern)
FIT_CASES = [
    ("nan in X", dict(X=with_nan(X_IRIS)), {}, ValueError, "Input X contains NaN"),
    ("inf in X", dict(X=with_inf(X_IRIS)), {}, ValueError, "Input X contains inf"),
    ("nan in y", dict(y=with_nan(Y_IRIS, 0)), {}, ValueError, "Input y contains NaN"),
    ("inf in y", dict(y=with_inf(Y_IRIS, 0)), {}, ValueError, "Input y contains inf"),
    (
        "nan in sample_weight",
        dict(sample_weight=with_nan(np.ones(N), 0)),
        {},
        ValueError,
        "contains NaN",
    ),
    (
        "inf in sample_weight",
        dict(sample_weight=with_inf(np.ones(N), 0)),
        {},
        ValueError,
        "contains inf",
    ),
    (
        "negative sample_weight",
        dict(sample_weight=-np.ones(N)),
        {},
        ValueError,
        "Negative values in data passed to `sample_weight`",
    ),
    (
        "all-zero sample_weight",
        dict(sample_weight=np.zeros(N)),
        {},
        ValueError,
        # scikit-learn >= 1.7 checks first; 1.6 leaves it to us
        "Sample weights must contain at least one non-zero|total sample weight is zero",
    ),
    (
        "sample_weight of the wrong shape",
        dict(sample_weight=np.ones(N - 1)),
        {},
        ValueError,
        r"sample_weight.shape == \(149,\), expected \(150,\)",
    ),
    (
        "string X",
        dict(X=np.full((N, 4), "a", dtype=object)),
        {},
        ValueError,
        "could not convert string to float",
    ),
    (
        "complex X",
        dict(X=X_IRIS + 1j),
        {},
        ValueError,
        "Complex data not supported",
    ),
    (
        "empty X",
        dict(X=np.empty((0, 4)), y=np.empty(0)),
        {},
        ValueError,
        "0 sample",
    ),
    (
        "one sample",
        dict(X=X_IRIS[:1], y=Y_IRIS[:1]),
        {},
        ValueError,
        "at least 2 classes|only one class",
    ),
    (
        "one class",
        dict(y=np.zeros(N)),
        {},
        ValueError,
        "at least 2 classes",
    ),
    (
        "continuous y",
        dict(y=np.linspace(0, 1, N)),
        {},
        ValueError,
        "Unknown label type: continuous",
    ),
    (
        "y of the wrong length",
        dict(y=Y_IRIS[:-1]),
        {},
        ValueError,
        "inconsistent numbers of samples",
    ),
    ("C = 0", {}, dict(C=0.0), ValueError, "The 'C' parameter"),
    ("C negative", {}, dict(C=-1.0), ValueError, "The 'C' parameter"),
    ("tol negative", {}, dict(tol=-1e-3), ValueError, "The 'tol' parameter"),
    ("max_iter < 0", {}, dict(max_iter=-1), ValueError, "The 'max_iter' parameter"),
    ("batch_size = 0", {}, dict(batch_size=0), ValueError, "The 'batch_size'"),
    (
        "learning_rate_init = 0",
        {},
        dict(learning_rate_init=0.0),
        ValueError,
        "The 'learning_rate_init' parameter",
    ),
    (
        "learning_rate_init a string",
        {},
        dict(learning_rate_init="fast"),
        ValueError,
        "The 'learning_rate_init' parameter",
    ),
    (
        "validation_fraction = 1",
        {},
        dict(validation_fraction=1.0),
        ValueError,
        "The 'validation_fraction' parameter",
    ),
    (
        "class_weight with an unknown label",
        {},
        dict(class_weight={0: 1.0, 7: 2.0}),
        ValueError,
        r"class_weight has labels \[7\] that are not among the classes",
    ),
    ("unknown solver", {}, dict(solver="newton"), ValueError, "The 'solver'"),
    ("C a string", {}, dict(C="big"), ValueError, "The 'C' parameter"),
]

ESTIMATORS = [
    SoftmaxRegression(),
    SoftmaxRegression(solver="sgd"),
    OneVsRestSigmoid(),
    OneVsRestSigmoid(solver="sgd"),
]
IDS = [f"{type(e).__name__}-{e.solver}" for e in ESTIMATORS]


def fitted(estimator):
    return (
        clone(estimator)
        .set_params(max_iter=20, random_state=0)
        .fit(X_IRIS[:, :3], Y_IRIS)
    )


def snapshot(estimator):
    return copy.deepcopy(vars(estimator))


def assert_same_state(estimator, before):
    after = vars(estimator)
    assert after.keys() == before.keys()
    for key, value in before.items():
        assert pickle.dumps(after[key]) == pickle.dumps(value), key


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize(
    "case, fit_args, params, error, message",
    FIT_CASES,
    ids=[case[0] for case in FIT_CASES],
)
def test_bad_fit_input(estimator, case, fit_args, params, error, message):
    args = {"X": X_IRIS, "y": Y_IRIS, "sample_weight": None, **fit_args}
    model = fitted(estimator)
    before = snapshot(model)
    model.set_params(**params)
    with pytest.raises(error, match=message):
        model.fit(args["X"], args["y"], sample_weight=args["sample_weight"])
    model.set_params(**{k: getattr(estimator, k) for k in params})
    model.set_params(max_iter=20, random_state=0)
    assert_same_state(model, before)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_predict_before_fit(estimator):
    for method in (
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
    ):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            getattr(clone(estimator), method)(X_IRIS)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_wrong_n_features_at_predict(estimator):
    model = fitted(estimator)
    with pytest.raises(ValueError, match="X has 4 features, but .* is expecting 3"):
        model.predict(X_IRIS)


PARTIAL_FIT_CASES = [
    ("no classes on the first call", "first", dict(), "classes must be passed"),
    ("a new label", "later", dict(y=Y_IRIS + 5), r"labels \[5, 6, 7\] that are not in"),
    ("changed n_features", "later", dict(X=X_IRIS[:, :2]), "X has 2 features"),
    (
        "classes differing from the first call",
        "later",
        dict(classes=[0, 1, 2, 3]),
        "differs from the classes of the first call",
    ),
    (
        "balanced class_weight",
        "first",
        dict(classes=[0, 1, 2], class_weight="balanced"),
        "class_weight='balanced' is not supported by partial_fit",
    ),
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize(
    "case, when, args, message",
    PARTIAL_FIT_CASES,
    ids=[case[0] for case in PARTIAL_FIT_CASES],
)
def test_bad_partial_fit_input(estimator, case, when, args, message):
    args = dict(args)
    class_weight = args.pop("class_weight", None)
    model = clone(estimator).set_params(random_state=0, class_weight=class_weight)
    if when == "later":
        model.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2])
    before = snapshot(model)
    call = {"X": X_IRIS, "y": Y_IRIS, "classes": None, **args}
    with pytest.raises(ValueError, match=message):
        model.partial_fit(call["X"], call["y"], classes=call["classes"])
    assert_same_state(model, before)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_warm_start_after_the_classes_changed(estimator):
    model = fitted(estimator).set_params(warm_start=True)
    before = snapshot(model)
    with pytest.raises(ValueError, match="warm_start: the classes changed"):
        model.fit(X_IRIS[:, :3], np.where(Y_IRIS == 2, 1, Y_IRIS))
    assert_same_state(model, before)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize(
    "name, value, advice",
    [
        ("penalty", "l1", "set by C and l1_ratio"),
        ("multi_class", "ovr", "the estimator is the scheme"),
        ("n_jobs", 2, "BLAS threads"),
        ("alpha", 1e-4, "its parameters are C, batch_size"),
    ],
)
def test_logistic_regression_parameters_get_a_clear_error(
    estimator, name, value, advice
):
    with pytest.raises(TypeError, match=f"{type(estimator).__name__} has no "):
        type(estimator)(**{name: value})
    with pytest.raises(TypeError, match=advice):
        type(estimator)(**{name: value})
