"""The data of one fit: X where it lives, y -> problem and weights on the
host, and the objective over them, ready for a solver."""

import contextlib
import functools

import numpy as np
from scipy import sparse
from sklearn.utils.validation import validate_data

from ._array_api import Namespace, host_array, plain_input, to_host
from ._dask_dispatch import is_dask_collection
from ._loss import LinearLoss, MultinomialLoss, SoftMultinomialLoss
from ._targets import smoothed
from ._threads import fit_threads
from ._weights import sample_weights


def _check_kind(estimator, encoder, kind):
    """A fit that continues an earlier one (``kind``) takes the same kind of y."""
    if kind is not None and encoder.kind != kind:
        raise ValueError(
            f"{type(estimator).__name__} was fitted on {kind}, but this y is "
            f"{encoder.kind}. partial_fit and warm_start keep the kind of "
            "target of the first fit; to change it, call fit with "
            "warm_start=False."
        )


# entries of X read at a time when predicting on a subset of its rows
# (1 MiB of float32): the subset is never copied whole
_ROWS_BLOCK = 1 << 18


def fit_data(estimator, X, y, sample_weight, **options):
    """The :class:`FitData` of X, y, sample_weight, or for Dask collections
    its chunked counterpart (Dask is imported only then)."""
    if is_dask_collection(X) or is_dask_collection(y):
        from ._dask import DaskFitData

        return DaskFitData(estimator, X, y, sample_weight, **options)
    return FitData(estimator, X, y, sample_weight, **options)


class FitData:
    """Validated data and its problem, ready for a solver.

    Targets and weights are always numpy, on the host. X stays where it was
    given: numpy or sparse; another library's array on its device when the
    solver runs there (``on_device``; not SGD with early stopping), else
    numpy's view of it (host memory) or a host copy.

    ``kind``: the target kind of an earlier fit that this one continues (a
    ValueError if y is of another kind). ``apply_class_weight=False`` leaves
    ``class_weight`` out of ``sample_weight`` (the CV estimators apply it per
    fold). ``one_pass``: the data will be read once (partial_fit), which
    only Dask's chunks act on.

    Attributes
    ----------
    namespace : Namespace
        X's array namespace and device.
    X : {ndarray, sparse matrix} or array of X's namespace
    y : ndarray
        The validated targets, as given.
    classes : ndarray
    target_kind : str
        What kind of target y is (see ``_targets``).
    problem : Problem
    sample_weight : ndarray
        ``s_i``, in X's dtype.
    dtype : numpy dtype
        X's float dtype.
    on_device : bool
        Whether the objective runs in X's namespace, on its device.
    linear_loss : LinearLoss
        The objective.
    objective_data : tuple
        ``(X, target, sample_weight)`` as ``linear_loss`` takes them.
    sgd_epochs : None
        How SGD visits the data: None, the rows of X here (a Dask fit
        visits its chunks where they live).
    """

    sgd_epochs = None

    def __init__(
        self,
        estimator,
        X,
        y,
        sample_weight,
        classes=None,
        reset=True,
        on_device=True,
        kind=None,
        apply_class_weight=True,
        one_pass=False,
    ):
        columns = getattr(y, "columns", None)  # a DataFrame's: soft targets' classes
        X = plain_input(X)
        self.namespace = namespace = Namespace(X)
        X, y = validate_data(
            estimator,
            X,
            y,
            reset=reset,
            accept_sparse=["csr", "csc"],
            dtype=namespace.float_dtypes,
            multi_output=True,
        )
        if sparse.issparse(y):  # a sparse indicator (MultiLabelBinarizer's)
            y = y.toarray()
        # Targets and weights are O(n) work: done on the host, in numpy.
        y, sample_weight = host_array(y), host_array(sample_weight)
        dtype = namespace.host_dtype(X)
        view = namespace.host_view(X)
        if view is not None:  # in host memory: the numpy path, no copy
            X, on_device = view, False
        elif not namespace.is_numpy and not on_device:
            X = to_host(X, namespace.xp)
        encoder = estimator._target_encoder(y, columns)
        _check_kind(estimator, encoder, kind)
        y, classes = encoder.check(y, classes)
        self.target_kind = encoder.kind
        self.X, self.y, self.classes = X, y, classes
        self.problem = encoder.encode(y, classes, dtype)
        if estimator.label_smoothing > 0:
            self.problem = smoothed(self.problem, estimator.label_smoothing, dtype)
        # the weights need only X's number of rows and dtype
        rows_like_X = np.empty((X.shape[0], 0), dtype=dtype)
        class_weight = estimator.class_weight if apply_class_weight else None
        self.sample_weight = sample_weights(
            sample_weight, rows_like_X, self.problem, classes, class_weight
        )
        self.on_device = on_device and not namespace.is_numpy
        self.dtype = dtype
        self.linear_loss = LinearLoss(
            self.problem.base_loss,
            self.problem.n_outputs,
            X.shape[1],
            estimator.fit_intercept,
        )
        self.objective_data = (X, self.problem.target, self.sample_weight)
        if self.on_device:
            self._to_device()

    def _to_device(self):
        """The objective's data on X's device; hard labels as one-hot rows
        built there (one Array API kernel serves every softmax target)."""
        problem, namespace = self.problem, self.namespace
        xp, base_loss = namespace.xp, problem.base_loss
        if problem.target.ndim == 1 and problem.n_outputs > 1:  # class codes
            codes = xp.reshape(namespace.to_device(problem.target), (1, -1))
            classes = xp.arange(problem.n_outputs, device=namespace.device)
            target = xp.astype(xp.reshape(classes, (-1, 1)) == codes, self.X.dtype)
            if type(base_loss) is MultinomialLoss:
                base_loss = SoftMultinomialLoss()
        else:
            target = namespace.to_device(problem.target)
        self.linear_loss = LinearLoss(
            base_loss,
            problem.n_outputs,
            self.X.shape[1],
            self.linear_loss.fit_intercept,
            namespace,
        )
        self.objective_data = (
            self.X,
            target,
            namespace.to_device(self.sample_weight),
        )

    def target_rows(self, rows):
        """Rows of the objective's target (the lockstep runs' subsets)."""
        target = self.objective_data[1]
        if target.ndim == 1 or not self.on_device:
            return output_targets(target, self.problem.n_outputs, rows)
        xp = self.namespace.xp
        return xp.take(target, self.namespace.to_device(rows), axis=0)

    @functools.cached_property
    def labels(self):
        """y as scorers and callbacks take it: soft targets as their most
        probable class (no classification metric takes a distribution per
        sample), any other y as validated. Computed once: the CV scores read
        it at every C."""
        if self.problem.class_proba is None:
            return self.y
        return self.classes[np.argmax(self.y, axis=1)]

    @functools.cached_property
    def weight_sum(self):
        """``S = sum_i s_i`` in float64 (the weights never change in a fit)."""
        return float(self.sample_weight.sum(dtype=np.float64))

    def threads(self):
        """The BLAS thread limits of this fit (none for another library)."""
        if self.on_device:
            return contextlib.nullcontext()
        return fit_threads(*self.X.shape, self.problem.n_outputs)

    def prior_coef(self, unseen_neutral=False, sample_weight=None):
        """Zero weights and the intercepts that best fit the class priors:
        fewer iterations from there than from zero.

        ``unseen_neutral`` (the first chunk of a stream): a class this data
        never shows starts at the uniform prior 1/K instead of at the floor
        (a logit near -23 that later chunks took too long to lift).
        ``sample_weight``: other weights than this data's (a CV fold's).
        """
        loss, problem = self.linear_loss, self.problem
        if sample_weight is None:
            sample_weight = self.sample_weight
        intercept = None
        if loss.fit_intercept:
            intercept = problem.base_loss.fit_intercept_only(
                problem.target,
                sample_weight,
                problem.n_outputs,
                unseen_neutral=unseen_neutral,
            )
        return loss.pack(np.zeros((loss.n_outputs, loss.n_features)), intercept)

    def warm_coef(self, estimator):
        """The estimator's coefficients (dense, even after ``sparsify``),
        packed, if this data fits them."""
        shape = (self.linear_loss.n_outputs, self.linear_loss.n_features)
        if estimator.coef_.shape != shape:
            raise ValueError(
                f"The previous fit has coef_ of shape {estimator.coef_.shape}, "
                f"this data needs {shape}; the number of features changed. "
                "Call fit with warm_start=False."
            )
        coef = estimator.coef_
        coef = coef.toarray() if sparse.issparse(coef) else host_array(coef)
        return self.linear_loss.pack(coef, host_array(estimator.intercept_))

    def decision_rows(self, coef, rows):
        """``decision_function`` on the rows ``rows`` of X for packed
        coefficients, a block of rows at a time: never a copy of X[rows]."""
        block = max(1, _ROWS_BLOCK // max(self.X.shape[1], 1))
        decision = np.concatenate(
            [
                self.linear_loss.raw_prediction(
                    coef, self.X[rows[first : first + block]]
                ).T
                for first in range(0, len(rows), block)
            ]
        )
        return decision.ravel() if decision.shape[1] == 1 else decision

    def batch_sq_norm(self, batch_size):
        """Largest mean of ``||x_i||^2`` (plus 1 for the intercept) over any
        minibatch: the mean of the ``batch_size`` largest with equal weights,
        the largest with unequal ones (a heavy sample can dominate a batch).

        The minibatch objective's curvature is at most max_curvature times
        this. On standardised digits it is 166 against a largest row of 2338:
        a 14x longer step than the per-sample bound allows.
        """
        sq_norms = squared_row_norms(self.X, self.namespace if self.on_device else None)
        sq_norms += int(self.linear_loss.fit_intercept)
        equal_weights = np.all(self.sample_weight == self.sample_weight[0])
        return largest_batch_mean(sq_norms, equal_weights, batch_size)


def output_targets(target, n_outputs, rows):
    """The host target of the outputs ``rows`` only (a lockstep subset):
    class codes recoded to the outputs' positions (-1 for none of them),
    or those rows of an indicator."""
    if target.ndim == 1:
        positions = np.full(n_outputs, -1)
        positions[rows] = np.arange(len(rows))
        return positions[target]
    return target[rows]


def squared_row_norms(X, namespace=None):
    """``||x_i||^2`` in float64 of host X, or of X on ``namespace``'s device.

    In float64: squared norms of float32 rows overflow above ~1.8e19, which
    made the "auto" step 0 and SGD learn nothing, silently; overflow gives
    inf, which learning_rate_init turns into a clear error.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if namespace is not None:
            return namespace.squared_row_norms(X)
        if sparse.issparse(X):
            return _sparse_squared_row_norms(X)
        return np.einsum("ij,ij->i", X, X, dtype=np.float64)


def largest_batch_mean(sq_norms, equal_weights, batch_size):
    """The mean of the ``batch_size`` largest of ``sq_norms`` with equal
    weights, else the largest (``sq_norms`` is reordered in place)."""
    batch_size = min(batch_size, sq_norms.shape[0])
    if equal_weights and batch_size > 1:
        sq_norms.partition(-batch_size)
        return float(sq_norms[-batch_size:].mean())
    return float(sq_norms.max())


# stored entries squared at a time (three float64/int64 arrays of this many,
# 384 KiB): the norms never copy X's data
_NORM_BLOCK = 1 << 14


def _sparse_squared_row_norms(X):
    """``||x_i||^2`` of a CSR or CSC matrix in float64, block by block.

    scikit-learn's ``row_norms`` squares in X's dtype (float32 overflows
    above 1.8e19) and casting X first copied it whole (1.59x X for float32
    CSR in SGD).
    """
    sq_norms = np.zeros(X.shape[0])
    pointer, data, n_stored = X.indptr, X.data, X.indptr[-1]
    for start in range(0, n_stored, _NORM_BLOCK):
        stop = min(start + _NORM_BLOCK, n_stored)
        squares = np.square(data[start:stop], dtype=np.float64)
        if X.format == "csc":
            rows = X.indices[start:stop]
            sq_norms += np.bincount(rows, weights=squares, minlength=X.shape[0])
            continue
        # CSR: the rows this block spans, and each entry's row among them
        first = int(np.searchsorted(pointer, start, side="right")) - 1
        last = int(np.searchsorted(pointer, stop - 1, side="right"))
        rows = np.searchsorted(pointer[first:last], np.arange(start, stop), "right")
        sq_norms[first:last] += np.bincount(
            rows - 1, weights=squares, minlength=last - first
        )
    return sq_norms
