"""The pictures of a regularisation path, in scikit-learn's Display
convention (``from_estimator`` / ``from_path`` build, ``plot`` draws, the
Axes and lines are kept on ``ax_``, ``figure_``, ``lines_``). matplotlib is
imported when a picture is drawn, not before."""

import numpy as np
from sklearn.utils._optional_dependencies import check_matplotlib_support

from ._path import regularization_path


def _axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax


class PathDisplay:
    """Each feature's coefficients against C, as glmnet's ``plot``.

    Build it with :meth:`from_estimator` or :meth:`from_path`. The x axis is
    C on a log scale, from strong to weak regularisation; the top axis gives
    the number of features in the model at a few Cs.

    Parameters
    ----------
    Cs : ndarray of shape (n_points,)
    coefs : ndarray of shape (n_points, n_outputs, n_features)
    n_active : ndarray of shape (n_points,)
    l1_groups : None, "features" or array of shape (n_features,), default=None
        With groups, ``kind="auto"`` draws one line per group: the norm of
        its coefficients across every output.
    feature_names : list of str, default=None
    output_names : list of str, default=None
        The classes (or labels) the rows of a coefficient matrix stand for.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    lines_ : list of matplotlib Line2D
        One per coefficient drawn (per group, for norms).
    top_axis_ : matplotlib secondary Axis
        The number of features in the model.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import scale
    >>> from sksoftmax import PathDisplay, SoftmaxRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> model = SoftmaxRegression(l1_ratio=1.0, max_iter=1000)
    >>> display = PathDisplay.from_estimator(model, scale(X), y, n_Cs=20)
    >>> len(display.lines_)  # 3 classes x 4 features
    12
    """

    def __init__(
        self,
        *,
        Cs,
        coefs,
        n_active,
        l1_groups=None,
        feature_names=None,
        output_names=None,
    ):
        self.Cs = Cs
        self.coefs = coefs
        self.n_active = n_active
        self.l1_groups = l1_groups
        self.feature_names = feature_names
        self.output_names = output_names

    def plot(self, ax=None, *, kind="auto", n_labels=6, **line_kwargs):
        """Draw the path.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            A new figure's Axes if None.
        kind : {"auto", "coefficients", "norms"}, default="auto"
            "coefficients": one line per coefficient, coloured by feature;
            "norms": one line per group of columns (per feature without
            groups), its Frobenius norm across the outputs. "auto": norms
            with ``l1_groups``, coefficients otherwise.
        n_labels : int, default=6
            How many Cs of the top axis are labelled.
        **line_kwargs : dict
            Passed to ``ax.plot``.

        Returns
        -------
        display : PathDisplay
        """
        check_matplotlib_support("PathDisplay.plot")
        if kind not in ("auto", "coefficients", "norms"):
            raise ValueError(
                f"kind must be 'auto', 'coefficients' or 'norms'; got {kind!r}."
            )
        if kind == "auto":
            kind = "coefficients" if self.l1_groups is None else "norms"
        ax = _axes(ax)
        Cs, coefs = np.asarray(self.Cs), np.asarray(self.coefs)
        n_features = coefs.shape[2]
        names = self.feature_names
        if names is None:
            names = [f"x{j}" for j in range(n_features)]
        colours = _colours(n_features)
        self.lines_ = []
        if kind == "coefficients":
            outputs = self.output_names
            for j in range(n_features):
                for k in range(coefs.shape[1]):
                    label = names[j] if outputs is None else f"{names[j]}, {outputs[k]}"
                    (line,) = ax.plot(
                        Cs, coefs[:, k, j], color=colours[j], label=label, **line_kwargs
                    )
                    self.lines_.append(line)
            ax.set_ylabel("coefficient")
        else:
            groups, labels = _groups(self.l1_groups, n_features, names)
            squares = np.einsum("pkj,pkj->pj", coefs, coefs)
            group_colours = _colours(len(labels))
            for g, label in enumerate(labels):
                norm = np.sqrt(squares[:, groups == g].sum(axis=1))
                (line,) = ax.plot(
                    Cs, norm, color=group_colours[g], label=label, **line_kwargs
                )
                self.lines_.append(line)
            ax.set_ylabel("norm of the coefficients")
        ax.set_xscale("log")
        ax.set_xlabel("C (inverse regularisation strength)")
        ax.axhline(0.0, color="0.7", linewidth=0.8, zorder=0)
        self.top_axis_ = _top_axis(ax, Cs, np.asarray(self.n_active), n_labels)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_path(
        cls, path, *, feature_names=None, ax=None, kind="auto", **line_kwargs
    ):
        """Draw what :func:`regularization_path` returned.

        Parameters
        ----------
        path : Bunch
            The result of :func:`regularization_path`.
        feature_names : list of str, default=None
        ax, kind, **line_kwargs
            As :meth:`plot`.

        Returns
        -------
        display : PathDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_path")
        display = cls(
            Cs=path.Cs,
            coefs=path.coefs,
            n_active=path.n_active,
            l1_groups=path.l1_groups,
            feature_names=feature_names,
            output_names=_output_names(path),
        )
        return display.plot(ax=ax, kind=kind, **line_kwargs)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        sample_weight=None,
        *,
        Cs=None,
        n_Cs=100,
        C_min_ratio=None,
        feature_names=None,
        ax=None,
        kind="auto",
        **line_kwargs,
    ):
        """Compute the path of ``estimator`` (:func:`regularization_path`)
        and draw it.

        Parameters
        ----------
        estimator : SoftmaxRegression or OneVsRestSigmoid
        X, y, sample_weight, Cs, n_Cs, C_min_ratio
            As :func:`regularization_path`.
        feature_names : list of str, default=None
            None: X's column names where it has them.
        ax, kind, **line_kwargs
            As :meth:`plot`.

        Returns
        -------
        display : PathDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        if feature_names is None and hasattr(X, "columns"):
            feature_names = [str(column) for column in X.columns]
        path = regularization_path(
            estimator, X, y, sample_weight, Cs=Cs, n_Cs=n_Cs, C_min_ratio=C_min_ratio
        )
        return cls.from_path(
            path, feature_names=feature_names, ax=ax, kind=kind, **line_kwargs
        )


class CVScoreDisplay:
    """A CV estimator's mean score over the folds against C, with one
    standard deviation either side; one curve per l1_ratio.

    Parameters
    ----------
    Cs : ndarray of shape (n_Cs,)
    scores : ndarray of shape (n_folds, n_Cs) or (n_folds, n_l1_ratios, n_Cs)
    l1_ratios : ndarray of shape (n_l1_ratios,), default=None
    C : float, default=None
        The C chosen, marked with a vertical line.

    Attributes
    ----------
    ax_, figure_ : matplotlib Axes and Figure
    lines_ : list of Line2D, one per l1_ratio
    bands_ : list of PolyCollection, the spreads

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sksoftmax import CVScoreDisplay, SoftmaxRegressionCV
    >>> X, y = load_iris(return_X_y=True)
    >>> model = SoftmaxRegressionCV(Cs=5, max_iter=1000).fit(X, y)
    >>> len(CVScoreDisplay.from_estimator(model).lines_)
    1
    """

    def __init__(self, *, Cs, scores, l1_ratios=None, C=None):
        self.Cs, self.scores, self.l1_ratios, self.C = Cs, scores, l1_ratios, C

    def plot(self, ax=None, **line_kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            A new figure's Axes if None.
        **line_kwargs : dict
            Passed to ``ax.plot``.

        Returns
        -------
        display : CVScoreDisplay
        """
        check_matplotlib_support("CVScoreDisplay.plot")
        ax = _axes(ax)
        scores = np.asarray(self.scores, dtype=float)
        if scores.ndim == 2:
            scores = scores[:, None, :]
        ratios = [None] if self.l1_ratios is None else list(self.l1_ratios)
        self.lines_, self.bands_ = [], []
        for r, ratio in enumerate(ratios):
            mean, spread = scores[:, r].mean(axis=0), scores[:, r].std(axis=0)
            label = "mean score" if ratio is None else f"l1_ratio = {ratio:g}"
            (line,) = ax.plot(self.Cs, mean, label=label, **line_kwargs)
            band = ax.fill_between(
                self.Cs, mean - spread, mean + spread, color=line.get_color(), alpha=0.2
            )
            self.lines_.append(line)
            self.bands_.append(band)
        if self.C is not None:
            ax.axvline(self.C, color="0.4", linestyle="--", label=f"C_ = {self.C:.3g}")
        ax.set_xscale("log")
        ax.set_xlabel("C (inverse regularisation strength)")
        ax.set_ylabel("score over the folds (mean, ±1 sd)")
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, **line_kwargs):
        """Draw a fitted :class:`SoftmaxRegressionCV` or
        :class:`OneVsRestSigmoidCV`'s ``scores_`` against its ``Cs_``.

        Parameters
        ----------
        estimator : SoftmaxRegressionCV or OneVsRestSigmoidCV
            Fitted.
        ax : matplotlib Axes, default=None
            A new figure's Axes if None.
        **line_kwargs : dict
            Passed to ``ax.plot``.

        Returns
        -------
        display : CVScoreDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        if not hasattr(estimator, "scores_"):
            raise ValueError(
                f"{type(estimator).__name__} is not fitted: CVScoreDisplay draws "
                "the scores_ of a fitted SoftmaxRegressionCV or OneVsRestSigmoidCV."
            )
        display = cls(
            Cs=estimator.Cs_,
            scores=estimator.scores_,
            l1_ratios=getattr(estimator, "l1_ratios_", None),
            C=estimator.C_,
        )
        return display.plot(ax=ax, **line_kwargs)


def _colours(n):
    import matplotlib

    cycle = matplotlib.colormaps["tab20" if n > 10 else "tab10"]
    return [cycle(j % cycle.N) for j in range(n)]


def _groups(l1_groups, n_features, names):
    """The group code of each column and a label per group."""
    if l1_groups is None or isinstance(l1_groups, str):
        return np.arange(n_features), list(names)
    labels, codes = np.unique(np.asarray(l1_groups), return_inverse=True)
    return codes.ravel(), [str(label) for label in labels]


def _output_names(path):
    classes = [str(c) for c in path.classes]
    n_outputs = path.coefs.shape[1]
    if n_outputs == len(classes):
        return classes
    return [f"{classes[1]} vs {classes[0]}"]  # two classes: one row


def _top_axis(ax, Cs, n_active, n_labels):
    """A top axis with the number of features in the model at a few Cs."""
    top = ax.secondary_xaxis("top")
    picks = np.unique(np.linspace(0, Cs.shape[0] - 1, min(n_labels, Cs.shape[0])))
    picks = picks.astype(int)
    top.set_xticks(Cs[picks], labels=[str(int(n)) for n in n_active[picks]])
    top.set_xlabel("features in the model")
    return top
