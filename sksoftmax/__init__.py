"""Softmax regression done properly, for the scikit-learn stack."""

from ._softmax import SoftmaxRegression

__all__ = ["SoftmaxRegression"]
__version__ = "0.1.0"
