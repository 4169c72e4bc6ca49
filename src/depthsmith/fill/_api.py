"""``fill_holes``: one entry point over every fill method, and the ``auto`` rule."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .. import _threads, _tiling
from .._tasks import hint_not_supported, run_method
from .._validate import InputError, check_positive
from ..ops import biharmonic_fill
from ._background import background
from ._biharmonic import biharmonic
from ._colorization import colorization
from ._common import prepare
from ._guided import guided
from ._normconv import normconv
from ._planes import planes, soften_sigma
from ._smooth import edge_sharpness

__all__ = ["fill_holes", "auto", "METHODS"]


#: Weight of the thin-plate (biharmonic) interpolant in ``auto``'s fill of soft-edged input
#: (``1 - THIN_PLATE`` for ``planes``). Chosen on split A of FILL-HOLES-RGBDD (the frames
#: whose sorted index is 3 mod 4; grid 0-0.4 by 0.05: 0.2 and 0.25 within 0.2 %), reported
#: on the other three quarters (docs/bench_fill.md, "The thin-plate blend").
THIN_PLATE = 0.2


def auto(depth, guide=None, *, valid=None, occlusion: bool = False, disparity: bool = False,
         thin_plate: float | None = None, **params):
    """The default fill: :func:`~depthsmith.fill.planes`, averaged with the thin-plate
    interpolant (:func:`~depthsmith.fill.biharmonic`) on input with soft edges.

    Rule (measured on FILL-OCC, FILL-HOLES and FILL-HOLES-RGBDD, see ``docs/bench_fill.md``):
    colour-guided geodesic propagation of local planes, smoothed surface by surface, is the
    most accurate single method on stereo occlusions, on sensor dropouts in stereo
    disparities and on dropouts in real time-of-flight depth, and faster than every smooth
    interpolator. What changes with the input is decided from the data:

    - the discontinuities inside the holes are softened only as much as the input's own
      edges are soft (:func:`~depthsmith.fill._smooth.edge_sharpness`; one-pixel steps in
      stereo disparities: none);
    - where the edges are soft (sensor depth: time-of-flight, structured light), the fill is
      ``(1 - THIN_PLATE) planes + THIN_PLATE biharmonic`` (:data:`THIN_PLATE` = 0.2): the
      two err in different places (planes extrapolate one seed's plane, the thin plate
      interpolates the whole border), and the blend's RMSE on RGB-D-D's held-out frames is
      4-6 % below ``planes`` alone. It costs a sparse solve (about 1 s per megapixel at 20 %
      holes, several times ``planes``), so it is not used on sharp-edged input (stereo
      disparities), where ``planes`` alone keeps its speed.

    ``thin_plate`` (0-1) sets the weight whatever the edges (0: ``planes`` alone). When the
    caller says the holes are stereo occlusions (``occlusion=True``), the hidden surface is
    the background and the fill prefers the far side (``disparity=True`` says the values
    are disparities, larger = nearer); the thin plate, which has no notion of a side, is
    then not used. Without a guide the same propagation runs on plain (chamfer) distances,
    without two-surface blending. Extra ``params`` go to :func:`~depthsmith.fill.planes`.

    Parameters
    ----------
    depth, guide, valid, occlusion, disparity
        As :func:`~depthsmith.fill.fill_holes`.
    thin_plate : float, optional
        Weight (0-1) of the thin-plate interpolant in the fill; default: the rule above
        (0.2 on soft-edged input, else 0).
    **params
        Passed to :func:`~depthsmith.fill.planes`.

    References
    ----------
    .. [1] S. B. Damelin and N. S. Hoang, "On surface completion and image inpainting by
       biharmonic functions: numerical aspects", International Journal of Mathematics and
       Mathematical Sciences, 2018 (the thin plate).
    """
    d, v, g = prepare(depth, guide, valid)
    if thin_plate is not None:
        thin_plate = check_positive(thin_plate, "thin_plate", allow_zero=True)
        if thin_plate > 1:
            raise InputError(f"thin_plate must be in [0, 1], got {thin_plate!r}")
        if thin_plate > 0 and occlusion:
            raise hint_not_supported("auto", "occlusion", "with thin_plate > 0: the thin "
                                     "plate has no notion of a background side")
    if v.all():
        return d.copy()
    if thin_plate is None and occlusion:
        thin_plate = 0.0
    elif thin_plate is None:
        soft = soften_sigma(edge_sharpness(d, v))  # planes' own measure, computed once
        if params.get("soften") is None:
            params["soften"] = soft
        thin_plate = THIN_PLATE if soft > 0 else 0.0
    out = planes(d, g, valid=v, occlusion=occlusion, disparity=disparity, **params)
    if not thin_plate:
        return out
    tp = biharmonic_fill(d, v)
    holes = ~v
    out[holes] = (1.0 - thin_plate) * out[holes] + thin_plate * tp[holes]
    return out


#: Fill methods by name; each takes ``(depth, guide, *, valid, occlusion, disparity,
#: **params)``.
METHODS = {
    "auto": auto,
    "planes": planes,
    "guided": guided,
    "normconv": normconv,
    "colorization": colorization,
    "background": background,
    "biharmonic": biharmonic,
}


def fill_holes(depth, guide=None, *, valid=None, method: str = "auto", occlusion: bool = False,
               disparity: bool = False, max_hole=None, tile: int | None = None,
               threads: int | None = None, **params):
    """Fill the invalid pixels of a depth map.

    Parameters
    ----------
    depth : (H, W) array
        Depth or disparity in any units (never rescaled). NaN, inf and values <= 0 are
        holes unless ``valid`` says otherwise; invalid pixels are never read.
    guide : (H, W[, 3]) array, optional
        Color or gray image of the same size: uint8, uint16 or float in [0, 1]. Colour
        parameters are in 8-bit steps whatever its dtype.
    valid : (H, W) bool, optional
        True where ``depth`` is trusted; default finite & > 0. At least one pixel.
    method : str
        One of :data:`METHODS`: ``"auto"`` (default, see :func:`auto`), ``"planes"``,
        ``"guided"``, ``"normconv"``, ``"colorization"``, ``"background"``,
        ``"biharmonic"``.
    occlusion : bool
        The holes are stereo occlusions (fill from the background side). Methods that
        cannot honour it (``normconv``, ``colorization``) raise an :class:`InputError`.
    disparity : bool
        The values are disparities (larger = nearer), so "far" means smaller.
    max_hole : float, optional
        Leave NaN where the nearest valid pixel is farther than ``max_hole`` pixels
        (Euclidean); default: fill everything.
    tile : int, optional
        Accepted for a uniform interface and ignored: every fill method is global (a hole
        pixel's value can come from anywhere, see :mod:`depthsmith._tiling`); they keep
        their working memory lean instead.
    threads : int, optional
        Threads for numba, OpenCV and BLAS during the call (default: ``set_threads`` /
        ``DEPTHSMITH_NUM_THREADS``, else all cores); the result does not depend on it.
    **params
        The method's own parameters (e.g. ``prefer="near"`` or ``color_weight`` for
        ``planes`` and ``guided``); an unknown one is an :class:`InputError`.

    Returns
    -------
    (H, W) float32
        Valid pixels unchanged; no NaN left unless ``max_hole`` is given.

    Examples
    --------
    >>> import numpy as np
    >>> from depthsmith.fill import fill_holes
    >>> d = np.full((6, 8), 2.0, np.float32)
    >>> d[2:4, 3:5] = 0  # a hole
    >>> out = fill_holes(d)
    >>> bool(np.isfinite(out).all()), float(out[2, 3])
    (True, 2.0)
    """
    _tiling.check_tile(tile)
    with _threads.threads(threads):
        return _fill(depth, guide, valid, method, occlusion, disparity, max_hole, params)


def _fill(depth, guide, valid, method, occlusion, disparity, max_hole, params):
    d, v, g = prepare(depth, guide, valid)
    if max_hole is not None:
        max_hole = check_positive(max_hole, "max_hole", allow_zero=True)
    hints = {"occlusion": bool(occlusion), "disparity": bool(disparity)}
    out = run_method(METHODS, method, d, g, {"valid": v, **hints}, params)
    if not (isinstance(out, np.ndarray) and out.dtype == np.float32
            and not np.shares_memory(out, d)):
        out = np.array(out, np.float32)  # a copy we own (never the caller's array)
    np.copyto(out, d, where=v)  # in place: no second frame-sized temporary
    if max_hole is not None and not v.all():
        far = ndimage.distance_transform_edt(~v) > max_hole
        out[far] = np.nan
    return out
