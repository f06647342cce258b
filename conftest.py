"""Doctest collection: modules of optional extras are skipped where the extra
is not installed (the core install, or the oldest supported scikit-learn);
a docstring example that does not converge fails."""

import importlib.util

import pytest

collect_ignore = []
if importlib.util.find_spec("skl2onnx") is None:
    collect_ignore.append("sksoftmax/onnx.py")
if importlib.util.find_spec("distributed") is None:
    collect_ignore.append("sksoftmax/_dask")
if importlib.util.find_spec("pandas") is None:  # the inference tables' examples
    collect_ignore.append("sksoftmax/_inference/_mixin.py")
if importlib.util.find_spec("matplotlib") is None:  # the Displays' examples
    collect_ignore.append("sksoftmax/_path_display.py")


def pytest_collection_modifyitems(items):
    for item in items:
        if isinstance(item, pytest.DoctestItem):
            item.add_marker(
                pytest.mark.filterwarnings(
                    "error::sklearn.exceptions.ConvergenceWarning"
                )
            )
