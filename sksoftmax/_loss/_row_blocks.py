"""Row blocks of one evaluation, and the threads that run them.

An evaluation of a dense X is cut into blocks of rows whose logits stay in
the core's cache while the elementwise passes (max, shift, exp, sums, scale)
run over them, and the blocks are spread over the threads numpy's BLAS would
otherwise use, with BLAS held at one thread (numpy's ufuncs and BLAS release
the GIL). On this project's 2-core machine (1,000,000 x 100, 10 classes,
float64) an evaluation took 196 ms this way against 302 ms as one (K, n)
pass with two BLAS threads; the two matrix products alone take 188 ms
(``benchmarks/bench_kernel.py``).

The blocks depend on the shape only and their sums are added in block order,
so the result is the same, to the bit, on any number of threads.
"""

import itertools
import threading

from .._threads import kernel_threads, single_threaded_numpy_blas

# Rows of a block: logits and X rows of about this many entries (4 MiB of
# float64, in the shared L3 cache beside the other thread's block). Ratios
# to the two-product floor on 2 threads (float64, d in {20, 100, 784},
# K in {2, 10, 100}) were best at 2^19-2^20 entries; 2^16 took up to 1.8x
# longer on small d, where the Python work per block (about 20 numpy calls)
# is then not small beside the block's own.
_BLOCK_ENTRIES = 1 << 19
# ... and never fewer rows than this (d = 784 gives 660 by the rule above).
_MIN_BLOCK_ROWS = 1024


def row_blocks(n_samples, n_outputs, n_features):
    """``(start, stop)`` of each block of rows, from the shape alone."""
    rows = max(_MIN_BLOCK_ROWS, _BLOCK_ENTRIES // (n_outputs + n_features))
    return [
        (start, min(start + rows, n_samples)) for start in range(0, n_samples, rows)
    ]


def for_each_block(task, n_blocks):
    """Call ``task(worker, block)`` once for every block index.

    ``worker`` (0, 1, ...) names the thread, for buffers of its own. The
    calling thread is worker 0; workers take the next block as they finish
    one, so a core slowed by another process takes fewer. The other workers
    are threads started for this call and joined before it returns, whatever
    happens (about 0.1 ms for a thread, against the 5 ms or more of two
    blocks): nothing is left running between evaluations, or after a fit
    that failed.
    """
    n_workers = min(kernel_threads(), n_blocks)
    if n_workers <= 1:
        for block in range(n_blocks):
            task(0, block)
        return
    next_block = itertools.count()  # next() on it is atomic under the GIL
    errors = []

    def work(worker):
        try:
            for block in iter(next_block.__next__, None):
                if block >= n_blocks or errors:
                    return
                task(worker, block)
        except BaseException as error:  # re-raised in the calling thread
            errors.append(error)

    with single_threaded_numpy_blas():
        others = [
            threading.Thread(target=work, args=(worker,), name="sksoftmax-kernel")
            for worker in range(1, n_workers)
        ]
        try:
            for thread in others:
                thread.start()
            work(0)
            for thread in others:
                thread.join()
        except BaseException as error:  # an interrupt: the others stop soon
            errors.append(error)
            # and are joined (one never started, as an interrupt during the
            # starts leaves some, has nothing to join)
            for thread in others:
                if thread.is_alive():
                    thread.join()
            raise
    if errors:
        raise errors[0]
