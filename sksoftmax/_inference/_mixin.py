"""The inference methods of both estimators: covariance, coefficient table,
fit statistics, Wald tests and average marginal effects."""

from collections import namedtuple

import numpy as np
from scipy import stats

from ._covariance import covariance
from ._margins import average_marginal_effects
from ._parameters import INTERCEPT, FittedParameters

WaldTest = namedtuple("WaldTest", ["statistic", "df", "p_value"])
WaldTest.__doc__ = """The result of :meth:`wald_test`: the chi-squared statistic,
its degrees of freedom (the number of restrictions) and its p-value."""

_TABLE_COLUMNS = ["coef", "std_err", "z", "p_value", "ci_lower", "ci_upper"]


def _pandas(method):
    try:
        import pandas
    except ImportError as error:
        raise ImportError(
            f"{method} returns a pandas DataFrame and needs pandas: "
            "pip install 'sksoftmax[inference]'."
        ) from error
    return pandas


def _check_level(confidence_level):
    if not 0 < confidence_level < 1:
        raise ValueError(
            f"confidence_level must be in (0, 1); got {confidence_level!r}."
        )


def _describe(parameters, cov_type):
    """What the covariance is, for the tables' ``attrs``."""
    if np.isinf(parameters.C):
        what = "inverse Hessian of the negative log-likelihood (the MLE's)"
    else:
        what = (
            f"inverse Hessian of the penalised objective (C={parameters.C:g}): "
            "the Laplace approximation of the posterior under a Gaussian prior "
            "of variance C on each weight, not the sampling covariance of the "
            "penalised estimate, which is biased towards zero"
        )
    if cov_type != "nonrobust":
        what = f"{cov_type} sandwich around the {what}"
    return what


def _summary(pandas, index, estimate, std_err, confidence_level, attrs):
    """The columns of a coefficient table, normal z and p-values."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = estimate / std_err
    half_width = stats.norm.ppf(0.5 + confidence_level / 2) * std_err
    table = pandas.DataFrame(
        {
            "coef": estimate,
            "std_err": std_err,
            "z": z,
            "p_value": 2 * stats.norm.sf(np.abs(z)),
            "ci_lower": estimate - half_width,
            "ci_upper": estimate + half_width,
        },
        index=index,
    )
    table.attrs.update(attrs)
    return table


class InferenceMixin:
    """Standard errors, tests and effects of a fitted model, from the data
    it was fitted on (the model does not keep it)."""

    def _parameters(self, X, y, sample_weight, reference=None):
        return FittedParameters(self, X, y, sample_weight, reference)

    @staticmethod
    def _index(pandas, parameters, labels=None, names=None):
        labels = parameters.output_labels if labels is None else labels
        names = parameters.parameter_names if names is None else names
        return pandas.MultiIndex.from_product(
            [list(labels), names], names=[parameters.label_level, "feature"]
        )

    def covariance_matrix(
        self,
        X,
        y,
        sample_weight=None,
        *,
        cov_type="nonrobust",
        groups=None,
        reference=None,
    ):
        """The covariance matrix of the estimated coefficients.

        The softmax's K rows of coefficients are not identified (adding one
        vector to every row changes no probability): for K >= 3 classes the
        estimates are the K - 1 contrasts against ``reference``, as
        statsmodels ``MNLogit``; for two classes the one sigmoid, as
        ``Logit``; for ``OneVsRestSigmoid`` every sigmoid's own coefficients.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            The data the model was fitted on.
        y : array-like
            Its targets, as given to ``fit``.
        sample_weight : array-like of shape (n_samples,), default=None
            Its weights, counted as frequencies: integer weights give what
            repeated rows give. ``class_weight`` multiplies them, so it
            counts each sample of a class as that many samples.
        cov_type : {"nonrobust", "HC0", "HC1", "cluster"}, default="nonrobust"
            The inverse Hessian, or a sandwich around it: heteroscedasticity
            robust ("HC0"; "HC1" with the factor ``n / (n - k)``) or cluster
            robust with ``groups`` (factor ``G / (G - 1) (n - 1) / (n - k)``),
            as statsmodels defines them. n is the total weight, k the number
            of estimated coefficients (of one sigmoid for
            ``OneVsRestSigmoid``).
        groups : array-like of shape (n_samples,), default=None
            A cluster label per sample, for ``cov_type="cluster"`` (not for
            Dask input).
        reference : label, default=None
            The softmax's reference class; None for the first of
            ``classes_``.

        Returns
        -------
        covariance : pandas.DataFrame
            Rows and columns indexed by (class, feature), the intercept
            first in each class; ``attrs`` say what it is.

        Raises
        ------
        ValueError
            If the Hessian is singular (collinear columns; for C=inf a
            perfectly separated class), naming the direction; or after an
            L1 or elastic-net fit.

        Notes
        -----
        With finite C, the covariance is that of the Laplace approximation:
        the inverse Hessian of the penalised objective, the posterior
        covariance under a Gaussian prior of variance C on each weight. It
        is not the sampling covariance of the penalised estimate.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sksoftmax import SoftmaxRegression
        >>> from sklearn.preprocessing import scale
        >>> X, y = load_iris(return_X_y=True)
        >>> X = scale(X)
        >>> model = SoftmaxRegression(C=1.0).fit(X, y)
        >>> model.covariance_matrix(X, y).shape
        (10, 10)
        """
        pandas = _pandas("covariance_matrix")
        parameters = self._parameters(X, y, sample_weight, reference)
        matrix = covariance(parameters, cov_type, groups)
        index = self._index(pandas, parameters)
        frame = pandas.DataFrame(matrix, index=index, columns=index)
        frame.attrs.update(self._attrs(parameters, cov_type))
        return frame

    @staticmethod
    def _attrs(parameters, cov_type):
        return {
            "cov_type": cov_type,
            "covariance": _describe(parameters, cov_type),
            "reference": parameters.reference,
            "C": parameters.C,
            "n_obs": parameters.n_obs,
        }

    def coef_table(
        self,
        X,
        y,
        sample_weight=None,
        *,
        cov_type="nonrobust",
        groups=None,
        reference=None,
        confidence_level=0.95,
    ):
        """Estimates, standard errors, z statistics, p-values and
        confidence intervals of the coefficients.

        The estimates are those of :meth:`covariance_matrix` (contrasts
        against ``reference`` for a softmax of three classes or more), with
        normal z statistics and p-values, as statsmodels' discrete models.

        Parameters
        ----------
        X, y, sample_weight, cov_type, groups, reference
            As in :meth:`covariance_matrix`.
        confidence_level : float, default=0.95
            Of the intervals ``coef -+ z_{(1 + level) / 2} std_err``.

        Returns
        -------
        table : pandas.DataFrame
            Indexed by (class, feature), the intercept first in each class;
            columns coef, std_err, z, p_value, ci_lower, ci_upper; ``attrs``
            say which covariance the errors come from.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_wine
        >>> from sksoftmax import SoftmaxRegression
        >>> X, y = load_wine(return_X_y=True, as_frame=True)
        >>> X = X[["alcohol", "flavanoids", "color_intensity"]]
        >>> X = (X - X.mean()) / X.std()
        >>> model = SoftmaxRegression(C=np.inf, max_iter=1000).fit(X, y)
        >>> table = model.coef_table(X, y)
        >>> table.loc[(1, "alcohol"), ["coef", "std_err"]].round(3).tolist()
        [-3.447, 0.857]
        """
        pandas = _pandas("coef_table")
        _check_level(confidence_level)
        parameters = self._parameters(X, y, sample_weight, reference)
        matrix = covariance(parameters, cov_type, groups)
        return _summary(
            pandas,
            self._index(pandas, parameters),
            parameters.values.ravel(),
            np.sqrt(np.diag(matrix)),
            confidence_level,
            self._attrs(parameters, cov_type),
        )

    def fit_statistics(self, X, y, sample_weight=None):
        """Likelihood-based statistics of the fit on the data it was fitted on.

        Parameters
        ----------
        X, y, sample_weight
            As in :meth:`covariance_matrix`.

        Returns
        -------
        statistics : dict
            ``log_likelihood``; ``null_log_likelihood`` (the intercepts-only
            model); ``pseudo_r2`` (McFadden's, ``1 - llf / llnull``);
            ``llr`` (``2 (llf - llnull)``) and ``llr_p_value`` (chi-squared
            with ``df_model`` degrees of freedom); ``aic`` (``-2 llf + 2
            k``), ``bic`` (``-2 llf + k log n``); ``df_model`` (estimated
            coefficients besides the intercepts), ``df_resid`` (``n - k``),
            ``n_obs`` (the total weight n); k is every estimated coefficient.
            For ``OneVsRestSigmoid`` the sums over its sigmoids. With finite C
            the log-likelihood is the penalised fit's, and the counts are
            nominal.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sksoftmax import SoftmaxRegression
        >>> from sklearn.preprocessing import scale
        >>> X, y = load_iris(return_X_y=True)
        >>> X = scale(X)
        >>> model = SoftmaxRegression(C=1.0).fit(X, y)
        >>> round(model.fit_statistics(X, y)["pseudo_r2"], 3)
        0.882
        """
        parameters = self._parameters(X, y, sample_weight)
        llf, llnull = parameters.log_likelihoods()
        n_params = parameters.values.size
        df_model = n_params - len(parameters.outputs) * int(parameters.intercept_column)
        n_obs = parameters.n_obs
        llr = 2 * (llf - llnull)
        return {
            "log_likelihood": llf,
            "null_log_likelihood": llnull,
            "pseudo_r2": 1 - llf / llnull,
            "llr": llr,
            "llr_p_value": float(stats.chi2.sf(llr, df_model)),
            "aic": -2 * llf + 2 * n_params,
            "bic": -2 * llf + float(np.log(n_obs)) * n_params,
            "df_model": df_model,
            "df_resid": n_obs - n_params,
            "n_obs": n_obs,
        }

    def wald_test(
        self,
        X,
        y,
        sample_weight=None,
        *,
        features=None,
        restrictions=None,
        value=None,
        cov_type="nonrobust",
        groups=None,
        reference=None,
    ):
        """Wald test of linear restrictions on the estimated coefficients.

        Either ``features``: the joint hypothesis that these features have
        no effect on any class (all their coefficients in
        :meth:`coef_table` are zero: K - 1 contrasts each for a softmax);
        or ``restrictions`` R and ``value`` r: ``R theta = r``, theta the
        ``coef`` column of :meth:`coef_table` in its order.

        Parameters
        ----------
        X, y, sample_weight
            As in :meth:`covariance_matrix`.
        features : str, int or list of them, default=None
            Feature names (or column positions); "intercept" for the
            intercepts.
        restrictions : array-like of shape (n_restrictions, n_coefficients)
            R, for restrictions other than "these features do nothing".
        value : array-like of shape (n_restrictions,), default=None
            r; zeros when None.
        cov_type, groups, reference
            As in :meth:`covariance_matrix`.

        Returns
        -------
        result : WaldTest
            ``statistic`` (chi-squared), ``df``, ``p_value``.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sksoftmax import SoftmaxRegression
        >>> from sklearn.preprocessing import scale
        >>> X, y = load_iris(return_X_y=True)
        >>> X = scale(X)
        >>> model = SoftmaxRegression(C=10.0).fit(X, y)
        >>> result = model.wald_test(X, y, features=[0])
        >>> int(result.df)
        2
        """
        if (features is None) == (restrictions is None):
            raise ValueError("Give exactly one of features and restrictions.")
        parameters = self._parameters(X, y, sample_weight, reference)
        n_coef = parameters.values.size
        if features is not None:
            matrix = self._feature_restrictions(parameters, features)
        else:
            matrix = np.atleast_2d(np.asarray(restrictions, dtype=np.float64))
            if matrix.ndim != 2 or matrix.shape[1] != n_coef:
                raise ValueError(
                    f"restrictions must have {n_coef} columns, one per "
                    f"coefficient of coef_table; got shape {matrix.shape}."
                )
        target = np.zeros(matrix.shape[0]) if value is None else np.asarray(value)
        if target.shape != (matrix.shape[0],):
            raise ValueError(
                f"value must have one entry per restriction, shape "
                f"({matrix.shape[0]},); got shape {target.shape}."
            )
        difference = matrix @ parameters.values.ravel() - target
        middle = matrix @ covariance(parameters, cov_type, groups) @ matrix.T
        statistic = float(difference @ np.linalg.solve(middle, difference))
        df = matrix.shape[0]
        return WaldTest(statistic, df, float(stats.chi2.sf(statistic, df)))

    @staticmethod
    def _feature_restrictions(parameters, features):
        names = parameters.parameter_names
        features = [features] if np.ndim(features) == 0 else list(features)
        columns = []
        for feature in features:
            if isinstance(feature, str):
                if feature not in names:
                    raise ValueError(
                        f"features: {feature!r} is not a feature of the model; "
                        f"they are {names}."
                    )
                columns.append(names.index(feature))
            else:
                position = int(feature)
                if not 0 <= position < len(parameters.feature_names):
                    raise ValueError(
                        f"features: column {position} is out of range for "
                        f"{len(parameters.feature_names)} features."
                    )
                columns.append(position + int(parameters.intercept_column))
        q, m = len(names), len(parameters.outputs)
        selected = [output * q + column for output in range(m) for column in columns]
        matrix = np.zeros((len(selected), m * q))
        matrix[np.arange(len(selected)), selected] = 1.0
        return matrix

    def marginal_effects(
        self,
        X,
        y,
        sample_weight=None,
        *,
        cov_type="nonrobust",
        groups=None,
        confidence_level=0.95,
    ):
        """Average marginal effects of the features on each class's
        probability, with delta-method standard errors.

        ``dP(class k) / dx_j`` averaged over the samples (weighted), as
        statsmodels ``get_margeff(at="overall", method="dydx")``: every
        class of a softmax (they sum to zero over the classes), the positive
        class of two, every sigmoid of ``OneVsRestSigmoid``.

        Parameters
        ----------
        X, y, sample_weight, cov_type, groups
            As in :meth:`covariance_matrix`.
        confidence_level : float, default=0.95

        Returns
        -------
        table : pandas.DataFrame
            Indexed by (class, feature); columns as :meth:`coef_table`'s,
            the effect in "coef".

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sksoftmax import SoftmaxRegression
        >>> from sklearn.preprocessing import scale
        >>> X, y = load_iris(return_X_y=True)
        >>> X = scale(X)
        >>> model = SoftmaxRegression(C=1.0).fit(X, y)
        >>> effects = model.marginal_effects(X, y)
        >>> effects.shape
        (12, 6)
        """
        pandas = _pandas("marginal_effects")
        _check_level(confidence_level)
        parameters = self._parameters(X, y, sample_weight)
        matrix = covariance(parameters, cov_type, groups)
        labels, effects, jacobian = average_marginal_effects(parameters)
        effect_covariance = jacobian @ matrix @ jacobian.T
        index = self._index(pandas, parameters, labels, parameters.feature_names)
        return _summary(
            pandas,
            index,
            effects.ravel(),
            np.sqrt(np.clip(np.diag(effect_covariance), 0, None)),
            confidence_level,
            self._attrs(parameters, cov_type),
        )


__all__ = ["INTERCEPT", "InferenceMixin", "WaldTest"]
