"""Bounded memory: run a method over a large frame in overlapping tiles.

Every registered method declares its **support** in :data:`SUPPORT`: the radius, in output
pixels, beyond which an input pixel no longer changes an output pixel (within the
tolerance below), as a function of the method's parameters and the upsampling factor, or
:class:`Global` with the reason it has none.

``tile=N`` on a task entry point (``fill_holes``, ``refine``, ``complete``, ``upsample``,
``blur_map``) then cuts the output into N x N tiles (output pixels; the last row and column
of tiles are smaller when the frame is not a multiple of N), runs the method on each tile
plus a margin of ``support`` pixels on every side (clipped at the frame's border), and
keeps each tile's interior. Peak memory is then the whole frame's inputs and output plus
one tile's working set, instead of the method's working set on the whole frame.

Rules
-----
* **Global methods ignore** ``tile`` and process the whole frame (no error, so a batch over
  mixed methods runs): their output at a pixel depends on pixels arbitrarily far away. They
  are every fill method (geodesic propagation, the certainty pyramid that grows until no
  hole is left, the colorization solve, scanline ends), ``complete``'s ``normconv``
  (same pyramid), ``interpolate`` (Delaunay triangles span any distance),
  ``morphological`` (column extrapolation, a median fallback) and ``guided`` (coarse grids
  plus a wide smoother), ``auto`` where it picks one of them, ``refine``
  ``joint_bilateral`` on its lattice path (``fast=True``, its default from radius 6: the
  spatial grid is anchored at the frame's corner, so a window would move it; on Cones the
  tiled lattice differed by 11 % of the range on a few pixels next to holes), the
  ``learned`` methods, and every defocus map method (image-wide noise estimate, window
  grid anchored at the frame's corner, segment labels). :func:`global_reason` says why,
  for a command to print.
* **Upsampling** tiles only integer factors given by ``factor`` (or a size that is an
  integer multiple of the input's): tiles start on multiples of the factor (times the
  subsampling of ``optimize``'s coarse stage), so each tile is an exact crop of the
  low-resolution grid. A non-integer ratio ignores ``tile``.
* A tile smaller than the support is **enlarged** to the support (never an error): a tile
  of side ``N`` costs a window of ``N + 2 support`` pixels, so tiny tiles would mostly
  recompute margins.
* Statistics the methods take from the whole frame are computed once on the whole frame
  and handed to every tile: ``refine`` ``auto``'s ramp scale (1-99 % depth range),
  ``upsample`` ``optimize``'s default ``sigma_depth``, ``auto``'s choice of method, and the
  nearest-valid fill of low-resolution holes (``nearest``, ``bicubic``, ``guided``).
* A tile whose window holds no valid pixel (inside a hole wider than the support) has its
  margin doubled until the window holds one, so it gets what the method makes of the
  nearest data (as on the whole frame) instead of NaN; the result there can differ from the
  whole-frame result by more than the tolerance below (the whole-frame methods' own
  reach decides, for example the pyramid of ``refine`` ``auto``).

Tolerance
---------
Tiled and whole-frame results agree to float32 rounding for the windowed methods (exact
windows: ``joint_bilateral`` with ``fast=False``, ``weighted_median``, ``guided``,
``nearest``, ``bicubic``, ``jbu``), and to :data:`FGS_TOL` of the depth range for those
built on the fast global smoother, whose kernel is not compactly supported but decays
geometrically, by ``rho(lam)`` per pixel (``refine`` ``auto`` and ``solver``, ``optimize``
with ``lam > 0``): their support is the distance at which that decay falls below the
tolerance (plus, for ``auto``, a toggle filter whose choice can flip on a near tie).
``tests/test_tiling.py`` checks each method
against the tolerance listed in :data:`TOLERANCE` (fraction of the depth range, on the
pixel that differs most), on inputs whose holes are smaller than the support; a hole wider
than the support is filled from what the tile sees, which may differ from the whole-frame
fill.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validate import InputError, check_guide, check_int

__all__ = ["Global", "SUPPORT", "TOLERANCE", "FGS_TOL", "support", "global_reason",
           "check_tile", "check_params", "tiles", "fgs_reach", "run_same_size", "run_upsample",
           "guide_for_tiles"]


@dataclass(frozen=True)
class Global:
    """A method without a bounded support (``reason`` says why); ``tile`` is ignored."""

    reason: str


#: Relative truncation left by the fast global smoother's margin (fraction of the range).
FGS_TOL = 1e-5


def fgs_rho(lam: float) -> float:
    """Per-pixel decay of the 1-D operator ``(I + lam L)^-1`` with unit edge weights (the
    slowest: weaker weights decay faster): the root in (0, 1) of
    ``lam r^2 - (1 + 2 lam) r + lam = 0``."""
    if lam <= 0:
        return 0.0
    return (1 + 2 * lam - math.sqrt(1 + 4 * lam)) / (2 * lam)


def fgs_reach(lam: float, iterations: int, tol: float = FGS_TOL) -> int:
    """Pixels beyond which the fast global smoother (Min et al. 2014: ``iterations``
    row+column sweeps with the paper's decreasing ``lam_t``) changes an output by less
    than ``tol`` of the range: for each sweep the distance where ``rho(lam_t)^n`` falls
    below ``tol / (2 iterations)``, summed over the sweeps (row and column sweeps act on
    different axes, so each axis accumulates one per iteration)."""
    lam = float(lam)
    iterations = int(iterations)
    if lam <= 0 or iterations < 1:
        return 0
    total = 0
    share = tol / (2 * iterations)
    for t in range(1, iterations + 1):
        lt = 1.5 * 4.0 ** (iterations - t) / (4.0 ** iterations - 1.0) * lam
        rho = fgs_rho(lt)
        if rho > 0:
            total += int(math.ceil(math.log(share) / math.log(rho)))
    return total


# -- the support of each method ---------------------------------------------------------

def _refine_auto(params, factor):
    from .refine import _auto as a

    return (fgs_reach(a.SMOOTH_LAM, a.SMOOTH_SWEEPS) + a.TOGGLE_RADIUS + 1
            + 2 * a.GF_RADIUS + 2)


def _refine_jbf(params, factor):
    from .refine._joint_bilateral import FAST_FROM_RADIUS

    ss = float(params.get("sigma_space", 3.0))
    r = params.get("radius")
    r = int(math.ceil(2.0 * ss)) if r is None else int(r)
    fast = params.get("fast")
    if fast is None:
        fast = r >= FAST_FROM_RADIUS
    if fast:
        return _JBF_LATTICE
    return r


_JBF_LATTICE = Global("its lattice path (fast=True, the default from radius 6) anchors its "
                      "spatial grid at the frame's corner, so windows would move the grid; "
                      "pass fast=False to tile")


def _refine_guided(params, factor):
    return 2 * int(params.get("radius", 4)) + 1


def _refine_wmedian(params, factor):
    return int(params.get("radius", 4))


def _refine_solver(params, factor):
    return fgs_reach(float(params.get("lam", 30.0)), int(params.get("iterations", 3))) + 1


def _up_nearest(params, factor):
    return int(factor) + 1


def _up_bicubic(params, factor):
    return 2 * int(factor) + 2


def _up_jbu(params, factor):
    r = int(params.get("radius", 1))
    return (r + 2) * int(factor) + 2


def _up_guided(params, factor):
    r = params.get("radius")
    r = int(min(16, max(2, round(factor)))) if r is None else int(r)
    return 2 * int(factor) + 2 + 2 * r + 1


def _up_optimize(params, factor):
    f = int(factor)
    r = params.get("radius")
    r = int(max(2, f // 2)) if r is None else int(r)
    s = int(params.get("subsample", 2))
    # stage 1: JBU (3x3 samples) on the coarse grid, guided filter there, bilinear resize;
    # stage 2: band (a quarter factor), JBU again, guided filter at full resolution
    reach = 3 * f + 2 * r + 2 * s + 2 + (f // 4 + 1) + 3 * f + 2 * r + 2
    lam = float(params.get("lam", 0.0))
    if lam > 0:
        reach += fgs_reach(lam, 3)
    return reach


_FILL_GLOBAL = {
    "auto": Global("it runs 'planes', a geodesic propagation whose seeds can lie anywhere, "
                   "and on soft-edged input the thin-plate solve of every hole"),
    "planes": Global("geodesic propagation: a hole pixel's seed can lie anywhere"),
    "guided": Global("geodesic propagation: a hole pixel's seed can lie anywhere"),
    "normconv": Global("its certainty pyramid grows until no hole is left"),
    "colorization": Global("one sparse linear system over every hole pixel"),
    "background": Global("scanline ends can lie anywhere on the row"),
    "biharmonic": Global("one sparse linear system over each group of holes"),
}

#: task -> method -> support: ``f(params, factor) -> radius in output pixels``, or
#: :class:`Global`. A method missing here (a newly registered one) is treated as global.
SUPPORT: dict[str, dict[str, Callable | Global]] = {
    "fill": _FILL_GLOBAL,
    "refine": {
        "auto": _refine_auto,
        "joint_bilateral": _refine_jbf,
        "guided": _refine_guided,
        "weighted_median": _refine_wmedian,
        "solver": _refine_solver,
    },
    "complete": {
        "auto": Global("it runs 'normconv' or 'guided', both global"),
        "normconv": Global("its certainty pyramid grows until no sample gap is left"),
        "guided": Global("coarse normalized-convolution grids plus a wide global smoother"),
        "interpolate": Global("Delaunay triangles can span the whole frame"),
        "morphological": Global("it extends columns to the top and falls back to the "
                                "median of every sample"),
        "learned": Global("the network sees the whole frame"),
    },
    "upsample": {
        "auto": None,  # resolved to the method auto picks (see support())
        "nearest": _up_nearest,
        "bicubic": _up_bicubic,
        "jbu": _up_jbu,
        "guided": _up_guided,
        "optimize": _up_optimize,
        "learned": Global("the network sees the whole frame"),
    },
    "defocus": {
        "auto": Global("image-wide noise estimate and window grid"),
        "patches": Global("image-wide noise estimate, window grid anchored at the corner"),
        "segments": Global("segments span the image"),
        "decorrelation": Global("image-wide statistics"),
    },
}

#: (task, method) -> largest tiled-vs-whole difference allowed by the tests, as a fraction
#: of the depth range (see the module docstring); methods not listed: 1e-5.
TOLERANCE: dict[tuple[str, str], float] = {
    ("refine", "auto"): 1e-3,
    ("refine", "solver"): 1e-4,
    ("upsample", "auto"): 1e-4,
    ("upsample", "optimize"): 1e-4,
}


def support(task: str, method: str, params: dict | None = None, factor: int = 1):
    """The declared support (output pixels) of ``task``'s ``method`` with ``params``, or a
    :class:`Global`."""
    entry = SUPPORT.get(task, {}).get(method, Global(f"{task} method {method!r} declares "
                                                     "no support"))
    if isinstance(entry, Global):
        return entry
    if entry is None:
        raise KeyError(f"{task} {method!r} is resolved by its rule first")
    r = entry(dict(params or {}), factor)
    return r if isinstance(r, Global) else int(r)


def global_reason(task: str, method: str, params: dict | None = None,
                  factor: int = 1) -> str | None:
    """Why ``tile`` is ignored for this method with these parameters (one line), or None
    when it tiles. For ``upsample`` ``auto``, None (it tiles whatever it picks)."""
    entry = SUPPORT.get(task, {}).get(method, Global("it declares no support"))
    if callable(entry) and not isinstance(entry, Global):
        try:
            entry = entry(dict(params or {}), factor)
        except (TypeError, ValueError):  # a bad parameter: the whole-frame run reports it
            return f"method {method!r}: tile ignored (its parameters are not valid)"
    return f"method {method!r} is global ({entry.reason}): tile ignored" \
        if isinstance(entry, Global) else None


def check_params(methods, method, params, shared=()):
    """The checks :func:`~depthsmith._tasks.run_method` makes before a call (known method,
    known parameters), made once before the first tile; rules that forward ``**params``
    (``auto``) are checked by the method they run."""
    import inspect

    from ._tasks import check_method, method_parameters

    fn = check_method(methods, method)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD
           for p in inspect.signature(fn).parameters.values()):
        return fn
    own = [k for k in method_parameters(fn) if k not in shared]
    bad = [k for k in params if k not in own]
    if bad:
        raise InputError(f"method {method!r} has no parameter {bad[0]!r}: expected "
                         f"{', '.join(own) or 'none'}")
    return fn


def check_tile(tile) -> int | None:
    """``tile`` as an int >= 1, or None; an :class:`InputError` otherwise."""
    if tile is None:
        return None
    return check_int(tile, "tile", minimum=1)


def tiles(length: int, tile: int, align: int = 1):
    """``(start, stop)`` of the tiles along one axis: starts on multiples of ``align``
    (the tile is rounded up to one), the last tile is what is left."""
    t = max(align, -(-int(tile) // align) * align)
    return [(s, min(length, s + t)) for s in range(0, length, t)]


def guide_for_tiles(guide, shape, name="guide"):
    """Check a guide as :func:`~depthsmith._validate.check_guide` does (dtype, channels,
    shape) without converting the whole frame to float (tiles are converted one by one);
    a float guide is checked whole. Returns the raw (H, W, C) array or the Guide."""
    from ._validate import Guide

    if isinstance(guide, Guide):
        return check_guide(guide, shape, name)
    raw = np.asarray(guide)
    if raw.dtype not in (np.uint8, np.uint16):
        check_guide(raw, shape, name)
        return raw if raw.ndim == 3 else raw[:, :, None]
    check_guide(raw[:1, :1], None, name)  # dtype and channels
    g = raw if raw.ndim == 3 else raw[:, :, None]
    if shape is not None and g.shape[:2] != tuple(shape):
        raise InputError(f"{name} shape {tuple(int(s) for s in g.shape)} does not match "
                         f"depth shape {tuple(int(s) for s in shape)}")
    return g


def _crop_guide(g, ys, xs):
    from ._validate import Guide

    if isinstance(g, Guide):
        if g.uint8 is not None:
            return Guide(None, g.step, g.dtype, np.ascontiguousarray(g.uint8[ys, xs]))
        return Guide(np.ascontiguousarray(g.array[ys, xs]), g.step, g.dtype)
    return np.ascontiguousarray(g[ys, xs])


def run_same_size(call, shape, tile: int, reach: int, arrays: dict, guide=None):
    """Run ``call(guide=..., **crops)`` on every tile of an (H, W) frame and stitch.

    ``arrays`` are (H, W[, ...]) arrays (or None) cropped alike (``depth``, ``valid``,
    ``confidence``...); ``guide`` a raw array or Guide, cropped alike. ``call`` returns the
    (h, w) float32 result of its window. A window with no valid pixel (``valid`` all False
    there) is grown (its margin doubled) until it holds one, so a tile inside a wide hole
    gets what the method makes of its nearest data, as on the whole frame, not NaN.
    """
    H, W = shape
    t = max(int(tile), int(reach), 1)
    out = np.empty((H, W), np.float32)
    valid = arrays.get("valid")
    for y0, y1 in tiles(H, t):
        for x0, x1 in tiles(W, t):
            r = reach
            while True:  # a window with no valid pixel grows until it sees one
                wy0, wy1 = max(0, y0 - r), min(H, y1 + r)
                wx0, wx1 = max(0, x0 - r), min(W, x1 + r)
                ys, xs = slice(wy0, wy1), slice(wx0, wx1)
                whole = wy0 == 0 and wx0 == 0 and wy1 == H and wx1 == W
                if valid is None or whole or valid[ys, xs].any():
                    break
                r = max(2 * r, t)
            if valid is not None and not valid[ys, xs].any():
                out[y0:y1, x0:x1] = np.nan
                continue
            crops = {k: (None if a is None else np.ascontiguousarray(a[ys, xs]))
                     for k, a in arrays.items()}
            g = None if guide is None else _crop_guide(guide, ys, xs)
            r = call(guide=g, **crops)
            out[y0:y1, x0:x1] = r[y0 - wy0:y1 - wy0, x0 - wx0:x1 - wx0]
    return out


def run_upsample(call, depth, valid, guide, factor: int, tile: int, reach: int,
                 align: int = 1):
    """Tiled upsampling by the integer ``factor``: output tiles start on multiples of
    ``factor * align`` so that each window is an exact crop of the low-resolution grid;
    ``call(depth=, valid=, guide=, size=)`` returns the window's (h f, w f) result."""
    h, w = depth.shape
    f = int(factor)
    H, W = h * f, w * f
    step = f * max(1, int(align))
    reach = -(-int(reach) // step) * step  # margins on the low-res grid too
    t = max(int(tile), reach, 1)
    out = np.empty((H, W), np.float32)
    for y0, y1 in tiles(H, t, step):
        for x0, x1 in tiles(W, t, step):
            r = reach
            while True:  # a window with no valid pixel grows until it sees one
                wy0, wy1 = max(0, y0 - r), min(H, y1 + r)
                wx0, wx1 = max(0, x0 - r), min(W, x1 + r)
                ly, lx = slice(wy0 // f, wy1 // f), slice(wx0 // f, wx1 // f)
                v = valid[ly, lx]
                if v.any() or (wy0 == 0 and wx0 == 0 and wy1 == H and wx1 == W):
                    break
                r = max(2 * r, t + step - t % step)
            if not v.any():
                out[y0:y1, x0:x1] = np.nan
                continue
            g = None if guide is None else _crop_guide(guide, slice(wy0, wy1), slice(wx0, wx1))
            r = call(depth=np.ascontiguousarray(depth[ly, lx]), valid=np.ascontiguousarray(v),
                     guide=g, size=(wy1 - wy0, wx1 - wx0))
            out[y0:y1, x0:x1] = r[y0 - wy0:y1 - wy0, x0 - wx0:x1 - wx0]
    return out
