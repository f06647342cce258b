"""The data of one fit: X where it lives, y -> problem and weights on the
host, and the objective over them, ready for a solver."""

import contextlib
import functools

import numpy as np
from scipy import sparse
from sklearn.utils.extmath import row_norms
from sklearn.utils.validation import validate_data

from ._array_api import Namespace, host_array, to_host
from ._loss import LinearLoss, MultinomialLoss, SoftMultinomialLoss
from ._targets import sample_weights, smoothed
from ._threads import fit_threads


class FitData:
    """Validated data and its problem, ready for a solver.

    Targets and weights are always numpy, on the host. X stays where it was
    given: numpy or sparse; another library's array on its device when the
    solver runs there (``on_device``; not SGD with early stopping), else
    numpy's view of it (host memory) or a host copy.

    Attributes
    ----------
    namespace : Namespace
        X's array namespace and device.
    X : {ndarray, sparse matrix} or array of X's namespace
    y : ndarray
        The validated targets, as given.
    classes : ndarray
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
    """

    def __init__(
        self, estimator, X, y, sample_weight, classes=None, reset=True, on_device=True
    ):
        columns = list(y.columns) if hasattr(y, "columns") else None
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
        # Targets and weights are O(n) work: done on the host, in numpy.
        y, sample_weight = host_array(y), host_array(sample_weight)
        dtype = namespace.host_dtype(X)
        view = namespace.host_view(X)
        if view is not None:  # in host memory: the numpy path, no copy
            X, on_device = view, False
        elif not namespace.is_numpy and not on_device:
            X = to_host(X, namespace.xp)
        encoder = estimator._target_encoder(y, columns)
        y, classes = encoder.check(y, classes)
        self.X, self.y, self.classes = X, y, classes
        self.problem = encoder.encode(y, classes, dtype)
        if estimator.label_smoothing > 0:
            self.problem = smoothed(self.problem, estimator.label_smoothing, dtype)
        # the weights need only X's number of rows and dtype
        rows_like_X = np.empty((X.shape[0], 0), dtype=dtype)
        self.sample_weight = sample_weights(
            sample_weight, rows_like_X, self.problem, classes, estimator.class_weight
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
        if type(base_loss) is MultinomialLoss:  # class codes
            codes = xp.reshape(namespace.to_device(problem.target), (1, -1))
            classes = xp.arange(problem.n_outputs, device=namespace.device)
            target = xp.astype(xp.reshape(classes, (-1, 1)) == codes, self.X.dtype)
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
        if not self.on_device:
            return target[rows]
        xp = self.namespace.xp
        return xp.take(target, self.namespace.to_device(rows), axis=0)

    @functools.cached_property
    def weight_sum(self):
        """``S = sum_i s_i`` in float64 (the weights never change in a fit)."""
        return float(self.sample_weight.sum(dtype=np.float64))

    def threads(self):
        """The BLAS thread limits of this fit (none for another library)."""
        if self.on_device:
            return contextlib.nullcontext()
        return fit_threads(*self.X.shape, self.problem.n_outputs)

    def prior_coef(self):
        """Zero weights and the intercepts that best fit the class priors:
        fewer iterations from there than from zero."""
        loss, problem = self.linear_loss, self.problem
        intercept = None
        if loss.fit_intercept:
            intercept = problem.base_loss.fit_intercept_only(
                problem.target, self.sample_weight, problem.n_outputs
            )
        return loss.pack(np.zeros((loss.n_outputs, loss.n_features)), intercept)

    def warm_coef(self, estimator):
        """The estimator's coefficients, packed, if this data fits them."""
        shape = (self.linear_loss.n_outputs, self.linear_loss.n_features)
        if estimator.coef_.shape != shape:
            raise ValueError(
                f"warm_start: the previous fit has coef_ of shape "
                f"{estimator.coef_.shape}, this data needs {shape}; the number "
                "of features changed. Set warm_start=False."
            )
        return self.linear_loss.pack(
            host_array(estimator.coef_), host_array(estimator.intercept_)
        )

    def batch_sq_norm(self, batch_size):
        """Largest mean of ``||x_i||^2`` (plus 1 for the intercept) over any
        minibatch: the mean of the ``batch_size`` largest with equal weights,
        the largest with unequal ones (a heavy sample can dominate a batch).

        The minibatch objective's curvature is at most max_curvature times
        this. On standardised digits it is 166 against a largest row of 2338:
        a 14x longer step than the per-sample bound allows.
        """
        X, sample_weight = self.X, self.sample_weight
        # in float64: squared norms of float32 rows overflow above ~1.8e19,
        # which made the "auto" step 0 and SGD learn nothing, silently
        if self.on_device:
            sq_norms = self.namespace.squared_row_norms(X)
        elif sparse.issparse(X):
            sq_norms = row_norms(X.astype(np.float64), squared=True)
        else:
            sq_norms = np.einsum("ij,ij->i", X, X, dtype=np.float64)
        sq_norms += int(self.linear_loss.fit_intercept)
        batch_size = min(batch_size, X.shape[0])
        if np.all(sample_weight == sample_weight[0]) and batch_size > 1:
            top = np.partition(sq_norms, -batch_size)[-batch_size:]
            return float(top.mean())
        return float(sq_norms.max())
