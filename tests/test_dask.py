"""Dask collections on a two-worker local cluster: the same fit as in memory.

The reference is always the estimator fitted on the same rows as numpy.
Digits is cut into 7 uneven chunks. C = 0.1: at C = 1 the in-memory fit
itself moves by 3e-6 when its rows are merely permuted (the problem is that
ill-conditioned), which would say nothing about the Dask path.
"""

import os
import signal
import warnings

import numpy as np
import pytest
from helpers import SGD_TO_OPTIMUM, objective, sample_weights, split
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from sksoftmax import (
    OneVsRestSigmoid,
    SoftmaxRegression,
    SoftmaxRegressionCV,
)

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
Chunks = pytest.importorskip("sksoftmax._dask._chunks").Chunks

pytestmark = pytest.mark.filterwarnings(
    # the cluster's own shutdown chatter, not ours
    "ignore::ResourceWarning",
    "ignore:.*Port .* is already in use.*:UserWarning",
)

CHUNKS = (300, 200, 257, 300, 240, 250, 250)
EXACT = dict(C=0.1, tol=1e-10, max_iter=2000)
# 12 L-BFGS iterations: the same path in memory and on chunks, to rounding
PATH = dict(C=0.1, max_iter=12)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def chunked(array):
    return da.from_array(array, chunks=(CHUNKS,) + array.shape[1:])


def sparse_chunked(X):
    return chunked(X).map_blocks(sparse.csr_matrix, dtype=X.dtype)


def assert_same_model(model, reference, atol=1e-6):
    assert_allclose(model.coef_, reference.coef_, rtol=0, atol=atol)
    assert_allclose(model.intercept_, reference.intercept_, rtol=0, atol=atol)
    assert_array_equal(model.classes_, reference.classes_)


@pytest.mark.slow
@pytest.mark.parametrize(
    "Estimator, layout, weighting",
    [
        (SoftmaxRegression, "dense", None),
        (SoftmaxRegression, "sparse", None),
        (SoftmaxRegression, "dense", "weights"),
        (SoftmaxRegression, "sparse", "dict"),
        (SoftmaxRegression, "dense", "balanced"),
        (OneVsRestSigmoid, "dense", None),
        (OneVsRestSigmoid, "sparse", "weights"),
        (OneVsRestSigmoid, "dense", "balanced"),
    ],
)
def test_lbfgs_equals_the_in_memory_fit(client, digits, Estimator, layout, weighting):
    X, y = digits
    sample_weight, class_weight = sample_weights(weighting, y)
    reference = Estimator(class_weight=class_weight, **EXACT)
    reference.fit(X, y, sample_weight=sample_weight)
    X_dask = chunked(X) if layout == "dense" else sparse_chunked(X)
    weight_dask = None if sample_weight is None else chunked(sample_weight)
    model = Estimator(class_weight=class_weight, **EXACT)
    model.fit(X_dask, chunked(y), sample_weight=weight_dask)
    assert_same_model(model, reference)
    assert model.n_features_in_ == 64


@pytest.mark.slow
def test_multilabel_and_binary_equal_the_in_memory_fit(client, digits):
    X, y = digits
    Y = np.stack([y % 2 == 0, y > 4, y == 3], axis=1).astype(int)
    reference = OneVsRestSigmoid(**EXACT).fit(X, Y)
    model = OneVsRestSigmoid(**EXACT).fit(chunked(X), chunked(Y))
    assert_same_model(model, reference)
    assert_array_equal(model.predict(chunked(X)).compute(), reference.predict(X))
    binary = y > 4
    reference = SoftmaxRegression(**EXACT).fit(X, binary)
    assert_same_model(SoftmaxRegression(**EXACT).fit(chunked(X), binary), reference)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_dataframes_numpy_targets_and_known_categories(client, digits):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y = digits
    names = [f"pixel{j}" for j in range(X.shape[1])]
    labels = np.array(list("abcdefghij"))[y]
    X_frame = pd.DataFrame(X, columns=names)
    reference = SoftmaxRegression(**PATH).fit(X_frame, labels)
    frame = dd.from_pandas(X_frame, npartitions=5)
    series = dd.from_pandas(pd.Series(labels), npartitions=5)
    model = SoftmaxRegression(**PATH).fit(frame, series)
    assert_same_model(model, reference, atol=1e-9)
    assert_array_equal(model.feature_names_in_, names)
    # y as numpy, cut like X; a categorical y whose categories are known
    assert_same_model(SoftmaxRegression(**PATH).fit(frame, labels), reference, 1e-9)
    categorical = series.astype(pd.CategoricalDtype(list("jihgfedcba")))
    assert_same_model(
        SoftmaxRegression(**PATH).fit(frame, categorical), reference, atol=1e-9
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no feature-name warnings per block
        predicted = model.predict(frame).compute()
    assert_array_equal(predicted, reference.predict(X_frame))


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestSigmoid])
def test_lazy_predictions_equal_in_memory(client, digits, Estimator):
    X, y = digits
    model = Estimator(C=0.1).fit(X, y)
    X_dask = chunked(X)
    for method in ["decision_function", "predict_proba", "predict_log_proba"]:
        lazy = getattr(model, method)(X_dask)
        assert isinstance(lazy, da.Array) and lazy.chunks[0] == CHUNKS
        assert_allclose(lazy.compute(), getattr(model, method)(X), rtol=1e-12)
    predicted = model.predict(sparse_chunked(X))
    assert predicted.chunks == (CHUNKS,)
    assert_array_equal(predicted.compute(), model.predict(X))
    # rows filtered lazily: chunk sizes unknown, and left so (nothing computed)
    kept = X[:, 10] > 0
    filtered = model.predict_proba(X_dask[da.from_array(kept, chunks=CHUNKS)])
    assert np.isnan(filtered.shape[0])
    assert_allclose(filtered.compute(), model.predict_proba(X[kept]), rtol=1e-12)


def test_sgd_without_shuffling_equals_in_memory_sgd(client, digits):
    """Chunks of whole minibatches (50 rows) are the in-memory minibatches:
    the model travels from chunk to chunk and takes the same steps."""
    X, y = digits
    chunks = (300, 200, 250, 300, 250, 250, 247)
    options = dict(solver="sgd", batch_size=50, shuffle=False, max_iter=5, C=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 5 epochs do not converge
        reference = SoftmaxRegression(**options).fit(X, y)
        model = SoftmaxRegression(**options).fit(
            da.from_array(X, chunks=(chunks, 64)), da.from_array(y, chunks=chunks)
        )
    assert_same_model(model, reference, atol=1e-10)
    assert_allclose(model.loss_curve_, reference.loss_curve_, rtol=1e-10)
    assert model.t_ == reference.t_


@pytest.mark.slow
def test_sgd_over_chunks_reaches_the_lbfgs_objective(client):
    """test_sgd's digits case, its training rows in 7 chunks.

    The minibatches of an epoch over chunks are drawn a chunk at a time. On
    this split (adaptive schedule, batch 32) SGD stopped above the L-BFGS
    objective by 0.7e-3 to 1.8e-3 in memory and by 1.3e-3 to 2.2e-3 over
    chunks, for random states 0 to 4: test_sgd's 1e-3 holds at state 0 in
    memory only. The bound here is 2.5e-3, with test_sgd's accuracy bound.
    """
    X_train, X_test, y_train, y_test = split(load_digits)
    C = 0.1
    exact = SoftmaxRegression(C=C, tol=1e-8, max_iter=10_000).fit(X_train, y_train)
    chunks = ((200, 150, 197, 200, 200, 200, 200),)
    model = SoftmaxRegression(
        C=C, batch_size=32, n_iter_no_change=10, **SGD_TO_OPTIMUM
    ).fit(
        da.from_array(X_train, chunks=chunks + (64,)),
        da.from_array(y_train, chunks=chunks),
    )
    f_exact = objective(exact, X_train, y_train, C)
    assert f_exact <= objective(model, X_train, y_train, C) <= f_exact * (1 + 2.5e-3)
    assert abs(model.score(X_test, y_test) - exact.score(X_test, y_test)) <= 0.01


def test_partial_fit_is_one_pass_over_the_chunks(client, digits):
    X, y = digits
    options = dict(C=0.1, solver="sgd", batch_size=32, random_state=0)
    model = SoftmaxRegression(**options)
    model.partial_fit(chunked(X), chunked(y), classes=np.arange(10))
    assert model.n_iter_ == 1 and model.t_ == len(y)
    # one pass learns as much as one in-memory pass (0.853 there, 0.822 here):
    # from log(10) at the start to about a third of it
    in_memory = SoftmaxRegression(**options).partial_fit(X, y, classes=np.arange(10))
    assert objective(model, X, y, 0.1) <= 1.1 * objective(in_memory, X, y, 0.1)
    assert objective(model, X, y, 0.1) < 0.4 * np.log(10)
    model.partial_fit(chunked(X), chunked(y))
    assert model.n_iter_ == 2 and model.t_ == 2 * len(y)
    assert model.score(X, y) > 0.9


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_worker_lost_mid_fit_changes_nothing(client, digits, monkeypatch):
    X, y = digits
    undisturbed = SoftmaxRegression(**PATH).fit(chunked(X), chunked(y))
    sums, calls = Chunks.sums, []
    victim = sorted(client.run(os.getpid).values())[0]

    def sums_then_kill(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 5:  # mid-fit: its persisted chunks are lost with it
            os.kill(victim, signal.SIGKILL)
        return sums(self, *args, **kwargs)

    monkeypatch.setattr(Chunks, "sums", sums_then_kill)
    model = SoftmaxRegression(**PATH).fit(chunked(X), chunked(y))
    assert len(calls) > 5
    assert_allclose(model.coef_, undisturbed.coef_, rtol=0, atol=1e-12)
    assert_allclose(model.intercept_, undisturbed.intercept_, rtol=0, atol=1e-12)
    client.wait_for_workers(2, timeout=60)
    assert victim not in client.run(os.getpid).values()  # it did die


def test_bad_dask_input_gets_clear_errors(client, digits):
    X, y = digits
    y_misaligned = da.from_array(y, chunks=500)
    with pytest.raises(ValueError, match="row chunks of y"):
        SoftmaxRegression().fit(chunked(X), y_misaligned)
    with pytest.raises(ValueError, match="y has 100 rows but X has 1797"):
        SoftmaxRegression().fit(chunked(X), y[:100])
    with pytest.raises(ValueError, match="early_stopping"):
        SoftmaxRegression(solver="sgd", early_stopping=True).fit(chunked(X), y)
    with pytest.raises(TypeError, match="no Dask collections"):
        SoftmaxRegressionCV().fit(chunked(X), y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        SoftmaxRegression().fit(chunked(X), np.zeros(len(y)))
    bad = X.copy()
    bad[1500, 3] = np.nan
    model = SoftmaxRegression().fit(X, y)
    coef = model.coef_.copy()
    with pytest.raises(ValueError, match="NaN"):
        model.fit(chunked(bad), y)
    assert_array_equal(model.coef_, coef)  # a failed fit changes nothing
    with pytest.raises(ValueError, match="64 features"):
        model.predict(chunked(X[:, :10]))


def test_complex_X_is_refused_at_fit_and_predict(client, digits):
    """scikit-learn refuses complex numpy X; a complex dask array was cast to
    float64 with its imaginary part dropped."""
    X, y = digits
    X_complex = chunked(1j * X)
    model = SoftmaxRegression(**PATH)
    with pytest.raises(ValueError, match="Complex data not supported"):
        model.fit(X_complex, chunked(y))
    assert not hasattr(model, "coef_")
    model.fit(chunked(X), chunked(y))
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(ValueError, match="Complex data not supported"):
            getattr(model, method)(X_complex)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("known", [True, False])
def test_an_unused_category_is_no_class_as_in_memory(client, digits, known):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y = digits
    labels = pd.Series(
        pd.Categorical(np.array(list("abcdefghij"))[y], categories=list("zabcdefghij"))
    )
    reference = SoftmaxRegression(**PATH).fit(X, labels)
    series = dd.from_pandas(labels, npartitions=5)
    if not known:
        series = series.cat.as_unknown()
    frame = dd.from_pandas(pd.DataFrame(X), npartitions=5)
    model = SoftmaxRegression(**PATH).fit(frame, series)
    assert_array_equal(model.classes_, list("abcdefghij"))
    assert_same_model(model, reference, atol=1e-9)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_soft_target_frames_fit_as_in_memory(client, digits):
    """Unsorted columns and float32 rows off one by 3e-4: the sorted classes
    and the distributions' fit, as in memory (and not its unbounded one)."""
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y = digits
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(10), size=len(y)) + np.eye(10)[y]
    P = (P / P.sum(axis=1, keepdims=True) * (1 + 3e-4)).astype(np.float32)
    columns = list("jihgfedcba")
    frame = pd.DataFrame(P, columns=columns)
    reference = SoftmaxRegression(**PATH).fit(X, frame)
    model = SoftmaxRegression(**PATH).fit(
        dd.from_pandas(pd.DataFrame(X), npartitions=5),
        dd.from_pandas(frame, npartitions=5),
    )
    assert_array_equal(model.classes_, sorted(columns))
    assert_same_model(model, reference, atol=1e-9)


def test_weights_whose_total_overflows_are_refused_on_chunks(client, digits):
    X, y = digits
    model = SoftmaxRegression(**PATH)
    with pytest.raises(ValueError, match="total sample weight .* beyond the range"):
        model.fit(chunked(X), chunked(y), sample_weight=chunked(np.full(len(y), 1e306)))
    assert not hasattr(model, "coef_")
