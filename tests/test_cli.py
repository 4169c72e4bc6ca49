"""The command line: commands, exit codes and the error contract (one line, no traceback)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from depthsmith import __version__
from depthsmith.cli import main
from depthsmith.io import read_depth, write_depth, write_image

from .conftest import SAMPLE

DISP = str(SAMPLE / "disp_gt.png")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_one_line_error(res, code, *needles):
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1, res.output
    for n in needles:
        assert n in lines[0], lines[0]


def test_version_and_module_entry():
    assert __version__ in run("--version").output
    out = subprocess.run([sys.executable, "-m", "depthsmith", "--version"], capture_output=True,
                         text=True, check=True)
    assert __version__ in out.stdout


def test_info(tmp_path):
    res = run("info", DISP, "--scale", "4", "--json")
    assert res.exit_code == 0
    info = json.loads(res.output)
    assert info["width"] == 450 and info["height"] == 375 and 0.9 < info["valid_fraction"] < 1
    assert info["max"] == pytest.approx(55.0)


def test_eval_json_is_evaluate_dict(tmp_path):
    pred = tmp_path / "p.npy"
    gt = read_depth(DISP, scale=4)
    write_depth(pred, np.nan_to_num(gt, nan=1.0) + 0.5)
    res = run("eval", pred, DISP, "--gt-scale", "4", "--json")
    assert res.exit_code == 0, res.output
    r = json.loads(res.output)
    assert r["rmse"] == pytest.approx(0.5, abs=1e-5) and r["bad1"] == 0
    assert {"rmse", "mae", "absrel", "sqrel", "mape", "log10", "irmse", "imae", "delta1",
            "delta2", "delta3", "bad1", "ssim", "psnr"} <= set(r)


def test_colorize_writes_and_refuses_overwrite(tmp_path):
    out = tmp_path / "c.png"
    assert run("colorize", DISP, out).exit_code == 0 and out.is_file()
    assert_one_line_error(run("colorize", DISP, out), 1, "exists", "--overwrite")
    assert run("colorize", DISP, out, "--overwrite").exit_code == 0


def test_never_overwrites_an_input(tmp_path):
    src = tmp_path / "d.png"
    write_depth(src, np.ones((5, 5), np.float32))
    before = src.read_bytes()
    assert_one_line_error(run("colorize", src, src, "--overwrite"), 1, "also an input")
    assert src.read_bytes() == before


def test_error_contract(tmp_path):
    assert_one_line_error(run("info", tmp_path / "missing.png"), 1, "FILE", "missing.png",
                          "no such file")
    (tmp_path / "x.foo").write_text("hi")
    assert_one_line_error(run("info", tmp_path / "x.foo"), 1, "unknown depth format", ".pfm")
    (tmp_path / "junk.png").write_text("not a png")
    assert_one_line_error(run("info", tmp_path / "junk.png"), 1, "junk.png", "cannot be read")
    rgb = tmp_path / "rgb.png"
    write_image(rgb, np.dstack([np.arange(20, dtype=np.uint8).reshape(4, 5)] * 2
                               + [np.zeros((4, 5), np.uint8)]))
    assert_one_line_error(run("info", rgb), 1, "one channel")
    np.save(tmp_path / "b.npy", np.ones((4, 4), bool))
    assert_one_line_error(run("info", tmp_path / "b.npy"), 1, "dtype bool")
    small = tmp_path / "small.npy"
    write_depth(small, np.ones((4, 4), np.float32))
    assert_one_line_error(run("eval", small, DISP), 1, "same size")
    zeros = tmp_path / "zeros.npy"
    write_depth(zeros, np.zeros((375, 450), np.float32))
    assert_one_line_error(run("eval", DISP, zeros), 1, "no pixel to score")
    nan = tmp_path / "nan.npy"
    write_depth(nan, np.full((375, 450), np.nan, np.float32))
    assert_one_line_error(run("eval", nan, DISP), 1, "NaN/inf")


def test_usage_errors_exit_2():
    assert run("nosuchcommand").exit_code == 2
    assert run("info").exit_code == 2
    assert run("eval", DISP, DISP, "--edge-radius", "abc").exit_code == 2
    res = run("info", DISP, "--scale", "-1")
    assert res.exit_code == 2 and "--scale" in res.output


def test_method_choices_match_the_library_registries():
    # the CLI spells the method lists out (importing the libraries at start-up costs ~1 s);
    # they must stay the registries' keys ("auto" included)
    from depthsmith import complete, fill, refine, upsample
    from depthsmith.cli import _complete, _fill, _refine, _upsample

    assert set(_complete._METHODS) == set(complete.METHODS)
    assert set(_fill._METHODS) == set(fill.METHODS)
    assert set(_refine._PARAMS) == set(refine.METHODS)
    assert set(_upsample._METHODS) == set(upsample.METHODS) | {"auto"}
