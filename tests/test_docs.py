"""Every public parameter and method documented (numpydoc's validation)."""

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")

from sksoftmax import OneVsRestSigmoid, SoftmaxRegression  # noqa: E402

# PR01: a parameter not documented; PR02: a documented one that does not
# exist; PR03: out of order; RT01: no Returns section; SA04/EX01 are style.
CHECKS = {"PR01", "PR02", "PR03", "PR10", "RT01", "EX01"}
PUBLIC = [
    "",
    ".fit",
    ".partial_fit",
    ".predict",
    ".predict_proba",
    ".predict_log_proba",
    ".decision_function",
]


@pytest.mark.parametrize("estimator", [SoftmaxRegression, OneVsRestSigmoid])
@pytest.mark.parametrize("member", PUBLIC)
def test_numpydoc_validation(estimator, member):
    name = f"sksoftmax.{estimator.__name__}{member}"
    if member:
        # methods need no Examples of their own; the class has them
        checks = CHECKS - {"EX01"}
    else:
        checks = CHECKS
    errors = [
        (code, message)
        for code, message in numpydoc_validate.validate(name)["errors"]
        if code in checks
    ]
    assert errors == [], name


def test_every_constructor_parameter_is_in_the_docstring():
    for estimator in (SoftmaxRegression, OneVsRestSigmoid):
        doc = estimator.__doc__
        for parameter in estimator().get_params():
            assert f"    {parameter} : " in doc, (estimator.__name__, parameter)
