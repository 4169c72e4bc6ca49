"""Invariants over every registered method of every task (fill, refine, complete, upsample).

* the same picture as a uint8, uint16 (x257) or float [0, 1] guide gives the same result;
* Fortran-ordered and strided (non-contiguous) inputs give bit-identical results;
* inputs are never modified;
* with ``tile=`` and ``threads=`` too: tiled results equal whole-frame ones within the
  method's stated tolerance (``depthsmith._tiling.TOLERANCE``), are layout invariant, and
  leave the inputs untouched.
"""

from __future__ import annotations

import numpy as np
import pytest

from depthsmith import complete, fill, refine, upsample

H, W = 40, 48


def _picture(rng, h=H, w=W):
    """Two colour regions with texture, and a depth step along the colour edge."""
    yy, xx = np.mgrid[0:h, 0:w]
    fg = (xx - w / 2) ** 2 + (yy - h / 2) ** 2 < (min(h, w) / 3) ** 2
    rgb = np.where(fg[..., None], [200, 60, 40], [30, 90, 180]).astype(np.float64)
    rgb = np.clip(rgb + rng.normal(0, 6, rgb.shape), 0, 255).astype(np.uint8)
    depth = np.where(fg, 2.0, 5.0) + 0.01 * xx
    return depth.astype(np.float32), rgb


def _case(task, rng):
    """(callable(depth, guide, method), depth input, guide) for one task."""
    d, rgb = _picture(rng)
    if task == "fill":
        holes = np.zeros(d.shape, bool)
        holes[10:18, 20:30] = True
        holes[30:34, 5:9] = True
        return (lambda x, g, m, **k: fill.fill_holes(x, g, method=m, **k),
                np.where(holes, np.nan, d).astype(np.float32), rgb)
    if task == "refine":
        noisy = (d + rng.normal(0, 0.05, d.shape)).astype(np.float32)
        return (lambda x, g, m, **k: refine.refine(x, g, method=m, **k), noisy, rgb)
    if task == "complete":
        keep = rng.random(d.shape) < 0.015  # sparse: auto takes the guided method
        return (lambda x, g, m, **k: complete.complete(x, g, method=m, **k),
                np.where(keep, d, 0).astype(np.float32), rgb)
    low = d[::4, ::4].copy()
    return (lambda x, g, m, **k: upsample.upsample(x, 4, g, method=m, **k), low, rgb)


CASES = [(t, m) for t, mod in (("fill", fill), ("refine", refine), ("complete", complete),
                                ("upsample", upsample)) for m in mod.METHODS]


@pytest.mark.parametrize(("task", "method"), CASES)
def test_guide_dtype_invariance(task, method):
    run, d, rgb = _case(task, np.random.default_rng(0))
    ref = run(d, rgb, method)
    span = float(np.nanmax(ref) - np.nanmin(ref)) or 1.0
    for g in (rgb.astype(np.uint16) * 257, rgb.astype(np.float32) / 255,
              rgb.astype(np.float64) / 255):
        out = run(d, g, method)
        np.testing.assert_array_equal(np.isnan(out), np.isnan(ref))
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-3 * span,
                                   err_msg=f"{task}/{method} with a {g.dtype} guide")


@pytest.mark.parametrize(("task", "method"), CASES)
def test_layout_invariance_and_inputs_untouched(task, method):
    run, d, rgb = _case(task, np.random.default_rng(1))
    d0, g0 = d.copy(), rgb.copy()
    ref = run(d, rgb, method)
    np.testing.assert_array_equal(d, d0)
    np.testing.assert_array_equal(rgb, g0)
    # Fortran order
    out = run(np.asfortranarray(d), np.asfortranarray(rgb), method)
    np.testing.assert_array_equal(out, ref)
    # strided views into larger arrays
    big_d = np.zeros((d.shape[0] * 2, d.shape[1] * 3), np.float32)
    big_d[::2, ::3] = d
    big_g = np.zeros((rgb.shape[0] * 2, rgb.shape[1] * 2, 3), np.uint8)
    big_g[::2, ::2] = rgb
    out = run(big_d[::2, ::3], big_g[::2, ::2], method)
    np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize(("task", "method"), CASES)
def test_tiled_and_threaded_runs_keep_the_invariants(task, method):
    from depthsmith._tiling import TOLERANCE

    run, d, rgb = _case(task, np.random.default_rng(2))
    d0, g0 = d.copy(), rgb.copy()
    ref = run(d, rgb, method)
    out = run(d, rgb, method, tile=16, threads=1)
    np.testing.assert_array_equal(d, d0)
    np.testing.assert_array_equal(rgb, g0)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(ref))
    span = float(np.nanmax(ref) - np.nanmin(ref)) or 1.0
    np.testing.assert_allclose(out, ref, rtol=0, atol=TOLERANCE.get((task, method), 1e-5) * span)
    fortran = run(np.asfortranarray(d), np.asfortranarray(rgb), method, tile=16, threads=2)
    np.testing.assert_array_equal(fortran, out)


def test_cones_complete_uint8_and_float_guides_agree(cones):
    # the report that started the guide convention: 2 % samples on Cones, the same picture
    # as uint8 and as float [0, 1] must give the same RMSE
    disp, rgb = cones
    rng = np.random.default_rng(0)
    valid = disp > 0
    keep = valid & (rng.random(disp.shape) < 0.02)
    sparse = np.where(keep, disp, 0).astype(np.float32)

    def rmse(out):
        return float(np.sqrt(np.mean((out[valid] - disp[valid]) ** 2)))

    a = rmse(complete.complete(sparse, rgb))
    b = rmse(complete.complete(sparse, rgb / 255.0))
    c = rmse(complete.complete(sparse))
    assert abs(a - b) < 1e-3 * a
    assert a < c  # the guide helps
