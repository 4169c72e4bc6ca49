"""depthsmith.defocus: kernels, priors, likelihood, estimation, maps, simulation, depth."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from depthsmith._validate import InputError, InputTypeError
from depthsmith.defocus import (
    MAP_METHODS,
    PATCH_METHODS,
    BlurEstimate,
    DefocusWarning,
    blur_map,
    blur_radius,
    blur_to_depth,
    estimate_blur,
    loglik_surface,
    simulate,
)
from depthsmith.defocus._likelihood import ar1_factor, noise_factor, spectrum
from depthsmith.ops import DEFOCUS_KERNELS, blur_kernel, defocus_kernel

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "cones" / "rgb.png"


@functools.lru_cache(maxsize=1)
def _cones_gray():
    from depthsmith.io import read_image

    return (read_image(SAMPLE).astype(np.float64) @ [0.299, 0.587, 0.114]) / 255.0


def texture(n, rng, smooth=None):
    """A sharp natural n x n crop (gray, [0, 1]) of the bundled Cones photo."""
    g = _cones_gray()
    y = int(rng.integers(0, g.shape[0] - n + 1))
    x = int(rng.integers(0, g.shape[1] - n + 1))
    return g[y:y + n, x:x + n].copy()


def blurred(rng, r, p=101, model="disc", noise=0.001):
    k = defocus_kernel(model, r)
    h = k.shape[0] // 2
    sharp = texture(p + 2 * h, rng)
    return signal.fftconvolve(sharp, k, mode="valid") + rng.normal(0, noise, (p, p))


@pytest.mark.parametrize("model", DEFOCUS_KERNELS)
@pytest.mark.parametrize("r", [0.7, 1.5, 2.3, 4.0])
def test_kernel_sums_to_one_and_matches_brute_force(model, r):
    k = defocus_kernel(model, r)
    assert k.sum() == pytest.approx(1.0, abs=1e-12)
    assert k.shape[0] % 2 == 1 and np.allclose(k, k.T) and np.allclose(k, k[::-1])
    if model in ("circular_gaussian", "circular_cauchy", "rect_gaussian"):
        assert np.abs(k - brute_force(model, r)).max() < 4e-3 * k.max()


def brute_force(model, r, kappa=0.5, n=240):
    """float64 pixel integrals of the report's densities by n x n midpoint sampling."""
    h = kappa * r
    half = int(np.ceil(r))
    offs = (np.arange(n) + 0.5) / n - 0.5
    out = np.zeros((2 * half + 1, 2 * half + 1))
    for i in range(-half, half + 1):
        for j in range(-half, half + 1):
            y, x = np.meshgrid(i + offs, j + offs, indexing="ij")
            if model == "rect_gaussian":
                inside = (np.abs(x) <= r) & (np.abs(y) <= r)
            else:
                inside = x * x + y * y <= r * r
            if model == "circular_cauchy":
                dens = (x * x + y * y + h * h) ** -1.5
            else:
                dens = np.exp(-(x * x + y * y) / (2 * h * h))
            out[i + half, j + half] = np.mean(np.where(inside, dens, 0.0))
    return out / out.sum()


def test_disc_brute_force_integral():
    r = 2.3
    k = defocus_kernel("disc", r)
    half = k.shape[0] // 2
    n = 200
    offs = (np.arange(n) + 0.5) / n - 0.5
    ref = np.zeros_like(k)
    for i in range(-half, half + 1):
        for j in range(-half, half + 1):
            y, x = np.meshgrid(i + offs, j + offs, indexing="ij")
            ref[i + half, j + half] = np.mean(x * x + y * y <= r * r)
    ref /= ref.sum()
    assert np.abs(k - ref).max() < 2e-3


def test_old_kernels_unchanged():
    for m in ("disc", "gaussian", "cauchy", "square_gaussian"):
        assert np.array_equal(defocus_kernel(m, 2.0), blur_kernel(m, 2.0))


@pytest.mark.parametrize("rho,n", [(0.3, 51), (0.6, 100), (-0.4, 17)])
def test_ar1_factor_is_fejer_sum_with_mean_one(rho, n):
    g = ar1_factor(rho, n)
    s = np.arange(n)
    lag = s[:, None] - s[None, :]
    ref = np.array([np.sum(rho ** np.abs(lag) * np.cos(2 * np.pi * k * lag / n)) / n
                    for k in range(n)])
    assert np.allclose(g, ref, atol=1e-12)
    assert g.mean() == pytest.approx(1.0, abs=1e-12)


def test_noise_factor_matches_simulated_gradient_noise(rng):
    n, m, reps = 31, 64, 400
    acc = np.zeros(n)
    for _ in range(reps):
        e = rng.normal(0, 1, (m, n + 1))
        g = e[:, 1:] - e[:, :-1]
        acc += (np.abs(np.fft.fft(g, axis=1)) ** 2 / n).mean(axis=0)
    acc /= reps
    h = noise_factor(n)
    assert np.allclose(acc, h, atol=0.05 * h.max())
    assert np.allclose(noise_factor(4001)[1:], 4 * np.sin(np.pi * np.arange(1, 4001) / 4001) ** 2,
                       atol=1e-3)


@pytest.mark.parametrize("r", [1.0, 2.5, 4.0])
def test_likelihood_maximum_recovers_radius(rng, r):
    est = estimate_blur(blurred(rng, r, p=151), eta=0.001)
    assert isinstance(est, BlurEstimate)
    assert abs(est.params["r"] - r) <= 0.5
    assert 0 < est.confidence <= 1
    surf = loglik_surface(blurred(rng, r, p=101), radii=np.arange(0.5, 8.0, 0.05), eta=0.001)
    assert surf.shape == (1, 150)


@pytest.mark.parametrize("method", list(PATCH_METHODS))
def test_every_patch_method_runs(rng, method):
    est = PATCH_METHODS[method](blurred(rng, 2.0), kernel="disc")
    assert np.isfinite(est.params["r"]) and 0.5 <= est.params["r"] <= 8


def test_two_parameter_kernel_reports_h(rng):
    est = estimate_blur(blurred(rng, 3.0, model="circular_gaussian"), kernel="circular_gaussian")
    assert est.params["h"] == pytest.approx(0.5 * est.params["r"])


def test_flat_patch_confidence_zero_one_warning():
    with pytest.warns(DefocusWarning) as rec:
        est = estimate_blur(np.full((64, 64), 0.4))
    assert len(rec) == 1 and est.confidence == 0 and np.isfinite(est.params["r"])
    with pytest.warns(DefocusWarning) as rec:
        bm = blur_map(np.full((80, 90), 0.4), stride=16)
    assert len(rec) == 1 and (bm.confidence == 0).all() and np.isfinite(bm.radius).all()


def test_zero_fill_is_biased_gradient_masking_is_not():
    rng = np.random.default_rng(3)
    r, p = 3.0, 161
    img = blurred(rng, r, p=p)
    yy, xx = np.mgrid[:p, :p]
    mask = (yy - 80) ** 2 + (xx - 80) ** 2 <= 75 ** 2
    masked = estimate_blur(np.where(mask, img, 0.0), eta=0.001, mask=mask)
    with np.errstate(all="ignore"):
        zero_filled = estimate_blur(np.where(mask, img, 0.0), eta=0.001)
    assert abs(masked.params["r"] - r) < 0.5
    assert abs(zero_filled.params["r"] - r) > 1.0


def test_spectrum_square_shares_one_grid():
    s = spectrum(np.random.default_rng(0).random((51, 51)))
    assert len(s.blocks) == 1 and s.blocks[0][0] == (51, 49) and s.blocks[0][2] == 2
    s = spectrum(np.random.default_rng(0).random((40, 51)))
    assert len(s.blocks) == 2


def test_simulate_then_estimate_round_trip(rng):
    img = texture(160, rng)
    rad = np.full(img.shape, 3.0)
    rad[:, 80:] = 1.0
    out = simulate(img, rad, noise=0.001)
    assert out.shape == img.shape and out.dtype == np.float32
    left = estimate_blur(out[20:141, 5:70], eta=0.001).params["r"]
    right = estimate_blur(out[20:141, 95:155], eta=0.001).params["r"]
    assert abs(left - 3.0) <= 0.5 and abs(right - 1.0) <= 0.5
    bm = blur_map(out, stride=8, window=41)
    assert bm.radius.shape == img.shape and np.isfinite(bm.radius).all()
    assert np.median(bm.radius[:, 10:60]) > np.median(bm.radius[:, 100:150]) + 1.0
    layered = simulate(img, rad, depth=np.where(rad > 2, 2.0, 1.0))
    assert np.isfinite(layered).all()


@pytest.mark.parametrize("method", list(MAP_METHODS))
def test_map_methods_finite(rng, method):
    img = simulate(texture(120, rng), np.full((120, 120), 2.0))
    bm = MAP_METHODS[method](img)
    assert bm.radius.shape == (120, 120) and np.isfinite(bm.radius).all()
    assert bm.radius.dtype == np.float32 and (bm.confidence >= 0).all()


def test_segments_from_labels(rng):
    img = simulate(texture(160, rng), np.full((160, 160), 2.0))
    labels = np.zeros((160, 160), np.int32)
    labels[:, 80:] = 1
    bm = blur_map(img, segments=labels)
    assert np.all(np.abs(np.unique(bm.radius) - 2.0) < 0.6)


@pytest.mark.parametrize("side", ["near", "far"])
def test_blur_to_depth_inverts_thin_lens(side):
    cam = dict(focus_distance=2.0, f_number=2.8, focal_length=0.05, pixel_pitch=5e-6)
    d = np.array([1.0, 1.5, 1.9]) if side == "near" else np.array([2.1, 3.0, 5.0])
    r = blur_radius(d, **cam)
    assert np.allclose(blur_to_depth(r, side=side, **cam), d)
    near, far = blur_to_depth(r, side="both", **cam)
    assert (near <= 2.0).all() and (far >= 2.0).all()
    assert np.allclose(blur_to_depth(r, side=side), -r if side == "near" else r)


def test_errors_are_one_line():
    with pytest.raises(InputError, match="kernel 'box' is unknown"):
        estimate_blur(np.zeros((20, 20)), kernel="box")
    with pytest.raises(InputError, match="prior"):
        estimate_blur(np.zeros((20, 20)), prior="laplace")
    with pytest.raises(InputError, match="too small"):
        estimate_blur(np.zeros((4, 20)))
    with pytest.raises(InputTypeError, match="must be an array"):
        estimate_blur("photo.png")
    with pytest.raises(InputError, match="method 'x' is unknown"):
        blur_map(np.zeros((20, 20)), method="x")
    with pytest.raises(InputError, match="side"):
        blur_to_depth(np.ones(3), side="left")
    with pytest.raises(InputError, match="give all of"):
        blur_to_depth(np.ones(3), focus_distance=2.0)
    with pytest.raises(InputError, match="radius_map shape"):
        simulate(np.zeros((20, 20)), np.zeros((10, 10)))
    with pytest.raises(InputError, match="is not a defocus kernel"):
        defocus_kernel("box", 1.0)


def test_decorrelation_loss_minimum_near_truth(rng):
    from depthsmith.defocus import decorrelation_loss

    radii = np.arange(0.5, 6.01, 0.25)
    for r in (1.0, 3.0):
        loss = decorrelation_loss(blurred(rng, r, p=101), np.ones((101, 101), bool), radii,
                                  eta=0.001)
        assert abs(radii[np.argmin(loss)] - r) <= 0.75


def test_dtype_invariance_uint8_uint16_float(rng):
    u8 = np.clip(np.rint(texture(96, rng) * 255), 0, 255).astype(np.uint8)
    rgb = np.repeat(u8[..., None], 3, axis=2)
    a = estimate_blur(u8).params["r"]
    assert estimate_blur(u8.astype(np.uint16) * 257).params["r"] == pytest.approx(a, abs=1e-9)
    assert estimate_blur(u8 / 255.0).params["r"] == pytest.approx(a, abs=1e-9)
    assert estimate_blur(rgb).params["r"] == pytest.approx(a, abs=1e-6)
    m8 = blur_map(u8).radius
    assert np.allclose(blur_map(u8.astype(np.uint16) * 257).radius, m8, atol=1e-5)


def test_simulate_layered_foreground_covers_background():
    img = np.zeros((60, 60))
    img[:, 30:] = 1.0  # bright far half, dark near half
    depth = np.where(np.arange(60)[None, :] < 30, 1.0, 5.0) * np.ones((60, 1))
    rad = np.where(depth < 2, 4.0, 0.0)  # the near (dark) half is blurred
    out = simulate(img, rad, depth=depth, noise=0.0)
    # the blurred dark foreground spills over the sharp bright background's edge
    assert out[30, 31] < 0.95 and out[30, 50] == pytest.approx(1.0, abs=1e-5)
    flat = simulate(np.full((40, 40), 0.3), np.full((40, 40), 2.0), depth=np.ones((40, 40)),
                    noise=0.0)
    assert np.allclose(flat, 0.3, atol=1e-5)


@pytest.mark.parametrize("model", ["gaussian", "circular_gaussian", "rect_gaussian"])
def test_smooth_kernels_recovered_with_periodic_decomposition(rng, model):
    r = 3.0
    est = estimate_blur(blurred(rng, r, p=151, model=model), kernel=model, eta=0.001)
    assert abs(est.params["r"] - r) <= 0.5


def test_kernel_power_matches_fft():
    from depthsmith.ops import kernel_power

    k = defocus_kernel("disc", 2.5)
    pad = np.zeros((31, 29))
    pad[: k.shape[0], : k.shape[1]] = k
    ref = np.abs(np.fft.rfft2(pad)) ** 2
    assert np.allclose(kernel_power("disc", [2.5], (31, 29))[0], ref, atol=1e-6)
