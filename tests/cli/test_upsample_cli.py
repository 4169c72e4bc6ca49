"""depthsmith upsample: the command line."""

from __future__ import annotations

import cv2
import numpy as np
from click.testing import CliRunner

from depthsmith.cli import main

from ..upsample.test_upsample import _guide


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
