"""Data in another array library (torch, cupy, array-api-strict): the
namespace of an input, moves between host and device, and the few elementwise
functions prediction needs, written once against the Array API.

Used only with ``sklearn.config_context(array_api_dispatch=True)``; numpy
input takes the numpy path everywhere (scipy's special functions, in-place
kernels), which this module leaves alone.
"""

import numpy as np
import scipy.special
from sklearn.utils._array_api import (
    _convert_to_numpy,
    _is_numpy_namespace,
    _max_precision_float_dtype,
    get_namespace_and_device,
)

try:
    from sklearn.externals.array_api_compat import array_namespace, is_array_api_obj
except ImportError:  # scikit-learn 1.6 vendors none: the package, if installed
    try:
        from array_api_compat import array_namespace, is_array_api_obj
    except ImportError:  # then no array of another library can be dispatched
        array_namespace = is_array_api_obj = None

try:
    from sklearn.utils._array_api import check_same_namespace
except ImportError:  # scikit-learn < 1.9 has no such check: nothing to check

    def check_same_namespace(X, estimator, *, attribute, method):
        """Stand-in for scikit-learn 1.9's check (absent before 1.9)."""


# Fit through numpy's zero-copy view of arrays in host memory (torch on the
# CPU, array-api-strict): torch's CPU kernels made a fit 1.77x slower than the
# numpy path on the same 100000 x 784 data (its softmax reductions over 10
# classes and its W @ X.T product). Tests switch it off to run the Array API
# kernels on the CPU.
USE_HOST_VIEWS = True


class Namespace:
    """The array namespace and device of an input.

    Attributes
    ----------
    xp : module
        The namespace (numpy's, or another library's through
        array_api_compat).
    device : object
        The device of the input.
    is_numpy : bool
        Whether the input takes the numpy path.
    """

    def __init__(self, *arrays):
        xp, is_array_api, device = get_namespace_and_device(*arrays)
        self.xp, self.device = xp, device
        self.is_numpy = not is_array_api or _is_numpy_namespace(xp)

    @property
    def float_dtypes(self):
        """The float dtypes validation accepts, widest first."""
        return [self.xp.float64, self.xp.float32]

    @property
    def accumulate_dtype(self):
        """float64 where the device has it (objective sums), else float32
        (e.g. Apple MPS has no float64)."""
        return _max_precision_float_dtype(self.xp, self.device)

    def to_device(self, array, dtype=None):
        """A host numpy array on this namespace's device."""
        return self.xp.asarray(array, dtype=dtype, device=self.device)

    def host_view(self, X):
        """numpy's view of X, without a copy, where X lives in host memory;
        None for numpy itself, device memory, or with USE_HOST_VIEWS off."""
        if self.is_numpy or not USE_HOST_VIEWS:
            return None
        try:
            return np.from_dlpack(X)
        except (BufferError, RuntimeError, TypeError, ValueError):
            return None

    def squared_row_norms(self, X, block=65536):
        """``||x_i||^2`` of X on its device, as float64 numpy: summed in the
        accumulation dtype (float32 squares overflow above ~1.8e19), a block
        of rows at a time so that no full-size copy of X is made."""
        xp, accumulate = self.xp, self.accumulate_dtype
        parts = []
        for first in range(0, X.shape[0], block):
            # stops within bounds: the standard leaves others unspecified
            rows = xp.astype(X[first : min(first + block, X.shape[0]), ...], accumulate)
            parts.append(xp.sum(rows * rows, axis=1))
        return to_host(xp.concat(parts), xp).astype(np.float64)

    def host_dtype(self, X):
        """The numpy dtype matching validated X's float dtype."""
        if self.is_numpy:
            return X.dtype
        return np.float32 if X.dtype == self.xp.float32 else np.float64

    def fitted(self, array):
        """A fitted array (coefficients, numeric classes) in this namespace,
        on its device, as LogisticRegression does; other classes (strings)
        stay numpy."""
        if self.is_numpy or not np.issubdtype(array.dtype, np.number):
            return array
        return self.to_device(array)


def plain_input(X):
    """X as the solvers may take it, or a ValueError: complex X is refused
    on every backend as scikit-learn refuses complex numpy (validation of a
    torch or Dask array does not look, and cast the imaginary part away);
    a torch tensor that requires grad is read through ``detach()`` (the
    same memory; the fit needs no graph)."""
    if getattr(X, "requires_grad", False) and hasattr(X, "detach"):
        X = X.detach()
    dtype = getattr(X, "dtype", None)
    if dtype is None or isinstance(X, np.ndarray):
        return X  # numpy, pandas, lists: scikit-learn's validation refuses
    if is_array_api_obj is not None and is_array_api_obj(X):
        is_complex = array_namespace(X).isdtype(dtype, "complex floating")
    else:
        is_complex = np.dtype(dtype).kind == "c"
    if is_complex:
        raise ValueError(
            f"Complex data not supported: X is a {type(X).__module__.split('.')[0]} "
            f"{type(X).__name__} of dtype {dtype}. Pass its real part, or real "
            "and imaginary parts as separate features."
        )
    return X


def to_host(array, xp):
    """An array of namespace ``xp`` as a host numpy array."""
    return np.asarray(_convert_to_numpy(array, xp))


def host_array(array):
    """``array`` as numpy when it belongs to another array library; anything
    else (None, numpy, lists, pandas, sparse) unchanged."""
    # whether or not dispatch is on: a model fitted on a GPU stays one
    if is_array_api_obj is None or isinstance(array, np.ndarray):
        return array
    if not is_array_api_obj(array):
        return array
    return to_host(array, array_namespace(array))


def softplus(z, xp):
    """``log(1 + exp(z))``, stable for logits of any size."""
    magnitude = xp.abs(z)
    # (z + |z|) / 2 is max(z, 0) exactly, without a scalar argument that
    # not every namespace broadcasts
    return (z + magnitude) / 2 + xp.log1p(xp.exp(-magnitude))


def log_expit(z, xp):
    """``log(sigmoid(z))`` in namespace ``xp`` (scipy's for numpy)."""
    if _is_numpy_namespace(xp):
        return scipy.special.log_expit(z)
    return -softplus(-z, xp)


def logsumexp(z, xp, axis):
    """``log(sum(exp(z)))`` along ``axis``, keeping it, shifted by the maximum."""
    if _is_numpy_namespace(xp):
        return scipy.special.logsumexp(z, axis=axis, keepdims=True)
    top = xp.max(z, axis=axis, keepdims=True)
    return xp.log(xp.sum(xp.exp(z - top), axis=axis, keepdims=True)) + top


def log_softmax(z, xp, axis=1):
    """``z - logsumexp(z)`` along ``axis``."""
    if _is_numpy_namespace(xp):
        return scipy.special.log_softmax(z, axis=axis)
    return z - logsumexp(z, xp, axis)


def take_labels(classes, indices, xp):
    """``classes[indices]``: in ``xp`` when the classes are there, else (string
    labels) in numpy."""
    if isinstance(classes, np.ndarray):
        return classes[host_array(indices)]
    return xp.take(classes, indices, axis=0)
