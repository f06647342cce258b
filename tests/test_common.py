"""scikit-learn's estimator checks, run on every estimator and solver."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sksoftmax import SoftmaxRegression


@parametrize_with_checks([SoftmaxRegression()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
