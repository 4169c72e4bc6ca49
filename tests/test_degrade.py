"""depthsmith.degrade: the degradation models of BENCHMARKS.md, checked against their spec."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from depthsmith.degrade import (
    KITTI_PATTERNS,
    SAMPLE_SCHEMES,
    kitti_inputs,
    occlusion_mask,
    refine_degrade,
    sample_inputs,
    sensor_hole_mask,
    sr_degrade,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "cones"


# ---- occlusion_mask (FILL-OCC) -----------------------------------------------------------

def test_occlusion_mask_hand_made_pair():
    nan = np.nan
    d = np.array([[2.0, 2.0, 2.0, 2.0, 1.0, 3.0],
                  [nan, 2.4, 5.0, 2.4, 3.6, 1.0]])
    dr = np.array([[2.0, 2.0, 0.0, 2.0, 1.5, 9.0],
                   [3.0, 2.0, 2.0, 2.0, 4.0, 2.0]])
    # row 0: x - D < 0 (x = 0, 1); match within 0 (x = 2, 3) and exactly 1 (x = 4, not > 1);
    #        x = 5 lands on Dr == 0 (unknown)
    # row 1: unknown D lands on Dr[0] = 3 (off by 3); 2.4 -> 2 and 5 leave the image;
    #        2.4 -> 2 lands on Dr[1] = 2; 3.6 rounds to 4 (not 3) and lands on Dr[0] = 3
    #        (0.6 off); 1 lands on Dr[4] = 4 (3 off)
    want = np.array([[True, True, False, False, False, True],
                     [True, True, True, False, False, True]])
    got = occlusion_mask(d, dr)
    assert got.dtype == bool and got.shape == d.shape
    np.testing.assert_array_equal(got, want)
    # NaN and 0 both mean unknown in the right view
    np.testing.assert_array_equal(occlusion_mask(d, np.where(dr == 0, np.nan, dr)), want)


def test_occlusion_mask_matches_the_spec_pixel_by_pixel(rng):
    h, w = 7, 23
    d = rng.integers(0, 9, (h, w)) + rng.uniform(-0.45, 0.45, (h, w))
    dr = np.where(rng.random((h, w)) < 0.15, 0.0, rng.uniform(0, 9, (h, w)))
    want = np.zeros((h, w), bool)
    for y in range(h):
        for x in range(w):
            xr = x - int(round(d[y, x]))
            want[y, x] = xr < 0 or dr[y, xr] == 0 or abs(d[y, x] - dr[y, xr]) > 1
    np.testing.assert_array_equal(occlusion_mask(d, dr), want)
    assert want.any() and not want.all()


def test_occlusion_mask_cones_sample():
    from depthsmith.io import read_depth

    gt = read_depth(SAMPLE / "disp_gt.png", scale=4)
    right = read_depth(SAMPLE / "disp_gt_right.png", scale=4)
    occ = occlusion_mask(gt, right)
    # measured when the function moved out of bench/_fill_tasks.py (2026-12)
    assert int(occ.sum()) == 25353 and int((occ & np.isfinite(gt)).sum()) == 19924


# ---- sensor_hole_mask (FILL-HOLES) -------------------------------------------------------

def test_sensor_hole_mask_respects_border():
    raw = np.zeros((40, 50))  # every pixel a dropout
    for border in (1, 5, 10):
        m = sensor_hole_mask((40, 50), raw, n_discs=0, border=border)
        want = np.zeros((40, 50), bool)
        want[border:-border, border:-border] = True
        np.testing.assert_array_equal(m, want)
    # the border is in raw pixels: resized x2 with nearest neighbour it doubles
    m = sensor_hole_mask((80, 100), raw, n_discs=0, border=5)
    want = np.zeros((80, 100), bool)
    want[10:70, 10:90] = True
    np.testing.assert_array_equal(m, want)


def test_sensor_hole_mask_dropouts_and_nan():
    raw = np.ones((30, 30))
    raw[10, 12] = 0.0
    raw[20, 5] = np.nan
    raw[2, 2] = 0.0  # in the border: ignored
    m = sensor_hole_mask((30, 30), raw, n_discs=0, border=4)
    assert set(zip(*np.nonzero(m), strict=True)) == {(10, 12), (20, 5)}


def test_sensor_hole_mask_discs_and_determinism():
    raw = np.ones((48, 64))  # no dropouts: only the discs
    a = sensor_hole_mask((48, 64), raw, n_discs=5, radius=(4, 4), seed=3)
    b = sensor_hole_mask((48, 64), raw, n_discs=5, radius=(4, 4), seed=3)
    assert a.dtype == bool and a.shape == (48, 64)
    np.testing.assert_array_equal(a, b)
    assert (sensor_hole_mask((48, 64), raw, n_discs=5, radius=(4, 4), seed=4) != a).any()
    # radius, centre row, centre column: three vectors in that order
    g = np.random.default_rng(3)
    r, cy, cx = g.uniform(4, 4, 5), g.uniform(0, 48, 5), g.uniform(0, 64, 5)
    yy, xx = np.mgrid[0:48, 0:64]
    want = np.zeros((48, 64), bool)
    for ri, yi, xi in zip(r, cy, cx, strict=True):
        want |= (yy - yi) ** 2 + (xx - xi) ** 2 <= ri * ri
    np.testing.assert_array_equal(a, want)
    assert 5 * 40 < a.sum() <= 5 * np.pi * 25 + 5 * 10  # ~5 discs of radius 4


# ---- refine_degrade (REFINE) -------------------------------------------------------------

def _ramp(h=64, w=80):
    yy, xx = np.mgrid[0:h, 0:w]
    d = (10 + 0.2 * xx + 0.1 * yy).astype(np.float32)
    d[:, w // 2:] += 15  # a discontinuity
    valid = np.ones((h, w), bool)
    valid[20:30, 10:25] = False
    return d, valid


def test_refine_degrade_fills_invalid_and_changes_valid():
    d, valid = _ramp()
    d_in = np.where(valid, d, np.nan)
    out = refine_degrade(d_in, valid)
    assert out.dtype == np.float32 and out.shape == d.shape
    # the REFINE input is valid everywhere: unknown pixels get (degraded) values too
    assert np.isfinite(out).all()
    assert np.abs(out[valid] - d[valid]).mean() > 0.1
    # blurred across the discontinuity (15 px jump) and noisy
    assert np.abs(out - d)[:, 38:42].max() > 3
    assert np.abs(np.diff(out, axis=1)).max() < 15


def test_refine_degrade_noise_from_valid_range_and_seed():
    from depthsmith.ops import nearest_fill

    d, valid = _ramp()
    d_in = np.where(valid, d, 1e6)  # garbage outside valid: must not count in sigma or values
    a = refine_degrade(d_in, valid)
    np.testing.assert_array_equal(a, refine_degrade(d_in, valid))  # seed 0 by default
    b = refine_degrade(d_in, valid, seed=1)
    assert (a != b).any()
    assert a.max() < d.max() + 5
    vals = d[valid].astype(np.float64)
    sigma = 0.02 * (vals.max() - vals.min())
    # same noise-free part: the difference is the noise of two seeds, std sqrt(2) sigma
    diff = a.astype(np.float64) - b
    assert np.std(diff) == pytest.approx(np.sqrt(2) * sigma, rel=0.05)
    # the noise-free part is area-down x4, bicubic up, Gaussian blur 2 px
    h, w = d.shape
    filled = nearest_fill(np.where(valid, d, np.nan), valid=valid).astype(np.float32)
    lo = cv2.resize(filled, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    clean = cv2.GaussianBlur(cv2.resize(lo, (w, h), interpolation=cv2.INTER_CUBIC), (0, 0), 2.0)
    noise = np.random.default_rng(0).normal(0.0, sigma, (h, w))
    np.testing.assert_array_equal(a, (clean.astype(np.float64) + noise).astype(np.float32))


# ---- kitti_inputs (COMPLETE-KITTI) -------------------------------------------------------

def test_kitti_inputs(rng):
    gt = np.where(rng.random((37, 90)) < 0.3, rng.uniform(2, 80, (37, 90)), 0.0)
    gt[5, 7] = np.nan
    v = gt > 0
    m = kitti_inputs(gt)
    assert tuple(m) == KITTI_PATTERNS == ("random", "lines")
    rnd, lines = m["random"], m["lines"]
    assert rnd.dtype == bool and rnd.shape == gt.shape and not (rnd & ~v).any()
    assert rnd.sum() == round(0.25 * v.sum())
    rows = np.arange(37)[:, None] % 4 == 0
    np.testing.assert_array_equal(lines, v & rows)
    np.testing.assert_array_equal(kitti_inputs(gt)["random"], rnd)
    assert (kitti_inputs(gt, seed=1)["random"] != rnd).any()
    # the draw: choice over the valid pixels in row-major order
    idx = np.flatnonzero(v)
    pick = np.random.default_rng(0).choice(idx.size, int(round(0.25 * idx.size)),
                                           replace=False)
    np.testing.assert_array_equal(np.flatnonzero(rnd), np.sort(idx[pick]))


# ---- sample_inputs (COMPLETE-SAMPLES) ----------------------------------------------------

def test_sample_inputs(rng):
    h, w = 60, 80
    disp = rng.uniform(5, 50, (h, w)).astype(np.float32)
    valid = np.ones((h, w), bool)
    valid[:, :10] = False
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    m = sample_inputs(disp, valid, rgb)
    assert tuple(m) == SAMPLE_SCHEMES
    n = round(0.01 * h * w)
    for name, mask in m.items():
        assert mask.dtype == bool and mask.shape == (h, w), name
        assert not (mask & ~valid).any(), name
        assert 0 < mask.sum() <= n, name
    assert m["uniform"].sum() == n and m["uniform+gradient"].sum() == n
    again = sample_inputs(disp, valid, rgb)
    for name in SAMPLE_SCHEMES:
        np.testing.assert_array_equal(again[name], m[name])


# ---- sr_degrade (SR-MIDDLEBURY) ----------------------------------------------------------

@pytest.mark.parametrize("factor", [4, 8, 16])
def test_sr_degrade_shapes(rng, factor):
    h, w = 75, 101
    yy, xx = np.mgrid[0:h, 0:w]
    valid = rng.random((h, w)) > 0.1
    png = np.where(valid, 50 + xx + 0.5 * yy, 0).astype(np.float32)  # smooth: no overshoot
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    lr, g, gt, v = sr_degrade(png, valid, rgb, factor)
    H, W = h // factor * factor, w // factor * factor
    assert lr.shape == (H // factor, W // factor) and lr.dtype == np.float32
    assert np.isfinite(lr).all() and lr.min() > 45  # unknown (0) pixels filled first
    np.testing.assert_array_equal(g, rgb[:H, :W])
    np.testing.assert_array_equal(gt, png[:H, :W])
    np.testing.assert_array_equal(v, valid[:H, :W])
    assert all(a.flags.c_contiguous for a in (lr, g, gt, v))


def test_sr_degrade_is_bicubic_of_the_crop(rng):
    png = rng.uniform(0, 255, (50, 70)).astype(np.float32)
    valid = np.ones(png.shape, bool)
    lr, *_ = sr_degrade(png, valid, np.zeros((50, 70, 3), np.uint8), 8)
    want = cv2.resize(np.ascontiguousarray(png[:48, :64]), (8, 6),
                      interpolation=cv2.INTER_CUBIC)
    np.testing.assert_array_equal(lr, want)
    flat, *_ = sr_degrade(np.full((50, 70), 42.0, np.float32), valid,
                          np.zeros((50, 70, 3), np.uint8), 4)
    np.testing.assert_allclose(flat, 42.0, atol=1e-4)


# ---- the module ------------------------------------------------------------------------

def test_bench_and_demo_use_this_module():
    import depthsmith
    import depthsmith.degrade as degrade
    from depthsmith import demo
    from depthsmith.bench import _complete_tasks, _fill_tasks, _refine_tasks, _sr_tasks

    assert depthsmith.degrade is degrade
    assert _fill_tasks.occlusion_mask is occlusion_mask is demo.occlusion_mask
    assert _fill_tasks.sensor_hole_mask is sensor_hole_mask
    assert _refine_tasks.refine_degrade is refine_degrade is demo.refine_degrade
    assert _complete_tasks.kitti_inputs is kitti_inputs
    assert _complete_tasks.sample_inputs is sample_inputs
    assert _sr_tasks.sr_degrade is sr_degrade
    for name in degrade.__all__:
        assert getattr(degrade, name) is not None
        if callable(getattr(degrade, name)):
            doc = getattr(degrade, name).__doc__
            assert "Parameters" in doc and "Returns" in doc and "BENCHMARKS.md" in doc, name


def test_import_is_light():
    code = ("import sys, depthsmith.degrade; "
            "bad = [m for m in ('numba', 'depthsmith.ops', 'depthsmith.bench', "
            "'depthsmith.complete') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
