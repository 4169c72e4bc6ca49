"""ops.joint_bilateral_upsample and the fast guided filter: float64 references, weights,
masks, confidence."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from depthsmith._validate import InputError
from depthsmith.ops import (
    fast_guided_filter,
    fast_guided_upsample,
    guided_filter,
    joint_bilateral_upsample,
)
from depthsmith.ops._jbu import _LUT_MAX, _LUT_STEP, minmod_slopes

from ..upsample.test_upsample import _guide, _plane


def _jbu_reference(lr, valid, guide, radius, ss, sc, linear, ridge):
    """float64 brute force of the plane-fit JBU (with the same range-weight table)."""
    h, w = lr.shape
    H, W = guide.shape[:2]
    g = guide.astype(np.float64)
    lg = cv2.resize(guide.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    msy, msx = minmod_slopes(lr, valid)
    out = np.zeros((H, W))
    for y in range(H):
        fy = (y + 0.5) * h / H - 0.5
        for x in range(W):
            fx = (x + 0.5) * w / W - 0.5
            rows, rhs, wts, ms = [], [], [], []
            for i in range(int(np.floor(fy + 0.5)) - radius, int(np.floor(fy + 0.5)) + radius + 1):
                for j in range(int(np.floor(fx + 0.5)) - radius,
                               int(np.floor(fx + 0.5)) + radius + 1):
                    if not (0 <= i < h and 0 <= j < w) or not valid[i, j]:
                        continue
                    a, b = i - fy, j - fx
                    e = np.sum((g[y, x] - lg[i, j]) ** 2) / (2 * sc * sc)
                    q = min(int(e * _LUT_STEP), int(_LUT_MAX * _LUT_STEP) + 1)
                    wr = 0.0 if q > int(_LUT_MAX * _LUT_STEP) else np.exp(-q / _LUT_STEP)
                    wt = np.exp(-(a * a + b * b) / (2 * ss * ss)) * wr + 1e-30
                    rows.append([1.0, a, b])
                    rhs.append(lr[i, j])
                    wts.append(wt)
                    ms.append([msy[i, j], msx[i, j]])
            A, z, wv, m = np.array(rows), np.array(rhs), np.array(wts), np.array(ms)
            if not linear:
                out[y, x] = np.sum(wv * z) / np.sum(wv)
                continue
            r = ridge * wv.sum()
            N = A.T @ (wv[:, None] * A) + np.diag([0.0, r, r])
            t = A.T @ (wv * z)
            t[1:] += ridge * (wv[:, None] * m).sum(0)
            out[y, x] = np.linalg.solve(N, t)[0]
    return out


@pytest.mark.parametrize("linear", [True, False])
@pytest.mark.parametrize("shape,factor", [((5, 6), 4), ((4, 7), 3), ((6, 5), 2)])
def test_jbu_matches_float64_reference(linear, shape, factor, rng):
    lr = rng.uniform(1, 20, shape).astype(np.float32)
    valid = rng.random(shape) > 0.2
    valid[0, 0] = True
    g = _guide(rng, (shape[0] * factor, shape[1] * factor))
    out = joint_bilateral_upsample(lr, g, valid=valid, sigma_space=0.7, sigma_color=30.0,
                                   linear=linear, ridge=0.5)
    ref = _jbu_reference(lr, valid, g, 1, 0.7, 30.0, linear, 0.5)
    ok = np.isfinite(out)
    assert ok.mean() > 0.9
    np.testing.assert_allclose(out[ok], ref[ok], rtol=0, atol=2e-3)


def test_jbu_arbitrary_size_and_mean_is_convex(rng):
    lr = rng.uniform(1, 20, (7, 9)).astype(np.float32)
    g = _guide(rng, (23, 31))
    out = joint_bilateral_upsample(lr, g, linear=False)
    assert out.shape == (23, 31)
    assert out.min() >= lr.min() - 1e-4 and out.max() <= lr.max() + 1e-4


def test_minmod_slopes():
    d = np.array([[0, 1, 2, 3, 10, 11]], np.float32)
    sy, sx = minmod_slopes(d, np.ones(d.shape, bool))
    np.testing.assert_array_equal(sy, 0)
    np.testing.assert_allclose(sx[0], [1, 1, 1, 1, 1, 1])
    d2 = np.array([[0, 0, 5, 5]], np.float32)
    np.testing.assert_allclose(minmod_slopes(d2, np.ones(d2.shape, bool))[1][0], [0, 0, 0, 0])


def test_fast_guided_filter_subsample1_is_guided_filter(rng):
    d = rng.normal(5, 1, (40, 50)).astype(np.float32)
    g = _guide(rng, d.shape)
    np.testing.assert_allclose(fast_guided_filter(d, g, radius=3, eps=50.0, subsample=1),
                               guided_filter(d, g, radius=3, eps=50.0), atol=1e-4)


def test_fast_guided_filter_matches_numpy_reference(rng):
    d = rng.normal(5, 1, (40, 52)).astype(np.float32)
    g = _guide(rng, d.shape)
    s, r, eps = 2, 2, 30.0
    gs = cv2.resize(g.astype(np.float32), (26, 20), interpolation=cv2.INTER_AREA).astype(float)
    ps = cv2.resize(d, (26, 20), interpolation=cv2.INTER_AREA).astype(float)

    def box(a):
        return cv2.boxFilter(a, -1, (2 * r // s * 0 + 3, 3), borderType=cv2.BORDER_REFLECT)

    mi = np.stack([box(gs[..., c]) for c in range(3)], -1)
    mp = box(ps)
    cov = np.empty((20, 26, 3, 3))
    for c in range(3):
        for e in range(3):
            cov[..., c, e] = box(gs[..., c] * gs[..., e]) - mi[..., c] * mi[..., e]
    cov += eps * np.eye(3)
    cip = np.stack([box(gs[..., c] * ps) for c in range(3)], -1) - mi * mp[..., None]
    a = np.linalg.solve(cov, cip[..., None])[..., 0]
    b = mp - (a * mi).sum(-1)
    coef = np.concatenate([a, b[..., None]], -1)
    coef = np.stack([box(coef[..., c]) for c in range(4)], -1).astype(np.float32)
    up = cv2.resize(coef, (52, 40), interpolation=cv2.INTER_LINEAR)
    ref = (up[..., :3] * g).sum(-1) + up[..., 3]
    out = fast_guided_filter(d, g, radius=r, eps=eps, subsample=s)
    np.testing.assert_allclose(out, ref, atol=2e-3)


def test_fast_guided_upsample_equals_fit_on_downsampled(rng):
    d = rng.normal(5, 1, (40, 52)).astype(np.float32)
    g = _guide(rng, d.shape)
    gl = cv2.resize(g.astype(np.float32), (26, 20), interpolation=cv2.INTER_AREA)
    dl = cv2.resize(d, (26, 20), interpolation=cv2.INTER_AREA)
    np.testing.assert_allclose(fast_guided_upsample(dl, gl / 255.0, g, radius=2, eps=30.0),
                               fast_guided_filter(d, g, radius=4, eps=30.0, subsample=2),
                               atol=1e-4)


def test_fast_guided_filter_planar_gray(rng):
    lr, hr = _plane(30, 40, 1)
    g = rng.integers(0, 256, hr.shape).astype(np.uint8)
    out = fast_guided_filter(hr.astype(np.float32), g, radius=3, eps=4.0, planar=True)
    np.testing.assert_allclose(out, hr, atol=2e-3)


def test_jbu_reference_weight(rng):
    lr = rng.uniform(1, 20, (6, 7)).astype(np.float32)
    g = _guide(rng, (24, 28))
    base = joint_bilateral_upsample(lr, g, sigma_color=30.0)
    ref = rng.uniform(1, 20, (24, 28)).astype(np.float32)
    # a huge depth sigma makes the reference weight 1: the plain result
    same = joint_bilateral_upsample(lr, g, sigma_color=30.0, reference=ref, sigma_depth=1e6)
    np.testing.assert_allclose(same, base, atol=1e-4)
    # a step the guide cannot see: the reference decides the side of every pixel
    step = np.where(np.arange(7)[None, :] < 3, 10.0, 30.0).repeat(6, 0).astype(np.float32)
    flat = np.full((24, 28, 3), 90, np.uint8)
    truth = np.where(np.arange(28)[None, :] < 14, 10.0, 30.0).repeat(24, 0)
    plain = joint_bilateral_upsample(step, flat, linear=False)
    assert np.abs(plain - truth).max() > 5  # mixed across the step
    out = joint_bilateral_upsample(step, flat, linear=False, reference=truth,
                                   sigma_depth=2.0)
    np.testing.assert_allclose(out, truth, atol=1e-4)
    with pytest.raises(InputError, match="sigma_depth is required"):
        joint_bilateral_upsample(lr, g, reference=ref)
    with pytest.raises(InputError, match="reference shape"):
        joint_bilateral_upsample(lr, g, reference=ref[:5], sigma_depth=1.0)


def test_jbu_mask_evaluates_only_masked_pixels(rng):
    lr = rng.uniform(1, 10, (9, 11)).astype(np.float32)
    g = rng.integers(0, 256, (36, 44, 3)).astype(np.uint8)
    ref = cv2.resize(lr, (44, 36), interpolation=cv2.INTER_CUBIC)
    full = joint_bilateral_upsample(lr, g, reference=ref, sigma_depth=2.0)
    m = rng.random((36, 44)) < 0.3
    part = joint_bilateral_upsample(lr, g, reference=ref, sigma_depth=2.0, mask=m)
    np.testing.assert_array_equal(part[m], full[m])
    assert np.isnan(part[~m]).all()
    with pytest.raises(InputError, match="mask must be a bool array"):
        joint_bilateral_upsample(lr, g, mask=m[:5])
    with pytest.raises(InputError, match="mask must be a bool array"):
        joint_bilateral_upsample(lr, g, mask=m.astype(np.uint8))


def test_jbu_confidence(rng):
    lr = rng.uniform(1, 10, (9, 11)).astype(np.float32)
    g = rng.integers(0, 256, (36, 44, 3)).astype(np.uint8)
    base = joint_bilateral_upsample(lr, g)
    const = joint_bilateral_upsample(lr, g, confidence=np.full(lr.shape, 3.0))
    np.testing.assert_allclose(const, base, rtol=1e-5, atol=1e-5)
    # a zero-confidence sample is never read: same as marking it invalid, even if poisoned
    bad = np.zeros(lr.shape, bool)
    bad[4, 5] = True
    poisoned = np.where(bad, 1e9, lr).astype(np.float32)
    a = joint_bilateral_upsample(poisoned, g, confidence=(~bad).astype(np.float32))
    b = joint_bilateral_upsample(lr, g, valid=~bad)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4)
    assert np.nanmax(np.abs(a)) < 1e3
    with pytest.raises(InputError, match="confidence shape"):
        joint_bilateral_upsample(lr, g, confidence=np.ones((3, 3)))
    with pytest.raises(InputError, match="confidence must be finite and >= 0"):
        joint_bilateral_upsample(lr, g, confidence=-np.ones(lr.shape))
