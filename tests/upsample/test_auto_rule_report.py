"""The tuning code of upsample auto's input rule (benchmarks/sr_auto_rule_report.py)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _report_module():
    spec = importlib.util.spec_from_file_location(
        "sr_auto_rule_report", ROOT / "benchmarks" / "sr_auto_rule_report.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _row(stat, learned, optimize, split="A", factor=8, variant="learned e4 smooth"):
    return {"split": split, "set": "s", "name": f"{stat}", "factor": factor, "down": "pil",
            "stat": stat, "rmse": {"optimize": optimize, "bicubic": 1.0, variant: learned,
                                   # the pre-rule auto: optimize from x4, jbu below
                                   "classical": optimize if factor >= 4 else 0.9}}


def test_tune_finds_the_threshold_that_separates_the_winners():
    r = _report_module()
    # learned wins exactly where the statistic is >= 0.5, optimize below it
    rows = ([_row(s, 0.6, 0.8) for s in (0.50, 0.55, 0.6, 0.7)]
            + [_row(s, 0.9, 0.7) for s in (0.2, 0.3, 0.4, 0.45)] + [_row(None, 0.1, 0.8)])
    t, c = r.tune(rows)
    assert 0.45 < t <= 0.50
    # the undefined statistic always goes to optimize; the cost is the mean ratio to bicubic
    assert c == pytest.approx((4 * 0.6 + 4 * 0.7 + 0.8) / 9)
    assert r.cost(rows, 9.0) == pytest.approx((4 * 0.8 + 4 * 0.7 + 0.8) / 9)
    # factors below the rule's range take the classical pick unless the range is extended
    # down to them; the real low-res frames (stored as factor 0) count as x2.67
    assert r.choose(_row(0.9, 0.1, 0.2, factor=0), 0.3, min_factor=4) == 0.9
    assert r.choose(_row(0.9, 0.1, 0.2, factor=0), 0.3) == 0.1  # the range starts at x2
    assert r.choose(_row(0.9, 0.1, 0.2, factor=0), 0.3, min_factor=3) == 0.9
    assert r.choose(_row(0.9, 0.1, 0.2, factor=2), 0.3, min_factor=4) == 0.9
    assert r.choose(_row(0.9, 0.1, 0.2, factor=2), 0.3, min_factor=2) == 0.1
    assert r.choose(_row(0.2, 0.1, 0.2, factor=2), 0.3, min_factor=2) == 0.9


def test_old_case_files_without_the_variant_are_refused(tmp_path):
    r = _report_module()
    f = tmp_path / "cases.jsonl"
    f.write_text(json.dumps(_row(0.5, 0.6, 0.8, variant="learned e1")) + "\n")
    with pytest.raises(SystemExit, match="lack the variant 'learned e4 smooth'"):
        r.load_cases(f)
    assert len(r.load_cases(f, "learned e1")) == 1
