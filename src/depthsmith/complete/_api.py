"""complete(): one entry point over the completion methods, and the ``auto`` rule."""

from __future__ import annotations

import numpy as np

from .. import _threads, _tiling
from .._tasks import run_method
from .._validate import InputError, check_depth, check_guide, check_valid
from ._guided import guided
from ._interpolate import interpolate
from ._learned import learned
from ._morphological import morphological
from ._normconv import normconv

__all__ = ["complete", "auto", "choose_method", "choose_params", "scan_lines", "METHODS",
           "GUIDED_MAX_DENSITY", "LINE_SIGMA", "LINE_GAP_FILL"]

#: ``auto`` uses the guided method when a guide is given and at most this fraction of the
#: pixels is valid (sparse samples need the color to find edges; denser LiDAR-like input is
#: interpolated better and faster without it). Measured on COMPLETE-SAMPLES (1 % samples,
#: 21 Middlebury scenes) and COMPLETE-KITTI (3 frames), docs/bench_complete.md.
GUIDED_MAX_DENSITY = 0.02


def choose_method(valid, guide_given: bool) -> str:
    """The method ``auto`` runs for this validity mask (the documented rule).

    ``"guided"`` when a guide is given and the valid fraction is at most
    :data:`GUIDED_MAX_DENSITY` (2 %), else ``"normconv"``.
    """
    density = float(np.count_nonzero(valid)) / max(1, np.size(valid))
    return "guided" if guide_given and density <= GUIDED_MAX_DENSITY else "normconv"


#: ``normconv``'s applicability (rows, columns) in pixels that ``auto`` uses on scan-line
#: input (:func:`scan_lines`): tall enough to reach the neighbouring lines, instead of the
#: default (1.2, 2.5) suited to scattered samples. Chosen leave-one-frame-out on the 3
#: original COMPLETE-KITTI frames, lines on rows y mod 4 == 0 (docs/bench_complete.md).
LINE_SIGMA = (1.6, 1.6)


def scan_lines(valid) -> bool:
    """Whether the samples lie on scan lines (LiDAR-like rows): at most half of the rows of
    the samples' bounding box hold a sample, while at least twice that fraction of its
    columns do."""
    v = np.asarray(valid, bool)
    rows = v.any(axis=1)
    cols = v.any(axis=0)
    if not rows.any():
        return False
    r = np.flatnonzero(rows)
    c = np.flatnonzero(cols)
    fr = rows.sum() / (r[-1] - r[0] + 1)
    fc = cols.sum() / (c[-1] - c[0] + 1)
    return bool(fr <= 0.5 and fc >= 2 * fr)


#: How ``normconv`` fills the gaps between scan lines under ``auto`` (:func:`scan_lines`):
#: towards the linear interpolation over the Delaunay triangulation of the samples around
#: each gap, where the level-0 certainty is below ``tau``. On the scan-line pattern the
#: pyramid's fallback leans to the side of a hole that holds more samples; the choice was
#: made on the 3 original COMPLETE-KITTI frames (every row phase of ``lines``, seeds 0-2 of
#: ``random``) and checked on the 5 others (docs/bench_complete.md, issue 13).
LINE_GAP_FILL = "delaunay"


def choose_params(name: str, valid) -> dict:
    """Parameters ``auto`` gives the chosen method (the documented rule): for
    ``"normconv"`` on scan-line input (:func:`scan_lines`), ``sigma_space`` =
    :data:`LINE_SIGMA` and ``gap_fill`` = :data:`LINE_GAP_FILL`; otherwise none (the
    method's defaults)."""
    if name == "normconv" and scan_lines(valid):
        return {"sigma_space": LINE_SIGMA, "gap_fill": LINE_GAP_FILL}
    return {}


def auto(depth, guide=None, *, valid=None, **params):
    """Run the method picked by :func:`choose_method` with the parameters of
    :func:`choose_params` (see there for the rules).

    ``params`` go to the chosen method and override :func:`choose_params`. Returns (H, W)
    float32, dense; input samples are kept unchanged.
    """
    d = check_depth(depth)
    v = check_valid(valid, d)
    name = choose_method(v, guide is not None)
    return METHODS[name](d, guide, valid=v, **{**choose_params(name, v), **params})


#: Completion methods by name; each takes ``(depth, guide=None, *, valid, **params)``.
METHODS = {
    "auto": auto,
    "normconv": normconv,
    "guided": guided,
    "interpolate": interpolate,
    "morphological": morphological,
    "learned": learned,
}


def complete(depth, guide=None, *, valid=None, method: str = "auto",
             tile: int | None = None, threads: int | None = None, **params):
    """Sparse-to-dense depth completion.

    Parameters
    ----------
    depth : (H, W) array
        Sparse depth (LiDAR, SfM points, sampled sensor) in any units, never rescaled.
        Invalid pixels (default: not finite or <= 0) are never read.
    guide : (H, W[, 3]) array, optional
        Registered color image: uint8, uint16 or float in [0, 1] (colour parameters are in
        8-bit steps whatever its dtype); used by ``"guided"`` and ``"auto"``.
    valid : (H, W) bool, optional
        Trusted pixels; default finite & > 0.
    method : str
        One of :data:`METHODS`: ``"auto"`` (default, see :func:`choose_method`),
        ``"normconv"``, ``"guided"``, ``"interpolate"``, ``"morphological"``, ``"learned"``
        (a small CNN shipped as ONNX, :func:`~depthsmith.complete._learned.learned`).
    tile : int, optional
        Accepted for a uniform interface and ignored: every completion method is global
        (see :mod:`depthsmith._tiling`).
    threads : int, optional
        Threads for numba, OpenCV, BLAS and ONNX Runtime during the call (default:
        ``set_threads`` / ``DEPTHSMITH_NUM_THREADS``, else all cores); the result does not
        depend on it.
    **params
        Keyword parameters of the chosen method; an unknown one is an :class:`InputError`.

    Returns
    -------
    (H, W) float32 ndarray, dense (no NaN). ``normconv``, ``guided`` and ``interpolate``
    return the input samples unchanged; ``morphological`` smooths them with its median
    and bilateral steps.

    References
    ----------
    See the individual methods.

    Examples
    --------
    >>> import numpy as np
    >>> from depthsmith.complete import complete
    >>> sparse = np.zeros((32, 32), np.float32)
    >>> sparse[::4, ::4] = 5.0  # a regular grid of samples on a flat surface
    >>> out = complete(sparse)
    >>> bool(np.allclose(out, 5.0, atol=1e-4))
    True
    """
    _tiling.check_tile(tile)
    with _threads.threads(threads):
        d = check_depth(depth)
        v = check_valid(valid, d)
        g = None if guide is None else check_guide(guide, d.shape)
        if method == "guided" and g is None:
            raise InputError("method 'guided' needs a guide image: pass guide=(H, W, 3)")
        return run_method(METHODS, method, d, g, {"valid": v}, params)
