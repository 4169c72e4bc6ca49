"""Every default over every shared frame (issue #13, item 1): zero crashes, zero non-finite
outputs.

For every frame with depth of every dataset in ``../shared/data``, each task's default
(``method="auto"``) runs on the frame's natural input, built with :mod:`depthsmith.degrade`
as the benchmarks build it, with the frame's colour image as guide and without one:

* fill: the FILL-HOLES hole mask (:func:`~depthsmith.degrade.sensor_hole_mask` from the
  NYU raw Kinect frame) on top of the frame's own unknown pixels;
* refine: the REFINE degradation (:func:`~depthsmith.degrade.refine_degrade`);
* complete: the COMPLETE-SAMPLES 1 % ``uniform`` and ``grid`` samples
  (:func:`~depthsmith.degrade.sample_inputs`), and on KITTI depth frames also the
  COMPLETE-KITTI ``random`` 25 % and ``lines`` patterns (:func:`~depthsmith.degrade.kitti_inputs`);
* upsample: the SR-MIDDLEBURY low-resolution input (:func:`~depthsmith.degrade.sr_degrade`)
  at x4, x8 and x16, and the sensor's own low-resolution depth where a frame has one
  (RGB-D-D's phone ToF, the iPhone LiDAR frame), upsampled to the guide's size.

Each output must have the expected shape and be finite everywhere. The frame's depth is
passed as read (default validity: finite and > 0), so HCI 4D's negative disparities count
as holes. Datasets read with :mod:`depthsmith.datasets`' loaders; ``kitti2012`` (the
``kitti2015`` encoding), ``nyu_v2_dense`` and ``iphone_lidar_promptda`` have no loader
there and are read here with :mod:`depthsmith.io`. Left out: ``syndof`` (normalised defocus
maps, not depth).

Marked slow: ``pytest -m slow tests/test_shared_defaults_slow.py`` runs every frame (282
on 2026-12-07, in 5 min 40 s with ``OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1`` on the shared
2-core VM under load, so the full set is the default). Skipped, with a message, when the
data is absent.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from depthsmith import complete, fill, refine, upsample
from depthsmith.datasets import LOADERS, Sample, data_root, load, scenes
from depthsmith.degrade import (
    kitti_inputs,
    refine_degrade,
    sample_inputs,
    sensor_hole_mask,
    sr_degrade,
)
from depthsmith.io import read_depth, read_image

pytestmark = pytest.mark.slow

#: Datasets with a loader in :mod:`depthsmith.datasets` whose frames hold depth.
DATASETS = ("middlebury", "middlebury2014", "middlebury_msgnet_A", "middlebury_sr30",
            "kitti_depth", "kitti2015", "nyu_v2", "sintel", "sceneflow", "hci4d",
            "lu2014_kinect", "rgbdd")
#: Datasets without a loader there, read by :func:`_load_extra`.
EXTRA = ("kitti2012", "nyu_v2_dense", "iphone_lidar_promptda")
FACTORS = (4, 8, 16)


def _frames():
    root = data_root()
    if root is None:
        return [pytest.param(None, id="no-data")]
    out = []
    for ds in DATASETS:
        out += [pytest.param(p, id=f"{ds}/{p.name}") for p in scenes(ds, root)]
    for ds in EXTRA:
        if (root / ds).is_dir():
            found = sorted(p.parent for p in (root / ds).rglob("meta.json"))
            out += [pytest.param(p, id=f"{ds}/{p.name}") for p in found]
    return out


def _load_extra(folder) -> Sample:
    ds = folder.parent.name
    if ds == "kitti2012":  # same files and encoding as KITTI 2015 (disparity = value / 256)
        return LOADERS["kitti2015"](folder)
    if ds == "nyu_v2_dense":
        d = read_depth(folder / "depth_filled_m.npy")
        return Sample(f"{ds}/{folder.name}", read_image(folder / "rgb.jpg"), d,
                      np.isfinite(d) & (d > 0), "depth", "m")
    # iphone_lidar_promptda: 256x192 LiDAR depth (mm) with a 1920x1440 photo; the frame is
    # the depth, with the photo area-downsampled to its size as guide, and the photo
    # itself guides the real x7.5 upsampling
    d = read_depth(folder / "lidar_lowres_mm.png")
    photo = read_image(folder / "rgb.jpg")
    small = cv2.resize(photo, (d.shape[1], d.shape[0]), interpolation=cv2.INTER_AREA)
    return Sample(f"{ds}/{folder.name}", small, d, np.isfinite(d) & (d > 0), "depth", "mm",
                  extra={"depth_lr": d, "photo": photo})


@pytest.fixture(scope="module")
def kinect_raw():
    """The raw NYU Kinect frame whose dropouts make FILL-HOLES' hole mask."""
    root = data_root()
    if root is None:
        pytest.skip("benchmark data absent: set DEPTHSMITH_DATA or provide ../shared/data")
    return read_depth(root / "nyu_v2" / "sample_00000" / "depth_raw.png")


def _finite(out, shape, what, problems):
    out = np.asarray(out)
    if out.shape != tuple(shape):
        problems.append(f"{what}: shape {out.shape}, expected {tuple(shape)}")
    elif not np.isfinite(out).all():
        problems.append(f"{what}: {int((~np.isfinite(out)).sum())} non-finite pixels")


def _run(what, problems, fn, *args, **kw):
    try:
        return fn(*args, **kw)
    except Exception as e:  # every exception on valid input is a finding: collect them all
        problems.append(f"{what}: raised {type(e).__name__}: {e}")
        return None


@pytest.mark.parametrize("folder", _frames())
def test_every_default_on_every_frame(folder, kinect_raw):
    if folder is None:
        pytest.skip("benchmark data absent: set DEPTHSMITH_DATA or provide ../shared/data")
    s = load(folder) if folder.parent.name not in EXTRA else _load_extra(folder)
    d = np.where(s.valid, s.depth, np.nan).astype(np.float32)
    v = np.isfinite(d) & (d > 0)
    if not v.any():
        pytest.skip(f"{s.name}: no positive depth")
    rgb, shape, problems = s.rgb, d.shape, []

    holes = sensor_hole_mask(shape, kinect_raw)
    holed = np.where(holes, np.nan, d).astype(np.float32)
    if not np.isfinite(holed).any():
        holed = d
    for gd, tag in ((rgb, "guided"), (None, "unguided")):
        out = _run(f"fill {tag}", problems, fill.fill_holes, holed, gd)
        if out is not None:
            _finite(out, shape, f"fill {tag}", problems)

    noisy = refine_degrade(np.nan_to_num(d), v, seed=0)
    out = _run("refine", problems, refine.refine, noisy, rgb)
    if out is not None:
        _finite(out, shape, "refine", problems)

    masks = {k: m for k, m in sample_inputs(d, v, rgb).items() if k in ("uniform", "grid")}
    if s.name.startswith("kitti_depth/"):
        masks.update(kitti_inputs(np.nan_to_num(d)))
    for name, m in masks.items():
        if not m.any():
            continue
        sparse = np.where(m, d, 0).astype(np.float32)
        for gd, tag in ((rgb, "guided"), (None, "unguided")):
            what = f"complete {name} {tag}"
            out = _run(what, problems, complete.complete, sparse, gd)
            if out is not None:
                _finite(out, shape, what, problems)

    for f in FACTORS:
        if min(shape) < 2 * f:
            continue
        low, guide, _, _ = sr_degrade(np.nan_to_num(d), v, rgb, f)
        for gd, tag in ((guide, "guided"), (None, "unguided")):
            what = f"upsample x{f} {tag}"
            out = _run(what, problems, upsample.upsample, low, f, gd)
            if out is not None:
                _finite(out, guide.shape[:2], what, problems)
    lr = s.extra.get("depth_lr")
    if lr is not None:
        photo = s.extra.get("photo", rgb)
        out = _run("upsample sensor LR", problems, upsample.upsample, lr, None, photo)
        if out is not None:
            _finite(out, photo.shape[:2], "upsample sensor LR", problems)

    assert not problems, f"{s.name}:\n  " + "\n  ".join(problems)
