"""One item of a batch, as a worker runs it (in the main process, a spawned process or a Dask
worker): never raises for the item's own failure, returns a plain record instead."""

from __future__ import annotations

import os
import signal
import threading
import time

__all__ = ["run_one", "init_worker", "failure"]

#: Seconds between a worker process's checks that the batch that started it is alive.
PARENT_POLL_S = 0.2


def failure(job: dict, error: str, seconds: float = 0.0) -> dict:
    """The record of a failed item."""
    return {"id": job["id"], "status": "failed", "error": error, "seconds": seconds}


def _error_line(e: BaseException) -> str:
    from .._validate import DepthsmithError

    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    msg = lines[0] if lines else type(e).__name__
    if isinstance(e, DepthsmithError | ValueError | TypeError | OSError):
        return msg
    if isinstance(e, MemoryError):
        return "out of memory"
    return f"unexpected {type(e).__name__}: {msg}"


def run_one(task: str, job: dict, options: dict, threads: int | None = None) -> dict:
    """Run ``job`` (``id``, ``depth``, ``guide``, ``output``, ``out_scale``) of batch task
    ``task`` with ``options`` through the task command's ``run_item``, with ``threads``
    threads (None: the process default). Returns ``{"id", "status": "done" | "failed",
    "seconds", "sha256" | "error", "message"}``."""
    import click

    from .._threads import threads as threads_block
    from ..cli._task_spec import spec
    from ._manifest import sha256_file

    t0 = time.perf_counter()
    paths = {"depth": job["depth"], "guide": job.get("guide"), "output": job["output"]}
    opts = {**options, "out_scale": job.get("out_scale"), "overwrite": True, "batch": True}
    try:
        with threads_block(threads):
            msg = spec(task).run_item(paths, opts)
        sha = sha256_file(job["output"])
    except click.exceptions.Exit as e:  # a usage exit of a per-item check
        return failure(job, f"refused (exit {e.exit_code})", time.perf_counter() - t0)
    except click.ClickException as e:
        return failure(job, e.format_message(), time.perf_counter() - t0)
    except Exception as e:  # noqa: BLE001 - the item fails, the batch goes on
        return failure(job, _error_line(e), time.perf_counter() - t0)
    return {"id": job["id"], "status": "done", "seconds": time.perf_counter() - t0,
            "sha256": sha, "message": msg}


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_POLL_S)
        if os.getppid() != parent:
            try:
                from ..io import remove_temp_files

                remove_temp_files()
            finally:
                os._exit(1)


def init_worker(threads: int | None, parent: int) -> None:
    """Initializer of a local worker process: its thread count (numba, OpenCV, BLAS), SIGINT
    left to the batch process (which stops the run), and an exit as soon as that process
    is gone (killed, or interrupted)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .._threads import set_threads

    set_threads(threads)
    threading.Thread(target=_watch_parent, args=(parent,), name="depthsmith-watch-parent",
                     daemon=True).start()
