"""Ctrl-C and SIGTERM during a long computation: exit 130 / 143 within about a second, one
line on stderr, no output and no temporary file left (subprocesses: real signals)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from depthsmith.io import write_image

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A 3000x2000 map with holes and its guide: weighted_median takes several seconds."""
    d = tmp_path_factory.mktemp("big")
    rng = np.random.default_rng(0)
    h, w = 2000, 3000
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    depth = (2 + 3 * yy / h + (xx > w / 2)).astype(np.float32)
    write_image(d / "rgb.png", np.clip(40 * depth[..., None] + rng.normal(0, 4, (h, w, 3)),
                                       0, 255).astype(np.uint8))
    depth[rng.random((h, w)) < 0.05] = np.nan
    np.save(d / "d.npy", depth.astype(np.float32))
    return d


def _default_signals():
    """In the child: default SIGINT / SIGTERM dispositions. A shell's background job (CI
    runners, ``nohup``) starts with SIGINT ignored, and Python keeps an ignored SIGINT
    ignored: a Ctrl-C test must restore what a terminal gives."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_during_computation(big, tmp_path, sig, code):
    out = tmp_path / "out"
    out.mkdir()
    p = subprocess.Popen([sys.executable, "-m", "depthsmith", "refine", str(big / "d.npy"),
                          "--guide", str(big / "rgb.png"), "--method", "weighted_median",
                          "-o", str(out / "r.npy")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True, preexec_fn=_default_signals)
    time.sleep(1.5)
    assert p.poll() is None, "finished before the signal: make the input larger"
    t = time.perf_counter()
    p.send_signal(sig)
    try:
        stdout, stderr = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        raise
    took = time.perf_counter() - t
    assert p.returncode == code, (p.returncode, stderr)
    assert took < 2.0, took
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("depthsmith: "), stderr
    assert "Traceback" not in stderr and stdout == ""
    assert os.listdir(out) == []


def test_signal_while_writing_removes_the_temp_file(tmp_path, monkeypatch):
    """A signal recorded while writing leaves through the main thread: temp file removed."""
    code = r"""
import os, signal, sys, threading, time
import numpy as np
from depthsmith.cli import _common
from depthsmith.io import atomic_path

def work():
    def write():
        with atomic_path(sys.argv[1]) as tmp:
            tmp.write_bytes(b"partial")
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
    _common._write("-o", sys.argv[1], write)

_common.run_interruptible(work)
"""
    out = tmp_path / "o.bin"
    p = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True,
                       text=True, timeout=20)
    assert p.returncode == 143, p.stderr
    assert p.stderr.strip() == "depthsmith: terminated"
    assert os.listdir(tmp_path) == []
