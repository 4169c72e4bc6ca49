"""The memory guard: sizes, availability (meminfo, cgroups), refusal before decoding, and
(slow) the estimates against measured peaks."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from depthsmith import _memory
from depthsmith.cli import main
from depthsmith.io import write_depth

ROOT = Path(__file__).resolve().parents[2]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_parse_size():
    assert _memory.parse_size("8G") == 8 * 2**30
    assert _memory.parse_size("500M") == 500 * 2**20
    assert _memory.parse_size("1.5GiB") == int(1.5 * 2**30)
    assert _memory.parse_size("2048") == 2048
    for bad in ("", "lots", "-1G", "0", "5X"):
        with pytest.raises(ValueError, match="size"):
            _memory.parse_size(bad)


def test_estimate_uses_the_table():
    bpp, const = _memory.TABLE[("fill", "default")]
    assert _memory.estimate("fill", "auto", 10**6) == int(bpp * 10**6 + const * 2**20)
    # an unmeasured method: the command's costliest row
    worst = max(_memory.estimate("refine", m, 10**7) for c, m in _memory.TABLE
                if c == "refine")
    assert _memory.estimate("refine", "new_method", 10**7) == worst


def test_availability_sources(tmp_path):
    mi = tmp_path / "meminfo"
    mi.write_text("MemTotal:       100 kB\nMemAvailable:    2048 kB\n")
    assert _memory._meminfo_available(mi) == 2048 * 1024
    cg = tmp_path / "cg"
    (cg / "user.slice").mkdir(parents=True)
    proc = tmp_path / "cgroup"
    proc.write_text("0::/user.slice\n")
    (cg / "user.slice" / "memory.max").write_text("1000000\n")
    (cg / "user.slice" / "memory.current").write_text("400000\n")
    assert _memory._cgroup_room(cg, proc) == 600000
    (cg / "user.slice" / "memory.max").write_text("max\n")
    assert _memory._cgroup_room(cg, proc) is None
    v1 = tmp_path / "v1"
    (v1 / "memory").mkdir(parents=True)
    (v1 / "memory" / "memory.limit_in_bytes").write_text("5000\n")
    (v1 / "memory" / "memory.usage_in_bytes").write_text("1000\n")
    assert _memory._cgroup_room(v1, tmp_path / "none") == 4000
    (v1 / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert _memory._cgroup_room(v1, tmp_path / "none") is None


@pytest.fixture
def depth(tmp_path):
    p = tmp_path / "d.png"
    d = np.full((30, 40), 2.0, np.float32)
    d[5:9, 5:9] = np.nan
    write_depth(p, d, scale=256)
    return p


def _refused(res, *needles):
    assert res.exit_code == 1, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in res.output, res.output
    for n in needles:
        assert n in lines[0], lines[0]


@pytest.mark.parametrize("args", [
    ["info", "{d}"], ["eval", "{d}", "{d}"], ["colorize", "{d}", "{o}.png"],
    ["fill", "{d}", "-o", "{o}.npy"], ["complete", "{d}", "-o", "{o}.npy"],
    ["upsample", "{d}", "--factor", "2", "-o", "{o}.npy"]])
def test_max_memory_refuses_before_decoding(depth, tmp_path, monkeypatch, args):
    from depthsmith import io

    def no_decoding(*a, **k):
        raise AssertionError("decoded pixels")

    monkeypatch.setattr(io, "read_depth", no_decoding)
    argv = [a.format(d=depth, o=tmp_path / "out") for a in args]
    _refused(run(*argv, "--max-memory", "1M"), "needs about", "1.0 MiB is available",
             "--max-memory", "smaller input")
    assert not list(tmp_path.glob("out*"))


def test_refusal_from_measured_availability(depth, tmp_path, monkeypatch):
    monkeypatch.setattr(_memory, "available", lambda: (50 * 2**20, "cgroup limit"))
    out = tmp_path / "f.npy"
    _refused(run("fill", depth, "-o", out), "DEPTH", "d.png", "needs about",
             "50.0 MiB is available (cgroup limit)")
    assert not out.exists()
    res = run("fill", depth, "-o", out, "--max-memory", "8G")  # the override wins
    assert res.exit_code == 0, res.output
    monkeypatch.setattr(_memory, "available", lambda: (None, "unknown"))
    assert run("info", depth).exit_code == 0  # unknown availability: no refusal


@pytest.mark.slow
def test_estimates_within_30_percent_of_measured_peaks():
    """Each command's default, measured at 1, 4 and 9 MP as benchmarks/memory_peak.py does."""
    # the script runs in its own small process: a child's peak RSS starts at its parent's
    only = ["info", "eval", "colorize", "fill:default", "refine:default", "complete:default",
            "upsample:default", "refine:weighted_median", "upsample:optimize"]
    out = Path(tempfile.mkdtemp()) / "peaks.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "memory_peak.py"), "--mp",
                    "1,4,9", "--only", ",".join(only), "--json", str(out)], check=True,
                   capture_output=True, timeout=900)
    res = json.loads(out.read_text())
    bad = []
    for key, r in res.items():
        cmd, method = key.split(":")
        for n, peak in zip(r["px"], r["peak"], strict=True):
            est = _memory.estimate(cmd, method, n)
            if abs(est / peak - 1) > 0.30:
                bad.append(f"{cmd}:{method} {n / 1e6:.1f} MP: estimate {est / 2**20:.0f} "
                           f"MiB, measured {peak / 2**20:.0f} MiB")
    assert not bad, bad
