"""``depthsmith fill``: outputs, exit codes and the one-line error contract."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from depthsmith.cli import main
from depthsmith.io import read_depth, write_depth, write_image

from ..conftest import SAMPLE

DISP = str(SAMPLE / "disp_gt.png")
RGB = str(SAMPLE / "rgb.png")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_line_error(res, code, needle):
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert any(needle in ln for ln in lines), res.output
    if code == 1:
        assert len(lines) == 1, res.output


@pytest.mark.parametrize("method", ["auto", "guided", "normconv", "background"])
def test_fill_png_to_pfm(tmp_path, method):
    out = tmp_path / "filled.pfm"
    res = run("fill", DISP, "--scale", 4, "--guide", RGB, "-o", out, "--method", method)
    assert res.exit_code == 0, res.output
    d = read_depth(DISP, scale=4)
    f = read_depth(out)
    assert np.isfinite(f).all()
    v = np.isfinite(d) & (d > 0)
    np.testing.assert_allclose(f[v], d[v], rtol=1e-6)
    assert "filled" in res.output


def test_fill_occlusion_preview_and_overwrite(tmp_path):
    out = tmp_path / "f.png"
    prev = tmp_path / "p.png"
    args = ("fill", DISP, "--scale", 4, "--guide", RGB, "-o", out, "--occlusion",
            "--disparity", "--preview", prev)
    res = run(*args)
    assert res.exit_code == 0, res.output
    assert out.is_file() and prev.is_file() and prev.stat().st_size > 1000
    one_line_error(run(*args), 1, "exists")
    assert run(*args, "--overwrite").exit_code == 0


def test_fill_max_hole_and_no_guide(tmp_path):
    d = np.full((40, 40), 5.0, np.float32)
    d[10:30, 10:30] = np.nan
    src = tmp_path / "d.npy"
    write_depth(src, d)
    out = tmp_path / "o.npy"
    res = run("fill", src, "-o", out, "--max-hole", 3)
    assert res.exit_code == 0, res.output
    f = read_depth(out)
    assert np.isnan(f[20, 20]) and f[11, 11] == pytest.approx(5.0)
    assert "left beyond --max-hole" in res.output


def test_fill_errors(tmp_path):
    out = tmp_path / "o.pfm"
    one_line_error(run("fill", DISP, "--scale", 4, "-o", DISP, "--overwrite"), 1, "input")
    small = tmp_path / "small.png"
    write_image(small, np.zeros((10, 12, 3), np.uint8))
    one_line_error(run("fill", DISP, "--scale", 4, "--guide", small, "-o", out), 1,
                   "expected the same size")
    empty = tmp_path / "empty.npy"
    write_depth(empty, np.zeros((8, 8), np.float32))
    one_line_error(run("fill", empty, "-o", out), 1, "no valid pixel")
    one_line_error(run("fill", tmp_path / "missing.png", "-o", out), 1, "missing.png")
    one_line_error(run("fill", DISP, "-o", out, "--method", "magic"), 2, "magic")
    one_line_error(run("fill", DISP, "-o", out, "--method", "normconv", "--occlusion"), 1,
                   "cannot honour occlusion=True")
    assert not out.exists()


def test_fill_biharmonic_and_thin_plate_options(tmp_path):
    out = tmp_path / "b.npy"
    res = run("fill", DISP, "--scale", 4, "--guide", RGB, "-o", out, "--method", "biharmonic")
    assert res.exit_code == 0, res.output
    assert np.isfinite(read_depth(out)).all()
    out2 = tmp_path / "t.npy"
    res = run("fill", DISP, "--scale", 4, "--guide", RGB, "-o", out2, "--thin-plate", 0.5)
    assert res.exit_code == 0, res.output
    b, t = read_depth(out), read_depth(out2)
    d = read_depth(DISP, scale=4)
    holes = ~(np.isfinite(d) & (d > 0))
    assert not np.allclose(b[holes], t[holes])  # half planes, half thin plate
    one_line_error(run("fill", DISP, "--scale", 4, "-o", tmp_path / "x.npy",
                       "--thin-plate", 2), 1, "thin_plate")
    one_line_error(run("fill", DISP, "--scale", 4, "-o", tmp_path / "y.npy", "--method",
                       "biharmonic", "--occlusion"), 1, "occlusion")
