"""Sphinx configuration of the sksoftmax documentation."""

import importlib.util
import os
import shutil
import sys
import warnings
import zlib

from sklearn.exceptions import ConvergenceWarning

sys.path.insert(0, os.path.abspath(".."))

import sksoftmax  # noqa: E402

project = "sksoftmax"
author = "the sksoftmax developers"
copyright = "2026, the sksoftmax developers"
release = sksoftmax.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True


def _members_an_instance_lacks():
    """Per class, the public methods its class has but an instance does not
    (taken away with ``available_if``, as the CV estimators' ``partial_fit``):
    the API pages list every public method an instance has, inherited ones
    included, and no other (tests/test_api_pages.py checks the pages)."""
    from sklearn import config_context
    from sklearn.base import BaseEstimator

    absent = {}
    # the set_*_request methods exist only with metadata routing on
    with config_context(enable_metadata_routing=True):
        for name in sksoftmax.__all__:
            cls = getattr(sksoftmax, name)
            if isinstance(cls, type) and issubclass(cls, BaseEstimator):
                instance = cls()
                methods = [m for m in dir(cls) if callable(getattr(cls, m, None))]
                lacks = [m for m in methods if not hasattr(instance, m)]
                absent[name] = ", ".join(m for m in lacks if m[0] != "_")
    return absent


autosummary_context = {"absent_members": _members_an_instance_lacks()}
# "On this page" lists methods by their own names, not cut-off dotted paths
add_module_names = False
toc_object_entries_show_parents = "hide"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# numpydoc checks every public docstring at build time; -W makes a miss fatal.
numpydoc_validation_checks = {"PR01", "PR02", "PR03", "PR10", "RT01"}

# No network at build time, so scikit-learn's own inventory cannot be
# fetched: the few of its objects these pages link to are listed here, in a
# Sphinx inventory written at build time, and intersphinx links them to
# scikit-learn's stable documentation.
SKLEARN_OBJECTS = {
    "py:class": [
        "sklearn.linear_model.LogisticRegression",
        "sklearn.linear_model.LogisticRegressionCV",
        "sklearn.linear_model.SGDClassifier",
        "sklearn.model_selection.GridSearchCV",
        "sklearn.model_selection.TunedThresholdClassifierCV",
        "sklearn.multiclass.OneVsRestClassifier",
        "sklearn.neural_network.MLPClassifier",
        "sklearn.pipeline.Pipeline",
        "sklearn.preprocessing.StandardScaler",
    ],
    "py:function": [
        "sklearn.config_context",
        "sklearn.utils.estimator_checks.check_estimator",
    ],
}


# The labels and terms scikit-learn's docstrings of the methods our classes
# inherit (score, get_metadata_routing, set_*_request) refer to: page,
# display text
SKLEARN_LABELS = {
    ("metadata_routing", "std:label"): ("metadata_routing.html", "Metadata routing"),
    ("accuracy_score", "std:label"): (
        "modules/model_evaluation.html#accuracy-score",
        "Accuracy score",
    ),
    ("meta-estimator", "std:term"): (
        "glossary.html#term-meta-estimator",
        "meta-estimator",
    ),
}


def _write_sklearn_inventory(path):
    """A version-2 Sphinx inventory: a header, then zlib-compressed lines
    ``name domain:role priority uri display`` ("$" in uri: the name)."""
    lines = "".join(
        f"{name} {role} 1 modules/generated/$.html -\n"
        for role, names in SKLEARN_OBJECTS.items()
        for name in names
    ) + "".join(
        f"{name} {role} 1 {uri} {display}\n"
        for (name, role), (uri, display) in SKLEARN_LABELS.items()
    )
    header = (
        "# Sphinx inventory version 2\n# Project: scikit-learn\n"
        "# Version: stable\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as inventory:
        inventory.write(header.encode() + zlib.compress(lines.encode()))


_SKLEARN_INVENTORY = os.path.join(os.path.dirname(__file__), "_build", "sklearn.inv")
_write_sklearn_inventory(_SKLEARN_INVENTORY)
intersphinx_mapping = {
    "sklearn": ("https://scikit-learn.org/stable/", _SKLEARN_INVENTORY),
}

# Every example must converge: a ConvergenceWarning aborts the build (the
# gallery runs in this process), as the doctests do (conftest.py).
warnings.filterwarnings("error", category=ConvergenceWarning)

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "doc_module": ("sksoftmax",),
    "backreferences_dir": "generated/backreferences",
}

# Math is rendered by MathJax served with the site, not fetched from a CDN:
# a reader without network (or this build machine) saw raw TeX. MathJax 2
# ships in jupyter-server-mathjax (the docs extra); its files are copied
# next to the pages, and found without importing the package (which would
# import jupyter_server).
_MATHJAX = importlib.util.find_spec("jupyter_server_mathjax")
if _MATHJAX is not None:
    _MATHJAX_STATIC = os.path.join(os.path.dirname(__file__), "_build", "mathjax")
    shutil.copytree(
        os.path.join(_MATHJAX.submodule_search_locations[0], "static"),
        os.path.join(_MATHJAX_STATIC, "mathjax"),
        dirs_exist_ok=True,
    )
    html_static_path = [_MATHJAX_STATIC]
    mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
    mathjax2_config = {
        "tex2jax": {
            "inlineMath": [["\\(", "\\)"]],
            "displayMath": [["\\[", "\\]"]],
            "processEscapes": True,
            "ignoreClass": "document",
            "processClass": "math|output_area",
        }
    }

html_theme = "pydata_sphinx_theme"
html_title = "sksoftmax"
html_theme_options = {"navigation_with_keys": False}
# single pages have no sub-pages to list: no empty left sidebar (their own
# sections are in the right-hand "On this page" bar)
html_sidebars = {
    page: [] for page in ("install", "user_guide", "api", "code_layout", "changelog")
}
exclude_patterns = ["_build", "generated/*.examples"]
templates_path = ["_templates"]
