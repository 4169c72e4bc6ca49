"""upsample(method="learned"): the shipped ONNX model through onnxruntime (no torch)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from depthsmith._validate import InputError
from depthsmith.cli import main
from depthsmith.learn._sr_infer import consistency_step, normalise, smooth_consistency_step
from depthsmith.upsample import METHODS, upsample

from . import _onnx_models as om


def _scene(rng, h=24, w=32, k=4):
    """A low-res depth with a step along a colour edge, and its high-res guide."""
    H, W = h * k, w * k
    yy, xx = np.mgrid[0:H, 0:W]
    fg = (xx - W / 2) ** 2 + (yy - H / 2) ** 2 < (min(H, W) / 3) ** 2
    hr = np.where(fg, 2.0, 5.0) + 0.01 * xx
    rgb = np.where(fg[..., None], [200, 60, 40], [30, 90, 180]).astype(np.float64)
    rgb = np.clip(rgb + rng.normal(0, 4, rgb.shape), 0, 255).astype(np.uint8)
    lr = cv2.resize(hr.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
    return lr, rgb, hr.astype(np.float32)


def test_registered_and_runs_any_factor(rng):
    assert "learned" in METHODS
    for k in (2, 8):
        lr, rgb, _ = _scene(rng, 12, 16, k)
        out = upsample(lr, k, rgb, method="learned")
        assert out.shape == rgb.shape[:2] and out.dtype == np.float32
        assert np.isfinite(out).all()
    lr, rgb, _ = _scene(rng, 12, 16, 4)
    out = upsample(lr, guide=rgb[:41, :58], size=(41, 58), method="learned")  # x3.4 / x3.6
    assert out.shape == (41, 58) and np.isfinite(out).all()


def test_units_and_offset_invariance(rng):
    # normalisation from the input's own range: scaling or shifting the input scales or
    # shifts the output
    lr, rgb, _ = _scene(rng)
    ref = upsample(lr, 4, rgb, method="learned")
    np.testing.assert_allclose(upsample(lr * 1000, 4, rgb, method="learned"), ref * 1000,
                               rtol=1e-4)
    np.testing.assert_allclose(upsample(lr + 100, 4, rgb, method="learned"), ref + 100,
                               rtol=0, atol=1e-3)


def test_consistency_step(rng):
    lr, rgb, _ = _scene(rng)
    on = upsample(lr, 4, rgb, method="learned", smooth_consistency=False)
    off = upsample(lr, 4, rgb, method="learned", consistency=False)
    down = cv2.resize(on, lr.shape[::-1], interpolation=cv2.INTER_AREA)
    np.testing.assert_allclose(down, lr, rtol=1e-5, atol=1e-5)
    assert np.isfinite(off).all()
    # the smooth step (the default): the constraint holds far better than without a step
    smooth = upsample(lr, 4, rgb, method="learned")
    err_off = np.abs(cv2.resize(off, lr.shape[::-1], interpolation=cv2.INTER_AREA) - lr).max()
    err_on = np.abs(cv2.resize(smooth, lr.shape[::-1], interpolation=cv2.INTER_AREA) - lr).max()
    assert err_on < 0.3 * err_off
    # the step alone: exact for integer factors, converging for other sizes
    out = rng.normal(0, 1, (37, 50)).astype(np.float32)
    small = rng.normal(0, 1, (10, 13)).astype(np.float32)
    valid = np.ones(small.shape, bool)
    fixed = consistency_step(out, small, valid, iterations=20)
    err0 = np.abs(cv2.resize(out, (13, 10), interpolation=cv2.INTER_AREA) - small).max()
    err1 = np.abs(cv2.resize(fixed, (13, 10), interpolation=cv2.INTER_AREA) - small).max()
    assert err1 < 0.2 * err0
    valid[3, 4] = False  # an invalid low-res pixel constrains nothing
    fixed = consistency_step(out[:30, :39], small, valid)
    assert np.isfinite(fixed).all()
    for iters, bound in ((3, 0.5), (30, 0.05)):  # iterative back-projection converges
        fixed = smooth_consistency_step(out, small, np.ones(small.shape, bool), iters)
        err = np.abs(cv2.resize(fixed, (13, 10), interpolation=cv2.INTER_AREA) - small).max()
        assert err < bound * err0, (iters, err / err0)
    assert np.isfinite(smooth_consistency_step(out[:30, :39], small, valid)).all()


def test_normalise_never_divides_by_zero():
    lo, scale = normalise(np.full(10, 7.0))
    assert lo == 7.0 and scale > 0
    lo, scale = normalise(np.arange(101.0))
    assert lo == pytest.approx(1.0) and scale == pytest.approx(98.0)


def test_holes_are_never_read(rng):
    lr, rgb, _ = _scene(rng)
    bad = lr.copy()
    bad[5:8, 6:10] = np.nan
    v = np.isfinite(bad)
    out = upsample(bad, 4, rgb, method="learned")
    assert np.isfinite(out).all()
    junk = np.where(v, lr, 1e6).astype(np.float32)
    np.testing.assert_array_equal(upsample(junk, 4, rgb, method="learned", valid=v), out)


def test_bad_input(tmp_path, rng):
    lr, rgb, _ = _scene(rng, 8, 8, 4)
    with pytest.raises(InputError, match="needs a guide"):
        upsample(lr, 4, method="learned")
    for size in ((12, 12), (8 * 17, 8 * 17)):
        g = np.zeros((*size, 3), np.uint8)
        with pytest.raises(InputError, match=r"factor (1.5|17) is outside .*\[2, 16\]"):
            upsample(lr, guide=g, method="learned")
    # factor 1 is the identity and a constant stays constant, as in every method
    np.testing.assert_array_equal(upsample(lr, 1, rgb[:8, :8], method="learned"), lr)
    flat = np.full_like(lr, 3.25)
    assert (upsample(flat, 4, rgb, method="learned") == np.float32(3.25)).all()
    with pytest.raises(InputError, match="no such ONNX file"):
        upsample(lr, 4, rgb, method="learned", model=str(tmp_path / "none.onnx"))
    corrupt = tmp_path / "c.onnx"
    corrupt.write_bytes(b"not onnx")
    with pytest.raises(InputError, match="not a valid ONNX model"):
        upsample(lr, 4, rgb, method="learned", model=str(corrupt))
    two = om.two_inputs(tmp_path / "two.onnx")
    with pytest.raises(InputError, match="has inputs"):
        upsample(lr, 4, rgb, method="learned", model=str(two))


def test_cli_learned(tmp_path, rng):
    from depthsmith.io import read_depth, write_depth, write_image

    lr, rgb, _ = _scene(rng, 10, 12, 4)
    src, gp, out = tmp_path / "lr.npy", tmp_path / "rgb.png", tmp_path / "hr.npy"
    write_depth(src, lr)
    write_image(gp, rgb)
    r = CliRunner().invoke(main, ["upsample", str(src), "--factor", "4", "--guide", str(gp),
                                  "-o", str(out), "--method", "learned", "--no-consistency"])
    assert r.exit_code == 0, r.output
    np.testing.assert_allclose(read_depth(out), upsample(lr, 4, rgb, method="learned",
                                                         consistency=False), rtol=1e-6)
    big = np.zeros((10 * 20, 12 * 20, 3), np.uint8)
    write_image(tmp_path / "big.png", big)
    r = CliRunner().invoke(main, ["upsample", str(src), "--guide", str(tmp_path / "big.png"),
                                  "-o", str(tmp_path / "x.npy"), "--method", "learned"])
    assert r.exit_code == 1 and "factor 20 is outside" in r.output
    assert "Traceback" not in r.output and not (tmp_path / "x.npy").exists()
