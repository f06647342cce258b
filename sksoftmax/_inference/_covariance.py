"""The covariance of the estimates: the inverse (penalised) Hessian, or a
sandwich around it, with statsmodels' definitions and small-sample factors.

- "nonrobust": ``H^-1``, H the Hessian of ``-log L`` (plus the penalty's).
- "HC0": ``H^-1 M H^-1``, M the sum of the per-sample score outer products
  (statsmodels ``cov_white_simple(use_correction=False)``, what its
  discrete models return for "HC0" and also for "HC1").
- "HC1": HC0 times ``n / (n - k)`` (``cov_white_simple(use_correction=True)``,
  the factor of HC1 everywhere else), n the total weight, k the parameters.
- "cluster": ``H^-1 (sum_g u_g u_g^T) H^-1`` with ``u_g`` the score sum of
  group g, times ``G / (G - 1) (n - 1) / (n - k)`` (statsmodels
  ``cov_cluster``, its default correction).
"""

import numpy as np
from scipy import linalg

COV_TYPES = ("nonrobust", "HC0", "HC1", "cluster")

# Reciprocal condition number (1-norm) of the Jacobi-scaled Hessian below
# which its inverse is not trusted: rounding alone (unit roundoff 1.1e-16
# times the size of the matrix) makes relative errors of the inverse reach
# about 1 there.
_SINGULAR = 1e-13


def check_cov_type(cov_type, groups):
    if cov_type not in COV_TYPES:
        raise ValueError(f"cov_type must be one of {COV_TYPES}; got {cov_type!r}.")
    if groups is not None and cov_type != "cluster":
        raise ValueError(f"groups is for cov_type='cluster'; cov_type is {cov_type!r}.")


def _describe_direction(vector, parameters):
    """Which parameters a null direction of the Hessian moves most."""
    names = parameters.parameter_names
    q = len(names)
    loads = np.abs(vector).reshape(-1, q)
    biggest = np.argsort(loads.ravel())[::-1][:4]
    labels = parameters.output_labels.tolist()
    parts = [
        f"{names[index % q]!r} of {labels[index // q]!r}"
        for index in biggest
        if loads.ravel()[index] > 0.1 * loads.max()
    ]
    return ", ".join(parts)


def inverse_hessian(hessian, parameters):
    """``H^-1`` of a symmetric positive definite H, or a ValueError naming
    what makes it singular (collinear columns, separated classes)."""
    diagonal = np.diag(hessian).copy()
    names = parameters.parameter_names
    q = len(names)
    labels = parameters.output_labels.tolist()
    if np.any(diagonal <= 0) or not np.all(np.isfinite(hessian)):
        index = int(np.argmin(np.where(np.isfinite(diagonal), diagonal, -np.inf)))
        raise ValueError(
            "The Hessian is singular: the data carry no information on the "
            f"coefficient of {names[index % q]!r} for "
            f"{labels[index // q]!r} (a column that is zero in every row, or a "
            "class without samples). Drop it, or use a finite C."
        )
    scale = 1.0 / np.sqrt(diagonal)
    scaled = hessian * scale[:, None] * scale[None, :]
    # Cholesky with LAPACK's condition estimate: 0.4 ms against eigh's 7.5
    # at 204 estimates; eigh only to name the direction of a singular one
    try:
        factor = linalg.cholesky(scaled, lower=True, check_finite=False)
        norm = np.abs(scaled).sum(axis=0).max()
        rcond, _ = linalg.lapack.dpocon(factor, norm, uplo="L")
    except linalg.LinAlgError:
        rcond = 0.0
    if rcond <= _SINGULAR:
        eigenvalues, eigenvectors = linalg.eigh(scaled)
        raise ValueError(
            "The Hessian is singular (its reciprocal condition number is "
            f"{max(rcond, 0.0):.1e} after scaling): the coefficients are not "
            "identified along a direction that moves "
            f"{_describe_direction(eigenvectors[:, 0], parameters)}. "
            "Usual causes: collinear columns of X, or a column constant "
            "alongside the intercept (drop one of them); or, for C=inf, a "
            "class the features separate perfectly (use a finite C)."
        )
    # the inverse from the factor (a third of cho_solve's work on the identity)
    inverse, _ = linalg.lapack.dpotri(factor, lower=1)
    inverse = np.tril(inverse) + np.tril(inverse, -1).T
    return inverse * scale[:, None] * scale[None, :]


def covariance(parameters, cov_type="nonrobust", groups=None):
    """The covariance matrix of ``parameters.values.ravel()``."""
    check_cov_type(cov_type, groups)
    codes, n_groups = None, 0
    if cov_type == "cluster":
        codes, n_groups = parameters.group_codes(groups)
    hessian, score_outer, group_sums = parameters.sums(
        scores=cov_type in ("HC0", "HC1"), group_codes=codes, n_groups=n_groups
    )
    hessian = hessian + parameters.penalty
    hessian = 0.5 * (hessian + hessian.T)
    bread = inverse_hessian(hessian, parameters)
    if cov_type == "nonrobust":
        return bread
    meat = score_outer if cov_type != "cluster" else group_sums.T @ group_sums
    sandwich = bread @ meat @ bread
    n, k = parameters.n_obs, parameters.per_output_params
    if cov_type == "HC1":
        sandwich *= n / (n - k)
    elif cov_type == "cluster":
        sandwich *= n_groups / (n_groups - 1.0) * (n - 1.0) / (n - k)
    return 0.5 * (sandwich + sandwich.T)
