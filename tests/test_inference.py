"""Inference against statsmodels, finite differences and the in-memory path.

statsmodels is the reference for every number of an unpenalised fit:
``MNLogit`` for a softmax of three classes or more, ``Logit`` for two
classes and for each sigmoid. Each comparison has two parts: the optimum
(our fit against statsmodels' own Newton fit, to the precision L-BFGS stops
at), and every statistic at the same estimate (statsmodels evaluated at our
coefficients with ``maxiter=0``), where the formulas must agree to rounding.
"""

import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import optimize
from sklearn.datasets import load_iris, load_wine, make_classification
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from sksoftmax import OneVsRestSigmoid, SoftmaxRegression
from sksoftmax._loss._hessian import information_sums

sm = pytest.importorskip("statsmodels.api")
pd = pytest.importorskip("pandas")
sandwich = pytest.importorskip("statsmodels.stats.sandwich_covariance")

MLE = dict(C=np.inf, tol=1e-10, max_iter=10000)
SAME = dict(rtol=1e-9, atol=0)  # the same formulas at the same estimate
OPTIMUM = dict(rtol=2e-5, atol=1e-6)  # L-BFGS against Newton


def wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X[:, [0, 1, 4, 9]]), y


def iris_sepal_length():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X[:, :1]), y


def synthetic():
    X, y = make_classification(
        20000,
        20,
        n_informative=10,
        n_redundant=0,
        n_classes=4,
        class_sep=0.5,
        random_state=0,
    )
    return X, y


def at_estimate(Model, y, X, params, **fit_options):
    """statsmodels' results at our estimate (no iteration)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Model(y, sm.add_constant(X, has_constant="add")).fit(
            start_params=params,
            method="newton",
            maxiter=0,
            disp=0,
            warn_convergence=False,
            **fit_options,
        )


def newton_fit(Model, y, X):
    return Model(y, sm.add_constant(X, has_constant="add")).fit(
        method="newton", tol=1e-12, maxiter=100, disp=0
    )


def assert_table_equals(table, results, columns):
    """Our table against statsmodels' results, ``columns(array)`` mapping
    theirs into our order."""
    assert_allclose(table["coef"], columns(results.params), **SAME)
    assert_allclose(table["std_err"], columns(results.bse), **SAME)
    assert_allclose(table["z"], columns(results.tvalues), **SAME)
    assert_allclose(table["p_value"], columns(results.pvalues), **SAME)
    intervals = np.asarray(results.conf_int())
    lower, upper = intervals[..., 0], intervals[..., 1]
    if intervals.ndim == 3:  # MNLogit: (K - 1, q, 2)
        lower, upper = lower.T, upper.T
    assert_allclose(table["ci_lower"], columns(lower), **SAME)
    assert_allclose(table["ci_upper"], columns(upper), **SAME)


def multinomial_order(array):
    """MNLogit's (q, K - 1) arrays in our order: class-major."""
    return np.asarray(array).T.ravel()


@pytest.mark.parametrize(
    "dataset",
    [wine, iris_sepal_length, pytest.param(synthetic, marks=pytest.mark.slow)],
)
def test_softmax_equals_mnlogit(dataset):
    X, y = dataset()
    model = SoftmaxRegression(**MLE).fit(X, y)
    table = model.coef_table(X, y)
    own = newton_fit(sm.MNLogit, y, X)
    assert_allclose(table["coef"], multinomial_order(own.params), **OPTIMUM)

    params = table["coef"].to_numpy()
    results = at_estimate(sm.MNLogit, y, X, params)
    assert_table_equals(table, results, multinomial_order)
    covariance = model.covariance_matrix(X, y).to_numpy()
    scale = np.abs(covariance).max()
    assert_allclose(covariance, results.cov_params(), rtol=1e-9, atol=1e-9 * scale)

    statistics = model.fit_statistics(X, y)
    for ours, theirs in [
        ("log_likelihood", "llf"),
        ("null_log_likelihood", "llnull"),
        ("pseudo_r2", "prsquared"),
        ("llr", "llr"),
        ("llr_p_value", "llr_pvalue"),
        ("aic", "aic"),
        ("bic", "bic"),
        ("df_model", "df_model"),
        ("df_resid", "df_resid"),
    ]:
        # llnull: statsmodels fits the intercepts-only model iteratively (ours
        # is closed-form), and the tiny p-value of llr amplifies its error
        tolerance = SAME
        if ours.startswith(("null", "llr", "pseudo")):
            tolerance = dict(rtol=1e-6 if ours == "llr_p_value" else 1e-8)
        assert_allclose(statistics[ours], getattr(results, theirs), **tolerance)

    margins = results.get_margeff(at="overall")
    effects = model.marginal_effects(X, y)
    assert_allclose(effects["coef"], margins.margeff.T.ravel(), rtol=1e-8, atol=1e-14)
    assert_allclose(effects["std_err"], margins.margeff_se.T.ravel(), rtol=1e-7)
    assert list(effects.index.get_level_values("class").unique()) == [0, 1, 2] + (
        [3] if len(np.unique(y)) == 4 else []
    )


@pytest.mark.parametrize("cov_type", ["HC0", "HC1", "cluster"])
def test_robust_covariances_equal_statsmodels(cov_type):
    X, y = wine()
    groups = np.arange(y.shape[0]) % 23
    model = SoftmaxRegression(**MLE).fit(X, y)
    options = {"groups": groups} if cov_type == "cluster" else {}
    ours = model.covariance_matrix(X, y, cov_type=cov_type, **options)
    params = model.coef_table(X, y)["coef"].to_numpy()
    if cov_type == "HC1":
        # statsmodels' discrete models return HC0 for "HC1"; its HC1 factor
        # n / (n - k) is cov_white_simple's correction
        results = at_estimate(sm.MNLogit, y, X, params)
        theirs = sandwich.cov_white_simple(results, use_correction=True)
    else:
        kwds = {"cov_kwds": {"groups": groups}} if cov_type == "cluster" else {}
        results = at_estimate(sm.MNLogit, y, X, params, cov_type=cov_type, **kwds)
        theirs = results.cov_params()
        table = model.coef_table(X, y, cov_type=cov_type, **options)
        assert_allclose(table["std_err"], multinomial_order(results.bse), **SAME)
    assert_allclose(ours, theirs, **SAME)
    assert ours.attrs["cov_type"] == cov_type


def test_integer_weights_equal_repeated_rows():
    X, y = wine()
    weights = np.random.default_rng(0).integers(0, 4, size=y.shape[0])
    groups = np.arange(y.shape[0]) % 11
    model = SoftmaxRegression(**MLE).fit(X, y, sample_weight=weights)
    X_rep, y_rep = np.repeat(X, weights, axis=0), np.repeat(y, weights)
    groups_rep = np.repeat(groups, weights)
    params = model.coef_table(X, y, weights)["coef"].to_numpy()
    for cov_type, ours_kw, theirs_kw in [
        ("nonrobust", {}, {}),
        ("HC0", {}, {}),
        ("cluster", {"groups": groups}, {"cov_kwds": {"groups": groups_rep}}),
    ]:
        table = model.coef_table(X, y, weights, cov_type=cov_type, **ours_kw)
        results = at_estimate(
            sm.MNLogit, y_rep, X_rep, params, cov_type=cov_type, **theirs_kw
        )
        assert_table_equals(table, results, multinomial_order)
    statistics = model.fit_statistics(X, y, weights)
    assert_allclose(statistics["bic"], results.bic, **SAME)
    assert statistics["n_obs"] == weights.sum()
    margins = results.get_margeff(at="overall")
    effects = model.marginal_effects(X, y, weights, cov_type="cluster", groups=groups)
    assert_allclose(effects["std_err"], margins.margeff_se.T.ravel(), rtol=1e-7)


def test_class_weight_counts_each_sample_as_repeated():
    """class_weight={0: 2} is every sample of class 0 counted twice."""
    X, y = wine()
    model = SoftmaxRegression(class_weight={0: 2}, **MLE).fit(X, y)
    repeats = np.where(y == 0, 2, 1)
    params = model.coef_table(X, y)["coef"].to_numpy()
    results = at_estimate(
        sm.MNLogit, np.repeat(y, repeats), np.repeat(X, repeats, axis=0), params
    )
    assert_table_equals(model.coef_table(X, y), results, multinomial_order)


def test_string_labels_and_reference_class():
    X, y = wine()
    names = np.array(["barolo", "grignolino", "barbera"])[y]
    frame = pd.DataFrame(X, columns=["alcohol", "malic", "magnesium", "colour"])
    model = SoftmaxRegression(**MLE).fit(frame, names)
    table = model.coef_table(frame, names, reference="grignolino")
    assert table.attrs["reference"] == "grignolino"
    assert list(table.index.get_level_values("class").unique()) == [
        "barbera",
        "barolo",
    ]
    assert list(table.index.get_level_values("feature")[:5]) == [
        "intercept",
        "alcohol",
        "malic",
        "magnesium",
        "colour",
    ]
    # statsmodels' first category is the reference: grignolino first
    codes = pd.Categorical(names, categories=["grignolino", "barbera", "barolo"]).codes
    params = table["coef"].to_numpy()
    results = at_estimate(sm.MNLogit, codes, X, params)
    assert_table_equals(table, results, multinomial_order)
    # the contrasts are the fit's rows' differences
    coef = model.coef_
    assert_allclose(
        table.loc["barbera"]["coef"].to_numpy()[1:], coef[0] - coef[2], rtol=1e-12
    )


def test_two_classes_equal_logit_and_reference_flips_the_sign():
    X, y = load_iris(return_X_y=True)
    keep = y > 0
    X, y = StandardScaler().fit_transform(X[keep][:, :3]), y[keep]
    model = SoftmaxRegression(**MLE).fit(X, y)
    table = model.coef_table(X, y)
    assert list(table.index.get_level_values("class").unique()) == [2]
    own = newton_fit(sm.Logit, (y == 2).astype(float), X)
    assert_allclose(table["coef"], own.params, **OPTIMUM)
    results = at_estimate(sm.Logit, (y == 2).astype(float), X, table["coef"].to_numpy())
    assert_table_equals(table, results, np.asarray)
    margins = results.get_margeff(at="overall")
    effects = model.marginal_effects(X, y)
    assert_allclose(effects["coef"], margins.margeff, rtol=1e-8)
    assert_allclose(effects["std_err"], margins.margeff_se, rtol=1e-7)
    flipped = model.coef_table(X, y, reference=2)
    assert list(flipped.index.get_level_values("class").unique()) == [1]
    assert_allclose(flipped["coef"], -table["coef"].to_numpy(), rtol=1e-14)
    assert_allclose(flipped["std_err"], table["std_err"].to_numpy(), rtol=1e-14)
    statistics = model.fit_statistics(X, y)
    assert_allclose(statistics["aic"], results.aic, **SAME)
    assert_allclose(statistics["llr"], results.llr, rtol=1e-8)


@pytest.mark.parametrize("multilabel", [False, True])
def test_each_sigmoid_equals_its_own_logit(multilabel):
    X, y = wine()
    if multilabel:
        y = np.column_stack([y == 0, (y == 1) | (X[:, 0] > 0.5)]).astype(int)
    model = OneVsRestSigmoid(**MLE).fit(X, y)
    table = model.coef_table(X, y, cov_type="HC0")
    level = "label" if multilabel else "class"
    columns = y.T if multilabel else [(y == k).astype(int) for k in range(3)]
    total_llf = 0.0
    for output, column in enumerate(columns):
        ours = table.xs(model.classes_[output], level=level)
        results = at_estimate(
            sm.Logit, column, X, ours["coef"].to_numpy(), cov_type="HC0"
        )
        assert_table_equals(ours, results, np.asarray)
        total_llf += results.llf
        margins = results.get_margeff(at="overall")
        effects = model.marginal_effects(X, y, cov_type="HC0").xs(
            model.classes_[output], level=level
        )
        assert_allclose(effects["std_err"], margins.margeff_se, rtol=1e-7)
    assert_allclose(model.fit_statistics(X, y)["log_likelihood"], total_llf, **SAME)


def test_wald_test_equals_statsmodels():
    X, y = wine()
    model = SoftmaxRegression(**MLE).fit(X, y)
    params = model.coef_table(X, y)["coef"].to_numpy()
    results = at_estimate(sm.MNLogit, y, X, params)
    # "malic (column 1) does nothing": its coefficient in both contrasts
    restrictions = np.zeros((2, 10))
    restrictions[0, 2] = restrictions[1, 7] = 1
    theirs = results.wald_test(restrictions, scalar=True, use_f=False)
    for result in [
        model.wald_test(X, y, features="x1"),
        model.wald_test(X, y, features=[1]),
        model.wald_test(X, y, restrictions=restrictions),
    ]:
        assert_allclose(result.statistic, theirs.statistic, **SAME)
        assert_allclose(result.p_value, theirs.pvalue, rtol=1e-8)
        assert result.df == 2
    value = np.array([0.5, -0.25])
    theirs = results.wald_test((restrictions, value), scalar=True, use_f=False)
    ours = model.wald_test(X, y, restrictions=restrictions, value=value)
    assert_allclose(ours.statistic, theirs.statistic, **SAME)


def _full_hessian_by_differences(model, X, y, sample_weight):
    """The Hessian of sum_i s_i loss_i + ||W||^2 / (2C) in every
    coefficient, by central differences of the fit's own gradient."""
    from sksoftmax._fit_data import fit_data
    from sksoftmax._penalties import penalty_terms

    data = fit_data(model, X, y, sample_weight, classes=model.classes_, reset=False)
    loss = data.linear_loss
    coef = data.warm_coef(model)
    total = data.weight_sum
    strength, _ = penalty_terms(model, data.problem, loss, total)

    def gradient(point):
        return total * loss.gradient(point, *data.objective_data, strength)

    step = 1e-6
    columns = [
        (gradient(coef + step * e) - gradient(coef - step * e)) / (2 * step)
        for e in np.eye(coef.shape[0])
    ]
    return data, coef, np.array(columns)


def _rows_layout(loss):
    """Positions, in the packed coefficients, of [b_k, w_k] for each k."""
    n_weights = loss.n_outputs * loss.n_features
    order = []
    for output in range(loss.n_outputs):
        order.append(n_weights + output)
        order.extend(output * loss.n_features + np.arange(loss.n_features))
    return np.array(order)


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestSigmoid])
def test_hessian_equals_finite_differences_of_the_gradient(Estimator):
    X, y = wine()
    weights = np.random.default_rng(1).uniform(0.5, 2, size=y.shape[0])
    model = Estimator(C=np.inf, max_iter=30).fit(X, y, sample_weight=weights)
    data, coef, by_differences = _full_hessian_by_differences(model, X, y, weights)
    loss = data.linear_loss
    hessian, _, _ = information_sums(
        loss, coef, *data.objective_data, np.arange(loss.n_outputs)
    )
    order = _rows_layout(loss)
    assert_allclose(hessian, by_differences[np.ix_(order, order)], rtol=1e-6, atol=1e-6)


def test_penalised_covariance_is_the_laplace_marginal_of_the_contrasts():
    """Finite C: the full penalised Hessian of all K rows (by differences),
    its pseudo-inverse (the intercepts' common shift is flat), mapped to
    the contrasts against the reference."""
    X, y = wine()
    factor = np.array([0.0, 0.5, 1.0, 2.0])  # the first feature unpenalised
    model = SoftmaxRegression(C=0.05, tol=1e-10, penalty_factor=factor).fit(X, y)
    data, coef, by_differences = _full_hessian_by_differences(model, X, y, None)
    order = _rows_layout(data.linear_loss)
    full = by_differences[np.ix_(order, order)]
    q = X.shape[1] + 1
    contrasts = np.zeros((2 * q, 3 * q))
    for position, output in enumerate([1, 2]):
        contrasts[position * q : (position + 1) * q, output * q : (output + 1) * q] = (
            np.eye(q)
        )
        contrasts[position * q : (position + 1) * q, :q] = -np.eye(q)
    expected = contrasts @ np.linalg.pinv(full, rcond=1e-10) @ contrasts.T
    ours = model.covariance_matrix(X, y)
    assert_allclose(ours, expected, rtol=1e-5, atol=1e-9)
    assert "Laplace" in ours.attrs["covariance"]
    # and the estimates are the penalised fit's contrasts
    table = model.coef_table(X, y)
    assert_allclose(
        table.loc[1]["coef"].to_numpy()[1:], model.coef_[1] - model.coef_[0], rtol=1e-12
    )


def test_dask_input_equals_in_memory():
    da = pytest.importorskip("dask.array")
    X, y = wine()
    weights = np.random.default_rng(2).uniform(0.5, 2, size=y.shape[0])
    model = SoftmaxRegression(**MLE).fit(X, y, sample_weight=weights)
    chunks = ((50, 60, 68),)
    X_d = da.from_array(X, chunks=chunks + (4,))
    y_d, w_d = da.from_array(y, chunks=chunks), da.from_array(weights, chunks=chunks)
    for cov_type in ["nonrobust", "HC1"]:
        assert_allclose(
            model.coef_table(X_d, y_d, w_d, cov_type=cov_type),
            model.coef_table(X, y, weights, cov_type=cov_type),
            rtol=1e-10,
        )
    assert_allclose(
        model.marginal_effects(X_d, y_d, w_d),
        model.marginal_effects(X, y, weights),
        rtol=1e-10,
    )
    ours, reference = (
        model.fit_statistics(X_d, y_d, w_d),
        model.fit_statistics(X, y, weights),
    )
    for name, value in reference.items():
        assert_allclose(ours[name], value, rtol=1e-10)
    with pytest.raises(ValueError, match="not available for Dask"):
        model.coef_table(X_d, y_d, cov_type="cluster", groups=np.zeros(178))


def test_separation_and_collinearity_are_named_not_nan():
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        separated = SoftmaxRegression(C=np.inf, max_iter=2000).fit(X, y)
    with pytest.raises(ValueError, match="separate perfectly"):
        separated.coef_table(X, y)
    X, y = wine()
    collinear = np.column_stack([X, X[:, 0] + 2 * X[:, 1]])
    model = SoftmaxRegression(C=np.inf, max_iter=300).fit(collinear, y)
    with pytest.raises(ValueError, match="collinear columns") as error:
        model.coef_table(collinear, y)
    assert "'x4'" in str(error.value)
    zero_column = np.column_stack([X, np.zeros(y.shape[0])])
    model = SoftmaxRegression(C=np.inf, max_iter=300).fit(zero_column, y)
    with pytest.raises(ValueError, match="no information on the coefficient of 'x4'"):
        model.coef_table(zero_column, y)
    # a penalty makes the same data estimable: finite errors
    penalised = SoftmaxRegression(C=1.0).fit(zero_column, y)
    assert np.all(np.isfinite(penalised.coef_table(zero_column, y)["std_err"]))


def test_bad_arguments_get_clear_errors():
    X, y = wine()
    model = SoftmaxRegression(C=1.0).fit(X, y)
    with pytest.raises(NotFittedError):
        SoftmaxRegression().coef_table(X, y)
    with pytest.raises(ValueError, match="cov_type must be one of"):
        model.coef_table(X, y, cov_type="HC3")
    with pytest.raises(ValueError, match="needs groups"):
        model.coef_table(X, y, cov_type="cluster")
    with pytest.raises(ValueError, match="groups is for cov_type='cluster'"):
        model.coef_table(X, y, groups=np.zeros(y.shape[0]))
    with pytest.raises(ValueError, match="at least two groups"):
        model.coef_table(X, y, cov_type="cluster", groups=np.zeros(y.shape[0]))
    with pytest.raises(ValueError, match="one label per sample"):
        model.coef_table(X, y, cov_type="cluster", groups=np.zeros(5))
    with pytest.raises(ValueError, match="reference=7 is not one of the classes"):
        model.coef_table(X, y, reference=7)
    with pytest.raises(ValueError, match="confidence_level must be in"):
        model.coef_table(X, y, confidence_level=95)
    with pytest.raises(ValueError, match="exactly one of features and restrictions"):
        model.wald_test(X, y)
    with pytest.raises(ValueError, match="'x9' is not a feature"):
        model.wald_test(X, y, features="x9")
    with pytest.raises(ValueError, match="must have 10 columns"):
        model.wald_test(X, y, restrictions=np.ones((1, 3)))
    with pytest.raises(ValueError, match="X has 3 features"):
        model.coef_table(X[:, :3], y)
    ovr = OneVsRestSigmoid().fit(X, y)
    with pytest.raises(ValueError, match="against no reference"):
        ovr.coef_table(X, y, reference=0)
    multilabel = OneVsRestSigmoid().fit(X, np.column_stack([y == 0, y == 1]))
    with pytest.raises(ValueError, match="fitted on"):
        multilabel.coef_table(X, y)


def test_without_pandas_the_error_names_the_extra(monkeypatch):
    X, y = wine()
    model = SoftmaxRegression(C=1.0).fit(X, y)

    class NoPandas:  # an import finder that finds no pandas
        def find_spec(self, name, path=None, target=None):
            if name == "pandas":
                raise ImportError("No module named 'pandas'")

    monkeypatch.delitem(sys.modules, "pandas")
    monkeypatch.setattr(sys, "meta_path", [NoPandas(), *sys.meta_path])
    with pytest.raises(ImportError, match=r"sksoftmax\[inference\]"):
        model.coef_table(X, y)
    assert model.fit_statistics(X, y)["n_obs"] == y.shape[0]  # no pandas needed


def test_confidence_level_and_float32_data():
    X, y = wine()
    model = SoftmaxRegression(**MLE).fit(X, y)
    table = model.coef_table(X, y, confidence_level=0.9)
    half = table["ci_upper"] - table["coef"]
    assert_allclose(half, 1.6448536269514722 * table["std_err"], rtol=1e-12)
    model32 = SoftmaxRegression(**MLE).fit(X.astype(np.float32), y)
    table32 = model32.coef_table(X.astype(np.float32), y)
    assert_allclose(table32["std_err"], table["std_err"], rtol=1e-3)


def test_minimum_is_where_the_score_vanishes():
    """The score sums the table's sandwich uses vanish at the MLE: checked
    against scipy's own minimiser of the written-out log-likelihood."""
    X, y = iris_sepal_length()
    design = np.column_stack([np.ones(y.shape[0]), X])

    def negative_log_likelihood(flat):
        logits = np.column_stack([np.zeros(y.shape[0]), design @ flat.reshape(2, 2).T])
        logits -= logits.max(axis=1, keepdims=True)
        log_proba = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return -log_proba[np.arange(y.shape[0]), y].sum()

    reference = optimize.minimize(
        negative_log_likelihood, np.zeros(4), method="BFGS", options={"gtol": 1e-9}
    ).x
    model = SoftmaxRegression(**MLE).fit(X, y)
    assert_allclose(model.coef_table(X, y)["coef"], reference, rtol=1e-5)


def test_without_intercept_equals_mnlogit_without_constant():
    X, y = wine()
    model = SoftmaxRegression(fit_intercept=False, **MLE).fit(X, y)
    table = model.coef_table(X, y)
    assert "intercept" not in table.index.get_level_values("feature")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = sm.MNLogit(y, X).fit(
            start_params=table["coef"].to_numpy(),
            method="newton",
            maxiter=0,
            disp=0,
            warn_convergence=False,
        )
    assert_table_equals(table, results, multinomial_order)
    statistics = model.fit_statistics(X, y)
    assert_allclose(statistics["log_likelihood"], results.llf, **SAME)
    assert_allclose(statistics["null_log_likelihood"], results.llnull, rtol=1e-8)
    # statsmodels' AIC counts an intercept per equation even without one;
    # ours counts the coefficients estimated
    assert_allclose(statistics["aic"], -2 * results.llf + 2 * table.shape[0], **SAME)


def test_other_inputs_give_the_same_table():
    """One-hot soft targets, sparse X, the CV estimator at its C_, a torch
    tensor: each the table of the plain fit on the same numbers."""
    from scipy import sparse

    from sksoftmax import SoftmaxRegressionCV

    X, y = wine()
    model = SoftmaxRegression(C=1.0, tol=1e-10).fit(X, y)
    reference = model.coef_table(X, y)
    one_hot = np.eye(3)[y]
    soft = SoftmaxRegression(C=1.0, tol=1e-10).fit(X, one_hot)
    assert_allclose(soft.coef_table(X, one_hot), reference, rtol=1e-6)
    assert_allclose(
        model.coef_table(sparse.csr_matrix(X), y), reference, rtol=1e-12, atol=1e-14
    )
    searched = SoftmaxRegressionCV(Cs=[0.1, 1.0], tol=1e-10).fit(X, y)
    plain = SoftmaxRegression(C=searched.C_, tol=1e-10).fit(X, y)
    # the refit starts warm from the path: the same optimum to L-BFGS's stop
    assert_allclose(
        searched.coef_table(X, y), plain.coef_table(X, y), rtol=1e-5, atol=1e-6
    )
    torch = pytest.importorskip("torch")
    assert_allclose(
        model.coef_table(torch.asarray(X), torch.asarray(y)), reference, rtol=1e-12
    )


def test_an_l1_fit_is_refused():
    """Inference after selection is not valid."""
    X, y = wine()
    model = SoftmaxRegression(C=1.0, l1_ratio=0.5).fit(X, y)
    with pytest.raises(ValueError, match="not valid"):
        model.coef_table(X, y)
