"""How the CV estimators score held-out rows: which scorer, with every class
known to it, which metadata reaches it and the splitter, as
LogisticRegressionCV and GridSearchCV do in the installed scikit-learn, and
each fold's score, from the held-out rows' logits where the scorer allows."""

import warnings
from inspect import signature

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import check_scoring, log_loss, make_scorer
from sklearn.model_selection import check_cv
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.validation import _check_method_params

from ._stacklevel import user_stacklevel
from ._training import fitted_attributes

# scikit-learn >= 1.7's GridSearchCV passes fit's sample_weight to a scorer
# that takes it (without metadata routing); before, scores were unweighted
GRID_SEARCH_WEIGHTS_SCORES = hasattr(
    BaseSearchCV, "_check_scorers_accept_sample_weight"
)


def mean_label_log_loss(estimator, X, Y, sample_weight=None):
    """The default score for a matrix of per-label targets: minus the mean
    over labels of each label's binary log-loss (a multiclass log-loss would
    take each row of label probabilities for one distribution).

    A plain callable, not ``make_scorer``'s: a scorer built from
    ``predict_proba`` takes a model of two classes for a binary one and hands
    over one column, which two labels ``[0, 1]`` looked like.
    """
    proba = estimator.predict_proba(X)
    Y = np.asarray(Y)
    return -float(
        np.mean(
            [
                log_loss(
                    Y[:, k], proba[:, k], labels=[0, 1], sample_weight=sample_weight
                )
                for k in range(Y.shape[1])
            ]
        )
    )


def cv_scorer(scoring, base, multilabel):
    """The scorer of ``scoring`` for models like ``base``; None is
    neg_log_loss, or :func:`mean_label_log_loss` for per-label targets."""
    if scoring is None and multilabel:
        return mean_label_log_loss
    return check_scoring(base, scoring="neg_log_loss" if scoring is None else scoring)


def with_every_class(scorer, classes):
    """``scorer`` told every class, as LogisticRegressionCV does: a fold's
    held-out rows may lack some, which log_loss and brier_score_loss refuse
    ("y_true contains only one label") and other metrics score wrongly.

    Only scorers of a metric taking ``labels`` change; they are rebuilt with
    ``labels=classes`` (and for two classes ``pos_label=classes[1]``), keeping
    their sign, response method, options and metadata requests.
    """
    score_func = getattr(scorer, "_score_func", None)
    parameters = signature(score_func).parameters if score_func else {}
    if "labels" not in parameters:
        return scorer
    options = {"labels": classes, **getattr(scorer, "_kwargs", {})}
    if len(classes) == 2 and "pos_label" in parameters:
        options.setdefault("pos_label", classes[-1])
    rebuilt = make_scorer(
        score_func,
        greater_is_better=scorer._sign > 0,
        response_method=scorer._response_method,
        **options,
    )
    if hasattr(scorer, "_metadata_request"):  # set_score_request(...)
        rebuilt._metadata_request = scorer._metadata_request
    return rebuilt


def metadata_router(estimator, scorer):
    """What the CV estimator's fit routes: to the splitter's split and the
    scorer's score, as LogisticRegressionCV's router."""
    return (
        MetadataRouter(owner=estimator)
        .add_self_request(estimator)
        .add(
            splitter=check_cv(estimator.cv),
            method_mapping=MethodMapping().add(caller="fit", callee="split"),
        )
        .add(
            scorer=scorer,
            method_mapping=MethodMapping().add(caller="fit", callee="score"),
        )
    )


def routed_metadata(estimator, scorer, sample_weight, groups, params):
    """``(split_params, score_params)`` for fit's metadata.

    With metadata routing enabled, each goes where it is requested (a
    scorer's ``set_score_request(sample_weight=True)`` weighs the scores).
    Without it, ``groups`` goes to the splitter and ``sample_weight`` to a
    scorer that takes it, as GridSearchCV does in scikit-learn >= 1.7
    (earlier versions score unweighted, and so does this).
    """
    if _routing_enabled():
        metadata = {"sample_weight": sample_weight, "groups": groups, **params}
        metadata = {k: v for k, v in metadata.items() if v is not None}
        routed = process_routing(estimator, "fit", **metadata)
        return routed.splitter.split, routed.scorer.score
    _raise_for_params(params, estimator, "fit")
    score_params = {}
    if sample_weight is not None and GRID_SEARCH_WEIGHTS_SCORES:
        if _accepts_sample_weight(scorer):
            score_params["sample_weight"] = sample_weight
        else:
            warnings.warn(
                f"The scoring {scorer} does not take sample_weight, so the "
                f"held-out scores of {type(estimator).__name__} are unweighted "
                "while its fits are weighted.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
    return {"groups": groups}, score_params


def _accepts_sample_weight(scorer):
    accepts = getattr(scorer, "_accept_sample_weight", None)
    if accepts is not None:
        return accepts()
    return "sample_weight" in signature(scorer).parameters


def fold_scores(scorer, score_params, model, data, folds, coefs, from_logits):
    """Each fold's held-out score, the fold's model a clone of ``model`` (at
    its C: what GridSearchCV would hand a scorer, ``get_params()`` included)
    fitted to the packed ``coefs[f]``.

    ``from_logits`` (a scorer scikit-learn built, which only calls
    prediction methods): the held-out logits are computed once and read
    through :class:`HeldOutPredictions`, with no copy of X[test]; otherwise
    the scorer gets the fold's model and X[test].
    """
    scores = np.empty(len(folds))
    for f, (_, test) in enumerate(folds):
        fold_model = clone(model)
        for name, value in fitted_attributes(data, coefs[f]).items():
            setattr(fold_model, name, value)
        fold_model.n_features_in_ = data.X.shape[1]
        params = _check_method_params(data.X, params=score_params, indices=test)
        if from_logits:
            rows = np.arange(len(test))
            held_out = HeldOutPredictions(
                fold_model, data.decision_rows(coefs[f], test)
            )
            scores[f] = scorer(held_out, rows, data.labels[test], **params)
        else:
            scores[f] = scorer(fold_model, data.X[test], data.labels[test], **params)
    return scores


class HeldOutPredictions(ClassifierMixin, BaseEstimator):
    """A fold's model for a scorer: its "X" is positions among the fold's
    held-out rows, whose logits were computed once, and it predicts what the
    fitted model predicts from them. Scorers built by scikit-learn only ever
    call the prediction methods, so any of them scores the held-out rows
    without a copy of X[test]."""

    def __init__(self, model=None, decision=None):
        self.model = model
        self.decision = decision

    @property
    def classes_(self):
        return self.model.classes_

    def decision_function(self, rows):
        return self.decision[rows]

    def predict_log_proba(self, rows):
        return self.model._log_proba_from_decision(self.decision[rows], np)

    def predict_proba(self, rows):
        return np.exp(self.predict_log_proba(rows))

    def predict(self, rows):
        return self.model._predict_from_decision(
            self.decision[rows], self.model.classes_, self.model._multilabel_dtype, np
        )

    def __sklearn_tags__(self):
        return self.model.__sklearn_tags__()
