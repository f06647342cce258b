"""BLAS thread control for fits, correct when fits overlap in threads.

BLAS thread counts are process-wide, and OpenBLAS (0.3.31, as numpy 2.4 and
scipy 1.17 ship it) lets only one thread change them: once one thread has
set a count, counts set from other threads are silently ignored (measured:
the main thread sets 1, a worker thread sets 2, the count stays 1; a worker
lowers to 1, the main thread's restore to 2 is ignored). A fit in a worker
thread that limits and restores therefore left the process at one thread for
good (GridSearchCV on joblib's threading backend, 3 runs of 3).

So only the main thread changes counts: a fit in any other thread runs with
the counts the process has (a threaded search of small fits oversubscribes
the cores, but leaves the process as it found it). Requests in the main
thread (nested fits) go into one table: the counts in force are the smallest
any active request asked for, and the counts found before the first are put
back when the last one leaves.
"""

import contextlib
import os
import threading

import numpy as np

# Below this many multiply-adds per logits product, one BLAS thread beats two
# on this project's 2-core machines (digits: 0.071 s vs 0.32 s for a whole
# LogisticRegression fit), because the threads cost more to wake than the
# product costs to run.
SINGLE_THREAD_FLOPS = 20_000_000

_lock = threading.Lock()
_libraries = None  # filepath -> threadpoolctl LibController, found once
_numpy_blas = None  # filepaths of the BLAS numpy itself calls
_requests = {}  # id of an active request -> {filepath: limit}
_saved = {}  # filepath -> thread count before the first active request


def _find_libraries():
    """The BLAS libraries of the process, found once (``threadpool_limits``
    finds them anew each call: 2.7 ms, most of an iris fit)."""
    global _libraries, _numpy_blas
    if _libraries is None:
        from threadpoolctl import ThreadpoolController

        controllers = ThreadpoolController().select(user_api="blas").lib_controllers
        numpy_dir = os.path.dirname(np.__file__)  # numpy.libs starts with it too
        _numpy_blas = {
            lib.filepath for lib in controllers if lib.filepath.startswith(numpy_dir)
        }
        _libraries = {lib.filepath: lib for lib in controllers}
    return _libraries


def _apply():
    """Set every library to the smallest active request, or to its saved count."""
    for filepath, lib in _libraries.items():
        limits = [r[filepath] for r in _requests.values() if filepath in r]
        wanted = min(limits) if limits else _saved.get(filepath)
        if wanted is not None and lib.num_threads != wanted:
            lib.set_num_threads(wanted)


@contextlib.contextmanager
def limit_blas_threads(limits):
    """Hold ``limits`` ({filepath: n_threads}) while the block runs, in the
    main thread; elsewhere change nothing.

    On exit of the last active request every library is back at the count it
    had before the first, whatever the order of exits.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    with _lock:
        libraries = _find_libraries()
        if not _requests:
            _saved.clear()
            _saved.update({fp: lib.num_threads for fp, lib in libraries.items()})
        key = object()
        _requests[id(key)] = dict(limits)
        _apply()
    try:
        yield
    finally:
        with _lock:
            del _requests[id(key)]
            _apply()
            if not _requests:
                _saved.clear()


def fit_threads(n_samples, n_features, n_outputs):
    """The BLAS thread limits of a fit on data of this shape, as a context.

    - One thread for everything on small products.
    - On large ones numpy's BLAS keeps its threads, and any other BLAS (scipy
      ships its own OpenBLAS, which L-BFGS-B calls for its vector updates)
      gets one: its idle threads spin for a while after each call and took a
      core from numpy's matrix products, which then ran 1.5-2.4x slower
      (60000 x 784, K = 10: 62-97 ms instead of 40 ms per logits product).
    """
    with _lock:
        libraries = _find_libraries()
    if n_samples * n_features * n_outputs < SINGLE_THREAD_FLOPS:
        return limit_blas_threads(dict.fromkeys(libraries, 1))
    if not _numpy_blas:
        # numpy's BLAS was not told apart: leave every library alone
        return contextlib.nullcontext()
    return limit_blas_threads(dict.fromkeys(set(libraries) - _numpy_blas, 1))


def kernel_threads():
    """How many threads a loss evaluation may spread its row blocks over.

    The count numpy's BLAS has now, as ``fit_threads`` or the user's own
    limits left it: the blocks take those threads while BLAS is held at one
    (``single_threaded_numpy_blas``), so the cores are never oversubscribed.
    One outside the main thread, which cannot change BLAS's count, and where
    numpy's BLAS was not told apart.
    """
    if threading.current_thread() is not threading.main_thread():
        return 1
    with _lock:
        libraries = _find_libraries()
    if not _numpy_blas:
        return 1
    return min(libraries[filepath].num_threads for filepath in _numpy_blas)


def single_threaded_numpy_blas():
    """numpy's BLAS at one thread while the block runs (main thread only)."""
    with _lock:
        _find_libraries()
    return limit_blas_threads(dict.fromkeys(_numpy_blas, 1))
