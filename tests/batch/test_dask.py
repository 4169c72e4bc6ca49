"""A real Dask cluster: a scheduler and two workers as separate processes on 127.0.0.1; one
worker is killed mid-run, and the outputs must still equal the local run's, none missing."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import cli, make_stems, outputs

pytest.importorskip("distributed", reason="dask[distributed] is not installed (the 'dask' extra)")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

N = 30
ARGS = ("--method", "weighted_median")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask_cli():
    exe = Path(sys.executable).with_name("dask")
    if exe.exists():
        return [str(exe)]
    if shutil.which("dask"):
        return [shutil.which("dask")]
    pytest.skip("the dask command-line tool is not installed")


def _start(args):
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})


@pytest.fixture
def cluster():
    from distributed import Client

    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    dask = _dask_cli()
    procs = [_start([*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                     "--no-dashboard"])]
    try:
        for _ in range(2):
            procs.append(_start([*dask, "worker", addr, "--nthreads", "1", "--no-nanny",
                                 "--no-dashboard", "--host", "127.0.0.1"]))
        with Client(addr, timeout=60) as c:
            c.wait_for_workers(2, timeout=120)
        yield addr, procs[1:]
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def test_dask_cluster_survives_a_dead_worker(tmp_path, cluster):
    addr, workers = cluster
    root = make_stems(tmp_path / "in", N, h=96, w=128)
    base = ("batch", "refine", "--input", root / "depth", "--guide", root / "rgb", *ARGS)
    cli(*base, "-o", tmp_path / "local", check_rc=0)
    out = tmp_path / "dask"
    p = subprocess.Popen([sys.executable, "-m", "depthsmith", *map(str, base), "-o", str(out),
                          "--scheduler", addr], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    t = time.monotonic()
    while not (out.exists() and len(list(out.glob("*.npy"))) >= 3):
        assert p.poll() is None and time.monotonic() - t < 120, p.stderr.read()[-2000:]
        time.sleep(0.005)
    assert p.poll() is None, "the batch ended before the kill: make the input larger"
    os.killpg(workers[0].pid, signal.SIGKILL)  # one worker dies mid-run
    assert len(list(out.glob("*.npy"))) < N
    _, stderr = p.communicate(timeout=180)
    assert workers[0].wait() == -signal.SIGKILL
    assert p.returncode == 0, stderr
    assert f"{N} done" in stderr or "already done" in stderr, stderr
    local = outputs(tmp_path / "local")
    assert len(local) == N and outputs(out) == local
