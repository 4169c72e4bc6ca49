"""ops.multiscale_normconv and ops.range_refit: float64 brute-force references, planes, errors."""

from __future__ import annotations

import numpy as np
import pytest

from depthsmith._validate import InputError
from depthsmith.complete import (
    normconv,
)
from depthsmith.ops import multiscale_normconv

from ..complete.test_complete import _guide, _plane, _sparse


def test_normconv_reproduces_plane_random_where_certain(rng):
    d = _plane(64, 80)
    sp, m = _sparse(d, 0.2, rng)
    # unclamped: the weighted plane is exact wherever level 0 is fully trusted
    out, cert = multiscale_normconv(sp, valid=m, sigma_space=(1.5, 2.5), order=1, ridge=0.0,
                                    tau=0.5, clamp=False)
    sure = cert >= 0.5
    assert sure.mean() > 0.9
    np.testing.assert_allclose(out[sure], d[sure], atol=2e-4)


def test_guided_reproduces_plane_with_flat_guide(rng):
    d = _plane()
    sp, m = _sparse(d, 0.05, rng)
    g = np.full(d.shape + (3,), 128, np.uint8)
    out, cert = multiscale_normconv(sp, g, valid=m, sigma_space=6.0, sigma_color=20.0,
                                    ridge=0.0, tau=0.5, clamp=False)
    sure = cert >= 0.5
    assert sure.mean() > 0.9
    np.testing.assert_allclose(out[sure], d[sure], atol=2e-4)


def _brute(d, c, g, sy, sx, sc, order, ridge, rf=2.0, clamp=True):
    h, w = d.shape
    ry, rx = int(np.ceil(rf * sy)), int(np.ceil(rf * sx))
    est = np.full((h, w), np.nan)
    cert = np.zeros((h, w))
    for y in range(h):
        for x in range(w):
            rows, wts, vals = [], [], []
            for yy in range(max(0, y - ry), min(h, y + ry + 1)):
                for xx in range(max(0, x - rx), min(w, x + rx + 1)):
                    if c[yy, xx] <= 0:
                        continue
                    u, v = xx - x, yy - y
                    wt = c[yy, xx] * np.exp(-0.5 * (v * v / sy ** 2 + u * u / sx ** 2))
                    if sc:
                        diff = g[yy, xx].astype(np.float64) - g[y, x].astype(np.float64)
                        wt *= np.exp(-0.5 * (diff @ diff) / sc ** 2)
                    rows.append((1.0, u, v))
                    wts.append(wt)
                    vals.append(d[yy, xx])
            if not wts:
                continue
            a, wv, z = np.array(rows), np.array(wts), np.array(vals, np.float64)
            s0 = wv.sum()
            cert[y, x] = s0
            if order == 0:
                est[y, x] = (wv * z).sum() / s0
                continue
            m = (a * wv[:, None]).T @ a + np.diag([0.0, ridge * s0, ridge * s0])
            coef = np.linalg.lstsq(m, (a * wv[:, None]).T @ z, rcond=None)[0]
            est[y, x] = np.clip(coef[0], z.min(), z.max()) if clamp else coef[0]
    return est, cert


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("color", [False, True])
def test_level0_matches_float64_bruteforce(rng, order, color):
    h, w = 20, 26
    d = rng.uniform(1.0, 5.0, (h, w)).astype(np.float32)
    m = rng.random((h, w)) < 0.3
    g = _guide(h, w, rng)
    sy, sx, sc = 1.3, 2.1, (40.0 if color else None)
    # tau tiny: wherever level 0 sees a sample its estimate is used as is
    out, cert = multiscale_normconv(np.where(m, d, np.nan), g if color else None, valid=m,
                                    sigma_space=(sy, sx), sigma_color=sc, order=order,
                                    ridge=0.5, tau=1e-9, levels=0)
    ref, rcert = _brute(d, m.astype(float), g, sy, sx, sc, order, 0.5)
    np.testing.assert_allclose(cert, rcert, rtol=1e-4, atol=1e-6)
    ok = rcert > 1e-3
    assert ok.mean() > 0.9
    np.testing.assert_allclose(out[ok], ref[ok], rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("weighted", [False, True])
def test_level0_unclamped_fused_matches_float64_bruteforce(rng, weighted):
    # order 1 without clamp or color runs the fused one-pass kernel
    h, w = 20, 26
    d = rng.uniform(1.0, 5.0, (h, w)).astype(np.float32)
    m = rng.random((h, w)) < 0.3
    conf = rng.uniform(0.2, 2.0, (h, w)) if weighted else None
    out, cert = multiscale_normconv(np.where(m, d, np.nan), valid=m, confidence=conf,
                                    sigma_space=(1.3, 2.1), order=1, ridge=0.5, tau=1e-9,
                                    levels=0, clamp=False)
    c = m * (conf if weighted else 1.0)
    ref, rcert = _brute(d, c, None, 1.3, 2.1, None, 1, 0.5, clamp=False)
    np.testing.assert_allclose(cert, rcert, rtol=1e-4, atol=1e-6)
    ok = rcert > 1e-3
    assert ok.mean() > 0.9
    np.testing.assert_allclose(out[ok], ref[ok], rtol=1e-3, atol=1e-3)


def test_level0_robust_refit_matches_float64_bruteforce(rng):
    h, w, sy, sx, sr, spread, ridge = 20, 26, 1.3, 2.1, 0.1, 0.05, 0.5
    d = (np.where(rng.random((h, w)) < 0.5, 2.0, 6.0)
         + rng.uniform(0, 0.2, (h, w))).astype(np.float32)
    m = rng.random((h, w)) < 0.3
    kw = dict(valid=m, sigma_space=(sy, sx), ridge=ridge, tau=1e-9, levels=0, clamp=False)
    plain, _ = multiscale_normconv(np.where(m, d, np.nan), **kw)
    out, _ = multiscale_normconv(np.where(m, d, np.nan), sigma_range=sr, edge_spread=spread,
                                 **kw)
    ry, rx = 3, 5
    ref = plain.astype(np.float64)
    flagged = 0
    for y in range(h):
        for x in range(w):
            win = [(yy, xx) for yy in range(max(0, y - ry), min(h, y + ry + 1))
                   for xx in range(max(0, x - rx), min(w, x + rx + 1)) if m[yy, xx]]
            if not win:
                continue
            g = np.array([np.exp(-0.5 * ((yy - y) / sy) ** 2 - 0.5 * ((xx - x) / sx) ** 2)
                          for yy, xx in win])
            vals = np.array([d[p] for p in win], np.float64)
            mu = (g * vals).sum() / g.sum()
            if (g * (vals - mu) ** 2).sum() / g.sum() <= (spread * mu) ** 2:
                continue
            flagged += 1
            e = float(plain[y, x])
            wt = g * np.exp(-0.5 * ((vals - e) / (sr * e)) ** 2)
            a = np.array([[1.0, xx - x, yy - y] for yy, xx in win])
            lhs = (a * wt[:, None]).T @ a + np.diag([0.0, ridge, ridge]) * wt.sum()
            ref[y, x] = np.linalg.solve(lhs, (a * wt[:, None]).T @ vals)[0]
    assert flagged > 0.3 * h * w
    assert (np.abs(ref - plain) > 1e-3).mean() > 0.3  # the refit did change many pixels
    np.testing.assert_allclose(out, ref, rtol=1e-3, atol=1e-3)


def _brute_refit(est, d, m, sy, sx, sr, ridge, ry, rx):
    h, w = d.shape
    out = est.astype(np.float64).copy()
    for y in range(h):
        for x in range(w):
            if m[y, x]:
                continue
            win = [(yy, xx) for yy in range(max(0, y - ry), min(h, y + ry + 1))
                   for xx in range(max(0, x - rx), min(w, x + rx + 1)) if m[yy, xx]]
            if not win:
                continue
            vals = np.array([d[p] for p in win], np.float64)
            if not vals.max() - vals.min() > 2 * sr * vals.min():
                continue
            a = np.array([[1.0, xx - x, yy - y] for yy, xx in win])
            r = vals - float(est[y, x])
            wt = np.array([np.exp(-0.5 * ((yy - y) / sy) ** 2 - 0.5 * ((xx - x) / sx) ** 2)
                           for yy, xx in win]) * np.exp(-0.5 * (r / (sr * est[y, x])) ** 2)
            lhs = (a * wt[:, None]).T @ a + np.diag([0.0, ridge, ridge]) * wt.sum()
            out[y, x] = np.linalg.solve(lhs, (a * wt[:, None]).T @ vals)[0]
    return out


def test_range_refit_matches_float64_bruteforce(rng):
    from depthsmith.ops import range_refit

    h, w = 18, 24
    d = np.where(rng.random((h, w)) < 0.5, 2.0, 6.0) + rng.uniform(0, 0.2, (h, w))
    d = d.astype(np.float32)
    m = rng.random((h, w)) < 0.3
    est = rng.uniform(2.0, 6.0, (h, w)).astype(np.float32)
    out = range_refit(est, np.where(m, d, np.nan), valid=m, sigma_space=(1.3, 2.1),
                      sigma_range=0.1, ridge=0.5)
    ref = _brute_refit(est, d, m, 1.3, 2.1, 0.1, 0.5, 3, 5)
    assert (np.abs(ref - est) > 1e-3).mean() > 0.3  # the refit did change many pixels
    np.testing.assert_allclose(out, ref, rtol=1e-3, atol=1e-3)


def test_robust_invariants_and_errors(rng):
    from depthsmith.ops import range_refit

    d = rng.uniform(2.0, 4.0, (30, 40)).astype(np.float32)
    m = rng.random(d.shape) < 0.15
    clean = normconv(np.where(m, d, 0), valid=m, robust=0.05)
    poisoned = normconv(np.where(m, d, 1e9).astype(np.float32), valid=m, robust=0.05)
    np.testing.assert_array_equal(clean, poisoned)
    np.testing.assert_array_equal(clean[m], d[m])
    c = np.full((30, 40), 3.0, np.float32)
    np.testing.assert_allclose(normconv(np.where(m, c, 0), valid=m, robust=0.05), 3.0,
                               rtol=1e-5)
    with pytest.raises(InputError, match="estimate shape"):
        range_refit(np.zeros((3, 3)), d, valid=m)
    with pytest.raises(InputError, match="sigma_range"):
        range_refit(d, d, valid=m, sigma_range=-1)
