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

from ..conftest import SAMPLE

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
    res = run("info", tmp_path / "junk.png")
    assert_one_line_error(res, 1, "FILE", "junk.png")
    assert "cannot be read" in res.output or "not an image" in res.output
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


TASKS = ("fill", "refine", "complete", "upsample")


def _command(name):
    return main.get_command(None, name)


@pytest.mark.parametrize("task", TASKS)
def test_method_options_are_derived_from_the_registry(task):
    import importlib
    import inspect

    from depthsmith._tasks import method_parameters

    pkg = importlib.import_module(f"depthsmith.{task}")
    cmd = _command(task)
    params = {p.name: p for p in cmd.params}
    assert list(params["method"].type.choices) == list(pkg.METHODS)
    assert "auto" in pkg.METHODS
    opts = {o for p in cmd.params for o in (*p.opts, *getattr(p, "secondary_opts", ()))}
    spec = importlib.import_module(f"depthsmith.cli._{task}").TASK
    for name, fn in pkg.METHODS.items():
        for pname, p in method_parameters(fn).items():
            if pname in spec.shared:
                continue  # valid, occlusion, size...: the command's own options
            flag = "--" + pname.replace("_", "-")
            if p.default is None and p.annotation is inspect.Parameter.empty:
                assert name in spec.unsupported[pname]  # no type to parse: no option
                continue
            assert flag in opts, (task, name, pname)
            assert name in spec.params[pname].kinds
            help_ = params["method_param_" + pname].help
            assert name in help_, help_


def test_command_table_matches_the_commands():
    from depthsmith.cli._common import COMMANDS

    assert set(COMMANDS) == {"info", "eval", "colorize", "bench", "defocus", "batch", "train",
                             "export", "predict", *TASKS}
    for name, (_, _, short) in COMMANDS.items():
        cmd = _command(name)
        assert cmd.name == name
        assert cmd.help.strip().splitlines()[0] == short


def test_top_level_help_imports_no_task_package():
    code = ("import sys\n"
            "from click.testing import CliRunner\n"
            "import depthsmith.cli\n"
            "r = CliRunner().invoke(depthsmith.cli.main, ['--help'])\n"
            "assert r.exit_code == 0 and 'upsample' in r.output, r.output\n"
            "bad = [m for m in sys.modules if m.split('.')[0] == 'numba' or m in "
            "('depthsmith.fill', 'depthsmith.refine', 'depthsmith.complete', "
            "'depthsmith.upsample', 'depthsmith.ops')]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_results_on_stdout_status_on_stderr(tmp_path):
    res = run("info", DISP, "--scale", "4", "--json")
    assert json.loads(res.stdout)["width"] == 450 and res.stderr == ""
    out = tmp_path / "c.png"
    res = run("colorize", DISP, out)
    assert res.exit_code == 0 and res.stdout == "" and str(out) in res.stderr
    d = np.full((20, 20), 3.0, np.float32)
    d[5:9, 5:9] = np.nan
    src = tmp_path / "d.npy"
    write_depth(src, d)
    for args in (("fill", src, "-o", tmp_path / "f.npy"),
                 ("complete", src, "-o", tmp_path / "c.npy"),
                 ("upsample", src, "--factor", 2, "-o", tmp_path / "u.npy")):
        res = run(*args)
        assert res.exit_code == 0, res.output
        assert res.stdout == "" and res.stderr.strip(), (args, res.output)


def test_only_given_method_options_reach_the_library(tmp_path, monkeypatch):
    from depthsmith import fill

    seen = {}

    def spy(depth, guide=None, **kw):
        seen.update(kw)
        return np.where(np.isfinite(depth), depth, 1.0).astype(np.float32)

    monkeypatch.setitem(fill.METHODS, "normconv", spy)
    d = np.full((12, 12), 2.0, np.float32)
    d[3:5, 3:5] = np.nan
    src = tmp_path / "d.npy"
    write_depth(src, d)
    res = run("fill", src, "-o", tmp_path / "o.npy", "--method", "normconv", "--radius", 2,
              "--sigma-color", "7.5")
    assert res.exit_code == 0, res.output
    own = {k: v for k, v in seen.items() if k not in ("valid", "occlusion", "disparity")}
    assert own == {"radius": 2, "sigma_color": 7.5}
    assert type(own["radius"]) is int


def test_method_option_errors_are_one_line_exit_2(tmp_path):
    out = tmp_path / "o.npy"
    res = run("fill", DISP, "--scale", 4, "-o", out, "--method", "normconv",
              "--color-weight", 2)
    assert_one_line_error(res, 2, "--color-weight", "--method normconv", "--radius")
    res = run("fill", DISP, "--scale", 4, "-o", out, "--method", "normconv", "--radius", "2.5")
    assert res.exit_code == 2 and "--radius" in res.output
    # complete's auto runs normconv without a guide: morphological's --preset is refused
    res = run("complete", DISP, "--scale", 4, "-o", out, "--preset", "hdl32")
    assert_one_line_error(res, 2, "--preset", "--method auto", "normconv")
    # comma lists for tuple parameters (complete normconv's sigma_space)
    res = run("complete", DISP, "--scale", 4, "-o", out, "--method", "normconv",
              "--sigma-space", "1.2,2.5")
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "x.npy").exists()


def test_upsample_factor_and_scale(tmp_path):
    src = tmp_path / "lr.png"
    write_depth(src, np.full((6, 8), 2.5, np.float32), scale=256)
    out = tmp_path / "hr.npy"
    res = run("upsample", src, "--factor", 2, "--scale", 256, "-o", out)
    assert res.exit_code == 0, res.output
    hr = read_depth(out)
    assert hr.shape == (12, 16) and np.allclose(hr, 2.5)
    res = run("upsample", src, "--factor", 2, "--depth-scale", 256, "-o", tmp_path / "x.npy")
    assert_one_line_error(res, 2, "--depth-scale is now --scale", "--factor")
    res = run("upsample", src, "--scale", 256, "-o", tmp_path / "x.npy")
    assert res.exit_code == 2 and "--factor" in res.output


def test_subcommand_help():
    for name in ("info", "eval", "colorize", "bench", *TASKS):
        res = run(name, "--help")
        assert res.exit_code == 0 and "Usage: " in res.output, (name, res.output)


def test_bench_help_lists_every_task():
    from depthsmith.bench import TASKS

    res = CliRunner().invoke(main, ["bench", "--help"])
    assert res.exit_code == 0
    text = " ".join(res.output.split()).replace("- ", "-")  # click may wrap at a hyphen
    assert all(name in text for name in TASKS), [n for n in TASKS if n not in text]
