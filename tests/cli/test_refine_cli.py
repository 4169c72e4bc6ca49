"""`depthsmith refine` through click's runner: exit codes, files written, error lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from depthsmith.cli import main
from depthsmith.io import read_depth

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "cones"


@pytest.fixture
def runner():
    return CliRunner()


def _args(out, *extra):
    return ["refine", str(SAMPLE / "disp_gt.png"), "--scale", "4", "--guide",
            str(SAMPLE / "rgb.png"), "-o", str(out), *extra]


def test_cli_auto_writes_png_with_scale(runner, tmp_path):
    out = tmp_path / "ref.png"
    res = runner.invoke(main, _args(out))
    assert res.exit_code == 0, res.output
    assert out.is_file()
    d = read_depth(out, scale=4)
    src = read_depth(SAMPLE / "disp_gt.png", scale=4)
    assert d.shape == src.shape
    v = np.isfinite(src) & np.isfinite(d)
    assert abs(np.nanmedian(d[v]) - np.nanmedian(src[v])) < 1.0  # same units, not rescaled


def test_cli_joint_bilateral_seed_setting(runner, tmp_path):
    out = tmp_path / "jbf.npy"
    res = runner.invoke(main, _args(out, "--method", "joint_bilateral", "--radius", "12",
                                    "--sigma-space", "12.5", "--sigma-color", "20"))
    assert res.exit_code == 0, res.output
    assert read_depth(out).dtype == np.float32


def test_cli_refuses_overwrite_then_allows(runner, tmp_path):
    out = tmp_path / "o.npy"
    assert runner.invoke(main, _args(out, "--method", "guided")).exit_code == 0
    res = runner.invoke(main, _args(out, "--method", "guided"))
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert runner.invoke(main, _args(out, "--method", "guided", "--overwrite")).exit_code == 0


def test_cli_usage_errors_exit_2(runner, tmp_path):
    res = runner.invoke(main, _args(tmp_path / "o.npy", "--method", "guided", "--lam", "3"))
    assert res.exit_code == 2 and "--lam does not apply" in res.output
    res = runner.invoke(main, _args(tmp_path / "o.npy", "--method", "bogus"))
    assert res.exit_code == 2
    res = runner.invoke(main, ["refine", str(SAMPLE / "disp_gt.png"), "-o", "x.npy"])
    assert res.exit_code == 2  # --guide missing


def test_cli_library_errors_exit_1(runner, tmp_path):
    small = tmp_path / "small.npy"
    np.save(small, np.ones((10, 12), np.float32))
    res = runner.invoke(main, ["refine", str(small), "--guide", str(SAMPLE / "rgb.png"),
                               "-o", str(tmp_path / "o.npy")])
    assert res.exit_code == 1
    assert "expected the same size" in res.output and "Traceback" not in res.output
    res = runner.invoke(main, _args(tmp_path / "o2.npy", "--method", "solver",
                                    "--sigma-color", "-1"))
    assert res.exit_code == 1 and "sigma_color" in res.output
    assert not (tmp_path / "o2.npy").exists()


def test_cli_confidence(runner, tmp_path):
    conf = tmp_path / "conf.npy"
    src = read_depth(SAMPLE / "disp_gt.png", scale=4)
    np.save(conf, np.ones(src.shape, np.float32))
    out = tmp_path / "o.npy"
    res = runner.invoke(main, _args(out, "--method", "solver", "--confidence", str(conf)))
    assert res.exit_code == 0, res.output
    assert np.isfinite(read_depth(out)).any()
