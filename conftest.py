"""Doctest collection: modules of optional extras are skipped where the extra
is not installed (the core install, or the oldest supported scikit-learn)."""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("skl2onnx") is None:
    collect_ignore.append("sksoftmax/onnx.py")
