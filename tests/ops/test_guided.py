"""Guided filter (ops.guided_filter): brute-force reference, OpenCV agreement, invariants."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from depthsmith._validate import Guide, InputError
from depthsmith.ops import guided_filter


def _brute_guided(p, g, c, r, eps):
    """float64 per-window weighted ridge regression, then plain window averages of (a, b)."""
    h, w = p.shape
    gp = np.pad(g, ((r, r), (r, r), (0, 0)), mode="symmetric")
    pp = np.pad(p, r, mode="symmetric")
    cp = np.pad(c, r, mode="symmetric")
    k = g.shape[2]
    a = np.zeros((h, w, k))
    b = np.zeros((h, w))
    wt = np.zeros((h, w))
    for y in range(h):
        for x in range(w):
            G = gp[y:y + 2 * r + 1, x:x + 2 * r + 1].reshape(-1, k)
            P = pp[y:y + 2 * r + 1, x:x + 2 * r + 1].ravel()
            C = cp[y:y + 2 * r + 1, x:x + 2 * r + 1].ravel()
            s = C.sum()
            if s <= 0:
                continue
            mg = (C[:, None] * G).sum(0) / s
            mp = (C * P).sum() / s
            cov = ((C[:, None] * (G - mg)).T @ (G - mg)) / s
            cgp = (C * (P - mp)) @ (G - mg) / s
            a[y, x] = np.linalg.solve(cov + eps * np.eye(k), cgp)
            b[y, x] = mp - a[y, x] @ mg
            wt[y, x] = s / (2 * r + 1) ** 2
    ap = np.pad(a * wt[..., None], ((r, r), (r, r), (0, 0)), mode="symmetric")
    bp = np.pad(b * wt, r, mode="symmetric")
    wp = np.pad(wt, r, mode="symmetric")
    out = np.full((h, w), np.nan)
    for y in range(h):
        for x in range(w):
            W = wp[y:y + 2 * r + 1, x:x + 2 * r + 1].sum()
            if W > 0:
                am = ap[y:y + 2 * r + 1, x:x + 2 * r + 1].reshape(-1, k).sum(0) / W
                bm = bp[y:y + 2 * r + 1, x:x + 2 * r + 1].sum() / W
                out[y, x] = am @ g[y, x] + bm
    return out


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_guided_matches_bruteforce(rng, channels, weighted):
    h, w, r, eps = 17, 23, 2, 30.0
    g = rng.uniform(0, 255, (h, w, channels))
    p = rng.uniform(1, 5, (h, w))
    c = rng.uniform(0, 1, (h, w)) * (rng.random((h, w)) > 0.2) if weighted else np.ones((h, w))
    valid = c > 0
    ours = guided_filter(p.astype(np.float32), Guide.from_levels(g), radius=r, eps=eps,
                         valid=valid, confidence=c if weighted else None)
    ref = _brute_guided(p, g, c, r, eps)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=2e-4)


def test_guided_matches_opencv_color(rng):
    g = cv2.GaussianBlur(rng.uniform(0, 255, (60, 80, 3)).astype(np.float32), (7, 7), 2)
    d = rng.uniform(1, 10, (60, 80)).astype(np.float32)
    ours = guided_filter(d, Guide.from_levels(g), radius=4, eps=100.0)
    ref = cv2.ximgproc.guidedFilter(g, d, 4, 100.0)
    np.testing.assert_allclose(ours[8:-8, 8:-8], ref[8:-8, 8:-8], atol=1e-4)


def test_guided_constant_and_poison(rng):
    g = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    d = np.full((40, 50), 3.5, np.float32)
    np.testing.assert_allclose(guided_filter(d, g, radius=3, eps=10.0), 3.5, atol=1e-5)
    bad = rng.random((40, 50)) < 0.3
    d2 = rng.uniform(1, 2, (40, 50)).astype(np.float32)
    a = guided_filter(np.where(bad, 1e9, d2), g, radius=3, eps=10.0, valid=~bad)
    b = guided_filter(np.where(bad, -7.0, d2), g, radius=3, eps=10.0, valid=~bad)
    np.testing.assert_array_equal(a, b)
    assert np.nanmax(a) < 10


def test_guided_dtypes_and_errors(rng):
    g = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    d = rng.uniform(1, 2, (20, 30))
    out64 = guided_filter(d, g.astype(np.float64) / 255.0, radius=2, eps=5.0)
    out8 = guided_filter(d.astype(np.float32), g, radius=2, eps=5.0)
    assert out64.dtype == np.float32 and out64.shape == (20, 30)
    np.testing.assert_allclose(out64, out8, atol=1e-4)
    with pytest.raises(InputError, match="radius"):
        guided_filter(d, g, radius=-1)
    with pytest.raises(InputError, match="eps"):
        guided_filter(d, g, radius=2, eps=-1.0)
    with pytest.raises(InputError, match="does not match depth shape"):
        guided_filter(d, g[:10])
    with pytest.raises(InputError, match="confidence"):
        guided_filter(d, g, confidence=np.ones((3, 3)))


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_guided_filter_output_stays_in_the_local_input_range():
    # a real JPEG guide patch with (nearly) collinear colours: OpenCV's float32 3x3 solve
    # blows up at eps = 1; the library's guided filter clips to the windows' input range
    f = np.load(FIXTURES / "gf_collinear_guide.npz")
    g = (f["guide"] / 4.0).astype(np.float32)
    d = f["depth"]
    raw = cv2.ximgproc.guidedFilter(g, d, 2, 1.0, -1)
    assert np.abs(raw).max() > 2 * d.max()  # the fixture still shows the failure
    ours = guided_filter(d, Guide.from_levels(g), radius=2, eps=1.0)
    assert np.isfinite(ours).all()
    span = d.max() - d.min()
    assert ours.min() >= d.min() - span and ours.max() <= d.max() + span


def test_clamp_to_window_range_keeps_nan_without_support():
    from depthsmith.ops import clamp_to_window_range

    p = np.arange(25, dtype=np.float32).reshape(5, 5)
    c = np.zeros((5, 5), np.float32)
    c[0, 0] = 1
    q = np.full((5, 5), 100.0, np.float32)
    q[4, 4] = np.nan
    out = clamp_to_window_range(q, p, c, 1)  # reach 2 px: only pixels near (0, 0) see p[0,0]
    assert out[0, 0] == 0 and out[2, 2] == 0  # range [0, 0]: no slack
    assert out[3, 3] == 100 and np.isnan(out[4, 4])


def test_guided_core_precise_matches_bruteforce_on_a_collinear_guide(rng):
    # nearly gray colours (channels almost collinear, as in JPEG photos), depth in mm with
    # a large offset, eps 1: the float64 path (precise=True, refine auto's last stage)
    # matches the float64 brute-force reference
    from depthsmith.ops import guided_core

    h, w, r, eps = 19, 25, 2, 1.0
    base = rng.uniform(60, 200, (h, w, 1))
    g = np.clip(base + rng.normal(0, 0.7, (h, w, 3)), 0, 255).round()
    p = (3000.0 + 400.0 * (base[:, :, 0] > 130) + rng.normal(0, 20, (h, w)))
    ours = guided_core(p.astype(np.float32), g.astype(np.float32),
                       np.ones((h, w), np.float32), r, eps, precise=True)
    ref = _brute_guided(p.astype(np.float32).astype(np.float64), g, np.ones((h, w)), r, eps)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=2e-3)


@pytest.mark.parametrize("radius", [1, 4])
def test_precise_strips_equal_the_whole_frame(rng, radius, monkeypatch):
    # the float64 uniform-weight path runs on row strips (bounded memory); every output
    # row must see what it sees on the whole frame, strip seams included
    from depthsmith.ops import _guided

    h, w = 2 * 64 + 37, 45
    monkeypatch.setattr(_guided, "STRIP_PIXELS", 64 * w)  # strips of 64 rows
    g = cv2.GaussianBlur(rng.uniform(0, 255, (h, w, 3)).astype(np.float32), (5, 5), 1.5)
    p = (rng.uniform(1, 5, (h, w)) + 3.0 * (g[:, :, 0] > 128)).astype(np.float32)
    c = np.ones((h, w), np.float32)
    whole = _guided._weighted_core(p, g, c, radius, 2.0, 1e-6)
    strips = _guided.guided_core(p, g, c, radius, 2.0, precise=True)
    np.testing.assert_allclose(strips, whole, rtol=0, atol=1e-5)


@pytest.mark.parametrize("radius", [1, 4])
def test_weighted_strips_equal_the_whole_frame(rng, radius, monkeypatch):
    # the confidence-weighted path runs on row strips too (refine auto's last stage on
    # maps with holes: its float64 planes were 150+ bytes per pixel of the whole frame)
    from depthsmith.ops import _guided

    h, w = 2 * 64 + 37, 45
    g = cv2.GaussianBlur(rng.uniform(0, 255, (h, w, 3)).astype(np.float32), (5, 5), 1.5)
    p = (rng.uniform(1, 5, (h, w)) + 3.0 * (g[:, :, 0] > 128)).astype(np.float32)
    c = (rng.uniform(0, 1, (h, w)) > 0.3).astype(np.float32)
    c[70:90] = 0  # a band of holes across a strip seam
    whole = _guided.guided_core(p, g, c, radius, 2.0)  # one strip
    monkeypatch.setattr(_guided, "STRIP_PIXELS", 64 * w)  # strips of 64 rows
    strips = _guided.guided_core(p, g, c, radius, 2.0)
    assert not np.array_equal(c, np.ones_like(c))
    fin = np.isfinite(whole)
    assert (fin == np.isfinite(strips)).all()
    # each strip is centred and scaled on its own: float rounding, 1e-5 of the range
    np.testing.assert_allclose(strips[fin], whole[fin], rtol=0, atol=1e-5 * np.ptp(p))
