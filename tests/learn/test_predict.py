"""Bring-your-own ONNX monocular model: predict() and ``depthsmith predict`` (no torch)."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from depthsmith._validate import InputError
from depthsmith.cli import main
from depthsmith.learn._predict import predict

from . import _onnx_models as om


def _expected(img, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0), offset=1.0):
    x = (img.astype(np.float32) / 255.0 - np.array(mean, np.float32)) / np.array(std,
                                                                                 np.float32)
    return x.mean(axis=2) + offset


def test_predict_depth_and_inverse(tmp_path):
    model = om.monocular(tmp_path / "mono.onnx")
    img = om.ramp_image(32, 64)  # already a multiple of 32: no resizing
    d = predict(img, model, mean=(0, 0, 0), std=(1, 1, 1))
    assert d.shape == img.shape[:2] and d.dtype == np.float32
    np.testing.assert_allclose(d, _expected(img), rtol=1e-5)
    inv = predict(img, model, mean=(0, 0, 0), std=(1, 1, 1), output="inverse", out_scale=2.0)
    np.testing.assert_allclose(inv, 2.0 / _expected(img), rtol=1e-5)
    # ImageNet normalisation (the default) changes the values as stated
    d2 = predict(img, model)
    np.testing.assert_allclose(d2, _expected(img, (0.485, 0.456, 0.406),
                                             (0.229, 0.224, 0.225)), rtol=1e-4, atol=1e-5)


def test_predict_static_size_nhwc_and_guides(tmp_path):
    model = om.monocular(tmp_path / "fcrn.onnx", layout="nhwc", static=(16, 24))
    img = om.ramp_image(48, 72)
    d = predict(img, model, layout="nhwc", mean=(0, 0, 0), std=(1, 1, 1))
    assert d.shape == (48, 72) and np.isfinite(d).all()
    # the left half is orange, the right half blue: the prediction keeps that step
    assert abs(d[:, :10].mean() - _expected(img)[:, :10].mean()) < 0.02
    f = predict(img.astype(np.float32) / 255, model, layout="nhwc", mean=(0, 0, 0),
                std=(1, 1, 1))
    np.testing.assert_allclose(f, d, atol=1e-5)
    with pytest.raises(InputError, match="input height 16"):
        predict(img, model, layout="nhwc", input_size=(32, 24))


def test_predict_bad_models(tmp_path):
    img = om.ramp_image()
    with pytest.raises(InputError, match="no such ONNX file"):
        predict(img, tmp_path / "missing.onnx")
    bad = tmp_path / "corrupt.onnx"
    bad.write_bytes(b"this is not a protobuf")
    with pytest.raises(InputError, match="not a valid ONNX model"):
        predict(img, bad)
    with pytest.raises(InputError, match="2 inputs"):
        predict(img, om.two_inputs(tmp_path / "two.onnx"))
    nhwc = om.monocular(tmp_path / "nhwc.onnx", layout="nhwc", static=(16, 24))
    with pytest.raises(InputError, match="colour channels"):
        predict(img, nhwc, layout="nchw", input_size=(8, 8))


def test_cli_predict(tmp_path):
    from depthsmith.io import read_depth, write_image

    model = om.monocular(tmp_path / "mono.onnx")
    rgb = tmp_path / "rgb.png"
    write_image(rgb, om.ramp_image(32, 64))
    out = tmp_path / "d.npy"
    r = CliRunner().invoke(main, ["predict", str(rgb), "-o", str(out), "--model", str(model),
                                  "--mean", "0,0,0", "--std", "1,1,1"])
    assert r.exit_code == 0, r.output
    np.testing.assert_allclose(read_depth(out), _expected(om.ramp_image(32, 64)), rtol=1e-5)
    out2 = tmp_path / "r.npy"
    r = CliRunner().invoke(main, ["predict", str(rgb), "-o", str(out2), "--model", str(model),
                                  "--refine", "--model-output", "inverse"])
    assert r.exit_code == 0, r.output
    assert np.isfinite(read_depth(out2)).all()
    # errors: one line, no traceback, input never overwritten
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x00garbage")
    for args, code in ((["--model", str(bad)], 1),
                       (["--model", str(tmp_path / "none.onnx")], 1),
                       (["--model", str(model), "--mean", "1,2"], 2),
                       (["--model", str(model), "--input-size", "0,4"], 2)):
        r = CliRunner().invoke(main, ["predict", str(rgb), "-o", str(tmp_path / "x.npy"),
                                      *args])
        assert r.exit_code == code, (args, r.output)
        assert "Traceback" not in r.output and len(r.output.strip().splitlines()) >= 1
    assert not (tmp_path / "x.npy").exists()
    r = CliRunner().invoke(main, ["predict", str(rgb), "-o", str(out), "--model", str(model)])
    assert r.exit_code == 1  # exists, no --overwrite
