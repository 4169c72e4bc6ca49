"""depthsmith.refine: numerics vs brute force, invariants, fast vs exact, API errors, golden."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depthsmith._validate import Guide, InputError
from depthsmith.ops import (
    fast_global_smoother,
    joint_bilateral_exact,
    joint_bilateral_lattice,
    weighted_median,
)
from depthsmith.refine import METHODS, lattice_sigma, refine


def _scene(rng, h=40, w=52):
    """Piecewise-planar depth with a matching two-color guide plus texture, and noise."""
    yy, xx = np.mgrid[0:h, 0:w]
    fg = (xx - w / 2) ** 2 + (yy - h / 2) ** 2 < (min(h, w) / 3) ** 2
    depth = np.where(fg, 2.0 + 0.01 * xx, 5.0 + 0.02 * yy).astype(np.float32)
    guide = np.where(fg[..., None], [200, 60, 40], [30, 90, 180]).astype(np.float64)
    guide += rng.normal(0, 4, guide.shape)
    noisy = depth + rng.normal(0, 0.05, depth.shape).astype(np.float32)
    return noisy, np.clip(guide, 0, 255).astype(np.uint8), depth


def _brute_jbf(d, g, v, r, ss, sc):
    h, w = d.shape
    out = np.full((h, w), np.nan)
    for y in range(h):
        for x in range(w):
            y0, y1, x0, x1 = max(0, y - r), min(h, y + r + 1), max(0, x - r), min(w, x + r + 1)
            yy, xx = np.mgrid[y0:y1, x0:x1]
            dist2 = ((g[y0:y1, x0:x1] - g[y, x]) ** 2).sum(-1)
            k = np.exp(-((yy - y) ** 2 + (xx - x) ** 2) / (2 * ss * ss) - dist2 / (2 * sc * sc))
            k = k * v[y0:y1, x0:x1]
            if k.sum() > 0:
                out[y, x] = (k * d[y0:y1, x0:x1]).sum() / k.sum()
    return out


def test_exact_jbf_matches_bruteforce(rng):
    d = rng.uniform(1, 10, (17, 21))
    g = rng.uniform(0, 255, (17, 21, 3))
    v = rng.random((17, 21)) > 0.25
    out, _ = joint_bilateral_exact(d.astype(np.float32), g / 255.0, radius=3, sigma_space=2.0,
                                   sigma_color=40.0, valid=v)
    ref = _brute_jbf(d.astype(np.float32).astype(np.float64),
                     g.astype(np.float32).astype(np.float64), v, 3, 2.0, 40.0)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


def test_exact_jbf_close_to_opencv(cones):
    disp, rgb = cones
    d = np.nan_to_num(disp, nan=0.0).astype(np.float32)
    ours = refine(d, rgb, method="joint_bilateral", radius=4, sigma_space=3.0, sigma_color=20.0,
                  fast=False)
    ref = cv2.ximgproc.jointBilateralFilter(rgb.astype(np.float32), d, 9, 20.0, 3.0)
    v = d > 0
    inner = np.zeros_like(v)
    inner[10:-10, 10:-10] = True
    # OpenCV reads invalid (0) pixels, we do not: compare where the window is all valid
    allv = cv2.erode(v.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    m = inner & allv
    assert np.sqrt(np.mean((ours[m] - ref[m]) ** 2)) < 0.01 * np.ptp(d[v])


def test_sigma_color_infinite_is_gaussian(rng):
    d = rng.uniform(1, 3, (30, 40)).astype(np.float32)
    g = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    out, _ = joint_bilateral_exact(d, g, radius=4, sigma_space=2.0, sigma_color=1e9)
    k1 = np.exp(-np.arange(-4, 5) ** 2 / 8.0)
    num = cv2.sepFilter2D(d.astype(np.float64), -1, k1, k1, borderType=cv2.BORDER_CONSTANT)
    den = cv2.sepFilter2D(np.ones_like(d, np.float64), -1, k1, k1,
                          borderType=cv2.BORDER_CONSTANT)
    np.testing.assert_allclose(out, num / den, rtol=1e-5)
    # the lattice path tends to a Gaussian blur too (no window): compare away from borders
    lat, _ = joint_bilateral_lattice(d, g, sigma_space=2.0, sigma_color=1e9)
    gb = cv2.GaussianBlur(d, (0, 0), 2.0)
    assert np.sqrt(np.mean((lat - gb)[8:-8, 8:-8] ** 2)) < 0.1 * d.std()


@pytest.mark.parametrize("method", list(METHODS))
def test_constant_stays_constant(rng, method):
    g = rng.integers(0, 256, (33, 45, 3), dtype=np.uint8)
    d = np.full((33, 45), 7.25, np.float32)
    out = refine(d, g, method=method)
    assert out.dtype == np.float32 and out.shape == d.shape
    np.testing.assert_allclose(out, 7.25, rtol=1e-4)


@settings(max_examples=15, deadline=None)
@given(h=st.integers(3, 20), w=st.integers(3, 20), val=st.floats(0.01, 1e4),
       seed=st.integers(0, 1000))
def test_constant_property(h, w, val, seed):
    g = np.random.default_rng(seed).random((h, w, 3)).astype(np.float32)
    d = np.full((h, w), val, np.float32)
    for method in ("guided", "solver", "joint_bilateral"):
        params = {"radius": 2} if method == "guided" else {}
        out = refine(d, g, method=method, **params)
        np.testing.assert_allclose(out, val, rtol=1e-3)


@pytest.mark.parametrize("method,params", [
    ("joint_bilateral", {"fast": False}), ("joint_bilateral", {"fast": True}),
    ("guided", {}), ("weighted_median", {}), ("solver", {}), ("auto", {}),
])
def test_poisoned_invalid_pixels_never_reach_output(rng, method, params):
    d, g, _ = _scene(rng)
    bad = rng.random(d.shape) < 0.2
    a = refine(np.where(bad, 1e9, d), g, valid=~bad, method=method, **params)
    b = refine(np.where(bad, -3.0, d), g, valid=~bad, method=method, **params)
    np.testing.assert_array_equal(a, b)
    assert np.nanmax(a) < 10 and np.isfinite(a).all()


def test_fast_vs_exact_joint_bilateral(rng):
    d, g, _ = _scene(rng, 64, 80)
    for r, ss, sc in [(6, 4.0, 20.0), (12, 12.5, 20.0)]:
        ex = refine(d, g, method="joint_bilateral", radius=r, sigma_space=ss, sigma_color=sc,
                    fast=False)
        fa = refine(d, g, method="joint_bilateral", radius=r, sigma_space=ss, sigma_color=sc,
                    fast=True)
        assert np.sqrt(np.mean((fa - ex) ** 2)) < 0.01 * np.ptp(d)


def test_fast_vs_exact_on_cones(cones):
    disp, rgb = cones
    d = np.nan_to_num(disp, nan=0.0).astype(np.float32)
    v = d > 0
    ex = refine(d, rgb, method="joint_bilateral", radius=12, sigma_space=12.5, sigma_color=20,
                fast=False)
    fa = refine(d, rgb, method="joint_bilateral", radius=12, sigma_space=12.5, sigma_color=20)
    assert np.sqrt(np.mean((fa - ex)[v] ** 2)) < 0.01 * np.ptp(d[v])


def test_lattice_sigma_matches_window_variance():
    # a box-like truncated Gaussian: std of the window kernel, times the calibration 1.15
    x = np.arange(-12, 13)
    std = np.sqrt(np.average(x ** 2, weights=np.exp(-x ** 2 / (2 * 12.5 ** 2))))
    assert 6.5 < std < 7.0
    assert lattice_sigma(12, 12.5) == pytest.approx(1.15 * std, rel=1e-9)
    assert lattice_sigma(30, 3.0) == pytest.approx(1.15 * 3.0, rel=1e-3)


def _brute_wmedian(d, g, c, r, sc):
    h, w = d.shape
    out = np.full((h, w), np.nan)
    for y in range(h):
        for x in range(w):
            y0, y1, x0, x1 = max(0, y - r), min(h, y + r + 1), max(0, x - r), min(w, x + r + 1)
            vals = d[y0:y1, x0:x1].ravel()
            wts = (c[y0:y1, x0:x1] * np.exp(-((g[y0:y1, x0:x1] - g[y, x]) ** 2).sum(-1)
                                            / (2 * sc * sc))).ravel()
            keep = wts > 0
            vals, wts = vals[keep], wts[keep]
            if vals.size == 0:
                continue
            o = np.argsort(vals, kind="stable")
            cum = np.cumsum(wts[o])
            out[y, x] = vals[o][np.searchsorted(cum, 0.5 * cum[-1])]
    return out


def test_weighted_median_matches_bruteforce(rng):
    d = rng.integers(0, 12, (15, 19)).astype(np.float32)  # ties on purpose
    g = rng.uniform(0, 255, (15, 19, 3)).astype(np.float32)
    c = rng.uniform(0, 1, (15, 19)) * (rng.random((15, 19)) > 0.2)
    out = weighted_median(d, Guide.from_levels(g), radius=2, sigma_color=60.0, valid=c > 0,
                          confidence=c)
    ref = _brute_wmedian(d, g.astype(np.float64), c, 2, 60.0)
    np.testing.assert_allclose(out, ref, atol=1e-6)


def test_weighted_median_removes_flying_pixels(rng):
    d, g, clean = _scene(rng)
    # a blurred (flying-pixel) edge: the median snaps every output to an existing value
    soft = cv2.GaussianBlur(clean, (0, 0), 1.5)
    out = refine(soft, g, method="weighted_median", radius=4, sigma_color=20)
    edge = np.abs(soft - clean) > 0.3
    assert np.abs(out - clean)[edge].mean() < 0.5 * np.abs(soft - clean)[edge].mean()


def test_solver_1d_is_exact_wls(rng):
    # one row: a single horizontal sweep solves (C + lam L_w) u = C f exactly (normalized)
    w = 30
    f = rng.uniform(1, 5, (1, w)).astype(np.float32)
    g = rng.uniform(0, 255, (1, w, 3)).astype(np.float32)
    lam, sc = 5.0, 30.0
    out = fast_global_smoother(f, Guide.from_levels(g), lam=lam, sigma_color=sc, iterations=1)
    wts = np.exp(-np.sqrt(((g[0, 1:] - g[0, :-1]) ** 2).sum(-1)) / sc)
    lap = np.zeros((w, w))
    for i, k in enumerate(wts):
        lap[i, i] += k
        lap[i + 1, i + 1] += k
        lap[i, i + 1] -= k
        lap[i + 1, i] -= k
    lt = 1.5 * lam / 3.0  # lambda schedule with T = 1
    a = np.eye(w) + lt * lap
    num = np.linalg.solve(a, f[0].astype(np.float64))
    den = np.linalg.solve(a, np.ones(w))
    np.testing.assert_allclose(out[0], num / den, rtol=1e-4)


def test_float_and_16bit_guides_match_uint8(cones):
    disp, rgb = cones
    d = np.nan_to_num(disp, nan=0.0).astype(np.float32)
    a = refine(d, rgb)
    b = refine(d, rgb.astype(np.float32) / 255.0)
    c = refine(d, rgb.astype(np.uint16) * 257)
    v = np.isfinite(a)
    span = np.ptp(d[d > 0])
    assert np.sqrt(np.mean((a - b)[v] ** 2)) < 0.005 * span
    assert np.sqrt(np.mean((a - c)[v] ** 2)) < 0.005 * span


def test_errors(rng):
    d, g, _ = _scene(rng)
    with pytest.raises(InputError, match="method must be one of"):
        refine(d, g, method="nope")
    with pytest.raises(InputError, match="method 'guided' has no parameter 'sigma_space'"):
        refine(d, g, method="guided", sigma_space=3)
    with pytest.raises(InputError, match="sigma_color must be > 0"):
        refine(d, g, method="joint_bilateral", sigma_color=0)
    with pytest.raises(InputError, match="does not match depth shape"):
        refine(d, g[:10])
    with pytest.raises(InputError, match="radius"):
        refine(d, g, method="weighted_median", radius=0)
    with pytest.raises(InputError, match="color_space"):
        refine(d, g, method="joint_bilateral", color_space="hsv")
    with pytest.raises(InputError, match="no valid pixel"):
        refine(np.zeros_like(d), g)


def test_lab_color_space(rng):
    d, g, clean = _scene(rng)
    out = refine(d, g, method="joint_bilateral", radius=3, sigma_space=2.0, sigma_color=10.0,
                 color_space="lab", fast=False)
    assert np.sqrt(np.mean((out - clean) ** 2)) < np.sqrt(np.mean((d - clean) ** 2))


def test_refine_beats_input_on_synthetic(rng):
    d, g, clean = _scene(rng, 64, 80)
    soft = cv2.GaussianBlur(clean, (0, 0), 2.0) + rng.normal(0, 0.05, clean.shape).astype(
        np.float32)
    err_in = np.sqrt(np.mean((soft - clean) ** 2))
    for method in METHODS:
        out = refine(soft, g, method=method)
        assert np.sqrt(np.mean((out - clean) ** 2)) < err_in, method


def test_golden_refine_cones_teddy(data_root):
    """REFINE on cones and teddy (BENCHMARKS.md): auto beats the input by a margin, the
    OpenCV peers of the benchmark (same run) on RMSE, and the best of them on the edge
    band by 0.9x per scene (the issue asks 0.85x of the mean over the 21 scenes; cones alone
    is about 0.86x)."""
    from depthsmith.bench._refine_tasks import REFINE, peer_guided, peer_wmf

    cases = [c for c in REFINE.cases(data_root) if c.scene in ("cones", "teddy")]
    assert len(cases) == 2
    for case in cases:
        d, g = case.inputs["depth"], case.inputs["guide"]
        got = REFINE.score(refine(d, g), case)
        ident = REFINE.score(d, case)
        peers = [REFINE.score(p(d, g), case) for p in (peer_guided, peer_wmf)]
        assert got["rmse"] < 0.8 * ident["rmse"], case.scene
        assert got["rmse"] < min(p["rmse"] for p in peers), case.scene
        assert got["rmse_edge"] <= 0.9 * min(p["rmse_edge"] for p in peers), case.scene


def test_refine_rgbdd_first_frames_beat_the_guided_peer(data_root):
    """REFINE-RGBDD (real ToF, mm; constants never tuned on it): on the first four frames
    by name, auto's mean RMSE and edge-band RMSE are below cv2 guidedFilter's, the best
    peer there (the 0.85x edge target is for the mean over all 204 frames)."""
    from itertools import islice

    from depthsmith.bench._refine_tasks import peer_guided
    from depthsmith.bench._rgbdd_tasks import REFINE_RGBDD

    cases = list(islice(REFINE_RGBDD.cases(data_root), 4))
    if len(cases) < 4:
        pytest.skip("RGB-D-D frames absent from the benchmark data")
    ours, peer = [], []
    for case in cases:
        d, g = case.inputs["depth"], case.inputs["guide"]
        ours.append(REFINE_RGBDD.score(refine(d, g), case))
        peer.append(REFINE_RGBDD.score(peer_guided(d, g), case))
    for key in ("rmse", "rmse_edge"):
        assert np.mean([o[key] for o in ours]) < np.mean([p[key] for p in peer]), key


@pytest.mark.parametrize("method", list(METHODS))
def test_inputs_never_modified(rng, method):
    d, g, _ = _scene(rng)
    d0, g0 = d.copy(), g.copy()
    refine(d, g, method=method)
    np.testing.assert_array_equal(d, d0)
    np.testing.assert_array_equal(g, g0)


def test_auto_dense_fast_path_equals_normalized_path(rng):
    # fully valid, no confidence: one FGS channel (den == 1); a confidence of ones takes
    # the normalized two-channel path and must give the same depth
    d, g, _ = _scene(rng, 48, 64)
    a = refine(d, g, method="auto")
    b = refine(d, g, method="auto", confidence=np.ones(d.shape, np.float32))
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    # and the same picture as a float guide in [0, 1] gives the same result
    c = refine(d, g.astype(np.float32) / 255.0, method="auto")
    np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-5)
