"""depthsmith.upsample: exactness, references, invariants, errors, CLI and golden figures."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depthsmith._validate import InputError
from depthsmith.cli import main
from depthsmith.ops import (
    fast_guided_filter,
    fast_guided_upsample,
    guided_filter,
    joint_bilateral_upsample,
)
from depthsmith.ops._jbu import _LUT_MAX, _LUT_STEP, minmod_slopes
from depthsmith.upsample import METHODS, auto_method, output_size, upsample

ALL = [*METHODS, "auto"]
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

def _files(tmp_path, rng, gshape=(40, 48)):
    from depthsmith.io import write_depth, write_image

    d = rng.uniform(1, 10, (10, 12)).astype(np.float32)
    src, gp = tmp_path / "lr.npy", tmp_path / "rgb.png"
    write_depth(src, d)
    write_image(gp, _guide(rng, gshape))
    return d, src, gp


def test_cli_upsample(tmp_path, rng):
    from depthsmith.io import read_depth

    d, src, gp = _files(tmp_path, rng)
    out = tmp_path / "hr.npy"
    r = CliRunner().invoke(main, ["upsample", str(src), "--factor", "4", "--guide", str(gp),
                                  "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "(optimize)" in r.output
    hr = read_depth(out)
    assert hr.shape == (40, 48) and np.isfinite(hr).all()
    # refuses to overwrite without --overwrite, accepts with it
    r = CliRunner().invoke(main, ["upsample", str(src), "--factor", "4", "-o", str(out)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    r = CliRunner().invoke(main, ["upsample", str(src), "--factor", "4", "-o", str(out),
                                  "--overwrite", "--method", "bicubic"])
    assert r.exit_code == 0, r.output
    np.testing.assert_array_equal(read_depth(out), cv2.resize(d, (48, 40),
                                                              interpolation=cv2.INTER_CUBIC))


def test_cli_upsample_errors(tmp_path, rng):
    _, src, gp = _files(tmp_path, rng, gshape=(30, 36))
    out = tmp_path / "hr.npy"
    r = CliRunner().invoke(main, ["upsample", str(src), "--factor", "4", "--guide", str(gp),
                                  "-o", str(out)])
    assert r.exit_code == 1
    assert "does not match the output size" in r.output and "Traceback" not in r.output
    assert not out.exists()
    # with --size the guide's size is used
    r = CliRunner().invoke(main, ["upsample", str(src), "--size", "36x30", "--guide", str(gp),
                                  "-o", str(out)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["upsample", str(src), "-o", str(tmp_path / "x.npy")])
    assert r.exit_code == 2
    r = CliRunner().invoke(main, ["upsample", str(src), "--factor", "4", "--method", "jbu",
                                  "-o", str(tmp_path / "x.npy")])
    assert r.exit_code == 2 and "needs --guide" in r.output
    r = CliRunner().invoke(main, ["upsample", str(src), "--size", "bad", "-o",
                                  str(tmp_path / "x.npy")])
    assert r.exit_code == 2


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
