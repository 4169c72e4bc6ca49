"""One thread setting for every engine depthsmith computes with.

The task entry points (:func:`~depthsmith.fill.fill_holes`, :func:`~depthsmith.refine.refine`,
:func:`~depthsmith.complete.complete`, :func:`~depthsmith.upsample.upsample`,
:func:`~depthsmith.defocus.blur_map`) take ``threads=``; ``None`` means the process default,
which is :data:`ENV` (``DEPTHSMITH_NUM_THREADS``) when it is set, or what
:func:`set_threads` last set, else every engine's own default (all cores).

One number is applied to

* numba's parallel kernels (``numba.set_num_threads``; numba cannot run more threads than
  its pool, ``NUMBA_NUM_THREADS`` = the number of cores by default, so a larger request
  is clamped to that),
* OpenCV (``cv2.setNumThreads``),
* BLAS/OpenMP (through ``threadpoolctl`` when it is installed; otherwise only the
  ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS`` environment
  variables can be set, which a BLAS reads once when it loads: they are set at import of
  this module from ``DEPTHSMITH_NUM_THREADS`` when not set already),
* ONNX Runtime (the intra-op thread count of the sessions of
  :func:`depthsmith.learn._runtime.session`, read from :func:`current`).

numba's thread count is per Python thread, so the entry points apply the setting inside
each call (:func:`threads`), in the thread that computes, and restore the previous one
afterwards.

Determinism: results do not depend on the thread count. Every parallel kernel splits its
work by rows, row blocks or column bands whose arithmetic does not depend on how the blocks
are shared among threads, and OpenCV's parallel loops split images into stripes whose
results do not depend on the stripe count; ``tests/test_threads.py`` checks 1 against 2
threads bit for bit for every registered method of every task.
"""

from __future__ import annotations

import contextlib
import os
import threading

from ._validate import InputError, InputTypeError

__all__ = ["ENV", "set_threads", "threads", "current", "resolve", "env_threads"]

#: The environment variable read at import (and by ``--threads``'s default).
ENV = "DEPTHSMITH_NUM_THREADS"

_BLAS_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

_LOCK = threading.Lock()
_DEFAULT: int | None = None
_LOCAL = threading.local()


def _check(n, name: str = "threads") -> int | None:
    if n is None:
        return None
    if isinstance(n, bool) or not isinstance(n, int | float) or n != int(n):
        raise InputTypeError(f"{name} must be an integer >= 1 or None, got {n!r}")
    if n < 1:
        raise InputError(f"{name} must be an integer >= 1 or None, got {n!r}")
    return int(n)


def env_threads(environ=None) -> int | None:
    """The thread count ``DEPTHSMITH_NUM_THREADS`` asks for (None when unset or empty);
    an invalid value is an :class:`InputError` naming the variable."""
    text = (os.environ if environ is None else environ).get(ENV, "").strip()
    if not text:
        return None
    try:
        return _check(int(text), ENV)
    except (ValueError, InputTypeError):
        raise InputError(f"{ENV} must be an integer >= 1, got {text!r}") from None


def current() -> int | None:
    """The thread count in force in this Python thread: the innermost :func:`threads`
    block's, else the process default (None: every engine's own default)."""
    n = getattr(_LOCAL, "n", None)
    return _DEFAULT if n is None else n


def resolve(n=None) -> int | None:
    """``n`` checked, or :func:`current` when ``n`` is None."""
    n = _check(n)
    return current() if n is None else n


def _numba_max() -> int:
    import numba

    return int(numba.config.NUMBA_NUM_THREADS)


def _get_engines():
    """The current (numba, OpenCV) thread counts of this thread."""
    import cv2
    import numba

    return numba.get_num_threads(), cv2.getNumThreads()


def _apply(n: int) -> None:
    """Set numba (this thread), OpenCV and BLAS (via threadpoolctl when available) to
    ``n`` threads."""
    import cv2
    import numba

    numba.set_num_threads(max(1, min(int(n), _numba_max())))
    cv2.setNumThreads(int(n))
    _blas_limit(int(n))


def _blas_limit(n: int | None):
    """Limit BLAS/OpenMP pools through threadpoolctl (a no-op when it is not installed)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=n)


def set_threads(n) -> None:
    """Set the process-wide default thread count of numba, OpenCV, BLAS and ONNX Runtime.

    Parameters
    ----------
    n : int >= 1, or None
        Threads; ``None`` restores the default (:data:`ENV` when set, else every engine's
        own, all cores). The calling thread's numba, OpenCV and BLAS settings change at
        once; other threads (numba's setting is per thread) pick it up at their next
        entry-point call.

    Examples
    --------
    >>> from depthsmith._threads import set_threads, current
    >>> set_threads(1); current()
    1
    >>> set_threads(None)
    """
    global _DEFAULT
    n = _check(n)
    with _LOCK:
        _DEFAULT = env_threads() if n is None else n
    if _DEFAULT is not None:
        _apply(_DEFAULT)


@contextlib.contextmanager
def threads(n=None):
    """Run a block with ``n`` threads in numba, OpenCV, BLAS and ONNX Runtime, restoring
    the previous settings afterwards (``None``: the process default, :func:`current`;
    when that is None too, nothing changes).

    Examples
    --------
    >>> import numpy as np
    >>> from depthsmith._threads import threads
    >>> from depthsmith.fill import fill_holes
    >>> with threads(1):
    ...     out = fill_holes(np.ones((4, 4), np.float32))
    """
    n = resolve(n)
    if n is None:
        yield None
        return
    old_nb, old_cv = _get_engines()
    prev = getattr(_LOCAL, "n", None)
    _LOCAL.n = n
    blas = None
    try:
        import cv2
        import numba

        numba.set_num_threads(max(1, min(n, _numba_max())))
        cv2.setNumThreads(n)
        blas = _blas_limit(n)
        yield n
    finally:
        _LOCAL.n = prev
        import cv2
        import numba

        numba.set_num_threads(old_nb)
        cv2.setNumThreads(old_cv)
        if blas is not None:
            blas.restore_original_limits()


def _init_from_env() -> None:
    """At import: take ``DEPTHSMITH_NUM_THREADS`` as the process default (an invalid value
    is ignored here and reported by the CLI's ``--threads``) and pass it to BLAS pools
    that have not loaded yet through their environment variables."""
    global _DEFAULT
    try:
        n = env_threads()
    except InputError:
        return
    if n is None:
        return
    _DEFAULT = n
    for var in _BLAS_ENV:
        os.environ.setdefault(var, str(n))


_init_from_env()
