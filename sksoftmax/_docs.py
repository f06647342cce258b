"""The parameter and attribute docs both estimators share, written once."""

import re

# The estimators' parameters their CV variants do not take: the C and the
# l1_ratio they search (Cs, l1_ratios), and warm_start (the path starts each
# C warm).
NOT_CV_PARAMETERS = ("C", "warm_start", "l1_ratio")

# The parameters both estimators share, documented once and put into each
# estimator's docstring where it says %(parameters)s.
PARAMETERS_DOC = """C : float, default=1.0
        Inverse L2 regularisation strength, exactly as in
        :class:`~sklearn.linear_model.LogisticRegression`; ``np.inf`` means no penalty.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept per output.
    solver : {"lbfgs", "sgd"}, default="lbfgs"
        ``"lbfgs"``: scipy's L-BFGS-B on the whole data. ``"sgd"``: minibatch
        SGD with momentum on the same objective (for data too large for
        L-BFGS, and what :meth:`partial_fit` uses whatever this is).
    max_iter : int, default=100
        Maximum number of L-BFGS iterations, or of SGD epochs.
    tol : float, default=1e-4
        L-BFGS stops when the largest absolute entry of the gradient of the
        scaled objective ``F / sum_i s_i`` is at most ``tol``. SGD stops when
        the epoch objective (or, with early stopping, the validation score)
        has not improved by ``tol`` for more than ``n_iter_no_change`` epochs.
    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplied into the sample weights; "balanced" uses
        ``n_samples / (n_classes * weighted class count)`` as scikit-learn does
        (not available in :meth:`partial_fit`).
    warm_start : bool, default=False
        Start ``fit`` from the previous ``coef_`` and ``intercept_``; the
        classes and the number of features must not change. SGD's velocity
        starts afresh.
    batch_size : int, default=256
        SGD minibatch size, capped at n_samples.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        SGD step-size schedule, as in
        :class:`~sklearn.neural_network.MLPClassifier`: "constant" keeps
        ``learning_rate_init``; "invscaling" sets it to
        ``learning_rate_init / (t + 1) ** power_t`` after each epoch, t the
        samples seen; "adaptive" divides it by 5 whenever more than
        ``n_iter_no_change`` epochs fail to improve by ``tol``, and stops when
        it has shrunk below 1e-6 of ``learning_rate_init``.
    learning_rate_init : "auto" or float, default="auto"
        SGD step size. "auto" is ``1 / L``, L bounding the curvature of any
        minibatch objective: the largest mean of ``||x_i||^2 + 1`` over a
        batch (the largest single one with unequal sample weights) times 1/2
        for softmax, 1/4 for sigmoids, plus the L2 strength. Stable for any
        scaling and dimension.
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    momentum : float, default=0.9
        SGD momentum, in [0, 1). The velocity is dropped after an epoch that
        raised the objective (adaptive restart).
    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum.
    shuffle : bool, default=True
        Whether SGD visits the samples in a new order every epoch.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified by
        class) and stop SGD when its accuracy stops improving; the best
        coefficients are kept. Not used by :meth:`partial_fit`.
    validation_fraction : float, default=0.1
        Share of the data held out for early stopping.
    n_iter_no_change : int, default=5
        Epochs without improvement by ``tol`` that SGD tolerates.
    random_state : int, RandomState instance or None, default=None
        Seeds SGD's shuffling and the validation split.
    verbose : int, default=0
        Print one line per L-BFGS iteration or SGD epoch, and a closing line
        per fit, when positive.
    label_smoothing : float, default=0.0
        Smooth the targets towards uniform, in [0, 1): a softmax target
        becomes ``(1 - label_smoothing) * Y + label_smoothing / K``, each
        sigmoid's ``(1 - label_smoothing) * y + label_smoothing / 2``. 0 is
        the plain cross-entropy. ``class_weight`` still follows the labels.
    l1_ratio : float, default=0.0
        The elastic-net mixing, in [0, 1], as LogisticRegression's
        ``l1_ratio`` in scikit-learn 1.8 and later: 0 is the L2 penalty, 1 the
        L1 penalty (a sparse ``coef_``, with exact zeros), between is elastic
        net, ``(1/C) [(1 - l1_ratio)/2 ||W||^2 + l1_ratio |W|_1]``. With
        ``l1_ratio > 0``, ``solver="lbfgs"`` runs OWL-QN (proximal L-BFGS with
        ``l1_groups``) and ``tol`` bounds the largest violation of the
        optimality conditions; SGD and :meth:`partial_fit` follow each step
        with the penalty's proximal step (soft thresholding), which gives
        exact zeros too (on numpy data; a lower ``momentum`` such as 0.5
        lets minibatches settle closer to the optimum).
    l1_groups : None, "features" or array-like of shape (n_features,), default=None
        How the L1 part groups the coefficients. None: each coefficient on
        its own, ``sum_{k,j} |W[k, j]|``. "features": the coefficients of one
        feature across all outputs form a group, kept or dropped together
        (the grouped multinomial lasso; for ``OneVsRestSigmoid`` one feature
        selection shared by the labels). An array gives each feature a group
        label (e.g. the one-hot columns of one categorical variable): the
        group penalty is ``sum_g f_g sqrt(|g|) ||W[:, J_g]||_F``, ``|g|`` the
        number of columns in group g. Fitted by a proximal L-BFGS method.
    penalty_factor : array-like of shape (n_features,), default=None
        A non-negative factor per feature multiplying both its L1 and L2
        terms, as glmnet's ``penalty.factor``: 0 leaves a feature
        unpenalised, 2 penalises it twice as hard. None: all ones. With
        ``l1_groups``, constant within each group."""

ATTRIBUTES_DOC = """n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when X was a DataFrame with string column names.
    n_iter_ : ndarray of shape (1,)
        L-BFGS iterations or SGD epochs run by the last ``fit`` (for
        ``OneVsRestSigmoid``, whose outputs run separately, the most any
        took); with :meth:`partial_fit`, the number of calls so far. An
        int32 array, as LogisticRegression's.
    loss_curve_ : list of float
        Scaled objective ``F / sum_i s_i`` after each L-BFGS iteration, or the
        mean objective of the minibatch steps of each SGD epoch.
    t_ : int
        Training samples seen by the solver (SGD counts every epoch).
    validation_scores_ : list of float
        With ``early_stopping``: the validation accuracy after each epoch.
    best_validation_score_ : float
        With ``early_stopping``: the best of ``validation_scores_``."""


def _without(doc, names):
    """``doc`` without the entries of ``names`` (an entry: its ``name : type``
    line and the indented lines under it)."""
    entries = re.split(r"\n    (?=\w+ : )", doc)
    kept = [entry for entry in entries if entry.split(" : ")[0] not in names]
    return "\n    ".join(kept)


def fill_doc(cls, without=()):
    """Put the shared parameter and attribute docs into ``cls.__doc__``;
    ``without`` names parameters the class does not take."""
    parameters = _without(PARAMETERS_DOC, without)
    cls.__doc__ = cls.__doc__.replace("%(parameters)s", parameters).replace(
        "%(attributes)s", ATTRIBUTES_DOC
    )
    return cls


CV_PARAMETERS_DOC = """Cs : int or array-like of float, default=10
        The values of C to try: an int n means ``np.logspace(-4, 4, n)``.
        The path runs from the smallest C (strongest penalty) to the largest,
        each fit starting from the previous one's solution.
    cv : int, cross-validation generator or iterable, default=None
        As in :func:`~sklearn.model_selection.check_cv`: None is 5-fold,
        stratified for class labels and for soft targets (by their most
        probable class), plain k-fold for per-label targets.
    scoring : str, callable or None, default=None
        A scikit-learn scorer name or callable; None is ``"neg_log_loss"``
        (for multilabel y: minus the mean over labels of each label's binary
        log-loss).
        Scorers named by a string score each fold's held-out rows from their
        logits, without copying those rows of X; a callable gets the fold's
        model (``get_params()`` gives its C) and ``X[test]``. Metrics that
        take ``labels`` (log-loss, Brier score) are given every class of the
        fit, as LogisticRegressionCV does, so a fold whose held-out rows lack
        a class is scored; soft targets are scored against their most
        probable class.
    refit : bool, default=True
        Refit on all the data at ``C_``, starting from the mean of the folds'
        coefficients there; False: keep that mean, as LogisticRegressionCV.
    l1_ratios : array-like of float in [0, 1], default=None
        The elastic-net mixings to search with the Cs (the grid Cs x
        l1_ratios; see ``l1_ratio`` of the estimator without CV), each along
        its own warm-started path. None: the L2 penalty alone, with the
        attributes below without their l1_ratios axis. With l1_ratios the
        attributes have the shapes of LogisticRegressionCV's with
        ``use_legacy_attributes=False`` (scikit-learn 1.8 and later).
        ``l1_groups`` and ``penalty_factor`` apply at every point of the grid.
    """

CV_ATTRIBUTES_DOC = """Cs_ : ndarray of shape (n_Cs,)
        The values of C tried, in increasing order (the path's). A callback
        that asks to stop ends the path: the Cs it did not reach are left
        out of this and the arrays below.
    C_ : float
        The C of the best mean score over the folds (the first, on ties).
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
        With ``l1_ratios``: those searched (a callback's stop leaves out
        those not reached).
    l1_ratio_ : float
        With ``l1_ratios``: the l1_ratio of the best mean score.
    scores_ : ndarray of shape (n_folds, n_Cs) or (n_folds, n_l1_ratios, n_Cs)
        Each fold's held-out score at each C (and l1_ratio).
    coefs_paths_ : ndarray of shape (n_folds, n_Cs, n_outputs, n_features + 1)
        Each fold's ``coef_`` at each C, its intercepts as the last column
        (without it when ``fit_intercept=False``); with ``l1_ratios``, of
        shape (n_folds, n_l1_ratios, n_Cs, n_outputs, n_features + 1).
    n_iter_ : ndarray of shape (n_folds, n_Cs) or (n_folds, n_l1_ratios, n_Cs)
        L-BFGS iterations (SGD epochs) of each fold's fit at each C.
    """


def fill_cv_doc(cls):
    """``fill_doc`` for the CV estimators: their own parameters and
    attributes, and the shared ones but ``C`` and ``warm_start``."""
    cls.__doc__ = cls.__doc__.replace("%(cv_parameters)s", CV_PARAMETERS_DOC).replace(
        "%(cv_attributes)s", CV_ATTRIBUTES_DOC
    )
    return fill_doc(cls, without=NOT_CV_PARAMETERS)
