"""complete(): one entry point over the completion methods, and the ``auto`` rule."""

from __future__ import annotations

import numpy as np

from .._validate import InputError, check_depth, check_guide, check_valid
from ._guided import guided
from ._interp import interpolate
from ._morph import morphological
from ._normconv import normconv

__all__ = ["complete", "auto", "choose_method", "choose_params", "scan_lines", "METHODS",
           "GUIDED_MAX_DENSITY", "LINE_SIGMA"]

#: ``auto`` uses the guided method when a guide is given and at most this fraction of the
#: pixels is valid (sparse samples need the color to find edges; denser LiDAR-like input is
#: interpolated better and faster without it).
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
#: default (1.2, 2.5) suited to scattered samples.
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


def choose_params(name: str, valid) -> dict:
    """Parameters ``auto`` gives the chosen method (the documented rule): for
    ``"normconv"`` on scan-line input (:func:`scan_lines`), ``sigma_space`` =
    :data:`LINE_SIGMA`; otherwise none (the method's defaults)."""
    if name == "normconv" and scan_lines(valid):
        return {"sigma_space": LINE_SIGMA}
    return {}


def auto(depth, guide=None, *, valid=None, **params):
    """Run the method picked by :func:`choose_method` with the parameters of
    :func:`choose_params` (see there for the rules).

    ``params`` go to the chosen method and override :func:`choose_params`. Returns (H, W)
    float32, dense; input samples are kept unchanged.
    """
    d = check_depth(depth)
    return _auto(d, guide, check_valid(valid, d), params)


def _auto(d, guide, v, params):
    """:func:`auto` on an already checked depth map and mask."""
    name = choose_method(v, guide is not None)
    return METHODS[name](d, guide, valid=v, **{**choose_params(name, v), **params})


METHODS = {
    "auto": auto,
    "normconv": normconv,
    "guided": guided,
    "interpolate": interpolate,
    "morphological": morphological,
}


def _check_guide_shape(guide, shape):
    """Shape and dtype check of the guide without converting it (the method that uses the
    guide validates its values; ``auto`` on dense input never reads it)."""
    g = np.asarray(guide)
    if g.ndim == 2 or g.ndim == 3 and g.shape[2] in (1, 3):
        if g.dtype == bool or not (np.issubdtype(g.dtype, np.integer)
                                   or np.issubdtype(g.dtype, np.floating)):
            check_guide(g, shape)  # raises the standard dtype error
        if g.shape[:2] != tuple(shape):
            check_guide(g, shape)  # raises the standard shape error
        return
    check_guide(g, shape)


def complete(depth, guide=None, *, valid=None, method: str = "auto", **params):
    """Sparse-to-dense depth completion.

    Parameters
    ----------
    depth : (H, W) array
        Sparse depth (LiDAR, SfM points, sampled sensor) in any units, never rescaled.
        Invalid pixels (default: not finite or <= 0) are never read.
    guide : (H, W, 3) array, optional
        Registered color image (uint8 0-255 or float); used by ``"guided"`` and ``"auto"``.
    valid : (H, W) bool, optional
        Trusted pixels; default finite & > 0.
    method : str
        One of :data:`METHODS`: ``"auto"`` (default, see :func:`choose_method`),
        ``"normconv"``, ``"guided"``, ``"interpolate"``, ``"morphological"``.
    **params
        Keyword parameters of the chosen method.

    Returns
    -------
    (H, W) float32 ndarray, dense (no NaN). ``normconv``, ``guided`` and ``interpolate``
    return the input samples unchanged; ``morphological`` smooths them with its median
    and bilateral steps.

    References
    ----------
    See the individual methods.
    """
    if method not in METHODS:
        raise InputError(f"method {method!r} is unknown: expected one of {', '.join(METHODS)}")
    d = check_depth(depth)
    v = check_valid(valid, d)
    if guide is not None:
        _check_guide_shape(guide, d.shape)
    if method == "guided" and guide is None:
        raise InputError("method 'guided' needs a guide image: pass guide=(H, W, 3)")
    try:
        if method == "auto":
            return _auto(d, guide, v, params)
        return METHODS[method](d, guide, valid=v, **params)
    except TypeError as e:
        if "unexpected keyword" in str(e):
            raise InputError(f"method {method!r}: {e}") from None
        raise
