"""Sphinx configuration of the sksoftmax documentation."""

import os
import sys
import warnings

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
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# numpydoc checks every public docstring at build time; -W makes a miss fatal.
numpydoc_validation_checks = {"PR01", "PR02", "PR03", "PR10", "RT01"}

# No network at build time: cross-references to other projects are written as
# plain literals instead of intersphinx links.
intersphinx_mapping = {}

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
