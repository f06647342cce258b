"""Regularisation paths: the fit at every C of a grid, from the all-zero
model up, as glmnet computes them.

Three things make a whole path cost little more than its last fit:

* each point starts from the previous ones (``_path_starts``: a secant in
  log C);
* sequential strong rules keep only the features, or groups, that may enter
  at the next C (``_screening``), and the solver works on those columns of
  X alone;
* each fit's L-BFGS memory starts from the curvature pairs the previous one
  ended with (the loss is the same function at every C; only the L2 part of
  its gradient changes, by a known amount), so a point's first steps are
  already quasi-Newton steps, not gradient steps;
* after each fit, one evaluation over all of X checks the optimality
  conditions of every discarded unit; any that fail join the working set and
  the fit resumes from where it was. What is returned is therefore the
  solution of the whole problem, as the unscreened path finds it.
"""

import numbers

import numpy as np
from sklearn.base import clone
from sklearn.utils import Bunch

from ._fit_data import fit_data
from ._l1_min_c import first_C, zero_model
from ._loss._linear import _l2_penalty
from ._path_starts import next_start, penalised_entries
from ._penalties import penalty_terms
from ._screening import WorkingSets, screens
from ._solvers import IterationHook, minimiser

# glmnet's stopping rule: after at least 5 points, stop once the fraction of
# deviance explained grows by less than 1e-5 of itself, or passes 0.999.
_MIN_POINTS = 5
_DEVIANCE_CHANGE = 1e-5
_DEVIANCE_MAX = 0.999


def regularization_path(
    estimator,
    X,
    y,
    sample_weight=None,
    *,
    Cs=None,
    n_Cs=100,
    C_min_ratio=None,
    screening=True,
    stop_early=True,
):
    """The fits of ``estimator`` at every C of a grid, strong to weak.

    The path of :class:`SoftmaxRegression` or :class:`OneVsRestSigmoid` with
    every parameter of ``estimator`` (``l1_ratio``, ``l1_groups``,
    ``penalty_factor``, ``class_weight``, ``fit_intercept``, ``tol``,
    ``max_iter``) but ``C``. Each point equals ``clone(estimator).set_params
    (C=C).fit(X, y, sample_weight)`` to the solver's tolerance; it is found
    from the previous points (secant starts in log C) and, with
    ``screening``, on the features the strong rules keep, with the
    optimality conditions of every other feature checked after each fit.

    Parameters
    ----------
    estimator : SoftmaxRegression or OneVsRestSigmoid
        Fitted or not; it is not changed.
    X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
    y : array-like
        Targets as ``estimator.fit`` takes them.
    sample_weight : array-like of shape (n_samples,), default=None
    Cs : array-like of float, default=None
        The grid; sorted ascending (strong to weak regularisation). None:
        ``n_Cs`` values spaced evenly in log C from the first C at which a
        penalised coefficient leaves zero (:func:`l1_min_c`) up to that C
        divided by ``C_min_ratio``. With ``l1_ratio=0`` no coefficient is
        ever zero; None then means ``np.logspace(-4, 4, n_Cs)``.
    n_Cs : int, default=100
    C_min_ratio : float in (0, 1), default=None
        The first C over the last, glmnet's ``lambda.min.ratio`` (the same
        ratio, as C is 1/lambda up to scale): 1e-4 when there are more
        samples than features, else 1e-2 (glmnet's choice).
    screening : bool, default=True
        Fit each point on the features the strong rules keep, then check the
        rest (the result is the same; the time is not). No effect with
        ``l1_ratio=0`` or on Dask input (whose columns are not copied).
    stop_early : bool, default=True
        As glmnet: after 5 points, stop when the fraction of deviance
        explained, ``1 - loss / null_loss``, grows by less than 1e-5 of
        itself from one C to the next, or exceeds 0.999. The returned arrays
        then hold the points computed.

    Returns
    -------
    path : Bunch
        - ``Cs`` (n_points,): the Cs fitted, ascending.
        - ``coefs`` (n_points, n_outputs, n_features) and ``intercepts``
          (n_points, n_outputs): ``coef_`` and ``intercept_`` at each C.
        - ``n_iter`` (n_points,): solver iterations at each C, over every
          round of the optimality check.
        - ``n_active`` (n_points,): features with a non-zero coefficient.
        - ``n_screened`` (n_points,): features the solver worked on.
        - ``objective`` (n_points,): the estimator's objective divided by
          the total sample weight, ``F / S``.
        - ``deviance_ratio`` (n_points,): ``1 - loss / null_loss``, the
          null model having only intercepts.
        - ``classes``: the estimator's ``classes_``.
        - ``l1_ratio``, ``l1_groups``: the estimator's, for the plots.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import scale
    >>> from sksoftmax import SoftmaxRegression, regularization_path
    >>> X, y = load_iris(return_X_y=True)
    >>> model = SoftmaxRegression(l1_ratio=1.0, max_iter=1000)
    >>> path = regularization_path(model, scale(X), y, n_Cs=20)
    >>> path.coefs.shape
    (20, 3, 4)
    >>> path.n_active.tolist()[:3], int(path.n_active[-1])
    ([0, 2, 2], 4)
    """
    estimator = clone(estimator)
    estimator._validate_params()
    _check_grid(Cs, n_Cs, C_min_ratio)
    data = fit_data(estimator, X, y, sample_weight, on_device=False)
    with data.threads():
        start = zero_model(estimator, data, X, y, sample_weight)
        path = _Path(estimator, data, start, screening)
        if not estimator.l1_ratio > 0:
            Cs = np.logspace(-4, 4, n_Cs) if Cs is None else Cs
            return path.run(np.sort(np.asarray(Cs, dtype=float)), stop_early)
        C_first, gradient = first_C(estimator, data, path.start)
        if Cs is None:
            if not np.isfinite(C_first):
                raise ValueError(
                    "No C brings a penalised coefficient in: the loss gradient "
                    "vanishes at the intercepts-only model. Pass Cs."
                )
            if C_min_ratio is None:
                n_samples, n_features = data.X.shape
                C_min_ratio = 1e-4 if n_samples > n_features else 1e-2
            Cs = np.geomspace(C_first, C_first / C_min_ratio, n_Cs)
        Cs = np.sort(np.asarray(Cs, dtype=float))
        # below C_first the zero model is the solution: the rules start there
        return path.run(Cs, stop_early, (min(C_first, Cs[0]), gradient))


def _check_grid(Cs, n_Cs, C_min_ratio):
    if Cs is not None:
        grid = np.asarray(Cs, dtype=float)
        if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)):
            raise ValueError(
                f"Cs must be a non-empty 1-D array of finite Cs; got {Cs}."
            )
        if np.any(grid <= 0):
            raise ValueError(f"Cs must be positive; got {grid[grid <= 0][:3]}.")
    if not isinstance(n_Cs, numbers.Integral) or n_Cs < 1:
        raise ValueError(f"n_Cs must be a positive integer; got {n_Cs!r}.")
    if C_min_ratio is not None and not 0 < C_min_ratio < 1:
        raise ValueError(f"C_min_ratio must be in (0, 1); got {C_min_ratio!r}.")


class _Path:
    """One path: the whole problem, and the problem on a working set of
    columns that each point is solved on."""

    def __init__(self, estimator, data, start, screening):
        self.estimator, self.data, self.start = estimator, data, start
        self.loss = data.linear_loss
        self.sets = WorkingSets(estimator, data)
        self.screening = screening and screens(data)
        # the last solve's curvature pairs: (columns, C, pairs)
        self.memory = None

    def _terms(self, estimator, loss, C):
        at_C = estimator.set_params(C=float(C))
        return penalty_terms(at_C, self.data.problem, loss, self.data.weight_sum)

    def evaluate(self, coef):
        """The mean loss (no L2 term) and its gradient over all of X."""
        X, target, sample_weight = self.data.objective_data
        return self.loss.loss_gradient(
            coef, X, target, sample_weight, 0.0, self.data.weight_sum
        )

    def solve(self, C, columns, start):
        """The fit at C on ``columns``, from ``start`` (whole coefficients)."""
        if columns.size == 0:  # every feature penalised and out: the zero model
            return self.start.copy(), 0
        loss, X, estimator = self.sets.restricted(columns)
        l2, penalty = self._terms(estimator, loss, C)
        _, target, sample_weight = self.data.objective_data
        # plain L-BFGS (scipy's) takes no memory: an L2-only path starts anew
        memory = {}
        if penalty is not None and self.memory is not None:
            memory["memory"] = self.sets.carried_pairs(self.memory, columns, l2, C)
        result = minimiser(penalty)(
            loss.loss_gradient,
            self.sets.to_columns(start, columns),
            args=(X, target, sample_weight, l2, self.data.weight_sum),
            max_iter=self.estimator.max_iter,
            tol=self.sets.solver_tol(self.estimator.tol, columns),
            hook=IterationHook(self.estimator.verbose),
            dtype=self.data.dtype,
            **memory,
        )
        self.memory = (columns, C, result.state.get("memory"))
        return self.sets.from_columns(result.coef, columns), result.n_iter

    # -- the path --------------------------------------------------------------

    def run(self, Cs, stop_early, previous=None):
        """Fit every C of ``Cs`` in turn; ``previous``: the C and loss
        gradient of the start (the zero model's C_first), which the strong
        rules compare the first point with."""
        null_loss = self.evaluate(self.data.prior_coef())[0]
        history = [(previous[0] if previous else Cs[0], self.start)]
        gradient = previous[1] if previous else None
        points = []
        for C in Cs:
            l2, penalty = self._terms(self.estimator, self.loss, C)
            coef, n_iter, columns, loss_value, gradient = self._point(
                C, penalty, history, gradient
            )
            history = [*history[-1:], (C, coef)]
            weights = self.loss.unpack(coef)[0]
            objective = loss_value + _l2_penalty(weights, l2)
            if penalty is not None:
                objective += penalty.value(coef)
            points.append(
                (C, coef, n_iter, columns.size, objective, 1 - loss_value / null_loss)
            )
            if stop_early and _flat(points):
                break
        return self._bunch(points)

    def _point(self, C, penalty, history, gradient):
        """The solution at C: on the screened columns, growing them until
        every discarded unit is optimal at zero."""
        sets = self.sets
        columns = sets.all_columns
        if penalty is not None and self.screening:
            keep = sets.strong_units(penalty, gradient, C, history[-1])
            columns = sets.columns_of(penalty, keep)
        coef = next_start(history, C, penalised_entries(penalty, self.loss))
        n_iter = 0
        while True:
            coef, iterations = self.solve(C, columns, coef)
            n_iter += iterations
            loss_value, gradient = self.evaluate(coef)
            if columns.size == sets.all_columns.size:
                break
            failing = sets.failing(penalty, gradient, columns)
            if not np.any(failing):
                break
            columns = sets.grown(penalty, columns, failing)
        return coef, n_iter, columns, loss_value, gradient

    def _bunch(self, points):
        Cs, coefs, n_iter, n_screened, objective, deviance_ratio = zip(
            *points, strict=True
        )
        unpacked = [self.loss.unpack(coef) for coef in coefs]
        weights = np.stack([w for w, _ in unpacked])
        n_outputs = self.loss.n_outputs
        intercepts = np.stack(
            [np.zeros(n_outputs) if b is None else b for _, b in unpacked]
        )
        return Bunch(
            Cs=np.array(Cs),
            coefs=weights,
            intercepts=intercepts,
            n_iter=np.array(n_iter),
            n_active=np.count_nonzero(np.any(weights != 0, axis=1), axis=1),
            n_screened=np.array(n_screened),
            objective=np.array(objective),
            deviance_ratio=np.array(deviance_ratio),
            classes=self.data.classes,
            l1_ratio=self.estimator.l1_ratio,
            l1_groups=self.estimator.l1_groups,
        )


def _flat(points):
    """glmnet's rule: the deviance explained stopped changing, or is ~all."""
    if len(points) < _MIN_POINTS:
        return False
    ratio, previous = points[-1][-1], points[-2][-1]
    return ratio - previous < _DEVIANCE_CHANGE * ratio or ratio > _DEVIANCE_MAX
