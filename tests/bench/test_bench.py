"""The benchmark runner: degradations of BENCHMARKS.md, timing, tables, JSON, docs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from depthsmith.bench import Case, Method, Task, get_task, run, write_outputs
from depthsmith.degrade import occlusion_mask, sensor_hole_mask


def _toy_task():
    def cases(root):
        for i in range(2):
            gt = np.full((8, 10), 1.0 + i, np.float32)
            yield Case(f"s{i}", {"depth": gt}, {"gt": gt})

    def score(pred, case):
        return {"rmse": float(np.sqrt(np.mean((pred - case.truth["gt"]) ** 2)))}

    return Task("TOY", "toy", cases, score, lambda: [
        Method("exact", lambda depth: depth.copy(), "ours"),
        Method("off", lambda depth: depth + 1, "peer")])


def test_runner_scores_times_and_reports(tmp_path):
    rep = run(_toy_task(), tmp_path, progress=False)
    summ = {s["method"]: s for s in rep.summary()}
    assert summ["exact"]["rmse"] == 0 and summ["off"]["rmse"] == pytest.approx(1.0)
    assert all(r["ms_mp"] >= 0 for r in rep.rows) and len(rep.rows) == 4
    md = rep.markdown()
    assert "| **exact** (ours) | 0.000 |" in md and "| off | 1.000 |" in md
    write_outputs(rep, json_path=tmp_path / "r.json", docs_path=tmp_path / "b.md")
    assert json.loads((tmp_path / "r.json").read_text())["task"] == "TOY"
    write_outputs(rep, docs_path=tmp_path / "b.md")
    assert (tmp_path / "b.md").read_text().count("### TOY") == 2  # appended, not replaced


def test_runner_filters(tmp_path):
    rep = run(_toy_task(), tmp_path, progress=False, methods=["off"], scenes=["s1"])
    assert [(r["method"], r["scene"]) for r in rep.rows] == [("off", "s1")]
    with pytest.raises(Exception, match="unknown for TOY"):
        run(_toy_task(), tmp_path, progress=False, methods=["nope"])
    with pytest.raises(Exception, match="unknown benchmark task"):
        get_task("NOPE")


def test_occlusion_mask_analytic():
    # a fronto-parallel plane at disparity 2 seen by both views: only the left 2 columns
    d = np.full((3, 8), 2.0)
    occ = occlusion_mask(d, d)
    assert occ[:, :2].all() and not occ[:, 2:].any()
    # a foreground square (disparity 4) over background 2: background pixels that map onto
    # the square in the right view are occluded
    d = np.full((1, 12), 2.0)
    d[0, 6:9] = 4.0
    dr = np.full((1, 12), 2.0)
    dr[0, 2:5] = 4.0
    occ = occlusion_mask(d, dr)
    assert occ[0, 4] and occ[0, 5] and not occ[0, 6] and not occ[0, 10]


def test_sensor_hole_mask_deterministic():
    raw = np.ones((480, 640))
    raw[200:240, 300:400] = 0
    raw[:5] = 0  # border zeros are excluded
    a = sensor_hole_mask((240, 320), raw)
    b = sensor_hole_mask((240, 320), raw)
    np.testing.assert_array_equal(a, b)
    assert a[100:120, 150:200].all() and not a[:2].all()
    assert 0.05 < a.mean() < 0.5
    assert (sensor_hole_mask((240, 320), raw, seed=1) != a).any()


def test_fill_occ_runs_on_one_scene(data_root):
    rep = run(get_task("FILL-OCC"), data_root, scenes=["cones"], methods=["nearest"],
              progress=False)
    (row,) = rep.rows
    assert row["scene"] == "cones" and 1.0 < row["metrics"]["rmse"] < 30
