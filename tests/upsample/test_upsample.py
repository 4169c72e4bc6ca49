"""depthsmith.upsample: exactness, references, invariants, errors, CLI and golden figures."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depthsmith._validate import InputError
from depthsmith.ops import (
    joint_bilateral_upsample,
)
from depthsmith.upsample import METHODS, auto_method, output_size, upsample

ALL = list(METHODS)
GUIDED = ("jbu", "guided", "optimize", "auto")


def _guide(rng, shape):
    return rng.integers(0, 256, (*shape, 3)).astype(np.uint8)


def _plane(h, w, s, c=(5.0, 0.7, -0.3)):
    """A plane sampled on the low-res grid and its exact high-res version (cv2 centres)."""
    i, j = np.mgrid[0:h, 0:w].astype(np.float64)
    lr = c[0] + c[1] * i + c[2] * j
    y, x = np.mgrid[0:h * s, 0:w * s].astype(np.float64)
    hr = c[0] + c[1] * ((y + 0.5) / s - 0.5) + c[2] * ((x + 0.5) / s - 0.5)
    return lr.astype(np.float32), hr


@pytest.mark.parametrize("method", ALL)
@pytest.mark.parametrize("factor", [1, 2, 3, 4, 8])
def test_constant_is_exact(method, factor, rng):
    g = _guide(rng, (9 * factor, 11 * factor))
    d = np.full((9, 11), 3.25, np.float32)
    out = upsample(d, factor, g, method=method)
    assert out.dtype == np.float32 and out.shape == g.shape[:2]
    np.testing.assert_allclose(out, 3.25, rtol=0, atol=2e-5)


@pytest.mark.parametrize("factor", [2, 3, 4, 8, 16])
def test_planar_is_exact_for_jbu(factor, rng):
    lr, hr = _plane(10, 12, factor)
    g = _guide(rng, hr.shape)  # texture must not bend a plane
    out = upsample(lr, factor, g, method="jbu")
    np.testing.assert_allclose(out, hr, rtol=0, atol=1e-4 * factor)


@pytest.mark.parametrize("factor", [2, 4, 8])
def test_planar_is_exact_for_optimize_planar(factor, rng):
    lr, hr = _plane(10, 12, factor)
    g = _guide(rng, hr.shape)
    out = upsample(lr, factor, g, method="optimize", planar=True)
    np.testing.assert_allclose(out, hr, rtol=0, atol=2e-3)


def test_default_bends_planes_only_slightly(rng):
    # the default's guided-filter stage is not plane-exact (planar=True is): bound the
    # deviation on a ramp under a random-texture guide (texture uncorrelated with depth,
    # the worst case) and under a flat guide (border bending only)
    lr, hr = _plane(12, 12, 8, (50.0, 2.0, 1.0))  # 2 units per low-res sample
    err = np.abs(upsample(lr, 8, _guide(rng, hr.shape)) - hr)
    assert np.sqrt(np.mean(err ** 2)) < 0.4 and err.max() < 2.5
    flat = np.full((*hr.shape, 3), 100, np.uint8)
    err = np.abs(upsample(lr, 8, flat) - hr)
    assert err[16:-16, 16:-16].max() < 1e-3 and err.max() < 1.5


@pytest.mark.parametrize("method", ALL)
def test_factor_one_is_identity(method, rng):
    d = rng.uniform(1, 10, (13, 17)).astype(np.float32)
    out = upsample(d, 1, _guide(rng, d.shape), method=method)
    np.testing.assert_array_equal(out, d)


@pytest.mark.parametrize("method", ["auto", "jbu", "optimize", "guided"])
def test_smooth_ramp_down_then_up_is_near_exact(method):
    H, W, s = 128, 160, 4
    y, x = np.mgrid[0:H, 0:W].astype(np.float64)
    hr = 20 + 0.05 * x + 0.03 * y + 2 * np.sin(x / 37.0) * np.cos(y / 41.0)
    g = np.zeros((H, W, 3), np.uint8) + 128  # an uninformative guide
    lr = cv2.resize(hr.astype(np.float32), (W // s, H // s), interpolation=cv2.INTER_CUBIC)
    out = upsample(lr, s, g, method=method)
    err = np.abs(out - hr)[3 * s:-3 * s, 3 * s:-3 * s]  # borders: reflected windows
    assert err.max() < 0.05, err.max()  # depth range ~17, samples 4 px apart


@pytest.mark.parametrize("method,interp", [("nearest", cv2.INTER_NEAREST),
                                           ("bicubic", cv2.INTER_CUBIC)])
def test_baselines_are_opencv_resize(method, interp, rng):
    d = rng.uniform(1, 10, (11, 13)).astype(np.float32)
    out = upsample(d, 4, method=method)
    np.testing.assert_array_equal(out, cv2.resize(d, (52, 44), interpolation=interp))


@pytest.mark.parametrize("method", ALL)
def test_poisoned_invalid_pixels_never_read(method, rng):
    d = rng.uniform(1, 10, (12, 14)).astype(np.float32)
    valid = rng.random(d.shape) > 0.25
    g = _guide(rng, (48, 56))
    a = upsample(np.where(valid, d, 1e9).astype(np.float32), 4, g, method=method, valid=valid)
    b = upsample(np.where(valid, d, -7.0).astype(np.float32), 4, g, method=method, valid=valid)
    np.testing.assert_array_equal(a, b)
    assert np.isfinite(a).all() and np.abs(a).max() < 100  # poison (1e9) never leaks


def test_nan_input_is_dense_output(rng):
    d = rng.uniform(1, 10, (12, 14)).astype(np.float32)
    d[3:6, 4:9] = np.nan
    out = upsample(d, 4, _guide(rng, (48, 56)))
    assert np.isfinite(out).all()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(c=st.floats(0.01, 1e4), f=st.integers(2, 6), seed=st.integers(0, 2 ** 16))
def test_property_constant_stays_constant(c, f, seed):
    rng = np.random.default_rng(seed)
    d = np.full((6, 7), c, np.float32)
    out = upsample(d, f, _guide(rng, (6 * f, 7 * f)), method="jbu")
    np.testing.assert_allclose(out, np.float32(c), rtol=1e-5)


# ---- errors -----------------------------------------------------------------------------

def test_errors(rng):
    d = rng.uniform(1, 10, (10, 12)).astype(np.float32)
    with pytest.raises(InputError, match=r"guide shape \(30, 36\) does not match the output "
                                         r"size \(40, 48\)"):
        upsample(d, 4, _guide(rng, (30, 36)))
    with pytest.raises(InputError, match="factor must be an integer >= 1, got 2.5"):
        upsample(d, 2.5)
    with pytest.raises(InputError, match="factor must be an integer >= 1, got 0"):
        upsample(d, 0)
    with pytest.raises(InputError, match="method 'jbu' needs a guide"):
        upsample(d, 4, method="jbu")
    with pytest.raises(InputError, match="method must be one of auto, nearest, .*, got .magic."):
        upsample(d, 4, method="magic")
    with pytest.raises(InputError, match="give factor, size or a guide"):
        upsample(d)
    with pytest.raises(InputError, match="size .* disagree"):
        upsample(d, 4, size=(41, 48))
    with pytest.raises(InputError, match="no valid pixel"):
        upsample(np.zeros((4, 4), np.float32), 2)
    with pytest.raises(InputError, match="radius must be an integer >= 1"):
        joint_bilateral_upsample(d, _guide(rng, (40, 48)), radius=0)
    with pytest.raises(InputError, match="smaller than depth"):
        joint_bilateral_upsample(d, _guide(rng, (5, 6)))


def test_size_and_auto_rule(rng):
    d = rng.uniform(1, 10, (10, 12)).astype(np.float32)
    assert output_size(d.shape, size=(25, 31)) == (25, 31)
    assert upsample(d, guide=_guide(rng, (25, 31))).shape == (25, 31)
    assert upsample(d, size=(25, 31), method="bicubic").shape == (25, 31)
    assert auto_method(8, True) == "optimize" and auto_method(8, False) == "bicubic"
    assert auto_method(4, True) == "optimize" and auto_method(2, True) == "jbu"


# ---- CLI --------------------------------------------------------------------------------


# ---- golden figures on the shared Middlebury scenes ------------------------------------

@pytest.mark.parametrize("factor,max_rmse,max_ratio", [(8, 5.0, 0.74), (16, 6.5, 0.71)])
def test_golden_cones(data_root, factor, max_rmse, max_ratio):
    """Cones (PNG units, SR-MIDDLEBURY protocol): measured 2026-11-22 default (optimize
    with the edge-band trilateral JBU) x8 4.75, x16 6.20 vs bicubic 6.76 / 9.13 (ratios
    0.70 / 0.68); tolerance ~5 %."""
    from depthsmith.datasets import load
    from depthsmith.degrade import sr_degrade

    s = load(data_root / "middlebury" / "cones")
    png = np.where(s.valid, s.depth * s.scale, 0).astype(np.float32)
    lr, g, gt, v = sr_degrade(png, s.valid, s.rgb, factor)

    def rmse(p):
        return float(np.sqrt(np.mean((p[v].astype(np.float64) - gt[v]) ** 2)))

    ours = rmse(upsample(lr, factor, g))
    bic = rmse(upsample(lr, factor, method="bicubic"))
    assert ours < max_rmse and ours < max_ratio * bic, (ours, bic)


def test_sr_task_cases(data_root):
    from depthsmith.bench import get_task

    cases = list(get_task("SR-MIDDLEBURY-SEED").cases(data_root))
    assert sorted({c.scene for c in cases}) == ["cones", "teddy", "tsukuba", "venus"]
    assert {c.group for c in cases} == {"x4", "x8", "x16"}
    c = cases[0]
    k = int(c.group[1:])
    assert c.inputs["guide"].shape[:2] == c.truth["gt"].shape
    assert c.inputs["depth"].shape == (c.truth["gt"].shape[0] // k, c.truth["gt"].shape[1] // k)


def test_optimize_iterations_change_result_only_near_edges(rng):
    d = np.full((12, 14), 10.0, np.float32)
    d[:, 7:] = 30.0
    g = np.zeros((96, 112, 3), np.uint8)
    g[:, 56:] = 200
    a = upsample(d, 8, g, method="optimize", iterations=0)
    b = upsample(d, 8, g, method="optimize", iterations=2)
    assert np.abs(a - b)[:, :32].max() < 1e-3 and np.abs(a - b)[:, 80:].max() < 1e-3
    with pytest.raises(InputError, match="iterations must be an integer >= 0"):
        upsample(d, 8, g, method="optimize", iterations=-1)


@pytest.mark.parametrize("factor", [8, 16])
def test_optimize_band_refinement_sharpens_a_step(factor, rng):
    """A depth step on a color edge off the sample grid, with a textured guide: the
    edge-band trilateral stage lowers the RMSE against the high-res truth."""
    H, W = 16 * factor, 20 * factor
    yy, xx = np.mgrid[:H, :W]
    edge = xx > 0.37 * W + 0.15 * yy  # slanted boundary
    truth = np.where(edge, 40.0, 10.0).astype(np.float32)
    g = np.where(edge[..., None], [200, 60, 40], [40, 90, 180]).astype(np.float64)
    g = np.clip(g + rng.normal(0, 6, g.shape), 0, 255).astype(np.uint8)
    lr = cv2.resize(truth, (W // factor, H // factor), interpolation=cv2.INTER_CUBIC)

    def rmse(p):
        return float(np.sqrt(np.mean((p.astype(np.float64) - truth) ** 2)))

    plain = rmse(upsample(lr, factor, g, method="optimize", iterations=0))
    refined = rmse(upsample(lr, factor, g, method="optimize"))
    bic = rmse(upsample(lr, factor, method="bicubic"))
    assert refined < 0.9 * plain and refined < 0.5 * bic, (refined, plain, bic)
