"""The API reference lists every public method an estimator has, inherited
ones included (score, get_params, set_callbacks, sparsify ...), and none it
lacks (the CV estimators' partial_fit): the pages are built with Sphinx (the
gallery not run) and read back."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from sklearn import config_context
from sklearn.base import BaseEstimator

import sksoftmax

pytest.importorskip("sphinx")
pytest.importorskip("numpydoc")
pytest.importorskip("sphinx_gallery")
pytest.importorskip("pydata_sphinx_theme")

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    doctrees = tmp_path_factory.mktemp("doctrees")
    command = [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html"]
    command += ["-D", "plot_gallery=0", "-d", str(doctrees), str(DOCS), str(out)]
    subprocess.run(command, check=True)
    return out / "generated"


def public_methods(estimator_class):
    """What an instance has that a user calls (with metadata routing on, as
    scikit-learn's own reference shows the set_*_request methods)."""
    with config_context(enable_metadata_routing=True):
        instance = estimator_class()
        return {
            name
            for name in dir(instance)
            if not name.startswith("_") and callable(getattr(instance, name))
        }


ESTIMATORS = [
    name
    for name in sksoftmax.__all__
    if isinstance(getattr(sksoftmax, name), type)
    and issubclass(getattr(sksoftmax, name), BaseEstimator)
]


@pytest.mark.slow
@pytest.mark.parametrize("name", ESTIMATORS)
def test_api_page_lists_exactly_the_public_methods(html, name):
    page = (html / f"sksoftmax.{name}.html").read_text()
    pattern = (
        r'<dl class="py method">\s*<dt class="sig sig-object py" '
        rf'id="sksoftmax\.{name}\.(\w+)"'
    )
    listed = set(re.findall(pattern, page))
    expected = public_methods(getattr(sksoftmax, name))
    assert listed == expected
    for method in ("score", "get_params", "set_params", "sparsify", "densify"):
        assert method in listed
    assert ("partial_fit" in listed) == (not name.endswith("CV"))
