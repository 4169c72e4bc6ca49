"""``tile=``: tiled runs equal whole-frame runs within each method's stated tolerance
(:data:`depthsmith._tiling.TOLERANCE`), global methods ignore ``tile``, every registered
method declares its support, and the tile geometry rules (frames that are not a multiple of
the tile, tiles smaller than the support) hold."""

from __future__ import annotations

import math

import numpy as np
import pytest

from depthsmith import _memory, _tiling, complete, fill, refine, upsample
from depthsmith._validate import DepthsmithError
from depthsmith.defocus import MAP_METHODS, blur_map

H, W = 150, 230  # not a multiple of the tiles used below


def _scene(h=H, w=W, seed=0):
    """Depth with a slope, two steps and noise; a guide whose colours follow the steps."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    disc = (yy - h / 2) ** 2 + (xx - w / 3) ** 2 < (min(h, w) / 4) ** 2
    right = xx > 0.7 * w
    d = 2.0 + 0.004 * xx + 0.002 * yy + 1.0 * right - 0.6 * disc
    d = (d + rng.normal(0, 0.01, d.shape)).astype(np.float32)
    rgb = np.zeros((h, w, 3), np.float64)
    rgb[:] = [40, 90, 160]
    rgb[right] = [200, 180, 60]
    rgb[disc] = [220, 40, 40]
    rgb = np.clip(rgb + rng.normal(0, 5, rgb.shape), 0, 255).astype(np.uint8)
    return d, rgb


def _holes(d, seed=1):
    """Small holes (smaller than every support): a few blocks and 2 % random pixels."""
    rng = np.random.default_rng(seed)
    out = d.copy()
    out[rng.random(d.shape) < 0.02] = np.nan
    for y, x in rng.integers(0, [d.shape[0] - 6, d.shape[1] - 6], (6, 2)):
        out[y:y + 5, x:x + 5] = np.nan
    return out


def _close(tiled, whole, tol, what):
    np.testing.assert_array_equal(np.isnan(tiled), np.isnan(whole), err_msg=what)
    span = float(np.nanmax(whole) - np.nanmin(whole))
    worst = float(np.nanmax(np.abs(tiled - whole))) / span
    assert worst <= tol, f"{what}: tiled differs from whole by {worst:.2e} of the range > {tol}"


def _tol(task, method):
    return _tiling.TOLERANCE.get((task, method), 1e-5)


REFINE_CASES = [("auto", {}), ("joint_bilateral", {"fast": False}), ("guided", {}),
                ("weighted_median", {}), ("solver", {})]


@pytest.mark.parametrize(("method", "params"), REFINE_CASES)
def test_refine_tiled_equals_whole(method, params):
    d, rgb = _scene()
    noisy = _holes(d)
    whole = refine.refine(noisy, rgb, method=method, **params)
    tiled = refine.refine(noisy, rgb, method=method, tile=64, **params)
    _close(tiled, whole, _tol("refine", method), f"refine {method} {params}")


def test_joint_bilateral_lattice_path_ignores_tile():
    """Its spatial grid is anchored at the frame's corner: it says so and runs whole."""
    d, rgb = _scene()
    reason = _tiling.global_reason("refine", "joint_bilateral", {"fast": True})
    assert reason and "fast=False" in reason
    assert _tiling.global_reason("refine", "joint_bilateral", {"fast": False}) is None
    # the default switches to the lattice from radius 6 (sigma_space 3)
    assert _tiling.global_reason("refine", "joint_bilateral", {}) == reason
    noisy = _holes(d)
    np.testing.assert_array_equal(refine.refine(noisy, rgb, method="joint_bilateral", tile=32),
                                  refine.refine(noisy, rgb, method="joint_bilateral"))


def test_refine_tiled_with_confidence_and_a_float_guide():
    d, rgb = _scene(seed=3)
    conf = np.random.default_rng(2).uniform(0.2, 1.0, d.shape).astype(np.float32)
    g = rgb.astype(np.float32) / 255
    whole = refine.refine(_holes(d), g, confidence=conf)
    tiled = refine.refine(_holes(d), g, confidence=conf, tile=80)
    _close(tiled, whole, _tol("refine", "auto"), "refine auto, confidence, float guide")


@pytest.mark.parametrize("factor", [2, 8])
@pytest.mark.parametrize("method", ["auto", "nearest", "bicubic", "jbu", "guided",
                                    "optimize"])
def test_upsample_tiled_equals_whole(method, factor):
    d, rgb = _scene(h=19 * factor, w=29 * factor)  # output not a multiple of the tile
    low = d[factor // 2::factor, factor // 2::factor].copy()
    low[3:5, 4:7] = 0  # a small low-res hole
    whole = upsample.upsample(low, factor, rgb, method=method)
    tiled = upsample.upsample(low, factor, rgb, method=method, tile=48)
    _close(tiled, whole, _tol("upsample", method), f"upsample x{factor} {method}")


def test_upsample_non_integer_ratio_ignores_tile():
    d, rgb = _scene(h=61, w=90)
    low = d[::3, ::3].copy()  # 21 x 30 -> 61 x 90 is not an integer factor
    whole = upsample.upsample(low, guide=rgb, method="jbu")
    np.testing.assert_array_equal(upsample.upsample(low, guide=rgb, method="jbu", tile=16),
                                  whole)


def test_tile_smaller_than_support_is_enlarged():
    d, rgb = _scene(h=90, w=120)
    reach = _tiling.support("refine", "auto")
    assert reach > 8
    whole = refine.refine(d, rgb)
    _close(refine.refine(d, rgb, tile=8), whole, _tol("refine", "auto"), "tile 8 < support")
    # the geometry: a tile is never smaller than the support
    assert all(b - a == reach for a, b in _tiling.tiles(200, max(8, reach))[:-1])


@pytest.mark.parametrize("method", ["auto", "guided"])
def test_window_without_valid_pixel_grows(method):
    """A tile inside a hole wider than any margin: its window grows until it sees data, so
    the tiled result is NaN exactly where the whole-frame result is (guided leaves such
    holes invalid; auto fills them), never NaN merely because of the tiling."""
    d, rgb = _scene(h=120, w=400)
    d[:, 150:] = np.nan  # the right part has no valid pixel within any margin
    whole = refine.refine(d, rgb, method=method)
    out = refine.refine(d, rgb, method=method, tile=32)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(whole))
    assert np.isfinite(out[:, :140]).all()
    if method == "auto":
        assert np.isfinite(out).all()


def test_upsample_window_without_valid_pixel_grows():
    d, rgb = _scene(h=120, w=400)
    lr = np.ascontiguousarray(d[::4, ::4])
    lr[:, 40:] = np.nan
    out = upsample.upsample(lr, 4, rgb, tile=32)
    assert np.isfinite(out).all()


@pytest.mark.parametrize(("task", "method"),
                         [("fill", m) for m in fill.METHODS]
                         + [("complete", m) for m in complete.METHODS]
                         + [("defocus", m) for m in MAP_METHODS])
def test_global_methods_say_so(task, method):
    reason = _tiling.global_reason(task, method)
    assert reason and method in reason and "global" in reason and "\n" not in reason


def test_global_methods_ignore_tile():
    d, rgb = _scene(h=60, w=80)
    holes = _holes(d)
    np.testing.assert_array_equal(fill.fill_holes(holes, rgb, tile=16),
                                  fill.fill_holes(holes, rgb))
    sparse = np.where(np.random.default_rng(0).random(d.shape) < 0.05, d, 0)
    np.testing.assert_array_equal(complete.complete(sparse, rgb, tile=16),
                                  complete.complete(sparse, rgb))
    a = blur_map(rgb, tile=16)
    b = blur_map(rgb)
    np.testing.assert_array_equal(a.radius, b.radius)


@pytest.mark.parametrize(("task", "registry"),
                         [("fill", fill.METHODS), ("refine", refine.METHODS),
                          ("complete", complete.METHODS), ("upsample", upsample.METHODS),
                          ("defocus", MAP_METHODS)])
def test_every_registered_method_declares_its_support(task, registry):
    missing = [m for m in registry if m not in _tiling.SUPPORT[task]]
    assert not missing, f"{task} methods without a SUPPORT entry in _tiling: {missing}"
    for m in registry:
        entry = _tiling.SUPPORT[task][m]
        if entry is None or isinstance(entry, _tiling.Global):
            continue
        r = _tiling.support(task, m, {}, 4)
        assert isinstance(r, _tiling.Global) or r >= 1


@pytest.mark.parametrize("tile", [0, -3, 2.5, True, "64"])
@pytest.mark.parametrize("task", ["fill", "refine", "complete", "upsample"])
def test_bad_tile_is_one_line_error(task, tile):
    d, rgb = _scene(h=32, w=40)
    call = {"fill": lambda: fill.fill_holes(_holes(d), rgb, tile=tile),
            "refine": lambda: refine.refine(d, rgb, tile=tile),
            "complete": lambda: complete.complete(d, rgb, tile=tile),
            "upsample": lambda: upsample.upsample(d[::4, ::4], 4, rgb, tile=tile)}[task]
    with pytest.raises(DepthsmithError, match="tile") as info:
        call()
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("task", "kw"), [
    ("refine", {"method": "guided", "radius": "wide"}),
    ("refine", {"method": "joint_bilateral", "sigma_space": -1}),
    ("upsample", {"method": "optimize", "radius": 0.5}),
    ("upsample", {"method": "jbu", "radius": 0})])
def test_bad_method_parameters_with_tile_are_the_methods_errors(task, kw):
    d, rgb = _scene(h=48, w=64)
    with pytest.raises(DepthsmithError) as info:
        if task == "refine":
            refine.refine(d, rgb, tile=16, **kw)
        else:
            upsample.upsample(d[::4, ::4], 4, rgb, tile=16, **kw)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("length", "tile", "align"), [(150, 64, 1), (230, 64, 1),
                                                       (152, 48, 8), (7, 64, 1)])
def test_tiles_cover_the_axis_once(length, tile, align):
    spans = _tiling.tiles(length, tile, align)
    covered = np.zeros(length, int)
    for a, b in spans:
        assert a % align == 0 and b > a
        covered[a:b] += 1
    assert (covered == 1).all()


@pytest.mark.parametrize("lam", [0.5, 5.0, 30.0, 150.0])
@pytest.mark.parametrize("iterations", [1, 3])
def test_fgs_reach_bounds_the_truncation(lam, iterations):
    """The 1-D kernel of (I + lam L)^-1 (unit weights) decays as rho^n: beyond the reach,
    the first sweep's weight is under its share of the tolerance."""
    reach = _tiling.fgs_reach(lam, iterations)
    n = 4 * reach + 41
    lt = 1.5 * 4.0 ** (iterations - 1) / (4.0 ** iterations - 1.0) * lam
    main = np.full(n, 1 + 2 * lt)
    main[[0, -1]] = 1 + lt
    a = np.diag(main) - lt * (np.eye(n, k=1) + np.eye(n, k=-1))
    col = np.linalg.solve(a, np.eye(n)[:, n // 2])
    assert col[n // 2 + reach] <= _tiling.FGS_TOL / (2 * iterations) * 1.01
    assert math.isclose(col.sum(), 1.0, rel_tol=1e-9)


def test_memory_estimate_reflects_the_tile():
    px = 24_000_000
    # (0.4x before the untiled refine got lean buffers: 242 -> 77 B/px; tiles still halve it)
    assert _memory.estimate("refine", "auto", px, tile=512) < \
        0.5 * _memory.estimate("refine", "auto", px)
    # a global method ignores the tile, and so does its estimate
    assert _memory.estimate("fill", "auto", px, tile=512) == _memory.estimate("fill", "auto", px)
    # never above the untiled estimate
    for method in ("guided", "weighted_median", "solver"):
        assert _memory.estimate("refine", method, px, tile=4096) <= \
            _memory.estimate("refine", method, px)
