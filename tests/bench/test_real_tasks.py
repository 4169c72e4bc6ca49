"""SR-STANDARD, the -RGBDD tasks and the COMPLETE-KITTI robustness variants."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from PIL import Image

from depthsmith.bench import Case, get_task, run
from depthsmith.bench._complete_tasks import KITTI_GROUPS
from depthsmith.bench._standard_tasks import REAL_GROUP
from depthsmith.degrade import (
    SAMPLE_SCHEMES,
    kitti_inputs,
    kitti_variant_inputs,
    sensor_hole_mask,
    sr_standard_degrade,
)
from depthsmith.io import read_depth

FRAME = "20200509112638"  # an RGB-D-D frame with the phone's real low-res depth


def _subset(tmp_path, data_root, wanted):
    """A data root holding only the named scene folders (files symlinked)."""
    for ds, names in wanted.items():
        for name in names:
            dst = tmp_path / ds / name
            dst.mkdir(parents=True)
            for f in (data_root / ds / name).iterdir():
                (dst / f.name).symlink_to(f)
    return tmp_path


# ---- degradations ------------------------------------------------------------------------

def test_sr_standard_degrade_is_pil_bicubic_of_the_float_crop(rng):
    hr = rng.uniform(500, 3000, (38, 53)).astype(np.float32)
    rgb = rng.integers(0, 256, (38, 53, 3), dtype=np.uint8)
    low, guide, truth = sr_standard_degrade(hr, rgb, 4)
    assert truth.shape == (36, 52) and guide.shape == (36, 52, 3) and low.shape == (9, 13)
    assert truth.dtype == np.float32 and low.dtype == np.float32
    ref = np.array(Image.fromarray(hr[:36, :52].copy()).resize((13, 9), Image.BICUBIC))
    np.testing.assert_array_equal(low, ref)
    np.testing.assert_array_equal(truth, hr[:36, :52])


def test_kitti_variants():
    g = np.zeros((20, 30))
    g[4:, :] = np.arange(16 * 30).reshape(16, 30) + 1.0
    v = kitti_variant_inputs(g)
    assert list(v) == ["random seed 1", "random seed 2", "lines phase 1", "lines phase 2",
                       "lines phase 3"]
    for k in (1, 2, 3):
        rows = np.nonzero(v[f"lines phase {k}"].any(axis=1))[0]
        assert (rows % 4 == k).all() and len(rows) == 4
        np.testing.assert_array_equal(v[f"lines phase {k}"][rows], g[rows] > 0)
    main = kitti_inputs(g)
    assert (v["random seed 1"] != main["random"]).any()
    assert v["random seed 1"].sum() == main["random"].sum() == round(0.25 * (g > 0).sum())
    np.testing.assert_array_equal(kitti_variant_inputs(g, seeds=(0,), phases=(0,))[
        "random seed 0"], main["random"])


# ---- SR-STANDARD -------------------------------------------------------------------------

def _sr_root(tmp_path, data_root):
    return _subset(tmp_path, data_root, {"middlebury_sr30": ["13_cones"],
                                         "lu2014_kinect": ["RGBD_01"], "rgbdd": [FRAME]})


def test_sr_standard_cases(tmp_path, data_root):
    task = get_task("SR-STANDARD")
    cases = list(task.cases(_sr_root(tmp_path, data_root)))
    groups = [c.group for c in cases]
    assert groups == [f"{s} x{k}" for s in ("Middlebury", "Lu", "RGB-D-D")
                      for k in (4, 8, 16)] + [REAL_GROUP]
    by = {c.group: c for c in cases}
    c = by["Middlebury x16"]  # cones 450x375 cropped to 448x368
    assert c.truth["gt"].shape == (368, 448) and c.inputs["depth"].shape == (23, 28)
    assert c.inputs["guide"].shape == (368, 448, 3) and c.truth["gt"].max() <= 255
    assert c.truth["clip"] == (0.0, 255.0) and c.truth["div"] == 1.0
    c = by["RGB-D-D x8"]
    assert c.truth["div"] == 10.0 and c.truth["clip"] is None and c.truth["gt"].max() > 800
    real = by[REAL_GROUP]
    assert real.inputs["depth"].shape == (144, 192) and real.truth["gt"].shape == (384, 512)
    assert real.inputs["guide"].shape == (384, 512, 3)
    np.testing.assert_array_equal(real.inputs["depth"], read_depth(
        data_root / "rgbdd" / FRAME / "depth_lr_phone_filled_mm.png"))


def test_sr_standard_score_units_and_clip():
    score = get_task("SR-STANDARD").score
    gt = np.full((4, 6), 255.0, np.float32)
    gt[0] = 100.0
    case = Case("x", {}, {"gt": gt, "div": 1.0, "clip": (0.0, 255.0), "shape": gt.shape})
    pred = gt + 3.0  # clipped back to 255 on the 3 rows at 255: only row 0 is off, by 3
    assert score(pred, case)["rmse"] == pytest.approx(np.sqrt(9 / 4))
    mm = np.full((4, 6), 1500.0, np.float32)
    case = Case("y", {}, {"gt": mm, "div": 10.0, "clip": None, "shape": mm.shape})
    assert score(mm + 20.0, case)["rmse"] == pytest.approx(2.0)  # 20 mm = 2 cm
    assert np.isnan(score(np.full_like(mm, np.nan), case)["rmse"])


def test_sr_standard_tiny_run(tmp_path, data_root):
    rep = run(get_task("SR-STANDARD"), _sr_root(tmp_path, data_root), scenes=[FRAME],
              methods=["auto", "bicubic", "bicubic (PIL, the papers' row)"], progress=False)
    assert rep.groups() == ["RGB-D-D x4", "RGB-D-D x8", "RGB-D-D x16", REAL_GROUP]
    for g in rep.groups():
        summ = {s["method"]: s["rmse"] for s in rep.summary(g)}
        assert set(summ) == {"auto", "bicubic", "bicubic (PIL, the papers' row)"}
        assert all(0 < v < 20 for v in summ.values()), (g, summ)  # cm, not mm


# ---- -RGBDD ------------------------------------------------------------------------------

def _rgbdd_root(tmp_path, data_root):
    return _subset(tmp_path, data_root, {"rgbdd": [FRAME], "nyu_v2": ["sample_00000"]})


def test_fill_holes_rgbdd_cases_and_score(tmp_path, data_root):
    root = _rgbdd_root(tmp_path, data_root)
    task = get_task("FILL-HOLES-RGBDD")
    (case,) = task.cases(root)
    holes = sensor_hole_mask((384, 512), read_depth(root / "nyu_v2" / "sample_00000" /
                                                    "depth_raw.png"))
    np.testing.assert_array_equal(case.truth["holes"], holes & np.isfinite(case.truth["gt"]))
    assert not case.inputs["valid"][holes].any() and np.isnan(case.inputs["depth"][holes]).all()
    assert np.nanmin(case.truth["gt"]) > 800  # mm
    pred = np.nan_to_num(case.truth["gt"]).astype(np.float64)
    idx = np.flatnonzero(case.truth["holes"])
    pred.flat[idx[::2]] += 20.0  # half the holes 20 mm off: bad-10mm 50 %
    pred.flat[idx[1::2]] += 5.0  # the other half 5 mm off: under the threshold
    m = task.score(pred, case)
    n_off = len(idx[::2])
    assert m["bad10"] == pytest.approx(100 * n_off / len(idx))
    assert m["rmse"] == pytest.approx(np.sqrt((400 * n_off + 25 * (len(idx) - n_off)) / len(idx)))


def test_refine_rgbdd_cases_and_score(tmp_path, data_root):
    task = get_task("REFINE-RGBDD")
    (case,) = task.cases(_rgbdd_root(tmp_path, data_root))
    gt, band = case.truth["gt"], case.truth["band"]
    assert case.inputs["depth"].shape == gt.shape and np.isfinite(case.inputs["depth"]).all()
    assert 0.01 < band.mean() < 0.6  # a 10 mm jump: a band, not the whole frame
    pred = gt.astype(np.float64) + np.where(band, 30.0, 0.0)
    m = task.score(pred, case)
    assert m["rmse_edge"] == pytest.approx(30.0)
    assert m["rmse"] == pytest.approx(30.0 * np.sqrt(band[case.truth["valid"]].mean()))


def test_complete_samples_rgbdd_cases(tmp_path, data_root):
    task = get_task("COMPLETE-SAMPLES-RGBDD")
    cases = list(task.cases(_rgbdd_root(tmp_path, data_root)))
    assert [c.group for c in cases] == list(SAMPLE_SCHEMES)
    for c in cases:
        n = c.inputs["valid"].sum()
        assert abs(n - round(0.01 * 384 * 512)) <= 0.15 * 0.01 * 384 * 512
        gt = c.truth["gt"]
        m = task.score(gt * 1.1, c)
        assert m["rel"] == pytest.approx(0.1) and m["rmse"] > 80  # mm


def test_rgbdd_tiny_runs(tmp_path, data_root):
    root = _rgbdd_root(tmp_path, data_root)
    rep = run(get_task("FILL-HOLES-RGBDD"), root, methods=["auto", "nearest"], progress=False)
    summ = {s["method"]: s for s in rep.summary()}
    assert summ["auto"]["rmse"] < 100 and summ["nearest"]["bad10"] < 100
    rep = run(get_task("REFINE-RGBDD"), root, methods=["auto", "identity"], progress=False)
    summ = {s["method"]: s["rmse"] for s in rep.summary()}
    assert summ["auto"] < summ["identity"]
    rep = run(get_task("COMPLETE-SAMPLES-RGBDD"), root, methods=["normconv", "nearest"],
              progress=False)
    assert rep.groups() == list(SAMPLE_SCHEMES) and len(rep.rows) == 8


def test_fill_rgbdd_passes_depth_hint(tmp_path, data_root):
    """Our methods get disparity=False on RGB-D-D (and the Middlebury tasks keep True)."""
    from depthsmith.bench._fill_tasks import fill_methods

    seen = []

    def spy(depth, guide, *, valid, occlusion, disparity):
        seen.append((occlusion, disparity))
        return depth

    import depthsmith.fill as fill

    old = dict(fill.METHODS)
    try:
        fill.METHODS.clear()
        fill.METHODS["spy"] = spy
        for occ, disp in ((False, False), (False, True), (True, True)):
            (m, *_) = fill_methods(occ, disparity=disp)
            m.fn(depth=np.ones((2, 2)), valid=np.ones((2, 2), bool), guide=None)
        assert seen == [(False, False), (False, True), (True, True)]
    finally:
        fill.METHODS.clear()
        fill.METHODS.update(old)


# ---- COMPLETE-KITTI ----------------------------------------------------------------------

# sha256 (first 16 hex) of valid mask + input depth of the 3 frames of the figures before
# 2026-12, computed with the task's code before the 8-frame / variants change
OLD_INPUTS = {
    ("frame_0000000005", "random"): "ea85821fc8779db1",
    ("frame_0000000005", "lines"): "6bbb8670f25da6f4",
    ("frame_0000000050", "random"): "13bc5f5fc22fcb44",
    ("frame_0000000050", "lines"): "5afe784e72b52c1b",
    ("frame_0000000100", "random"): "9b5b63c1d5ac2268",
    ("frame_0000000100", "lines"): "f742ba9b3285663f",
}


def _digest(case):
    raw = (np.ascontiguousarray(case.inputs["valid"]).tobytes()
           + np.nan_to_num(case.inputs["depth"], nan=-1).tobytes())
    return hashlib.sha256(raw).hexdigest()[:16]


@pytest.fixture(scope="module")
def kitti_cases(data_root):
    return list(get_task("COMPLETE-KITTI").cases(data_root))


def test_complete_kitti_frames_groups_and_old_inputs(kitti_cases):
    frames = sorted({c.scene for c in kitti_cases})
    assert len(frames) == 8 and sum(f.startswith("frame_") for f in frames) == 3
    assert list(dict.fromkeys(c.group for c in kitti_cases)) == list(KITTI_GROUPS)
    assert len(kitti_cases) == 8 * len(KITTI_GROUPS)
    got = {(c.scene, c.group): _digest(c) for c in kitti_cases
           if c.scene.startswith("frame_") and c.group in ("random", "lines")}
    assert got == OLD_INPUTS  # the main groups are bit-identical to the old figures' inputs
    for c in kitti_cases:
        gt, m = c.truth["gt"], c.inputs["valid"]
        assert not (c.truth["mask"] & m).any() and (gt[m] > 0).all()
        if c.group.startswith("lines"):
            k = 0 if c.group == "lines" else int(c.group[-1])
            assert (np.nonzero(m)[0] % 4 == k).all()


def test_complete_kitti_tiny_run(data_root):
    rep = run(get_task("COMPLETE-KITTI"), data_root, scenes=["cropped1216_0"],
              methods=["normconv", "nearest"], progress=False)
    assert rep.groups() == list(KITTI_GROUPS) and len(rep.rows) == 2 * len(KITTI_GROUPS)
    for g in KITTI_GROUPS:
        summ = {s["method"]: s["rmse"] for s in rep.summary(g)}
        assert 100 < summ["normconv"] < 5000 and 100 < summ["nearest"] < 5000  # mm
