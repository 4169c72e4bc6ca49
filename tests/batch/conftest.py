"""Tiny synthetic frames for the batch tests (written by the tests, no shared data)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from depthsmith.io import write_depth, write_image


def frame(i: int, h: int = 48, w: int = 64):
    """Frame ``i``: a depth map with a step edge and 10 % holes, and its colour guide."""
    rng = np.random.default_rng(i)
    yy, xx = np.mgrid[0:h, 0:w]
    d = (2 + yy / h + (xx > w // 2 + i % 7)).astype(np.float32)
    g = np.clip(60 * d[..., None] + rng.normal(0, 5, (h, w, 3)), 0, 255).astype(np.uint8)
    d[rng.random((h, w)) < 0.1] = np.nan
    return d, g


def make_stems(root: Path, n: int, *, h: int = 48, w: int = 64, ext: str = ".npy") -> Path:
    """``root/depth/fNNN<ext>`` and ``root/rgb/fNNN.png``: the same stem in two folders."""
    (root / "depth").mkdir(parents=True, exist_ok=True)
    (root / "rgb").mkdir(exist_ok=True)
    for i in range(n):
        d, g = frame(i, h, w)
        write_depth(root / "depth" / f"f{i:03d}{ext}", d, scale=1000 if ext == ".png" else None)
        write_image(root / "rgb" / f"f{i:03d}.png", g)
    return root


def make_folders(root: Path, n: int) -> Path:
    """One folder per frame: ``root/<id>/depth_hr_mm.png`` and ``root/<id>/rgb.jpg``."""
    for i in range(n):
        d, g = frame(i)
        f = root / f"2020{i:04d}"
        f.mkdir(parents=True)
        write_depth(f / "depth_hr_mm.png", d * 1000, scale=1)
        write_image(f / "rgb.jpg", g)
    return root


def cli(*args, check_rc=None, env=None, **kw) -> subprocess.CompletedProcess:
    """``python -m depthsmith ARGS`` in a subprocess (real worker processes and signals)."""
    e = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
    res = subprocess.run([sys.executable, "-m", "depthsmith", *map(str, args)],
                         capture_output=True, text=True, env=e, timeout=180, **kw)
    if check_rc is not None:
        assert res.returncode == check_rc, (res.returncode, res.stderr[-3000:])
    return res


def popen(*args) -> subprocess.Popen:
    """A batch in the background, in its own session (a terminal's Ctrl-C: the group)."""
    def defaults():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    return subprocess.Popen([sys.executable, "-m", "depthsmith", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=defaults,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})


def outputs(folder: Path) -> dict[str, bytes]:
    """{name: bytes} of the depth outputs in ``folder`` (not the manifest, lock or temps)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".") and p.suffix != ".json"}


@pytest.fixture
def stems(tmp_path):
    return make_stems(tmp_path / "in", 6)
