"""The batch report from a manifest: statuses, errors, a bounded sample of pictures, metrics
only with a ground truth, unreadable files reported rather than raised."""

from __future__ import annotations

import json

import numpy as np
import pytest

from depthsmith._validate import InputError
from depthsmith.io import write_depth, write_image
from depthsmith.metrics import evaluate
from depthsmith.report import write_batch_report

from .pagecheck import check_page, is_number


def _run_folder(tmp_path, n=4):
    """A batch run as ``depthsmith batch`` leaves it: inputs, outputs and the manifest."""
    inp, out, gt = tmp_path / "in", tmp_path / "out", tmp_path / "gt"
    for d in (inp, out, gt):
        d.mkdir()
    rng = np.random.default_rng(3)
    items = []
    truths = {}
    for i in range(n):
        t = (1.0 + rng.random((60, 80))).astype(np.float32)
        d = t.copy()
        d[10:20, 10:30] = np.nan
        write_depth(inp / f"f{i}.pfm", d)
        write_image(inp / f"f{i}.png", (rng.random((60, 80, 3)) * 255).astype(np.uint8))
        write_depth(gt / f"f{i}.pfm", t)
        truths[f"f{i}"] = t
        status = "done" if i != 1 else "failed"
        item = {"id": f"f{i}", "inputs": {"depth": f"../in/f{i}.pfm", "guide": f"../in/f{i}.png"},
                "output": f"f{i}.pfm", "status": status, "seconds": 0.1 * (i + 1),
                "sha256": "ab" * 32, "error": None}
        if status == "done":
            write_depth(out / f"f{i}.pfm", np.where(np.isfinite(d), d, 1.5))
        else:
            item["error"] = f"DEPTH in/f{i}.pfm: <corrupt> & truncated"
        items.append(item)
    items.append({"id": "late", "inputs": {"depth": "../in/f0.pfm"}, "output": "late.pfm",
                  "status": "pending", "seconds": None, "sha256": None, "error": None})
    (out / "broken.pfm").write_bytes(b"PF\n3 3\n-1\n")  # a truncated output
    items[0]["output"] = "broken.pfm"
    man = {"version": "0.2.0", "task": "fill", "options": {"method": "auto"}, "items": items}
    (out / "manifest.json").write_text(json.dumps(man))
    return out / "manifest.json", truths


def test_batch_page_lists_items_errors_and_sample(tmp_path):
    manifest, _ = _run_folder(tmp_path)
    index = write_batch_report(manifest, tmp_path / "report", sample=3)
    page = check_page(index)
    text = index.read_text()
    flat = [r for t in page.tables for r in t]
    # the summary counts what the manifest says
    summary = next(r for r in flat if r[:2] == ["fill", "auto"])
    assert summary[2:6] == ["5", "3", "1", "1"]
    assert all(is_number(c) for c in summary[6:])
    # the failed item and its error, escaped
    assert ["f1", "DEPTH in/f1.pfm: <corrupt> & truncated"] in flat
    assert "&lt;corrupt&gt; &amp; truncated" in text
    # per-item rows: status and seconds of each item
    for it in json.loads(manifest.read_text())["items"]:
        row = next(r for r in flat if r[:2] == [it["id"], it["status"]] and len(r) == 6)
        assert row[2] == ("-" if it["seconds"] is None else f"{it['seconds']:.3f}")
    # pictures: the first 3 items only; f0's unreadable output is said, not raised
    srcs = [a["src"] for a in page.imgs]
    assert {s.split("/")[1].split("_")[0] for s in srcs} == {"i000", "i001", "i002"}
    assert "img/i002_out.png" in srcs and "img/i001_out.png" not in srcs
    assert "img/i000_in.png" in srcs and "img/i000_out.png" not in srcs
    assert "broken.pfm" in text and "(failed)" in text
    assert "Metrics" not in text  # no ground truth, no metric table


def test_batch_metrics_with_ground_truth(tmp_path):
    manifest, truths = _run_folder(tmp_path)
    index = write_batch_report(manifest, tmp_path / "report",
                               gt=str(tmp_path / "gt" / "{id}.pfm"))
    page = check_page(index)
    flat = [r for t in page.tables for r in t]
    from depthsmith.io import read_depth

    for i in (2, 3):  # done and readable
        pred = read_depth(tmp_path / "out" / f"f{i}.pfm")
        want = evaluate(pred, truths[f"f{i}"])
        row = next(r for r in flat if r and r[0] == f"f{i}" and len(r) == 5)
        assert float(row[1]) == pytest.approx(want["rmse"], abs=5e-4)
        assert float(row[2]) == pytest.approx(want["mae"], abs=5e-4)
    assert any(r[0] == "mean of 2" for r in flat)
    assert "img/i002_err.png" in [a["src"] for a in page.imgs]


@pytest.mark.parametrize("content, match", [
    (None, "cannot be read"), ("{not json", "not valid JSON"),
    ('{"items": 3}', "an 'items' list"), ('{"items": [{"no": "id"}]}', "item 0"),
])
def test_bad_manifest_one_line(tmp_path, content, match):
    m = tmp_path / "manifest.json"
    if content is not None:
        m.write_text(content)
    with pytest.raises(InputError, match=match) as e:
        write_batch_report(m, tmp_path / "report")
    assert "\n" not in str(e.value)
    assert not (tmp_path / "report").exists()


def test_report_of_a_real_batch_run(tmp_path):
    """The manifest ``depthsmith batch`` writes (not a hand-made one) gives a full page."""
    from click.testing import CliRunner

    from depthsmith.cli import main

    src = tmp_path / "depth"
    src.mkdir()
    rng = np.random.default_rng(5)
    for i in range(3):
        d = (1 + rng.random((40, 50))).astype(np.float32)
        d[5:15, 5:20] = np.nan
        write_depth(src / f"f{i}.pfm", d)
    (src / "f3.pfm").write_bytes(b"PF\n3 3\n")  # corrupt: the run goes on and lists it
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["batch", "fill", "-i", str(src), "-o", str(out),
                                    "--method", "normconv"])
    assert res.exit_code == 1, res.output  # one item failed
    index = write_batch_report(out, tmp_path / "report")
    page = check_page(index)
    flat = [r for t in page.tables for r in t]
    summary = next(r for r in flat if r[:2] == ["fill", "normconv"])
    assert summary[2:6] == ["4", "3", "1", "0"]
    assert any(r[0] == "f3" and "f3.pfm" in r[1] for r in flat if len(r) == 2)
    srcs = {a["src"] for a in page.imgs}
    assert {f"img/i{k:03d}_out.png" for k in range(3)} <= srcs
    assert "img/i003_out.png" not in srcs


def test_defocus_inputs_are_photos(tmp_path):
    rng = np.random.default_rng(2)
    write_image(tmp_path / "p.png", (rng.random((30, 40, 3)) * 255).astype(np.uint8))
    write_depth(tmp_path / "p.pfm", rng.random((30, 40)).astype(np.float32) + 0.5)
    man = {"task": "defocus", "options": {}, "items": [
        {"id": "p", "inputs": {"depth": "p.png", "guide": None}, "output": "p.pfm",
         "status": "done", "seconds": 0.2}]}
    (tmp_path / "depthsmith-batch.json").write_text(json.dumps(man))
    page = check_page(write_batch_report(tmp_path, tmp_path / "report"))  # the folder
    assert [a["src"] for a in page.imgs] == ["img/i000_in.png", "img/i000_out.png"]
    assert any("input photo" in r for t in page.tables for r in t)
