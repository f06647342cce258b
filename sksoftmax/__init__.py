"""Softmax regression done properly, for the scikit-learn stack."""

from ._cv import OneVsRestSigmoidCV, SoftmaxRegressionCV
from ._one_vs_rest import OneVsRestSigmoid
from ._softmax import SoftmaxRegression

__all__ = [
    "OneVsRestSigmoid",
    "OneVsRestSigmoidCV",
    "SoftmaxRegression",
    "SoftmaxRegressionCV",
]
__version__ = "0.2.0"
