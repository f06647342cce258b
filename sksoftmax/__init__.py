"""Softmax regression done properly, for the scikit-learn stack."""

from ._cv import OneVsRestSigmoidCV, SoftmaxRegressionCV
from ._l1_min_c import l1_min_c
from ._one_vs_rest import OneVsRestSigmoid
from ._path import regularization_path
from ._path_display import CVScoreDisplay, PathDisplay
from ._softmax import SoftmaxRegression

__all__ = [
    "CVScoreDisplay",
    "OneVsRestSigmoid",
    "OneVsRestSigmoidCV",
    "PathDisplay",
    "SoftmaxRegression",
    "SoftmaxRegressionCV",
    "l1_min_c",
    "regularization_path",
]
__version__ = "0.2.0"
