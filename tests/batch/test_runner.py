"""depthsmith batch in one process: the manifest, resume, changed options, the lock, bad input."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from depthsmith import __version__
from depthsmith.batch import LOCK, MANIFEST, BatchLock
from depthsmith.cli import main
from depthsmith.io import write_depth

from .conftest import make_folders, outputs


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def batch_refine(root, out, *extra):
    return run("batch", "refine", "--input", root / "depth", "--guide", root / "rgb", "-o", out,
               *extra)


def last_line(res):
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert "Traceback" not in res.stderr, res.stderr
    return lines[-1]


def test_manifest_records_every_item(stems, tmp_path):
    out = tmp_path / "out"
    res = batch_refine(stems, out)
    assert res.exit_code == 0, res.stderr
    man = json.loads((out / MANIFEST).read_text())
    assert man["tool"] == "depthsmith" and man["version"] == __version__
    assert man["task"] == "refine" and man["options"]["method"] == "auto"
    assert man["inputs"]["guide"] == str(stems / "rgb")
    assert [it["id"] for it in man["items"]] == [f"f{i:03d}" for i in range(6)]
    for it in man["items"]:
        data = Path(it["output"]).read_bytes()
        assert it["status"] == "done" and it["error"] is None
        assert it["sha256"] == hashlib.sha256(data).hexdigest()
        assert it["seconds"] >= 0 and it["inputs"]["depth"].endswith(it["id"] + ".npy")
    assert man["runs"][-1]["done"] == 6 and man["runs"][-1]["failed"] == 0
    assert man["summary"] == {"done": 6}
    assert not (out / LOCK).exists()
    assert sorted(outputs(out)) == [f"f{i:03d}.npy" for i in range(6)]


def test_batch_gives_the_single_file_commands_result(stems, tmp_path):
    out = tmp_path / "out"
    assert batch_refine(stems, out, "--method", "guided", "--radius", "3").exit_code == 0
    one = tmp_path / "one.npy"
    res = run("refine", stems / "depth" / "f002.npy", "--guide", stems / "rgb" / "f002.png",
              "-o", one, "--method", "guided", "--radius", "3")
    assert res.exit_code == 0, res.stderr
    assert one.read_bytes() == (out / "f002.npy").read_bytes()


def test_batch_has_the_task_commands_options():
    """One definition: every task option of a single-file command is an option of its batch
    command (only the per-file ones differ)."""
    from depthsmith.cli._batch import build_command
    from depthsmith.cli._common import COMMANDS

    per_file = {"--guide", "-o", "--output", "--confidence", "--preview", "--depth-scale",
                "--help", "-h"}
    for task in ("fill", "refine", "complete", "upsample"):
        mod = __import__(f"depthsmith.cli.{COMMANDS[task][0]}", fromlist=["x"])
        single = getattr(mod, COMMANDS[task][1])
        names = {o for p in single.params if isinstance(p, type(single.params[-1]))
                 for o in (*p.opts, *p.secondary_opts)}
        batch = {o for p in build_command(task).params for o in (*p.opts, *p.secondary_opts)}
        assert names - per_file <= batch, (task, names - per_file - batch)
        assert {"--tile", "--threads"} <= names & batch, task


def test_batch_help_imports_no_task_package():
    code = ("import sys\n"
            "from click.testing import CliRunner\n"
            "import depthsmith.cli\n"
            "r = CliRunner().invoke(depthsmith.cli.main, ['batch', '--help'])\n"
            "assert r.exit_code == 0 and 'upsample' in r.output, r.output\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('numba', 'dask', "
            "'distributed') or m in ('depthsmith.fill', 'depthsmith.refine')]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_resume_skips_finished_items_and_redoes_the_others(stems, tmp_path):
    out = tmp_path / "out"
    assert batch_refine(stems, out).exit_code == 0
    first = outputs(out)
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.npy")}
    res = batch_refine(stems, out)
    assert res.exit_code == 0 and "0 done, 6 already done" in res.stderr, res.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.npy")} == mtimes
    (out / "f001.npy").unlink()
    (out / "f004.npy").write_bytes(b"changed by someone")
    res = batch_refine(stems, out)
    assert res.exit_code == 0 and "2 done, 4 already done" in res.stderr, res.stderr
    assert outputs(out) == first
    # a changed input is redone too
    d = np.load(stems / "depth" / "f003.npy")
    write_depth(stems / "depth" / "f003.npy", d * 2)
    res = batch_refine(stems, out)
    assert "1 done, 5 already done" in res.stderr, res.stderr


def test_changed_options_are_refused_unless_overwrite(stems, tmp_path):
    out = tmp_path / "out"
    assert batch_refine(stems, out).exit_code == 0
    before = outputs(out)
    res = batch_refine(stems, out, "--method", "guided")
    assert res.exit_code == 1
    line = last_line(res)
    assert "other options" in line and "'auto' -> 'guided'" in line and "--overwrite" in line
    assert outputs(out) == before
    res = batch_refine(stems, out, "--tile", "16")  # --tile is recorded too
    assert res.exit_code == 1 and "tile None -> 16" in last_line(res)
    # the thread count, the workers and the memory budget do not change results
    res = batch_refine(stems, out, "--threads", "1", "--max-memory", "4G")
    assert res.exit_code == 0 and "6 already done" in res.stderr, res.stderr
    res = batch_refine(stems, out, "--method", "guided", "--overwrite")
    assert res.exit_code == 0 and "6 done" in res.stderr, res.stderr
    assert json.loads((out / MANIFEST).read_text())["options"]["method"] == "guided"
    assert outputs(out) != before


def test_outputs_it_did_not_write_are_refused(stems, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "f002.npy").write_bytes(b"somebody else's")
    res = batch_refine(stems, out)
    assert res.exit_code == 1 and "f002.npy" in last_line(res) and "--overwrite" in last_line(res)
    assert (out / "f002.npy").read_bytes() == b"somebody else's"
    assert batch_refine(stems, out, "--overwrite").exit_code == 0


def test_a_held_lock_refuses_a_second_run(stems, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with BatchLock(out):
        res = batch_refine(stems, out)
        assert res.exit_code == 1
        line = last_line(res)
        assert f"pid {os.getpid()}" in line and "another batch run" in line and LOCK in line
    assert not (out / LOCK).exists()
    assert batch_refine(stems, out).exit_code == 0


def test_a_stale_lock_is_taken_over(stems, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock = BatchLock(out)
    (out / LOCK).write_text(json.dumps({"host": lock.host, "pid": dead.pid, "start": "1",
                                        "since": "then"}))
    res = batch_refine(stems, out)
    assert res.exit_code == 0, res.stderr
    run_ = json.loads((out / MANIFEST).read_text())["runs"][-1]
    assert run_["took_over_lock_of"]["pid"] == dead.pid
    assert not (out / LOCK).exists()
    # a lock of another host cannot be checked: refused
    (out / LOCK).write_text(json.dumps({"host": "elsewhere", "pid": 1, "since": "then"}))
    res = batch_refine(stems, out)
    assert res.exit_code == 1 and "elsewhere" in last_line(res)


def test_a_corrupt_file_fails_alone(stems, tmp_path):
    out = tmp_path / "out"
    (stems / "depth" / "f002.npy").write_bytes(b"not an array")
    (stems / "rgb" / "f004.png").write_bytes(b"not a picture")
    res = batch_refine(stems, out)
    assert res.exit_code == 1
    assert "Traceback" not in res.stderr
    assert "FAILED f002:" in res.stderr and "f002.npy" in res.stderr
    assert "FAILED f004:" in res.stderr and "--guide" in res.stderr
    assert "2 of 6 item(s) failed" in last_line(res)
    assert sorted(outputs(out)) == ["f000.npy", "f001.npy", "f003.npy", "f005.npy"]
    man = json.loads((out / MANIFEST).read_text())
    status = {it["id"]: (it["status"], it["error"]) for it in man["items"]}
    assert status["f002"][0] == "failed" and "f002.npy" in status["f002"][1]
    assert man["summary"] == {"done": 4, "failed": 2}
    res = batch_refine(stems, out)  # the failed ones are tried again, the others skipped
    assert res.exit_code == 1 and "0 done, 4 already done (skipped), 2 failed" in res.stderr


def test_empty_input_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    res = run("batch", "fill", "--input", tmp_path / "empty", "-o", tmp_path / "out")
    assert res.exit_code == 1 and "no input file found" in last_line(res)
    assert not (tmp_path / "out").exists()


def test_unpaired_guides_cli(stems, tmp_path):
    (stems / "rgb" / "f003.png").unlink()
    res = batch_refine(stems, tmp_path / "out")
    assert res.exit_code == 1 and "f003.npy" in last_line(res)
    assert "without a guide" in last_line(res)


def test_unwritable_output_folder(stems):
    res = batch_refine(stems, "/proc/depthsmith-batch-out")  # cannot be created, even by root
    assert res.exit_code == 1 and "--output" in last_line(res)


def test_read_only_output_folder(stems, read_only_dir):
    res = batch_refine(stems, read_only_dir)
    assert res.exit_code == 1 and "not writable" in last_line(res)


def test_folder_per_frame_layout_keeps_png_encoding(tmp_path):
    root = make_folders(tmp_path / "rgbdd", 3)
    out = tmp_path / "out"
    res = run("batch", "fill", "--input", root, "--depth-pattern", "<id>/depth_hr_mm.png",
              "--guide-pattern", "<id>/rgb.jpg", "-o", out)
    assert res.exit_code == 0, res.stderr
    assert sorted(outputs(out)) == ["20200000.png", "20200001.png", "20200002.png"]
    res = run("batch", "fill", "--input", root, "--depth-pattern", "<id>/depth_hr_mm.png",
              "-o", tmp_path / "out2", "--format", "pfm", "--method", "normconv")
    assert res.exit_code == 0, res.stderr
    assert sorted(outputs(tmp_path / "out2"))[0] == "20200000.pfm"


def test_option_errors_are_usage_errors(stems, tmp_path):
    res = batch_refine(stems, tmp_path / "out", "--method", "guided", "--sigma-space", "2")
    assert res.exit_code == 2 and "--sigma-space" in res.stderr
    res = run("batch", "refine", "--input", stems / "depth", "-o", tmp_path / "out")
    assert res.exit_code == 2 and "--guide" in res.stderr
    res = batch_refine(stems, tmp_path / "out", "--scheduler", "nowhere")
    assert res.exit_code == 2 and "--scheduler" in res.stderr
    assert not (tmp_path / "out").exists()


def test_a_float_input_to_png_needs_scale(stems, tmp_path):
    res = batch_refine(stems, tmp_path / "out", "--format", "png")
    assert res.exit_code == 2 and "--scale" in res.stderr
    assert not (tmp_path / "out").exists()
    res = batch_refine(stems, tmp_path / "out", "--format", "png", "--scale", "1000")
    assert res.exit_code == 0, res.stderr
    assert sorted(outputs(tmp_path / "out"))[0] == "f000.png"


def test_report_of_the_run(stems, tmp_path):
    out, rep = tmp_path / "out", tmp_path / "report"
    res = batch_refine(stems, out, "--report", rep)
    assert res.exit_code == 0, res.stderr
    page = (rep / "index.html").read_text()
    assert "f000" in page and "f005" in page
    assert batch_refine(stems, out, "--report", rep).exit_code == 0  # replaced on a resume
    (tmp_path / "notareport").mkdir()
    (tmp_path / "notareport" / "keep.txt").write_text("x")
    res = batch_refine(stems, out, "--report", tmp_path / "notareport")
    assert res.exit_code == 1 and "--report" in last_line(res)
    assert (tmp_path / "notareport" / "keep.txt").exists()


def test_python_api_and_progress_bar(stems, tmp_path, capsys):
    from depthsmith.batch import pair_inputs, run_batch

    items = pair_inputs(stems / "depth", stems / "rgb")
    opts = {"method": "guided", "params": {"radius": "2"}}
    r = run_batch("refine", items, tmp_path / "out", options=opts, task_keys=("method",),
                  progress=True)
    assert (r.total, r.done, r.skipped, r.failed) == (6, 6, 0, [])
    err = capsys.readouterr().err
    assert "batch refine" in err and "6/6" in err  # tqdm: count, rate, ETA on stderr
    r = run_batch("refine", items, tmp_path / "out", options=opts, task_keys=("method",),
                  progress=True)
    assert (r.done, r.skipped) == (0, 6)


@pytest.mark.parametrize("task,opts", [
    ("fill", ["--method", "normconv"]),
    ("complete", ["--method", "normconv"]),
    ("upsample", ["--factor", "2", "--method", "bicubic"]),
])
def test_every_task_matches_its_single_file_command(stems, tmp_path, task, opts):
    out = tmp_path / "out"
    res = run("batch", task, "--input", stems / "depth", "-o", out, *opts)
    assert res.exit_code == 0, res.stderr
    one = tmp_path / "one.npy"
    res = run(task, stems / "depth" / "f001.npy", "-o", one, *opts)
    assert res.exit_code == 0, res.stderr
    assert one.read_bytes() == (out / "f001.npy").read_bytes()
