"""Resume after SIGKILL and Ctrl-C, local worker processes, two runs at once (real processes).

Each interrupted run is re-run with the same command; every output must then exist, load,
and be byte-identical to an uninterrupted run's."""

from __future__ import annotations

import os
import signal
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner

from depthsmith.batch import LOCK
from depthsmith.cli import main

from .conftest import cli, make_stems, outputs, popen

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

N = 40
#: weighted_median on 96x128 frames: tens of ms per item, so a run lasts long enough to be
#: interrupted midway
ARGS = ("--method", "weighted_median")


@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    root = make_stems(tmp_path_factory.mktemp("slow"), N, h=96, w=128)
    ref = root / "reference"
    res = CliRunner().invoke(main, [str(a) for a in ("batch", "refine", "--input", root / "depth",
                                                     "--guide", root / "rgb", "-o", ref, *ARGS)])
    assert res.exit_code == 0, res.stderr
    return root, outputs(ref)


def _wait_for_outputs(out, p, k, timeout=120):
    t = time.monotonic()
    while time.monotonic() - t < timeout:
        if out.exists() and len(list(out.glob("*.npy"))) >= k:
            return
        if p.poll() is not None:
            break
        time.sleep(0.005)
    pytest.fail(f"the batch ended (rc {p.poll()}) or stalled before {k} outputs: "
                f"{p.stderr.read()[-2000:] if p.poll() is not None else ''}")


@pytest.mark.parametrize("sig,workers", [(signal.SIGKILL, 1), (signal.SIGKILL, 2),
                                         (signal.SIGINT, 1)],
                         ids=["sigkill-1", "sigkill-2-workers", "ctrl-c-1"])
def test_interrupted_run_resumes_to_identical_outputs(slow, tmp_path, sig, workers):
    root, ref = slow
    out = tmp_path / "out"
    args = ("batch", "refine", "--input", root / "depth", "--guide", root / "rgb", "-o", out,
            "--workers", workers, *ARGS)
    p = popen(*args)
    _wait_for_outputs(out, p, 3)
    assert p.poll() is None, "finished before the signal: make the input larger"
    if sig == signal.SIGINT:
        os.killpg(p.pid, sig)  # a terminal's Ctrl-C goes to the whole foreground group
    else:
        p.send_signal(sig)  # SIGKILL: the batch process alone (its workers must notice)
    _, stderr = p.communicate(timeout=60)
    assert p.returncode == (130 if sig == signal.SIGINT else -signal.SIGKILL), stderr
    assert "Traceback" not in stderr, stderr
    partial = outputs(out)
    assert 0 < len(partial) < N, "the run was not interrupted midway"
    for name, data in partial.items():  # whatever is there is complete
        assert data == ref[name], name
    time.sleep(0.5)  # orphaned workers (SIGKILL) leave within their parent poll
    if workers == 1:  # the same command again (in this process: no interpreter start-up)
        res = CliRunner().invoke(main, [str(a) for a in args])
        assert res.exit_code == 0, res.stderr
    else:
        res = cli(*args)
        assert res.returncode == 0, res.stderr
    assert "already done (skipped)" in res.stderr
    assert outputs(out) == ref
    for name in ref:
        assert np.load(out / name).shape == (96, 128)
    left = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert left == [], left  # no lock, no temporary file


def test_two_workers_equal_one(slow, tmp_path):
    root, ref = slow
    out = tmp_path / "w2"
    cli("batch", "refine", "--input", root / "depth", "--guide", root / "rgb", "-o", out,
        "--workers", 2, *ARGS, check_rc=0)
    assert outputs(out) == ref


def test_two_runs_at_once(slow, tmp_path):
    root, _ = slow
    out = tmp_path / "out"
    args = ("batch", "refine", "--input", root / "depth", "--guide", root / "rgb", "-o", out,
            *ARGS)
    p = popen(*args)
    try:
        _wait_for_outputs(out, p, 1)
        assert (out / LOCK).exists()
        # the second run in this process (no interpreter start-up: the first is still going)
        res = CliRunner().invoke(main, [str(a) for a in args])
        assert p.poll() is None, "the first run ended too soon: make the input larger"
        assert res.exit_code == 1
        last = res.stderr.strip().splitlines()[-1]
        assert f"another batch run (pid {p.pid}" in last and "Traceback" not in res.stderr
    finally:
        p.communicate(timeout=120)
    assert p.returncode == 0


def _spawned_workers(pid: int) -> list[int]:
    kids = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            kids += [int(k) for k in f.read().split()]
    out = []
    for k in kids:
        try:
            with open(f"/proc/{k}/cmdline", "rb") as f:
                if b"spawn_main" in f.read():
                    out.append(k)
        except OSError:
            pass
    return out


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs Linux /proc")
def test_a_dead_worker_process_is_replaced(slow, tmp_path):
    root, ref = slow
    out = tmp_path / "out"
    p = popen("batch", "refine", "--input", root / "depth", "--guide", root / "rgb", "-o", out,
              "--workers", 2, *ARGS)
    try:
        t = time.monotonic()
        while not _spawned_workers(p.pid):
            assert p.poll() is None and time.monotonic() - t < 60, "no worker process started"
            time.sleep(0.01)
        _wait_for_outputs(out, p, 3)
        assert p.poll() is None, "finished before the kill: make the input larger"
        for w in _spawned_workers(p.pid):
            os.kill(w, signal.SIGKILL)
    finally:
        _, stderr = p.communicate(timeout=120)
    assert p.returncode == 0, stderr
    assert outputs(out) == ref
