"""SoftmaxRegression on Dask against the same data in memory, against
dask-ml's LogisticRegression, and streamed from disk.

(a) 4,000,000 x 100 float64, 10 classes (a softmax model plus Gumbel noise),
    persisted on a local cluster of 2 workers x 1 thread, against the same
    arrays in memory fitted with 2 BLAS threads: seconds per evaluation of
    objective and gradient and per fit (tol 1e-4), as ratios; where the Dask
    evaluation's time goes (the workers' compute against the wall clock, from
    Dask's task stream). Dask is timed first alone, as on a cluster, then
    alternating with the in-memory runs once this process holds a copy of X
    (which slows the workers' evaluations on this machine).
(b) dask-ml's LogisticRegression (lbfgs) on the 10-class problem: its test
    accuracy next to ours; and on a binary version: its fit time next to ours.
(c) Out of core: a .npy stack on disk larger than the workers' combined
    memory_limit, streamed by partial_fit: seconds per epoch (two reads of
    the data: the chunks' summaries, then the steps) and test accuracy after
    1, 2 and 5 epochs.

    python benchmarks/bench_dask.py            # full (about 10 minutes)
    python benchmarks/bench_dask.py --quick    # smoke: small sizes
"""

import argparse
import os
import tempfile
import time
import warnings

import dask
import dask.array as da
import numpy as np
from distributed import Client, LocalCluster, get_task_stream
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from sksoftmax import SoftmaxRegression
from sksoftmax._fit_data import fit_data

N_CLASSES = 10


def make_problem(n_rows, n_features, chunk_rows, seed=0):
    """X (standard normal) and labels from a softmax model plus Gumbel noise,
    as lazy dask arrays; each chunk is generated where it is computed. The
    model is the same for every ``seed``, which draws the rows."""
    true_coef = np.random.RandomState(0).normal(size=(n_features, N_CLASSES))
    true_coef *= 2.0 / np.sqrt(n_features)

    def block(index, rows):
        rng = np.random.default_rng([seed, index])
        X = rng.standard_normal((rows, n_features))
        logits = X @ true_coef + rng.gumbel(size=(rows, N_CLASSES))
        return X, np.argmax(logits, axis=1)

    sizes = [chunk_rows] * (n_rows // chunk_rows)
    if n_rows % chunk_rows:
        sizes.append(n_rows % chunk_rows)
    blocks = [dask.delayed(block, nout=2)(i, rows) for i, rows in enumerate(sizes)]
    X = da.concatenate(
        [
            da.from_delayed(X, (rows, n_features), np.float64)
            for (X, _), rows in zip(blocks, sizes, strict=True)
        ]
    )
    y = da.concatenate(
        [
            da.from_delayed(y, (rows,), np.int64)
            for (_, y), rows in zip(blocks, sizes, strict=True)
        ]
    )
    return X, y


def evaluation_seconds(data, coef, l2, repeat):
    """Median seconds of one objective-and-gradient evaluation."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        data.linear_loss.loss_gradient(coef, *data.objective_data, l2, data.weight_sum)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def part_a(client, X_dask, y_dask, repeat):
    print("\n(a) the same fit in memory (2 BLAS threads) and on 2 workers x 1 thread")
    X_dask, y_dask = dask.persist(X_dask, y_dask)
    estimator = SoftmaxRegression()
    chunked = fit_data(estimator, X_dask, y_dask, None)
    coef = np.random.RandomState(1).normal(size=chunked.linear_loss.n_coef) * 0.01
    l2 = 1.0 / chunked.weight_sum
    # First Dask alone, as on a cluster: this process holds no copy of X.
    t_alone = evaluation_seconds(chunked, coef, l2, repeat)
    with get_task_stream(client) as stream:
        wall = evaluation_seconds(chunked, coef, l2, 1)
    busiest = _busiest_worker_compute(stream.data)
    start = time.perf_counter()
    m_dask = SoftmaxRegression(tol=1e-4, max_iter=500).fit(X_dask, y_dask)
    t_fit_dask = time.perf_counter() - start
    # copied: arrays gathered from the workers sit in the receive buffers,
    # where one evaluation took 3.6 s instead of 1.0 s for a copy (2M x 100)
    X, y = (np.array(array) for array in dask.compute(X_dask, y_dask))
    print(f"    X {X.shape} {X.dtype}, {X.nbytes / 2**30:.2f} GiB, 10 classes")
    with threadpool_limits(2):
        memory = fit_data(estimator, X, y, None)
        memory_times, dask_times = [], []
        for _ in range(repeat):  # alternating, this process now holding X
            memory_times.append(evaluation_seconds(memory, coef, l2, 1))
            dask_times.append(evaluation_seconds(chunked, coef, l2, 1))
        start = time.perf_counter()
        m_mem = SoftmaxRegression(tol=1e-4, max_iter=500).fit(X, y)
        t_fit_mem = time.perf_counter() - start
    t_memory, t_beside = np.median(memory_times), np.median(dask_times)
    print(
        f"    one evaluation: in memory {t_memory:.3f} s; Dask {t_alone:.3f} s "
        f"alone (ratio {t_alone / t_memory:.2f}), {t_beside:.3f} s alternating "
        f"with the in-memory runs while this process holds X too (ratio "
        f"{t_beside / t_memory:.2f})"
    )
    print(
        f"    where a Dask evaluation goes: {wall:.3f} s wall, the busiest "
        f"worker computes {busiest:.3f} s, the rest ({wall - busiest:.3f} s) is "
        "scheduling, moving coefficients and gradients, and the driver's work"
    )
    print(
        f"    fit (tol 1e-4): in memory {t_fit_mem:.1f} s ({m_mem.n_iter_[0]} "
        f"iterations), Dask {t_fit_dask:.1f} s alone ({m_dask.n_iter_[0]} "
        "iterations; validation and persisting the chunks included), ratio "
        f"{t_fit_dask / t_fit_mem:.2f}; max |coef difference| "
        f"{np.abs(m_mem.coef_ - m_dask.coef_).max():.1e}"
    )
    return X_dask, y_dask, m_dask


def _busiest_worker_compute(task_stream):
    per_worker = {}
    for task in task_stream:
        for part in task["startstops"]:
            if part["action"] == "compute":
                seconds = part["stop"] - part["start"]
                per_worker[task["worker"]] = per_worker.get(task["worker"], 0) + seconds
    return max(per_worker.values()) if per_worker else 0.0


def part_b(X_dask, y_dask, ours, max_iter):
    print("\n(b) dask-ml's LogisticRegression (lbfgs, C=1) on the same chunks")
    try:
        from dask_ml.linear_model import LogisticRegression as DaskMLLogistic
    except ImportError:
        print("    dask-ml is not installed: skipped")
        return
    n_test = min(200_000, X_dask.shape[0] // 5)
    X_test, y_test = dask.compute(X_dask[-n_test:], y_dask[-n_test:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dask-ml's own deprecation chatter
        start = time.perf_counter()
        theirs = DaskMLLogistic(solver="lbfgs", max_iter=max_iter).fit(X_dask, y_dask)
        t_theirs = time.perf_counter() - start
        predicted = np.asarray(theirs.predict(X_test))
    print(
        f"    10 classes: dask-ml {t_theirs:.1f} s, coef_ shape "
        f"{np.shape(theirs.coef_)}, predicts {np.unique(predicted).tolist()}, "
        f"test accuracy {np.mean(predicted == y_test):.3f}; "
        f"ours {ours.score(X_test, y_test):.3f}"
    )
    binary = y_dask >= N_CLASSES // 2
    fits = {}
    for name, make in (
        ("ours", lambda: SoftmaxRegression(tol=1e-4, max_iter=500)),
        ("dask-ml", lambda: DaskMLLogistic(solver="lbfgs", max_iter=max_iter)),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            model = make().fit(X_dask, binary)
            fits[name] = time.perf_counter() - start
        accuracy = np.mean(np.asarray(model.predict(X_test)) == (y_test >= 5))
        print(f"    binary, {name}: {fits[name]:.1f} s, test accuracy {accuracy:.3f}")
    ratio = fits["ours"] / fits["dask-ml"]
    print(f"    binary fit-time ratio ours / dask-ml: {ratio:.2f}")


def part_c(n_rows, n_features, chunk_rows, memory_limit, epochs):
    print("\n(c) out of core: partial_fit epochs streamed from a .npy stack")
    with tempfile.TemporaryDirectory() as directory:
        X, y = make_problem(n_rows, n_features, chunk_rows, seed=2)
        X_path, y_path = os.path.join(directory, "X"), os.path.join(directory, "y")
        with (
            LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                memory_limit=memory_limit,
                dashboard_address=None,
            ) as cluster,
            Client(cluster),
        ):
            da.to_npy_stack(X_path, X, axis=0)
            da.to_npy_stack(y_path, y, axis=0)
            workers = cluster.scheduler_info["workers"].values()
            limit = sum(worker["memory_limit"] for worker in workers)
            on_disk = X.nbytes + y.nbytes
            print(
                f"    {n_rows} x {n_features} float64 on disk: "
                f"{on_disk / 2**30:.2f} GiB; workers' combined memory_limit "
                f"{limit / 2**30:.2f} GiB"
            )
            X_disk = da.from_npy_stack(X_path, mmap_mode=None)
            y_disk = da.from_npy_stack(y_path, mmap_mode=None)
            X_test, y_test = make_problem(100_000, n_features, 50_000, seed=3)
            X_test, y_test = dask.compute(X_test, y_test)
            model = SoftmaxRegression(solver="sgd", random_state=0)
            for epoch in range(1, max(epochs) + 1):
                start = time.perf_counter()
                model.partial_fit(X_disk, y_disk, classes=np.arange(N_CLASSES))
                seconds = time.perf_counter() - start
                if epoch in epochs:
                    print(
                        f"    epoch {epoch}: {seconds:.1f} s, test accuracy "
                        f"{model.score(X_test, y_test):.4f}"
                    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke sizes")
    args = parser.parse_args(argv)
    if args.quick:
        sizes = dict(n_rows=40_000, n_features=20, chunk_rows=5_000)
        repeat, max_iter_b = 2, 20
        out_of_core = dict(
            n_rows=60_000, n_features=20, chunk_rows=10_000, memory_limit="2GiB"
        )
    else:
        sizes = dict(n_rows=4_000_000, n_features=100, chunk_rows=250_000)
        repeat, max_iter_b = 5, 100
        out_of_core = dict(
            n_rows=2_000_000,
            n_features=100,
            chunk_rows=50_000,
            memory_limit="0.7GiB",
        )
    print(f"uptime: {os.popen('uptime').read().strip()}")
    warnings.simplefilter("ignore", ConvergenceWarning)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        X_dask, y_dask = make_problem(**sizes)
        X_dask, y_dask, ours = part_a(client, X_dask, y_dask, repeat)
        part_b(X_dask, y_dask, ours, max_iter_b)
        del X_dask, y_dask
    part_c(**out_of_core, epochs=(1, 2, 5))


if __name__ == "__main__":
    main()
