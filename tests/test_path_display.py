"""PathDisplay and CVScoreDisplay: what they draw is the path's numbers,
recomputed here where they are derived (group norms, fold means)."""

import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

from sksoftmax import (
    CVScoreDisplay,
    PathDisplay,
    SoftmaxRegression,
    SoftmaxRegressionCV,
    regularization_path,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_every_coefficient_is_a_line_with_the_active_count_on_top():
    X, y = wine()
    estimator = SoftmaxRegression(l1_ratio=1.0)
    path = regularization_path(estimator, X, y, n_Cs=20)
    names = [f"f{j}" for j in range(X.shape[1])]
    display = PathDisplay.from_estimator(estimator, X, y, n_Cs=20, feature_names=names)
    assert len(display.lines_) == 3 * X.shape[1]
    for line in display.lines_:
        feature, klass = line.get_label().split(", ")
        j, k = names.index(feature), list(path.classes).index(int(klass))
        assert_allclose(line.get_xdata(), path.Cs)
        assert_allclose(line.get_ydata(), path.coefs[:, k, j])
    assert display.ax_.get_xscale() == "log"
    ticks = display.top_axis_.get_xticks()
    labels = [t.get_text() for t in display.top_axis_.get_xticklabels()]
    picked = [int(np.argmin(np.abs(path.Cs - tick))) for tick in ticks]
    assert labels == [str(n) for n in path.n_active[picked]]
    assert picked[0] == 0 and picked[-1] == len(path.Cs) - 1


def test_groups_are_drawn_as_their_norms():
    X, y = wine()
    groups = np.array(["a", "a", "b", "b", "b", "c", "c", "d", "d", "e", "e", "f", "f"])
    estimator = SoftmaxRegression(l1_ratio=1.0, l1_groups=groups)
    path = regularization_path(estimator, X, y, n_Cs=15)
    display = PathDisplay.from_path(path)
    assert [line.get_label() for line in display.lines_] == list("abcdef")
    for line, label in zip(display.lines_, "abcdef", strict=True):
        columns = groups == label
        expected = np.sqrt((path.coefs[:, :, columns] ** 2).sum(axis=(1, 2)))
        assert_allclose(line.get_ydata(), expected)
    # every coefficient on request, and the two-class path's single row
    coefficients = PathDisplay.from_path(path, kind="coefficients")
    assert len(coefficients.lines_) == 3 * X.shape[1]
    two = regularization_path(SoftmaxRegression(l1_ratio=1.0), X[y < 2], y[y < 2])
    labels = [line.get_label() for line in PathDisplay.from_path(two).lines_]
    assert labels[0] == "x0, 1 vs 0" and len(labels) == X.shape[1]


def test_cv_scores_are_the_fold_means_with_their_spread():
    X, y = wine()
    model = SoftmaxRegressionCV(Cs=6, l1_ratios=[0.5, 1.0], max_iter=500).fit(X, y)
    display = CVScoreDisplay.from_estimator(model)
    assert [line.get_label() for line in display.lines_] == [
        "l1_ratio = 0.5",
        "l1_ratio = 1",
    ]
    for r, (line, band) in enumerate(zip(display.lines_, display.bands_, strict=True)):
        mean = model.scores_[:, r].mean(axis=0)
        assert_allclose(line.get_ydata(), mean)
        lower = band.get_paths()[0].vertices[:, 1].min()
        assert lower == pytest.approx((mean - model.scores_[:, r].std(axis=0)).min())
    chosen = [ln for ln in display.ax_.lines if ln.get_label().startswith("C_")]
    assert_array_equal(chosen[0].get_xdata(), [model.C_, model.C_])
    l2 = SoftmaxRegressionCV(Cs=4, max_iter=500).fit(X, y)
    assert len(CVScoreDisplay.from_estimator(l2).lines_) == 1


def test_bad_requests_get_clear_errors(monkeypatch):
    X, y = wine()
    path = regularization_path(SoftmaxRegression(l1_ratio=1.0), X, y, n_Cs=5)
    with pytest.raises(ValueError, match="kind must be"):
        PathDisplay.from_path(path, kind="lines")
    with pytest.raises(ValueError, match="not fitted"):
        CVScoreDisplay.from_estimator(SoftmaxRegressionCV())
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="matplotlib"):
        PathDisplay.from_path(path)
