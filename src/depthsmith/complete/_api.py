"""complete(): one entry point over the completion methods, and the ``auto`` rule."""

from __future__ import annotations

import numpy as np

from .._validate import InputError, check_depth, check_guide, check_valid
from ._guided import guided
from ._interp import interpolate
from ._morph import morphological
from ._normconv import normconv

__all__ = ["complete", "auto", "choose_method", "METHODS", "GUIDED_MAX_DENSITY"]

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


def auto(depth, guide=None, *, valid=None, **params):
    """Run the method picked by :func:`choose_method` (see there for the rule).

    ``params`` go to the chosen method. Returns (H, W) float32, dense; input samples are
    kept unchanged.
    """
    d = check_depth(depth)
    v = check_valid(valid, d)
    name = choose_method(v, guide is not None)
    return METHODS[name](d, guide, valid=v, **params)


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
        return METHODS[method](d, guide, valid=v, **params)
    except TypeError as e:
        if "unexpected keyword" in str(e):
            raise InputError(f"method {method!r}: {e}") from None
        raise
