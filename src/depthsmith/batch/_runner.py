"""The batch runner: plan the outputs, lock the folder, resume from the manifest, dispatch the
items to the main process, local worker processes or Dask, and record every result."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .._validate import InputError
from ._lock import BatchLock
from ._manifest import MANIFEST, Manifest, ManifestError, now_iso, sha256_file
from ._pairing import SHOWN, Item
from ._worker import failure, init_worker, run_one

__all__ = ["run_batch", "BatchResult", "plan_jobs", "result_options", "manifest_path",
           "START_METHOD"]

#: Start method of local worker processes: ``spawn`` (``fork`` would copy numba's and
#: OpenCV's thread pools; ``spawn`` starts clean interpreters on every platform).
START_METHOD = "spawn"
#: Times an item is resubmitted after its worker process died (the pool breaks) before it
#: is recorded as failed.
PROCESS_RETRIES = 2
#: Times a broken pool of worker processes is replaced; after that the batch process
#: computes the remaining items itself.
POOL_RESTARTS = 3
_BLAS_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "DEPTHSMITH_NUM_THREADS")


@dataclass
class BatchResult:
    """What a batch run did: counts, the failed items (id, error) and the manifest."""

    manifest: str
    total: int
    done: int = 0
    skipped: int = 0
    failed: list = field(default_factory=list)
    seconds: float = 0.0


def _stat(path) -> list | None:
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def plan_jobs(items: list[Item], output, ext: str | None) -> list[dict]:
    """One job per item: its inputs and its output ``OUTPUT/<id><ext>`` (``ext`` None: the
    input's own extension)."""
    out = os.path.abspath(os.fspath(output))
    jobs = []
    for it in items:
        e = ext or os.path.splitext(it.depth)[1].lower()
        jobs.append({"id": it.id, "depth": os.path.abspath(it.depth),
                     "guide": None if it.guide is None else os.path.abspath(it.guide),
                     "output": os.path.join(out, it.id + e)})
    return jobs


def _prepare_folder(output) -> str:
    out = os.path.abspath(os.fspath(output))
    if os.path.exists(out) and not os.path.isdir(out):
        raise InputError(f"--output {output}: is a file: expected a folder")
    if not os.path.isdir(out):
        parent = os.path.dirname(out)
        if not os.path.isdir(parent):
            raise InputError(f"--output {output}: folder {parent} does not exist")
        try:
            os.mkdir(out)
        except FileExistsError:
            pass
        except OSError as e:
            raise InputError(f"--output {output}: cannot be created ({e.strerror})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise InputError(f"--output {output}: folder is not writable")
    return out


def _listing(paths) -> str:
    paths = sorted(paths)
    more = len(paths) - SHOWN
    return ", ".join(paths[:SHOWN]) + (f" ... and {more} more" if more > 0 else "")


@contextlib.contextmanager
def _worker_env(threads: int):
    """The environment worker processes start with: BLAS pools sized before they load."""
    old = {k: os.environ.get(k) for k in _BLAS_ENV}
    for k in _BLAS_ENV:
        os.environ[k] = str(threads)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run_inline(task, jobs, options, threads, on_result):
    for job in jobs:
        on_result(run_one(task, job, options, threads))


def _run_processes(task, jobs, options, workers, threads, on_result):
    """``workers - 1`` local worker processes (``spawn``) plus this process, all taking items
    from one queue: this process is warm (its task package and numba kernels are loaded), so
    it computes from the first second while the others start. Each worker process holds one
    item at a time and is given the next as soon as it finishes. A pool broken by a dying
    worker is replaced and its unfinished items go back to the queue (an item whose worker
    died more than :data:`PROCESS_RETRIES` times is recorded as failed)."""
    import collections
    import concurrent.futures as cf
    import queue
    import threading
    from concurrent.futures.process import BrokenProcessPool

    per_worker = threads or 1
    ctx = multiprocessing.get_context(START_METHOD)
    pending = collections.deque(jobs)
    lock = threading.Lock()
    results: queue.Queue = queue.Queue()
    inflight: dict = {}
    breaks: dict[str, int] = {}
    pools: list = []

    def take():
        with lock:
            return pending.popleft() if pending else None

    def feed(ex):
        job = take()
        if job is None:
            return
        try:
            with _worker_env(per_worker):  # processes start at the first submit
                fut = ex.submit(run_one, task, job, options, per_worker)
        except Exception:  # noqa: BLE001 - broken, shut down, cannot start a process: the
            with lock:     # item goes back in the queue (this process computes it)
                pending.appendleft(job)
            return
        with lock:
            inflight[fut] = (job, ex)
        fut.add_done_callback(done)

    def done(fut):
        with lock:
            job, ex = inflight.pop(fut)
        try:
            res = fut.result()
        except cf.CancelledError:
            with lock:
                pending.appendleft(job)
            return
        except BrokenProcessPool:
            results.put(("broken", job, ex))
            return
        except BaseException as e:  # noqa: BLE001 - e.g. a record that failed to pickle
            res = failure(job, f"worker process: {type(e).__name__}: {e}")
        results.put(("result", res, ex))
        feed(ex)

    def new_pool():
        ex = cf.ProcessPoolExecutor(workers - 1, mp_context=ctx, initializer=init_worker,
                                    initargs=(per_worker, os.getpid()))
        pools.append(ex)
        for _ in range(workers - 1):
            feed(ex)

    def handle(msg):
        kind, payload, ex = msg
        if kind == "result":
            emit(payload)
            return
        job = payload
        breaks[job["id"]] = breaks.get(job["id"], 0) + 1
        if job["id"] in recorded:
            pass
        elif breaks[job["id"]] > PROCESS_RETRIES:
            emit(failure(job, "its worker process died (killed, or out of memory) on every "
                              "try"))
        else:
            with lock:
                pending.appendleft(job)
        if ex is pools[-1]:  # the current pool broke: a fresh one (a few times at most;
            ex.shutdown(wait=False, cancel_futures=True)  # then this process goes on alone)
            if len(pools) <= POOL_RESTARTS:
                new_pool()

    recorded: set[str] = set()
    stolen: set[str] = set()

    def emit(res):  # an item computed twice (see below) is recorded once
        if res["id"] not in recorded:
            recorded.add(res["id"])
            on_result(res)

    def steal():
        """An item a worker process holds and nobody finished: at the end of the run this
        process computes it too (a worker may still be starting), first result wins; the
        two write the same bytes."""
        with lock:
            for job, _ in inflight.values():
                if job["id"] not in recorded and job["id"] not in stolen:
                    stolen.add(job["id"])
                    return job
        return None

    new_pool()
    try:
        while len(recorded) < len(jobs):
            while True:
                try:
                    handle(results.get_nowait())
                except queue.Empty:
                    break
            job = take() or steal()
            if job is not None:
                emit(run_one(task, job, options, per_worker))
                continue
            try:
                handle(results.get(timeout=0.1))
            except queue.Empty:
                pass
    finally:
        procs = [p for ex in pools for p in (getattr(ex, "_processes", None) or {}).values()]
        for ex in pools:
            ex.shutdown(wait=False, cancel_futures=True)
        for proc in procs:  # workers still on a duplicate item: stop them now
            with contextlib.suppress(Exception):
                proc.terminate()
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.join(5)
        from ..io import sweep_stale_temps

        for folder in {os.path.dirname(j["output"]) for j in jobs}:
            sweep_stale_temps(folder)  # what a stopped worker was writing


def result_options(task_keys, options: dict) -> dict:
    """The options that decide the outputs (recorded in the manifest, compared on resume):
    the task's own, the method parameters given, ``scale``, ``format`` and ``tile``; not
    workers, threads, the scheduler or the memory budget."""
    keep = (*task_keys, "params", "scale", "format", "tile")
    return {k: options.get(k) for k in keep}


def run_batch(task: str, items: list[Item], output, *, options: dict, task_keys=(),
              ext: str | None = None, out_scale: Callable | None = None, inputs=None,
              workers: int = 1, threads: int | None = None, scheduler: str | None = None,
              overwrite: bool = False, progress: bool | None = None) -> BatchResult:
    """Run batch task ``task`` on ``items``, writing ``output/<id><ext>`` and the manifest.

    Parameters
    ----------
    task : str
        A batch task (``fill``, ``refine``, ``complete``, ``upsample``, ``defocus``).
    items : list of Item
        From :func:`depthsmith.batch.pair_inputs`.
    output : path
        The output folder (created when its parent exists).
    options : dict
        The task command's options (see :mod:`depthsmith.cli._task_spec`); those of
        :func:`result_options` are recorded and must match on resume.
    task_keys : tuple of str
        The task's own option names (recorded with the method parameters).
    ext : str, optional
        The outputs' extension (default: each input's own).
    out_scale : callable, optional
        ``out_scale(output, depth)`` -> the stored value per unit of a PNG output.
    inputs : dict, optional
        How the inputs were given (recorded).
    workers : int
        Local worker processes (1: the items run in this process).
    threads : int, optional
        Threads per worker (numba, OpenCV, BLAS). Default: 1 per worker process, the
        process default with ``workers=1``.
    scheduler : str, optional
        ``"local"`` (a Dask ``LocalCluster`` of ``workers`` processes) or a Dask scheduler
        address ``tcp://HOST:PORT`` (workers must see the same paths).
    overwrite : bool
        Start afresh: recompute every item (needed when the options changed, or to replace
        outputs this batch did not write).
    progress : bool, optional
        Show a progress bar (default: when stderr is a terminal).

    Returns
    -------
    BatchResult

    Raises
    ------
    LockedError
        Another run holds the folder.
    ManifestError
        The folder's manifest was made with other options (and ``overwrite`` is False).
    InputError
        An unusable output folder, or outputs this batch did not write (without
        ``overwrite``).
    """
    from .. import __version__
    from ..io import check_output

    jobs = plan_jobs(items, output, ext)
    for job in jobs:
        if out_scale is not None:
            job["out_scale"] = out_scale(job["output"], job["depth"])
    created = not os.path.isdir(os.fspath(output))
    out = _prepare_folder(output)
    try:
        for job in jobs:
            check_output(job["output"], overwrite=True, inputs=[job["depth"], job["guide"]],
                         name="--output", kind="depth")
    except BaseException:
        if created:  # leave nothing behind for a refused run
            with contextlib.suppress(OSError):
                os.rmdir(out)
        raise
    recorded = result_options(task_keys, options)
    t0 = time.perf_counter()
    lock = BatchLock(out)
    lock.acquire()
    try:
        man = None if overwrite else Manifest.load(out)
        if man is not None:
            diff = man.differences(task, recorded, __version__)
            if diff:
                raise ManifestError(f"--output {output}: its manifest was made with other "
                                    f"options ({'; '.join(diff)}): pass --overwrite to redo "
                                    "every item with these, or choose another --output")
        else:
            man = Manifest.new(out, task=task, options=recorded, inputs=inputs or {},
                               version=__version__)
        todo, skipped, foreign = [], 0, []
        for job in jobs:
            rec = man.items.get(job["id"])
            source = {"depth": job["depth"], "depth_stat": _stat(job["depth"]),
                      "guide": job["guide"], "guide_stat": _stat(job["guide"])}
            exists = os.path.lexists(job["output"])
            if rec is not None and rec.get("status") == "done" and exists \
                    and rec.get("inputs") == source and rec.get("output") == job["output"] \
                    and sha256_file(job["output"]) == rec.get("sha256"):
                skipped += 1
                continue
            if exists and rec is None and not overwrite:
                foreign.append(job["output"])
            todo.append((job, source))
        if foreign:
            raise InputError(f"--output {output}: {len(foreign)} output(s) exist that this "
                             f"batch did not write (no manifest record): {_listing(foreign)}; "
                             "pass --overwrite to replace them")
        for job, source in todo:
            man.record(job["id"], status="pending", inputs=source, output=job["output"],
                       sha256=None, seconds=None, error=None)
        run = man.start_run({"workers": workers, "threads": threads, "scheduler": scheduler,
                             "items": len(jobs), "to_do": len(todo), "skipped": skipped})
        if lock.took_over is not None:
            run["took_over_lock_of"] = lock.took_over
        man.save(force=True)

        result = BatchResult(man.path, len(jobs), skipped=skipped)
        bar = _progress(task, len(todo), progress)

        def on_result(res: dict):
            fields = {k: res.get(k) for k in ("status", "seconds", "sha256", "error")}
            fields["finished"] = now_iso()
            man.record(res["id"], **fields)
            if res["status"] == "done":
                result.done += 1
            else:
                result.failed.append((res["id"], res.get("error")))
            if bar is not None:
                bar.update(1)
            man.save()

        todo_jobs = [job for job, _ in todo]
        try:
            if not todo_jobs:
                pass
            elif scheduler is not None:
                from ._dask import run_dask

                run_dask(task, todo_jobs, options, scheduler=scheduler, workers=workers,
                         threads=threads, on_result=on_result)
            elif workers > 1:
                _run_processes(task, todo_jobs, options, workers, threads, on_result)
            else:
                _run_inline(task, todo_jobs, options, threads, on_result)
        finally:
            if bar is not None:
                bar.close()
            result.seconds = time.perf_counter() - t0
            run.update({"finished": now_iso(), "done": result.done,
                        "failed": len(result.failed), "seconds": round(result.seconds, 3)})
            man.save(force=True)
        return result
    finally:
        lock.release()


def _progress(task: str, total: int, show: bool | None):
    """A tqdm bar on stderr (rate and ETA), or None: off when stderr is not a terminal."""
    if show is None:
        show = sys.stderr.isatty()
    if not show or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=f"batch {task}", unit="frame", file=sys.stderr,
                dynamic_ncols=True)


def manifest_path(output) -> str:
    """The manifest's path in the output folder ``output``."""
    return os.path.join(os.path.abspath(os.fspath(output)), MANIFEST)

