"""How the CV estimators score held-out rows: which scorer, with every class
known to it, and which metadata reaches it and the splitter, as
LogisticRegressionCV and GridSearchCV do in the installed scikit-learn."""

import warnings
from inspect import signature

import numpy as np
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

from ._stacklevel import user_stacklevel

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
    if score_func is None or "labels" not in signature(score_func).parameters:
        return scorer
    options = {"labels": classes, **getattr(scorer, "_kwargs", {})}
    if len(classes) == 2 and "pos_label" in signature(score_func).parameters:
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
