"""``make demo`` end to end on the bundled sample: every task beats its plain baseline."""

from __future__ import annotations

import re

from depthsmith.demo import main
from depthsmith.io import read_depth


def test_demo_writes_outputs_and_beats_baselines(tmp_path, capsys):
    assert main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = re.findall(r"RMSE\s+([\d.]+) px \(ours.*vs \S+\s+([\d.]+) px", out)
    assert len(rows) == 4, out
    for ours, base in rows:
        assert float(ours) < float(base), out
    assert (tmp_path / "demo.png").stat().st_size > 10_000
    for key in ("fill", "refine", "complete", "upsample"):
        d = read_depth(tmp_path / f"{key}_depthsmith.pfm")
        assert d.shape == (375, 450)
