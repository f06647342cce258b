"""What a newcomer trips on: where warnings point, how errors print labels,
scoring soft targets, the notebook repr's documentation link, and the
comparison that checks an install, run as a user runs it (from an installed
wheel, no checkout on the path)."""

import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sksoftmax import (
    OneVsRestSigmoid,
    OneVsRestSigmoidCV,
    SoftmaxRegression,
    SoftmaxRegressionCV,
)
from sksoftmax.compare import time_side_by_side

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "fit",
    [
        lambda: SoftmaxRegression(max_iter=2).fit(X_IRIS, Y_IRIS),
        lambda: OneVsRestSigmoid(max_iter=2).fit(X_IRIS, Y_IRIS),
        lambda: SoftmaxRegression(max_iter=2, solver="sgd").fit(X_IRIS, Y_IRIS),
        lambda: SoftmaxRegression(max_iter=0).fit(X_IRIS, Y_IRIS),
        lambda: SoftmaxRegressionCV(Cs=2, cv=2, max_iter=2).fit(X_IRIS, Y_IRIS),
        lambda: GridSearchCV(OneVsRestSigmoid(max_iter=2), {"C": [1.0]}, cv=2).fit(
            X_IRIS, Y_IRIS
        ),
    ],
    ids=["softmax", "one-vs-rest", "sgd", "max_iter=0", "cv", "grid search"],
)
def test_convergence_warnings_point_at_the_users_line(fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        fit()
    convergence = [w for w in caught if w.category is ConvergenceWarning]
    assert convergence
    assert {w.filename for w in convergence} == {__file__}


@pytest.mark.parametrize(
    "labels, shown", [(np.zeros(150), "0.0"), (np.full(150, "a"), "'a'")]
)
def test_the_single_class_error_prints_the_label_plainly(labels, shown):
    with pytest.raises(ValueError, match=f"only one class: {shown}\\.$"):
        SoftmaxRegression().fit(X_IRIS, labels)


@pytest.mark.parametrize("estimator_class", [SoftmaxRegression, SoftmaxRegressionCV])
def test_score_takes_soft_targets_as_their_most_probable_class(estimator_class):
    names = np.array(["setosa", "versicolor", "virginica"])
    model = estimator_class(max_iter=500).fit(X_IRIS, names[Y_IRIS])
    rng = np.random.default_rng(0)
    Y = rng.dirichlet(np.ones(3), size=150) + 2 * np.eye(3)[Y_IRIS]
    Y /= Y.sum(axis=1, keepdims=True)
    expected = model.score(X_IRIS, names[Y_IRIS])
    assert model.score(X_IRIS, Y) == expected
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(Y[:, [2, 0, 1]], columns=names[[2, 0, 1]])
    assert model.score(X_IRIS, frame) == expected
    weights = rng.uniform(size=150)
    assert model.score(X_IRIS, Y, sample_weight=weights) == model.score(
        X_IRIS, names[Y_IRIS], sample_weight=weights
    )


@pytest.mark.parametrize(
    "estimator_class",
    [SoftmaxRegression, OneVsRestSigmoid, SoftmaxRegressionCV, OneVsRestSigmoidCV],
)
def test_the_notebook_repr_links_to_our_reference(estimator_class):
    link = estimator_class()._get_doc_link()
    assert link.startswith("https://github.com/sksoftmax/sksoftmax/")
    assert link.endswith(f"#{estimator_class.__name__}")
    assert link in estimator_class()._repr_html_()


def test_timing_runs_until_the_least_time_is_reached():
    calls = {"a": 0, "b": 0}

    def fit(name):
        calls[name] += 1
        time.sleep(0.005)
        return name

    times, models = time_side_by_side(
        {"a": lambda: fit("a"), "b": lambda: fit("b")}, repeat=3, min_seconds=0.1
    )
    # alternating, at least 3 runs, and about 0.1 s of each (5 ms a run)
    assert calls["a"] == calls["b"] >= 15
    assert models == {"a": "a", "b": "b"}
    assert 0.004 < times["a"] < 0.05


@pytest.mark.slow
def test_the_install_check_runs_from_an_installed_wheel(tmp_path):
    """The install page's check, `python -m sksoftmax.compare`, from a wheel
    installed into a fresh virtual environment, run outside the checkout."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, ROOT],
        check=True,
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = venv / "bin" / "python"
    (wheel,) = wheels.glob("sksoftmax-*.whl")
    subprocess.run([python, "-m", "pip", "install", "-q", wheel], check=True)
    out = subprocess.run(
        [python, "-m", "sksoftmax.compare", "--quick"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "BLAS:" in out and "scikit-learn" in out
    assert "Conclusion: the same optimum on every dataset" in out
    located = subprocess.run(
        [python, "-c", "import sksoftmax; print(sksoftmax.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(venv) in located and str(ROOT) not in located
