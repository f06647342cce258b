"""Where a warning points: at the user's line, not at ours."""

import os
import sys

import joblib
import sklearn

# Frames in these folders are passed over: ours, and scikit-learn's (its
# fit wrappers, and meta-estimators such as GridSearchCV calling our fit,
# through joblib).
_INTERNAL = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep
    for module in (sys.modules[__package__], sklearn, joblib)
)


def user_stacklevel():
    """``stacklevel`` for a ``warnings.warn`` in the function that calls this:
    the first frame outside sksoftmax and scikit-learn. A fixed level pointed
    the ConvergenceWarning at ``sksoftmax/_base.py``, whose depth below the
    user's call differs by solver and entry point."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and os.path.abspath(
        frame.f_code.co_filename
    ).startswith(_INTERNAL):
        frame, level = frame.f_back, level + 1
    return level
