"""SoftmaxRegressionCV and OneVsRestSigmoidCV: C chosen by cross-validation
along a regularisation path, every fold fitted in one pass over X per round
(``_cv_path``)."""

from numbers import Integral

import numpy as np
from sklearn.base import _fit_context, clone
from sklearn.metrics import get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import _atomic, _BaseSoftmaxFamily
from ._callbacks import FitTasks
from ._cv_path import lbfgs_path, penalised_path
from ._cv_scoring import (
    cv_scorer,
    fold_scores,
    metadata_router,
    routed_metadata,
    with_every_class,
)
from ._docs import NOT_CV_PARAMETERS, fill_cv_doc
from ._fit_data import fit_data
from ._one_vs_rest import OneVsRestSigmoid
from ._softmax import SoftmaxRegression
from ._training import fitted_attributes

# fitted attributes of a model that are private (the rest end with "_")
_PRIVATE_FITTED = ("_multilabel_dtype", "_target_kind", "_sgd_state")


def _no_partial_fit(estimator):
    raise AttributeError(
        f"{type(estimator).__name__} has no partial_fit: choosing C needs every "
        "fold's data at once. Use the estimator without CV for streams."
    )


class _CrossValidated:
    """What both CV estimators share; mixed in before the estimator class."""

    _base_class = None  # SoftmaxRegression or OneVsRestSigmoid

    def __init__(
        self,
        *,
        Cs=10,
        cv=None,
        scoring=None,
        refit=True,
        l1_ratios=None,
        fit_intercept=True,
        solver="lbfgs",
        max_iter=100,
        tol=1e-4,
        class_weight=None,
        batch_size=256,
        learning_rate="constant",
        learning_rate_init="auto",
        power_t=0.5,
        momentum=0.9,
        nesterovs_momentum=True,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        random_state=None,
        verbose=0,
        label_smoothing=0.0,
        l1_groups=None,
        penalty_factor=None,
    ):
        self.Cs = Cs
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.class_weight = class_weight
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.verbose = verbose
        self.label_smoothing = label_smoothing
        self.l1_ratios = l1_ratios
        self.l1_groups = l1_groups
        self.penalty_factor = penalty_factor

    def _base_params(self):
        names = self._base_class._get_param_names()
        return {
            name: getattr(self, name) for name in names if name not in NOT_CV_PARAMETERS
        }

    # scikit-learn's way to take a method away: hasattr is False, and the
    # API page (which lists what an instance has) leaves it out
    partial_fit = available_if(_no_partial_fit)(_BaseSoftmaxFamily.partial_fit)

    @_fit_context(prefer_skip_nested_validation=True)
    @_atomic
    def fit(self, X, y, sample_weight=None, groups=None, **params):
        """Fit the path on every fold, choose ``C_`` and fit the final model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, as for the estimator without CV. Soft targets are split
            and scored by their most probable class.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights; each fold's fit uses those of its training
            rows. Held-out scores are weighted as GridSearchCV weighs them
            in the installed scikit-learn: from 1.7 on, by the held-out
            rows' weights when the scorer takes ``sample_weight``
            (unweighted before 1.7); with metadata routing enabled, where
            the scorer requests them (``set_score_request``).
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group-aware ``cv`` splitter.
        **params : dict
            Other metadata for the splitter and the scorer; only with
            metadata routing enabled.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        base = self._base_class(**self._base_params())
        # the folds are fitted in numpy on the host (X of another library:
        # numpy's view or a host copy)
        data = fit_data(
            self, X, y, sample_weight, on_device=False, apply_class_weight=False
        )
        Cs = np.sort(self._Cs())  # the path: from strong to weak regularisation
        ratios = self._l1_ratios()
        scorer = self._fold_scorer(base, data)
        split_params, score_params = routed_metadata(
            self, scorer, sample_weight, groups, params
        )
        # soft targets are stratified by their most probable class
        labels = data.labels
        splitter = check_cv(self.cv, labels, classifier=True)
        folds = list(splitter.split(data.X, labels, **split_params))
        tasks = FitTasks(
            self, data.X, labels, sample_weight, lambda c: fitted_attributes(data, c)
        )
        tasks.begin(len(Cs) * len(ratios) + 1, data.prior_coef())
        paths = []
        with data.threads():
            for ratio in ratios:
                model = clone(base).set_params(l1_ratio=ratio)
                paths.append(
                    self._search(model, data, folds, Cs, scorer, score_params, tasks)
                )
                if len(paths[-1][0]) < len(Cs):  # a callback ended the search
                    break
        # (n_folds, n_ratios, n_Cs, ...): the Cs every path reached
        n_reached = min(len(path[0]) for path in paths)
        coefs, n_iter, scores = (
            np.stack([np.stack(path[part][:n_reached], 1) for path in paths], 1)
            for part in range(3)
        )
        best_ratio, best_C = np.unravel_index(
            np.argmax(scores.mean(axis=0)), scores.shape[1:]
        )
        self._set_final(
            clone(base).set_params(l1_ratio=ratios[best_ratio]),
            data,
            Cs[best_C],
            coefs[:, best_ratio, best_C].mean(axis=0),
            X,
            y,
            sample_weight,
        )
        paths = np.stack(
            [
                [[data.linear_loss.to_rows(c) for c in path] for path in fold]
                for fold in coefs
            ]
        )
        self.Cs_, self.C_ = Cs[:n_reached], float(Cs[best_C])
        if self.l1_ratios is None:  # the L2 path: no axis of l1_ratios
            scores, n_iter, paths = scores[:, 0], n_iter[:, 0], paths[:, 0]
        else:
            self.l1_ratios_ = np.asarray(ratios[: scores.shape[1]])
            self.l1_ratio_ = float(ratios[best_ratio])
        self.scores_, self.n_iter_, self.coefs_paths_ = scores, n_iter, paths
        tasks.end({})
        return self

    def _search(self, model, data, folds, Cs, scorer, score_params, tasks):
        """One path of ``model`` (at one l1_ratio) over every fold and C, and
        each fold's held-out score at each C: lists, one entry a C, of the
        folds' coefficients, iterations and scores. A callback may end the
        path early: the Cs not reached are left out."""
        if self.solver == "sgd":
            path = self._sgd_path(model, data, folds, Cs)
        elif model.l1_ratio == 0 and model.penalty_factor is None:
            path = lbfgs_path(
                data,
                folds,
                Cs,
                self.class_weight,
                max_iter=self.max_iter,
                tol=self.tol,
                verbose=self.verbose,
            )
        else:
            path = penalised_path(
                data,
                folds,
                Cs,
                model,
                max_iter=self.max_iter,
                tol=self.tol,
                verbose=self.verbose,
            )
        from_logits = self.scoring is None or isinstance(self.scoring, str)
        coefs, n_iter, scores = [], [], []
        for C, (fold_coefs, fold_n_iter) in zip(Cs, path, strict=False):
            coefs.append(fold_coefs)
            n_iter.append(fold_n_iter)
            at_C = clone(model).set_params(C=float(C))
            scores.append(
                fold_scores(
                    scorer, score_params, at_C, data, folds, fold_coefs, from_logits
                )
            )
            mean_coef = fold_coefs.mean(axis=0)
            if tasks(len(coefs), None, lambda mean_coef=mean_coef: mean_coef):
                break
        return coefs, n_iter, scores

    def get_metadata_routing(self):
        """Get the metadata routing of this object: fit's metadata goes to
        the ``cv`` splitter's ``split`` and the scorer's ``score``.

        Returns
        -------
        routing : MetadataRouter
            The routing of ``fit``'s metadata.
        """
        base = self._base_class(**self._base_params())
        # routed by the named or the neg_log_loss scorer (the default for
        # per-label targets, a plain function, takes what this one is given)
        return metadata_router(self, cv_scorer(self.scoring, base, multilabel=False))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.array_api_support = False
        return tags

    def _l1_ratios(self):
        """The l1_ratios searched: 0 alone (the L2 path) for None."""
        if self.l1_ratios is None:
            return [0.0]
        ratios = np.asarray(self.l1_ratios, dtype=np.float64).ravel()
        if ratios.size == 0 or not np.all((ratios >= 0) & (ratios <= 1)):
            raise ValueError(
                f"l1_ratios must hold values in [0, 1]; got {ratios.tolist()}."
            )
        return [float(ratio) for ratio in ratios]

    def _Cs(self):
        if isinstance(self.Cs, Integral):
            return np.logspace(-4, 4, self.Cs)
        Cs = np.asarray(self.Cs, dtype=np.float64).ravel()
        if Cs.size == 0 or not np.all(Cs > 0):
            raise ValueError(f"Cs must hold positive values; got {Cs.tolist()}.")
        return Cs

    def _sgd_path(self, base, data, folds, Cs):
        """SGD: each fold fitted on a copy of its rows, one C after another
        from the previous solution; yields as :func:`lbfgs_path`."""
        models = [clone(base).set_params(warm_start=True) for _ in folds]
        for C in Cs:
            coefs = np.empty((len(folds), data.linear_loss.n_coef))
            n_iter = np.empty(len(folds), dtype=np.int64)
            for f, (train, _) in enumerate(folds):
                model = models[f].set_params(C=C)
                model.fit(data.X[train], data.y[train], data.sample_weight[train])
                coefs[f] = data.linear_loss.pack(model.coef_, model.intercept_)
                n_iter[f] = model.n_iter_[0]
            yield coefs, n_iter

    def _fold_scorer(self, base, data):
        """The scorer of held-out rows, told every class of the fit."""
        multilabel = data.problem.multilabel_dtype is not None
        scorer = cv_scorer(self.scoring, base, multilabel)
        return scorer if multilabel else with_every_class(scorer, data.classes)

    def _set_final(self, base, data, C, mean_coef, X, y, sample_weight):
        """The model at ``C``: refitted from the folds' mean, or that mean."""
        attributes = fitted_attributes(data, mean_coef)
        if not self.refit:
            for name, value in attributes.items():
                setattr(self, name, value)
            self.loss_curve_, self.t_, self._sgd_state = [], 0, {}
            return
        final = clone(base).set_params(C=C, warm_start=True)
        for name, value in attributes.items():
            setattr(final, name, value)
        final.fit(X, y, sample_weight)
        for name, value in vars(final).items():
            if (
                name.endswith("_")
                and not name.startswith("_")
                or name in _PRIVATE_FITTED
            ):
                setattr(self, name, value)


def _cv_constraints(base_class):
    constraints = {
        name: value
        for name, value in base_class._parameter_constraints.items()
        if name not in NOT_CV_PARAMETERS
    }
    constraints.update(
        Cs=[Interval(Integral, 1, None, closed="left"), "array-like"],
        cv=["cv_object"],
        scoring=[StrOptions(set(get_scorer_names())), callable, None],
        refit=["boolean"],
        l1_ratios=["array-like", None],
    )
    return constraints


@fill_cv_doc
class SoftmaxRegressionCV(_CrossValidated, SoftmaxRegression):
    r"""SoftmaxRegression with C chosen by cross-validation.

    For every C of ``Cs`` and every fold f it fits exactly
    ``SoftmaxRegression(C).fit(X[train_f], y[train_f])``, the minimiser of

    .. math::

        F_f(W, b) = \sum_{i \in \mathrm{train}_f} s_i
                    \left(\operatorname{logsumexp}(z_i) - z_{i, y_i}\right)
                    + \frac{\lVert W \rVert_F^2}{2C}

    and scores it on the fold's held-out rows; ``C_`` has the best mean
    score. All folds are fitted together: fold membership is a per-fold
    sample weight on the one X (no copy of X per fold), every L-BFGS round
    multiplies X once by all the folds' coefficients, the folds' runs go in
    lockstep, and each C starts from the folds' solutions at the previous,
    smaller C. Then, with ``refit``, the final model is fitted on all the
    data at ``C_``.

    Parameters
    ----------
    %(cv_parameters)s%(parameters)s

    Attributes
    ----------
    %(cv_attributes)sclasses_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (n_classes, n_features) or (1, n_features)
        The final model's weights (one row for two classes).
    intercept_ : ndarray of shape (n_classes,) or (1,)
        The final model's intercepts.
    %(attributes)s

    See Also
    --------
    SoftmaxRegression : The estimator at one C.
    sklearn.linear_model.LogisticRegressionCV : The same search, one fold at
        a time.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sksoftmax import SoftmaxRegressionCV
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> model = SoftmaxRegressionCV(Cs=[0.01, 0.1, 1.0, 10.0]).fit(X, y)
    >>> model.scores_.shape
    (5, 4)
    >>> float(model.C_) in {0.01, 0.1, 1.0, 10.0}
    True
    """

    _base_class = SoftmaxRegression
    _parameter_constraints = _cv_constraints(SoftmaxRegression)


@fill_cv_doc
class OneVsRestSigmoidCV(_CrossValidated, OneVsRestSigmoid):
    r"""OneVsRestSigmoid with C chosen by cross-validation.

    For every C of ``Cs`` and every fold f it fits exactly
    ``OneVsRestSigmoid(C).fit(X[train_f], y[train_f])``, the minimiser of

    .. math::

        F_f(W, b) = \sum_k \left[ \sum_{i \in \mathrm{train}_f} s_i
                    \operatorname{BCE}\left(y_{ik}, \sigma(z_{ik})\right)
                    + \frac{\lVert w_k \rVert^2}{2C} \right]

    and scores it on the fold's held-out rows; ``C_`` has the best mean
    score. Every (fold, output) pair is one L-BFGS run, all of them in
    lockstep over the one X (no copy per fold), each C starting from the
    previous, smaller C's solutions. Then, with ``refit``, the final model is
    fitted on all the data at ``C_``. Multilabel y is split by plain k-fold.

    Parameters
    ----------
    %(cv_parameters)s%(parameters)s

    Attributes
    ----------
    %(cv_attributes)sclasses_ : ndarray of shape (n_classes,)
        Class labels; ``arange(n_labels)`` for multilabel y.
    coef_ : ndarray of shape (n_outputs, n_features)
        The final model's weights, one row per sigmoid.
    intercept_ : ndarray of shape (n_outputs,)
        The final model's intercepts.
    %(attributes)s

    See Also
    --------
    OneVsRestSigmoid : The estimator at one C.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sksoftmax import OneVsRestSigmoidCV
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> model = OneVsRestSigmoidCV(Cs=3, cv=3).fit(X, y)
    >>> model.coefs_paths_.shape
    (3, 3, 3, 5)
    """

    _base_class = OneVsRestSigmoid
    _parameter_constraints = _cv_constraints(OneVsRestSigmoid)
