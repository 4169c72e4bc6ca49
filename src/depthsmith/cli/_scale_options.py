"""``--tile`` and ``--threads``: the scale options every single-file command and ``batch`` share.

Both map one to one onto the library's ``tile=`` and ``threads=`` parameters of the task entry
points (:func:`depthsmith.fill.fill_holes`, :func:`~depthsmith.refine.refine`...); see
:mod:`depthsmith._tiling` (which methods tile, the overlap, the stated tolerance) and
:mod:`depthsmith._threads` (numba, OpenCV, BLAS and ONNX Runtime alike).
"""

from __future__ import annotations

import click

__all__ = ["tile_option", "threads_option", "THREADS_ENV"]

#: The environment variable that gives ``--threads`` (and the library's default) its value.
THREADS_ENV = "DEPTHSMITH_NUM_THREADS"


def tile_option(fn):
    """``--tile N`` -> keyword ``tile`` (int >= 1 or None)."""
    return click.option(
        "--tile", type=click.IntRange(min=1), default=None, metavar="N",
        help="Process the frame in N x N tiles (output pixels) overlapping by the method's "
             "support, to bound memory; global methods ignore it (see the docs).")(fn)


def threads_option(fn):
    """``--threads N`` -> keyword ``threads`` (int >= 1 or None = all cores); default from
    the ``DEPTHSMITH_NUM_THREADS`` environment variable."""
    return click.option(
        "--threads", type=click.IntRange(min=1), default=None, metavar="N",
        envvar=THREADS_ENV, show_envvar=True,
        help="Threads for numba, OpenCV, BLAS and ONNX Runtime (default: all cores); "
             "results do not depend on it.")(fn)
