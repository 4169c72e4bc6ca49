"""Batch items on Dask: a ``LocalCluster`` (``--scheduler local``) or an existing
distributed cluster (``--scheduler tcp://HOST:PORT``). The only module importing Dask.

Each item is one task (:func:`depthsmith.batch._worker.run_one`); the worker that runs it
reads the inputs and writes the output itself, so on a cluster every worker must see the
input and output paths under the same names (a shared file system). When a worker dies, the
scheduler gives its tasks to another (Dask's ``distributed.scheduler.allowed-failures``
deaths per task, 3 by default); a task raising an unexpected error is retried
:data:`RETRIES` times. An item's own failure (a corrupt file) is not an error for Dask: it
comes back as a failed record and is not retried.
"""

from __future__ import annotations

import logging
import secrets

from .._validate import InputError
from ._worker import failure, run_one

__all__ = ["run_dask", "RETRIES", "CONNECT_TIMEOUT_S"]

#: Dask retries of a task that raised (not an item's recorded failure).
RETRIES = 2
#: Seconds to wait for the scheduler of ``--scheduler tcp://...``.
CONNECT_TIMEOUT_S = 30


def _client(scheduler: str, workers: int):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--scheduler needs Dask: pip install 'depthsmith[dask]'") from None
    logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        return Client(cluster), cluster
    if "://" not in scheduler:
        raise InputError(f"--scheduler {scheduler!r}: expected 'local' or a Dask scheduler "
                         "address such as tcp://HOST:8786")
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT_S), None
    except (OSError, TimeoutError) as e:
        raise InputError(f"--scheduler {scheduler}: cannot connect ({e})") from None


def run_dask(task: str, jobs: list[dict], options: dict, *, scheduler: str, workers: int,
             threads: int | None, on_result) -> None:
    """Run ``jobs`` as Dask tasks and pass each record to ``on_result`` as it completes.

    ``threads`` is each task's thread count (numba, OpenCV, BLAS; default 1: the Dask
    workers' own threads are the parallelism).
    """
    client, cluster = _client(scheduler, workers)
    try:
        from distributed import as_completed

        token = secrets.token_hex(4)
        futures, by_key = [], {}
        for job in jobs:
            fut = client.submit(run_one, task, job, options, threads or 1, pure=False,
                                retries=RETRIES, key=f"depthsmith-{task}-{token}-{job['id']}")
            futures.append(fut)
            by_key[fut.key] = job
        for fut in as_completed(futures):
            job = by_key[fut.key]
            try:
                res = fut.result()
            except Exception as e:  # noqa: BLE001 - KilledWorker, a lost task...
                res = failure(job, f"dask: {type(e).__name__}: {e}")
            on_result(res)
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

