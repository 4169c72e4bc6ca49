"""``upsample``: one entry point over the upsampling methods, and the ``auto`` rule."""

from __future__ import annotations

import numpy as np

from .. import _threads, _tiling
from .._tasks import run_method
from .._validate import check_depth, check_guide
from ._bicubic import bicubic
from ._common import factor_of, output_size, prepare
from ._guided import guided
from ._jbu import jbu
from ._learned import learned
from ._nearest import nearest
from ._optimize import optimize
from ._sampling import mixed_step_fraction

__all__ = ["upsample", "auto", "auto_method", "METHODS", "OPTIMIZE_FROM", "LEARNED_RANGE",
           "LEARNED_FROM_MIXED"]

#: ``auto`` runs ``optimize`` from this factor on, ``jbu`` below it (with a guide).
#: Measured on SR-MIDDLEBURY (21 Middlebury scenes, docs/bench_upsample.md).
OPTIMIZE_FROM = 4
#: Factors where ``auto`` may pick ``learned`` (the model runs from x2). From x2 since
#: 0.3.5: the start (x2 or x4) was chosen with the threshold on split A (x2-x16 cases,
#: docs/bench_upsample.md, "auto's input rule"); x3 was measured afterwards, not tuned on.
LEARNED_RANGE = (2.0, 16.0)
#: ``auto`` picks ``learned`` when the low-res input's mixed-step fraction
#: (:func:`~depthsmith.upsample._sampling.mixed_step_fraction`) is at least this: the input
#: looks antialiased. Tuned on split A (Middlebury: 21 + 20 scenes, 7 downsamplings, x2-x16,
#: the 0.3.5 k-fold models with the shipped inference; docs/bench_upsample.md, "auto's input
#: rule"); 0.45 in 0.3.2-0.3.4.
LEARNED_FROM_MIXED = 0.44


def auto_method(factor: float, has_guide: bool, depth=None, valid=None) -> str:
    """The method ``method="auto"`` picks: the documented rule.

    Without a guide: ``bicubic`` (nothing else is possible). With a guide: ``jbu`` below
    x4 and ``optimize`` from x4 on (:data:`OPTIMIZE_FROM`), except that for factors in
    :data:`LEARNED_RANGE` a low-res ``depth`` that looks antialiased (its
    :func:`~depthsmith.upsample._sampling.mixed_step_fraction` >= :data:`LEARNED_FROM_MIXED`)
    gets ``learned``. The rule reads the low-res input only (never where it came from);
    without ``depth`` it is the classical rule. On SR-MIDDLEBURY's protocol (point-sampled
    input; docs/bench_upsample.md) ``optimize`` has the lowest mean RMSE of our classical
    methods and of the peers at x4, x8 and x16, while at x2 and x3 its guided-filter stage
    no longer pays: mean RMSE x2 jbu 2.17 / optimize 2.43 / bicubic 2.41, x3 2.849 / 2.845
    / 3.64 (a tie; jbu is cheaper). On antialiased input (SR-STANDARD's protocol, an area
    average) the shipped network beats it. Factor 1 returns the input.
    """
    if not has_guide or factor <= 1:
        return "bicubic"
    if depth is not None and LEARNED_RANGE[0] - 1e-9 <= factor <= LEARNED_RANGE[1] + 1e-9:
        frac, _ = mixed_step_fraction(depth, valid)
        if frac >= LEARNED_FROM_MIXED:  # NaN (no clean step to read) compares False
            return "learned"
    return "optimize" if factor >= OPTIMIZE_FROM else "jbu"


def auto(depth, guide=None, *, size=None, valid=None, **params):
    """Run the method :func:`auto_method` picks for this input, factor and guide.

    ``params`` go to that method; they are the classical methods' parameters, so with
    ``params`` the input rule is skipped (``optimize`` / ``jbu`` / ``bicubic`` by factor).
    Returns (H, W) float32, dense.
    """
    d, v, g, sz = prepare(depth, valid, guide, size, False, "auto")
    name = auto_method(factor_of(d.shape, sz), g is not None,
                       None if params else d, None if params else v)
    return METHODS[name](d, g, size=sz, valid=v, **params)


#: Upsampling methods by name; each takes ``(depth, guide, *, size, valid, **params)``.
METHODS = {
    "auto": auto,
    "nearest": nearest,
    "bicubic": bicubic,
    "jbu": jbu,
    "guided": guided,
    "optimize": optimize,
    "learned": learned,
}


def upsample(depth, factor=None, guide=None, *, size=None, method: str = "auto", valid=None,
             tile: int | None = None, threads: int | None = None, **params):
    """Super-resolve a low-res depth map, optionally guided by a high-res color image.

    Parameters
    ----------
    depth : (h, w) array
        Low-res depth or disparity in any units (never rescaled); NaN, inf and values
        <= 0 are invalid unless ``valid`` says otherwise.
    factor : int, optional
        Integer upsampling factor >= 1 (1 returns the input, with invalid pixels
        nearest-filled).
    guide : (H, W[, 3]) array, optional
        High-res color view: uint8, uint16 or float in [0, 1] (colour parameters are in
        8-bit steps whatever its dtype); must be exactly the output size.
    size : (H, W), optional
        Arbitrary output size (instead of ``factor``); without factor and size the output
        takes the guide's size.
    method : str
        ``"auto"`` (:func:`auto_method`: jbu below x4, optimize from x4, ``learned`` at
        x2-x16 when the low-res input looks antialiased, bicubic without a guide),
        ``"nearest"``, ``"bicubic"``, ``"jbu"``, ``"guided"``, ``"optimize"`` or
        ``"learned"``.
    valid : (h, w) bool array, optional
        Trusted low-res pixels; default finite & > 0. Invalid pixels are never read.
    tile : int, optional
        Produce the output in ``tile`` x ``tile`` tiles (output pixels) overlapping by the
        method's support (bounded memory; integer factors only, a non-integer size ratio
        and ``learned`` ignore it; see :mod:`depthsmith._tiling`); None: whole frame.
    threads : int, optional
        Threads for numba, OpenCV, BLAS and ONNX Runtime during the call (default:
        ``set_threads`` / ``DEPTHSMITH_NUM_THREADS``, else all cores); the result does not
        depend on it.
    **params
        The method's own parameters (e.g. ``sigma_color`` for ``jbu``, ``radius``/``eps``
        for ``guided``); an unknown one is an :class:`InputError`.

    Returns
    -------
    (H, W) float32 array, dense.

    References
    ----------
    See the method functions: Keys 1981 (bicubic), Kopf et al. 2007 (jbu), He et al. 2013
    (guided), Min et al. 2014 (optimize's optional WLS stage).

    Examples
    --------
    >>> import numpy as np
    >>> from depthsmith.upsample import upsample
    >>> low = np.full((4, 5), 2.5, np.float32)
    >>> rgb = np.zeros((16, 20, 3), np.uint8)
    >>> out = upsample(low, 4, rgb)
    >>> out.shape, bool(np.allclose(out, 2.5))
    ((16, 20), True)
    """
    with _threads.threads(threads):
        tile = _tiling.check_tile(tile)
        d = check_depth(depth)
        if tile is not None:
            g = None if guide is None else _tiling.guide_for_tiles(guide, None)
            out_size = output_size(d.shape, factor=factor, size=size,
                                   guide_shape=None if g is None else g.shape[:2])
            f = out_size[0] // d.shape[0]
            if out_size == (d.shape[0] * f, d.shape[1] * f) and f > 1:
                return _tiled(d, g, valid, f, method, tile, params)
            g = None if g is None else check_guide(g)
        else:
            g = None if guide is None else check_guide(guide)
            out_size = output_size(d.shape, factor=factor, size=size,
                                   guide_shape=None if g is None else g.shape[:2])
        return run_method(METHODS, method, d, g, {"size": out_size, "valid": valid}, params)


#: Methods whose first step gives invalid low-res pixels their nearest valid value (the
#: tiled path does that once on the whole low-res frame).
_FILL_FIRST = ("nearest", "bicubic", "guided")


def _tiled(d, g, valid, f, method, tile, params):
    """:func:`upsample` by the integer factor ``f``, tile by tile (see
    :mod:`depthsmith._tiling`); global settings are taken from the whole frame first."""
    from .._validate import check_valid
    from ..ops import nearest_fill
    from . import _optimize
    from ._common import sigma_depth

    v = check_valid(valid, d, require_any=True)
    name = (auto_method(f, g is not None, None if params else d, None if params else v)
            if method == "auto" else method)
    if name == "auto" or _tiling.global_reason("upsample", name, params, f):
        gg = None if g is None else check_guide(g)
        return run_method(METHODS, method, d, gg, {"size": (d.shape[0] * f, d.shape[1] * f),
                                                   "valid": v}, params)
    fn = METHODS[name]
    _tiling.check_params(METHODS, name, params, ("size", "valid"))
    params = dict(params)
    if name in _FILL_FIRST and not v.all():
        d = nearest_fill(d, valid=v)
        v = np.ones(d.shape, bool)
    align = 1
    if name == "optimize":
        if params.get("sigma_depth") is None:
            params["sigma_depth"] = sigma_depth(None, d[v], _optimize.SIGMA_DEPTH_FRACTION)
        align = int(params.get("subsample", 2))

    def call(depth, valid, guide, size):
        return fn(depth, guide, size=size, valid=valid, **params)

    return _tiling.run_upsample(call, d, v, g, f, tile,
                                _tiling.support("upsample", name, params, f), align)
