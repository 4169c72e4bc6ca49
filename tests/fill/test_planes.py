"""depthsmith.fill.planes (the default fill): first order where the data is, sharp where the
colours say so, soft where the sensor is soft."""

from __future__ import annotations

import numpy as np
import pytest

from depthsmith._validate import InputError, InputTypeError
from depthsmith.fill import METHODS, fill_holes, guided, planes
from depthsmith.fill._planes import SOFT_EDGE, SOFTEN_SIGMA, soften_sigma
from depthsmith.fill._smooth import edge_sharpness, smooth_holes
from depthsmith.ops._geodesic import compact_set


def _discs(shape, centres, r):
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    m = np.zeros(shape, bool)
    for cy, cx in centres:
        m |= (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    return m


def _plane(shape, a=1000.0, gx=2.5, gy=-1.5):
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    return a + gx * xx + gy * yy


def _rmse(out, gt, m):
    return float(np.sqrt(np.mean((out[m].astype(np.float64) - gt[m]) ** 2)))


@pytest.mark.parametrize("guide", [True, False])
def test_sloped_plane_filled_exactly(guide, rng):
    # a steep plane (2.5 units/px: 0.25 %/px of the value) with holes inside, on the frame's
    # border and in a corner: every filled pixel is the plane's value
    shape = (48, 64)
    d = _plane(shape).astype(np.float32)
    holes = _discs(shape, [(20, 30), (0, 10), (47, 63), (30, 0)], 7)
    g = rng.integers(0, 256, shape + (3,), dtype=np.uint8) if guide else None
    for method in ("planes", "auto"):
        out = fill_holes(np.where(holes, np.nan, d), g, method=method)
        np.testing.assert_allclose(out[holes], d[holes], rtol=0, atol=1e-5 * np.ptp(d))


def test_noisy_slope_is_averaged_not_copied(rng):
    """On a noisy sloped surface (a ToF wall), the plane of many border pixels is far closer
    than a copied seed: RMSE over the holes below half the noise (the zeroth-order fill with
    local-slope extrapolation, ``guided``, stays near the noise)."""
    shape = (80, 96)
    gt = _plane(shape)
    sigma = 5.0
    noisy = (gt + rng.normal(0, sigma, shape)).astype(np.float32)
    holes = _discs(shape, [(20, 24), (40, 70), (60, 30)], 10)
    g = np.full(shape + (3,), 128, np.uint8)
    inp = np.where(holes, np.nan, noisy)
    ours = _rmse(fill_holes(inp, g), gt, holes)
    old = _rmse(guided(inp, g), gt, holes)
    assert ours < 0.5 * sigma, ours
    assert old > 0.8 * sigma, old


def _step_scene(shape=(48, 64), jump=1.25, soft=0.0):
    """Two sloped planes meeting at a vertical step along a colour edge at x = w/2; ``soft``:
    the step blurred by a Gaussian of that many px (as a ToF sensor blurs it)."""
    h, w = shape
    xx = np.arange(w, dtype=np.float64)
    base = _plane(shape, a=1000.0, gx=1.0, gy=0.5)
    step = (xx >= w // 2).astype(np.float64)
    if soft > 0:
        from scipy.ndimage import gaussian_filter1d
        step = gaussian_filter1d(step, soft, mode="nearest")
    d = base * (1 + (jump - 1) * step[None, :])
    g = np.zeros(shape + (3,), np.uint8)
    g[:, : w // 2] = (200, 40, 40)
    g[:, w // 2:] = (30, 30, 220)
    return d, g


def test_step_along_colour_edge_stays_sharp():
    d, g = _step_scene()
    h, w = d.shape
    assert edge_sharpness(d.astype(np.float32), np.ones(d.shape, bool)) > 0.95
    holes = _discs(d.shape, [(24, w // 2)], 10)
    out = fill_holes(np.where(holes, np.nan, d).astype(np.float32), g)
    # every filled pixel on its own side's plane, the ones next to the edge included
    np.testing.assert_allclose(out[holes], d[holes], rtol=2e-4)
    cols = np.nonzero(holes[24])[0]
    row = out[24, cols]
    left, right = row[cols < w // 2], row[cols >= w // 2]
    assert right.min() - left.max() > 0.2 * d[24, w // 2 - 1]  # one step, not a ramp


def test_soft_sensor_edges_are_softened_inside_holes():
    """Steps blurred by the sensor (ToF edges): one visible, one wholly inside a hole (a
    full-height band, so no seed carries its ramp). The input's visible edge measures soft,
    the fill softens the hidden discontinuity the same way and lands closer to the truth
    than the same fill with softening off (a sharp step at the colour edge)."""
    from scipy.ndimage import gaussian_filter1d

    h, w = 40, 96
    xx = np.arange(w)
    steps = gaussian_filter1d((xx >= w // 3) + 1.0 * (xx >= 2 * w // 3), 1.5, mode="nearest")
    d = _plane((h, w), a=1000.0, gx=1.0, gy=0.5) * (1 + 0.2 * steps[None, :])
    g = np.zeros((h, w, 3), np.uint8)
    g[:, : w // 3] = (200, 40, 40)
    g[:, w // 3: 2 * w // 3] = (30, 30, 220)
    g[:, 2 * w // 3:] = (40, 200, 40)
    holes = np.zeros((h, w), bool)
    holes[:, 2 * w // 3 - 8: 2 * w // 3 + 8] = True
    inp = np.where(holes, np.nan, d).astype(np.float32)
    assert edge_sharpness(inp, ~holes) < SOFT_EDGE
    soft = _rmse(fill_holes(inp, g), d, holes)
    sharp = _rmse(fill_holes(inp, g, soften=0), d, holes)
    assert soft < 0.5 * sharp, (soft, sharp)


def test_edge_sharpness_and_soften_rule():
    ones = np.ones((20, 30), bool)
    step = np.where(np.arange(30) < 15, 10.0, 20.0)[None, :].repeat(20, 0).astype(np.float32)
    ramp = np.interp(np.arange(30), [13, 17], [10, 20])[None, :].repeat(20, 0)
    assert edge_sharpness(step, ones) > 0.99
    # a 4-px linear ramp: the runs over it have ratios 1, 1/2, 1/3, 1/4, 1/3, 1/2, 1
    assert edge_sharpness(ramp.astype(np.float32), ones) == pytest.approx(0.5, abs=0.01)
    flat = np.full((20, 30), 5.0, np.float32)
    assert edge_sharpness(flat, ones) == 1.0  # no discontinuity: nothing to soften
    # units: a ratio of steps
    assert edge_sharpness(ramp.astype(np.float32) * 1000, ones) == \
        edge_sharpness(ramp.astype(np.float32), ones)
    assert soften_sigma(1.0) == 0.0 and soften_sigma(0.3) == SOFTEN_SIGMA
    assert 0 < soften_sigma(0.78) < SOFTEN_SIGMA


def test_smooth_holes_keeps_planes_and_valid_pixels(rng):
    shape = (30, 40)
    d = _plane(shape, a=50.0, gx=0.3, gy=0.2).astype(np.float32)
    holes = _discs(shape, [(0, 12), (15, 20), (29, 30)], 6)
    dz = d.copy()
    pix, _, tgt, _, _ = compact_set(holes, np.where(~holes, 0.0, np.inf))
    dz[holes] += rng.normal(0, 1, holes.sum()).astype(np.float32)  # a noisy first fill
    before = np.abs(dz - d)[holes].mean()
    smooth_holes(dz, pix, tgt, iters=200)
    np.testing.assert_array_equal(dz[~holes], d[~holes])
    assert np.abs(dz - d)[holes].mean() < 0.1 * before
    exact = d.copy()
    smooth_holes(exact, pix, tgt, iters=5)
    np.testing.assert_allclose(exact, d, rtol=1e-6)


def test_planes_registered_and_params_checked(rng):
    assert "planes" in METHODS and METHODS["auto"].__doc__.count("planes")
    d = rng.uniform(1, 2, (20, 24)).astype(np.float32)
    d[5:9, 6:12] = np.nan
    for bad, exc in (({"plane_radius": 0}, InputError), ({"smooth_iters": 1.5}, InputError),
                     ({"soften": -1}, InputError), ({"plane_tol": "x"}, InputTypeError),
                     ({"plane_radius": True}, InputTypeError)):
        with pytest.raises(exc):
            planes(d, None, **bad)
    assert np.isfinite(planes(d, None, occlusion=True)).all()
