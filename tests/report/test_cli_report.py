"""``depthsmith bench ... --report DIR``: checked before the run, written after the tables."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from depthsmith.cli import main

from .pagecheck import check_page
from .test_bench_report import _md_rows


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_report_folder_checked_before_running(tmp_path):
    nodata = tmp_path / "nodata"  # the run would fail on it: the report is checked first
    existing = tmp_path / "existing"
    existing.mkdir()
    res = _run("bench", "FILL-OCC", "--report", existing, "--data", nodata)
    assert res.exit_code == 1
    assert res.output.strip().splitlines() == [
        f"depthsmith: error: --report {existing}: exists: pass --overwrite to replace it"]
    (existing / "mine.txt").write_text("x")
    res = _run("bench", "FILL-OCC", "--report", existing, "--overwrite", "--data", nodata)
    assert res.exit_code == 1 and "not a depthsmith report" in res.output
    assert (existing / "mine.txt").exists()
    res = _run("bench", "FILL-OCC", "--report", tmp_path / "no" / "r", "--data", nodata)
    assert res.exit_code == 1 and "does not exist" in res.output
    assert "Traceback" not in res.output


def test_bench_report_shows_the_printed_tables(data_root, tmp_path):
    out = tmp_path / "report"
    res = _run("bench", "FILL-OCC", "--scenes", "cones", "--methods",
               "background,nearest,normconv", "--report", out, "--data", data_root)
    assert res.exit_code == 0, res.output
    page = check_page(out / "index.html")
    flat = [r for t in page.tables for r in t]
    printed = _md_rows(res.stdout)
    assert {c[0] for _, c in printed} == {"background", "nearest"}
    for _, cells in printed:
        assert any(r[0] == cells[0] and r[2:] == cells[1:] for r in flat), cells
    assert any(r[0] == "normconv" and r[1].startswith("Not run: ") for r in flat)
    srcs = [a["src"] for a in page.imgs]
    assert any("plot" in s for s in srcs)
    assert sum(s.endswith("_out.png") for s in srcs) == 2  # one per method that ran
    # a second run refuses the folder, then replaces it with --overwrite
    res = _run("bench", "FILL-OCC", "--scenes", "cones", "--methods", "nearest",
               "--report", out, "--data", data_root)
    assert res.exit_code == 1 and "--overwrite" in res.output
    res = _run("bench", "FILL-OCC", "--scenes", "cones", "--methods", "nearest",
               "--report", out, "--data", data_root, "--overwrite")
    assert res.exit_code == 0, res.output
    again = check_page(out / "index.html")
    assert [r[0] for t in again.tables for r in t if r and r[1:2] in (["ours"], ["peer"])] \
        == ["nearest"]


@pytest.mark.parametrize("bad", ["--report"])
def test_report_needs_a_value(bad):
    res = _run("bench", "FILL-OCC", bad)
    assert res.exit_code == 2
