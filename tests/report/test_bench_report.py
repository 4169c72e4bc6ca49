"""The benchmark report: every printed table row on the page, pictures that decode, a plot,
atomic and refusing folders."""

from __future__ import annotations

import numpy as np
import pytest

from depthsmith._validate import DepthsmithError, InputError
from depthsmith.bench import Case, Method, Task, run
from depthsmith.io import OutputExistsError
from depthsmith.report import ExampleRecorder, write_bench_report
from depthsmith.report._pictures import THUMB

from .pagecheck import check_page, is_number

H, W = 300, 400  # larger than a thumbnail: the pictures must be shrunk


def _scene(i):
    y, x = np.mgrid[:H, :W].astype(np.float32)
    gt = 1.0 + x / W + 0.5 * (y > H // 2) + i
    guide = np.dstack([(x * 255 / W).astype(np.uint8)] * 3)
    depth = gt.copy()
    depth[100:150, 200:260] = np.nan
    return depth, guide, gt


def _toy_task():
    def cases(root):
        for g in ("x2", "x4"):
            for i in range(2):
                depth, guide, gt = _scene(i)
                yield Case(f"s{i}", {"depth": depth, "guide": guide},
                           {"gt": gt, "valid": np.isfinite(gt)}, group=g)

    def score(pred, case):
        e = pred - case.truth["gt"]
        return {"rmse": float(np.sqrt(np.nanmean(e ** 2))), "mae": float(np.nanmean(abs(e)))}

    def refuses(depth, guide):
        raise InputError("method 'refuses' cannot honour this hint")

    def fill(depth, guide):
        return np.where(np.isfinite(depth), depth, np.nanmedian(depth)).astype(np.float32)

    return Task("TOY-FILL", "a toy fill task", cases, score, lambda: [
        Method("ours_fill", fill, "ours"),
        Method("zero_peer", lambda depth, guide: np.nan_to_num(depth), "peer"),
        Method("shift_peer", lambda depth, guide: fill(depth, guide) + 0.25, "peer",
               groups=("x4",)),
        Method("refuses", refuses, "peer")], columns=("rmse", "mae"))


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    rec = ExampleRecorder()
    rep = run(rec.wrap(_toy_task()), tmp_path_factory.mktemp("root"), progress=False)
    return rep, rec


def _md_rows(markdown):
    """(group, [cells]) of each method row the printed table shows, names unadorned."""
    rows, group = [], ""
    for line in markdown.splitlines():
        if line.startswith("**") and line.endswith("**"):
            group = line.strip("*")
        elif line.startswith("| ") and not line.startswith("| method"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            cells[0] = cells[0].replace(" (ours)", "").strip("*")
            rows.append((group, cells))
    return rows


def test_page_shows_every_printed_row_pictures_and_plot(toy_run, tmp_path):
    rep, rec = toy_run
    index = write_bench_report(rep, tmp_path / "report", examples=rec, command="toy")
    page = check_page(index)
    flat = [r for t in page.tables for r in t]
    printed = _md_rows(rep.markdown())
    assert len(printed) == 5  # 2 methods in x2, 3 in x4
    for _, cells in printed:
        # the page's row: method, kind, then the printed row's cells in order
        match = [r for r in flat if r and r[0] == cells[0] and r[2:] == cells[1:]]
        assert match, f"printed row {cells} not on the page"
        assert all(is_number(c) for c in match[0][2:]), match[0]
    # the "Not run" line of the printed table, with its reason
    assert "Not run: refuses (method 'refuses' cannot honour this hint)." in rep.markdown()
    assert any(r[:2] == ["refuses", "Not run: method 'refuses' cannot honour this hint"]
               for r in flat)
    srcs = [a["src"] for a in page.imgs]
    assert sum("plot" in s for s in srcs) == 1
    # per group: input, guide, truth, then output and error of each method that ran there
    per_group = {"x2": 3 + 2 * 2, "x4": 3 + 2 * 3}
    for g, n in per_group.items():
        assert sum(f"_{g}_" in s for s in srcs) == n, (g, srcs)
    import cv2

    for s in srcs:
        if "plot" not in s:
            assert max(cv2.imread(str(index.parent / s)).shape[:2]) <= THUMB
    text = index.read_text()
    assert rep.machine in text and "0.2" in text and rep.date in text


def test_recorder_changes_no_result(toy_run, tmp_path):
    rep, _ = toy_run
    plain = run(_toy_task(), tmp_path, progress=False)
    key = [(r["group"], r["scene"], r["method"]) for r in plain.rows]
    assert key == [(r["group"], r["scene"], r["method"]) for r in rep.rows]
    assert [r["metrics"] for r in plain.rows] == [r["metrics"] for r in rep.rows]
    assert plain.skipped == rep.skipped


def test_without_examples_and_several_reports(toy_run, tmp_path):
    rep, _ = toy_run
    index = write_bench_report([rep, rep], tmp_path / "r")
    page = check_page(index)
    assert [a["src"] for a in page.imgs] == ["img/00_toy_fill_plot.png",
                                             "img/01_toy_fill_plot.png"]


def test_folder_refused_replaced_and_never_half_written(toy_run, tmp_path):
    rep, _ = toy_run
    out = tmp_path / "report"
    write_bench_report(rep, out)
    first = (out / "index.html").read_text()
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_bench_report(rep, out)
    assert "second run" not in first
    write_bench_report(rep, out, overwrite=True, command="second run")
    assert "second run" in (out / "index.html").read_text()
    # a folder of user data is never replaced, even with overwrite
    data = tmp_path / "data"
    data.mkdir()
    (data / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="not a depthsmith report"):
        write_bench_report(rep, data, overwrite=True)
    assert (data / "keep.txt").read_text() == "mine"
    with pytest.raises(InputError, match="does not exist"):
        write_bench_report(rep, tmp_path / "no" / "report")
    with pytest.raises(InputError, match="results: expected"):
        write_bench_report({"not": "a report"}, tmp_path / "bad")
    # a failure while writing leaves neither the folder nor a temporary one
    rep_bad = run(_toy_task(), tmp_path, progress=False)
    rep_bad.rows[0]["ms_mp"] = "boom"  # the plot cannot use it
    with pytest.raises((TypeError, DepthsmithError, ValueError)):
        write_bench_report(rep_bad, tmp_path / "broken")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "report"]


def test_killed_writers_leftovers_are_swept(toy_run, tmp_path):
    import subprocess
    import sys

    from depthsmith.io._atomic import _host

    rep, _ = toy_run
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f".report.{_host()}.{gone}.0123abcd.tmpreport"
    other = tmp_path / f".report.otherhost.{gone}.0123abcd.tmpreport"  # maybe still running
    mine = tmp_path / ".report.not-a-temp"
    for d in (stale, other, mine):
        d.mkdir()
        (d / "index.html").write_text("x")
    write_bench_report(rep, tmp_path / "report")
    assert not stale.exists() and other.exists() and mine.exists()


BROKEN = [
    "<img src='img/missing.png' alt='x'>",  # missing picture
    "<img src='img/junk.png' alt='x'>",  # a file that does not decode
    "<img src='/etc/x.png' alt='x'>",  # not relative
    "<a href='#nowhere'>x</a>",  # a fragment naming no element
    "<div><table></div>",  # badly nested
]


def test_the_structural_check_catches_broken_pages(toy_run, tmp_path):
    rep, _ = toy_run
    index = write_bench_report(rep, tmp_path / "r")
    good = index.read_text()
    check_page(index)
    (index.parent / "img" / "junk.png").write_bytes(b"not a png")
    for bad in BROKEN:
        index.write_text(good.replace("</body>", bad + "</body>"))
        with pytest.raises(AssertionError):
            check_page(index)
