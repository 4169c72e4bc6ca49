"""numba settings every module shares: a fork-safe threading layer, and parallel kernels that
never run concurrently from two Python threads.

numba's default threading layer on PyPI wheels is GNU OpenMP when present, and GNU OpenMP is
not fork safe: after any parallel kernel ran, a ``fork()``-ed child that calls one dies
("Terminating: fork() called from a process already using GNU OpenMP") and a
``multiprocessing.Pool`` with the default start method hangs. The ``workqueue`` layer (always
available) survives ``fork()`` but aborts the process when two Python threads launch parallel
kernels at once, so every parallel kernel here is wrapped by :func:`parallel_njit`, whose
Python-level calls hold one process-wide lock (other threads wait; the kernel itself still
runs on every core). A user who sets ``NUMBA_THREADING_LAYER`` keeps their choice.

References
----------
.. [1] numba documentation, "The Threading Layers" (fork and thread safety of tbb, omp and
   workqueue).
"""

from __future__ import annotations

import functools
import os
import threading

import numba as nb

__all__ = ["parallel_njit", "PARALLEL_LOCK", "threading_layer_choice"]

#: Held while a parallel kernel runs (re-entrant: a kernel wrapper may call another).
PARALLEL_LOCK = threading.RLock()


def threading_layer_choice() -> str:
    """The threading layer depthsmith asks numba for: the user's ``NUMBA_THREADING_LAYER``
    when set, else ``"workqueue"`` (fork safe)."""
    return os.environ.get("NUMBA_THREADING_LAYER") or "workqueue"


if not os.environ.get("NUMBA_THREADING_LAYER"):
    # takes effect at the first parallel launch of the process (numba picks the layer then)
    nb.config.THREADING_LAYER = "workqueue"


class _Serialized:
    """A ``parallel=True`` numba dispatcher whose calls from Python hold :data:`PARALLEL_LOCK`
    (attributes such as ``py_func`` are the dispatcher's)."""

    def __init__(self, dispatcher):
        self._dispatcher = dispatcher
        functools.update_wrapper(self, dispatcher.py_func)

    def __call__(self, *args, **kwargs):
        with PARALLEL_LOCK:
            return self._dispatcher(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._dispatcher, name)


def parallel_njit(*, fastmath: bool = False):
    """``numba.njit(cache=True, parallel=True, fastmath=...)`` whose Python-level calls are
    serialized across threads (see the module docstring). Only for kernels called from
    Python, not from other nopython code."""

    def wrap(fn):
        return _Serialized(nb.njit(cache=True, parallel=True, fastmath=fastmath)(fn))

    return wrap
