"""Finite-window and tapered periodogram means, the leakage cross, and the map defaults."""

from __future__ import annotations

import numpy as np
import pytest

from depthsmith.defocus import blur_map, simulate
from depthsmith.defocus._likelihood import (
    R_GRID,
    axis_keep,
    loglik_at,
    prior_grid,
    spectrum,
)
from depthsmith.ops import defocus_kernel, kernel_power
from depthsmith.ops._dfd_spectra import kernel_power_finite, taper_lags, tukey_taper

from .test_defocus import blurred, texture


def _brute_mean_periodogram(cov, shape, taper):
    """E |DFT(W y)|^2 / N by the double sum over pixel pairs, ``cov(dy, dx)`` the field's
    autocovariance (float64, small windows only)."""
    m, n = shape
    w = np.outer(tukey_taper(m, taper), tukey_taper(n, taper)).ravel()
    yy, xx = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    yy, xx = yy.ravel(), xx.ravel()
    c = cov(yy[:, None] - yy[None, :], xx[:, None] - xx[None, :]) * np.outer(w, w)
    ky, kx = np.meshgrid(np.arange(m), np.arange(n // 2 + 1), indexing="ij")
    out = np.empty(ky.shape)
    for i, (a, b) in enumerate(zip(ky.ravel(), kx.ravel(), strict=True)):
        e = np.exp(-2j * np.pi * (a * yy / m + b * xx / n))
        out.flat[i] = np.real(np.conj(e) @ c @ e) / (m * n)
    return out


def _kernel_cov(k):
    from scipy import signal

    a = signal.fftconvolve(k, k[::-1, ::-1])
    cy, cx = k.shape[0] - 1, k.shape[1] - 1

    def cov(dy, dx):
        iy, ix = dy + cy, dx + cx
        ok = (iy >= 0) & (iy < a.shape[0]) & (ix >= 0) & (ix < a.shape[1])
        return np.where(ok, a[np.clip(iy, 0, a.shape[0] - 1), np.clip(ix, 0, a.shape[1] - 1)],
                        0.0)
    return cov


@pytest.mark.parametrize("taper", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("model,r", [("disc", 1.5), ("circular_gaussian", 2.2)])
def test_kernel_power_finite_equals_brute_force_expectation(model, r, taper):
    shape = (9, 11)
    want = _brute_mean_periodogram(_kernel_cov(defocus_kernel(model, r)), shape, taper)
    got = kernel_power_finite(model, [r], shape, taper=taper)[0]
    assert np.allclose(got, want, rtol=1e-4, atol=1e-6)


def test_kernel_power_finite_tends_to_kernel_power_and_keeps_mean():
    k = defocus_kernel("disc", 2.0)
    small = kernel_power_finite("disc", [2.0], (15, 13))[0]
    # the mean over the full DFT grid is the lag-0 inverse DFT: A_k(0) = sum of k^2
    assert np.isclose(np.fft.irfft2(small, s=(15, 13))[0, 0], np.sum(k * k), rtol=1e-4)
    big = (401, 399)
    err_big = np.abs(kernel_power_finite("disc", [2.0], big)[0] - kernel_power("disc", 2.0, big)[0])
    err_small = np.abs(small - kernel_power("disc", 2.0, (15, 13))[0])
    assert err_big.max() < 0.2 * err_small.max()
    assert (small >= 0).all()


def test_taper_lags_rectangular_is_triangle_and_taper_has_unit_mean_square():
    n = 17
    t = np.arange(-(n - 1), n)
    assert np.allclose(taper_lags(n, 0.0), 1 - np.abs(t) / n)
    for a in (0.25, 1.0):
        w = tukey_taper(n, a)
        assert np.isclose(np.mean(w * w), 1.0) and w[0] < w[n // 2]
        assert np.isclose(taper_lags(n, a)[n - 1], 1.0)


@pytest.mark.parametrize("taper", [0.0, 0.5])
def test_tapered_noise_factor_matches_brute_force(taper):
    shape = (7, 9)  # gradient noise: variance 2, lag +-1 along the gradient -1

    def cov(dy, dx):
        return np.where(dy == 0, np.where(dx == 0, 2.0, np.where(np.abs(dx) == 1, -1.0, 0.0)),
                        0.0)
    want = _brute_mean_periodogram(cov, shape, taper)
    _g, h, _w = prior_grid(shape, "iid", (0.3, 0.6), "power", taper)
    assert np.allclose(h.reshape(want.shape), want, atol=1e-9)


def test_axis_keep_leaves_out_the_cross_only():
    keep = axis_keep((11, 13), 2).reshape(11, 7)
    assert (keep[:, :2] == 0).all() and (keep[[0, 1, 10], :] == 0).all()
    assert (keep[2:10, 2:] == 1).all()
    assert (axis_keep((11, 13), 0) == 1).all()


def test_cross_frequencies_add_a_constant(rng):
    """Changing the periodogram only on the left-out cross changes log L by the same amount
    at every radius."""
    sp = spectrum(blurred(rng, 2.5, p=51))
    idx = np.arange(0, R_GRID.size, 10)
    kw = dict(model="disc", kappa=0.5, sigma="energy", eta=0.001, prior="iid", cross=1)
    a = loglik_at(sp, idx, **kw)
    shape, S, ndir = sp.blocks[0]
    S2 = S.copy()
    S2[axis_keep(shape, 1) == 0] *= 5.0
    sp.blocks[0] = (shape, S2, ndir)
    b = loglik_at(sp, idx, **kw)
    assert np.ptp(a - b) < 1e-6 * np.abs(a).max()


def test_default_map_separates_two_blur_levels(rng):
    img = texture(160, rng)
    rad = np.full(img.shape, 3.5)
    rad[:, 80:] = 1.0
    out = simulate(img, rad, noise=0.001)
    bm = blur_map(out)
    assert np.isfinite(bm.radius).all()
    assert np.median(bm.radius[:, 10:60]) > np.median(bm.radius[:, 100:150]) + 1.0
    old = blur_map(out, window=41, stride=10, periodic=False, smooth=6.0)
    assert np.isfinite(old.radius).all()


def test_periodic_spectrum_energy_is_the_periodic_components(rng):
    """With the periodic component, ``energy`` is that component's mean square (Parseval),
    which is what the periodogram holds; without it, the raw gradients'."""
    from depthsmith.defocus._likelihood import _periodic_rfft2

    b = blurred(rng, 3.0, p=51)
    sp = spectrum(b, periodic=True)
    gx = (b[:, 1:] - b[:, :-1])[:, :49]
    gy = (b[1:, :] - b[:-1, :]).T[:, :49]
    comp = [np.fft.irfft2(_periodic_rfft2(g), s=g.shape) for g in (gx, gy)]
    want = (np.sum(comp[0] ** 2) + np.sum(comp[1] ** 2)) / (2 * gx.size)
    assert np.isclose(sp.energy, want, rtol=1e-9)
    raw = spectrum(b)
    assert np.isclose(raw.energy, (np.sum(gx ** 2) + np.sum(gy ** 2)) / (2 * gx.size))
    assert sp.energy < raw.energy  # the border jumps carry energy the periodogram drops


def test_use_periodic_rules():
    from depthsmith.defocus._likelihood import use_periodic

    assert use_periodic("auto", "disc") and use_periodic("auto", "gaussian")
    assert not use_periodic("smooth", "disc") and use_periodic("smooth", "gaussian")
    assert not use_periodic(False, "gaussian")


@pytest.mark.parametrize("r", [2.0, 4.0])
def test_default_recovers_disc_radius_on_small_natural_patches(rng, r):
    """p = 51, where the border leakage matters most: the default (periodic component, its
    energy, scale 1) within 0.5 px on most patches."""
    from depthsmith.defocus import estimate_blur

    est = [estimate_blur(blurred(rng, r, p=51)).r for _ in range(6)]
    assert np.mean(np.abs(np.array(est) - r) <= 0.5) >= 0.6


def test_cover_max_takes_the_largest_confident_covering_estimate():
    from depthsmith.defocus._patches import cover_max

    r = np.array([[1.0, 1.0, 1.0, 4.0, 4.0, 4.0, 8.0]])
    conf = np.array([[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.01]])  # the 8 px is not confident
    rr, cc = cover_max(r, conf, 3, 0.1)
    assert np.allclose(rr, [[1, 1, 4, 4, 4, 4, 4]])
    assert cc[0, -1] == 1.0 and (cc > 0).all()
    rr, _ = cover_max(r, conf, 1, 0.1)
    assert np.allclose(rr, [[1, 1, 1, 4, 4, 4, 0]])


def test_map_cover_option_and_error(rng):
    from depthsmith._validate import InputError

    img = simulate(texture(120, rng), np.full((120, 120), 2.0))
    a = blur_map(img, cover="centre").radius
    b = blur_map(img).radius
    assert np.isfinite(a).all() and np.isfinite(b).all()
    with pytest.raises(InputError, match="cover"):
        blur_map(img, cover="median")
