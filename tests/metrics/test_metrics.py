"""Metrics against analytic values, float64 references, scikit-image and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from depthsmith import metrics as M


def test_analytic_constant_offset():
    gt = np.full((10, 10), 2.0, np.float32)
    pred = gt + 0.4
    r = M.evaluate(pred, gt)
    assert r["rmse"] == pytest.approx(0.4) and r["mae"] == pytest.approx(0.4)
    assert r["absrel"] == pytest.approx(0.2) and r["mape"] == pytest.approx(20.0)
    assert r["sqrel"] == pytest.approx(0.08)
    assert r["log10"] == pytest.approx(np.log10(2.4 / 2.0))
    assert r["irmse"] == pytest.approx(abs(1 / 2.4 - 1 / 2.0))
    assert r["delta1"] == 1.0 and r["bad1"] == 0.0 and r["n"] == 100


def test_irmse_in_per_km_for_metres():
    gt = np.full((4, 4), 10.0, np.float32)
    pred = np.full((4, 4), 20.0, np.float32)
    assert M.irmse(pred, gt, inverse_unit=1000) == pytest.approx(50.0)  # 100 - 50 1/km
    pred[0, 0] = 0  # a missing prediction counts as 0 m -> inverse 0
    assert M.imae(pred, gt, inverse_unit=1000) == pytest.approx((15 * 50 + 100) / 16)


def test_delta_and_bad_thresholds():
    gt = np.ones((1, 4), np.float32) * 10
    pred = np.array([[10, 12.4, 13, 20]], np.float32)
    assert M.delta(pred, gt, k=1) == pytest.approx(0.5)
    assert M.delta(pred, gt, k=2) == pytest.approx(0.75)
    assert M.delta(pred, gt, k=3) == pytest.approx(0.75)  # 1.25^3 = 1.95 < 2: 20 still fails
    assert M.bad(pred, gt, threshold=1.0) == pytest.approx(75.0)


def test_mask_excludes_pixels_and_nan_gt():
    gt = np.array([[1, 2, np.nan, 0]], np.float32)
    pred = np.array([[1, 2, 99, 99]], np.float32)
    assert M.rmse(pred, gt) == 0.0
    valid = np.array([[True, False, True, True]])
    assert M.rmse(pred, gt, valid=valid) == pytest.approx(np.sqrt(99 ** 2 / 2))


def test_nan_prediction_on_scored_pixel_raises():
    with pytest.raises(ValueError, match="NaN/inf values on scored pixels"):
        M.rmse(np.array([[np.nan, 1.0]]), np.array([[1.0, 1.0]]))


def test_empty_mask_raises():
    with pytest.raises(ValueError, match="no pixel to score"):
        M.rmse(np.ones((2, 2)), np.zeros((2, 2)))


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="does not match"):
        M.mae(np.ones((2, 3)), np.ones((3, 2)))


def test_ssim_psnr_match_scikit_image(rng):
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    gt = rng.uniform(1, 5, (48, 57))
    pred = gt + rng.normal(0, 0.2, gt.shape)
    ref = structural_similarity(pred, gt, data_range=4.0, gaussian_weights=True, sigma=1.5,
                                use_sample_covariance=False)
    assert M.ssim(pred, gt, data_range=4.0) == pytest.approx(ref, abs=1e-6)
    assert M.psnr(pred, gt, data_range=4.0) == pytest.approx(
        peak_signal_noise_ratio(gt, pred, data_range=4.0), abs=1e-9)
    assert M.psnr(gt, gt) == float("inf") and M.ssim(gt, gt) == pytest.approx(1.0)


def test_masked_ssim_ignores_invalid_pixels(rng):
    gt = rng.uniform(1, 5, (40, 40))
    pred = gt + rng.normal(0, 0.1, gt.shape)
    valid = np.ones_like(gt, bool)
    valid[10:20, 10:20] = False
    a = M.ssim(pred, gt, valid=valid, data_range=4)
    pred2 = pred.copy()
    pred2[~valid] = 1e9
    assert M.ssim(pred2, gt, valid=valid, data_range=4) == pytest.approx(a)


def test_edge_band():
    gt = np.ones((20, 20), np.float32)
    gt[:, 10:] = 5
    band = M.edge_band(gt, radius=2)
    assert band[:, 7:13].all() and not band[:, :7].any() and not band[:, 13:].any()
    r = M.evaluate(gt + 0.1, gt, edge_radius=2)
    assert r["rmse_edge"] == pytest.approx(0.1, rel=1e-6)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (6, 7), elements=st.floats(0.1, 100)),
       arrays(np.float64, (6, 7), elements=st.floats(0.1, 100)))
def test_properties_against_float64_reference(p, g):
    r = M.evaluate(p, g)
    e = p - g  # float64 inputs are scored in float64 without a float32 round trip
    assert r["rmse"] == pytest.approx(np.sqrt(np.mean(e ** 2)), rel=1e-9)
    assert r["mae"] <= r["rmse"] + 1e-12
    assert 0 <= r["delta1"] <= r["delta2"] <= r["delta3"] <= 1
    assert 0 <= r["bad1"] <= 100
    assert M.rmse(g, g) == 0
