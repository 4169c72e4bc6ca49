"""Units-invariant defaults (issue #13, item 2): every registered method of every task, with
its default parameters, gives the same relative result whether depth is in metres,
millimetres or centimetres.

For each method of the ``fill``, ``refine``, ``complete`` and ``upsample`` registries
(``auto`` and any method registered later included: the lists are read when the tests are
collected) on a few small realistic inputs, guided and (where the guide is optional)
unguided, the output for ``k * D`` must be ``k`` times the output for ``D`` within
``TOL = 1e-5`` of the output's range, for ``k = 1000`` and ``k = 0.01`` (the float32
rounding of ``k * D`` is part of the test: real inputs are read in one unit or another, not
scaled exactly), and both outputs must be finite at the same pixels.

The inputs: a crop of the bundled Middlebury Cones disparity (quantized to 0.25 px, so
relative thresholds meet exact ties), synthetic slanted planes with a step and an occluding
ellipse in metres, the same scene in integer millimetres (a Kinect-like PNG) and, with
another draw of the guide's noise, in centimetres, and (when ``../shared/data`` is there)
three crops of real frames (``REAL``); fill gets
holes (and stereo occlusions on Cones), refine the REFINE degradation, complete 1 % and 5 %
samples, upsample x2, x4 and x8 low-resolution maps.

Parameters the user gives in depth units (``upsample.optimize``'s ``sigma_depth``,
``complete.morphological``'s ``max_depth`` and ``bilateral_sigma_color``) are exempt: only
defaults are tested (docs/units.md lists them). The ``defocus`` package is exempt: it
takes photographs, not depth, and its outputs (blur radii in pixels) have no depth units.
"""

from __future__ import annotations

import inspect

import cv2
import numpy as np
import pytest

from depthsmith import complete, fill, refine, upsample
from depthsmith._validate import InputError
from depthsmith.datasets import data_root, load
from depthsmith.datasets import scenes as scenes_of
from depthsmith.degrade import refine_degrade
from depthsmith.ops import nearest_fill

TOL = 1e-5
SCALES = (1000.0, 0.01)
H, W = 96, 128  # divisible by 8: every upsampling factor crops nothing


def _needs_guide(fn) -> bool:
    return inspect.signature(fn).parameters["guide"].default is inspect.Parameter.empty


def _planes(rng):
    """Slanted background, a nearer slanted step on the left, an ellipse in front (metres),
    and a noisy guide whose colours follow the three regions."""
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    d = 2.0 + 0.01 * xx + 0.005 * yy
    ell = ((xx - 0.55 * W) / (0.2 * W)) ** 2 + ((yy - 0.5 * H) / (0.3 * H)) ** 2 < 1
    step = (xx < 0.2 * W) & ~ell
    d = np.where(step, 3.5 - 0.003 * yy, d)
    d = np.where(ell, 1.2 + 0.004 * yy, d)
    g = np.empty((H, W, 3), np.int64)
    g[...] = (60, 90, 120)
    g[step] = (30, 200, 90)
    g[ell] = (200, 120, 40)
    g = np.clip(g + rng.integers(-12, 13, g.shape), 0, 255).astype(np.uint8)
    return d, g


@pytest.fixture(scope="module")
def scenes(cones):
    """name -> (depth float32 with NaN holes in the ground truth, guide uint8, is_disparity)."""
    disp, rgb = cones
    y, x = 150, 120
    out = {"cones": (disp[y:y + H, x:x + W].copy(), np.ascontiguousarray(rgb[y:y + H, x:x + W]),
                     True)}
    d, g = _planes(np.random.default_rng(7))
    out["planes_m"] = (d.astype(np.float32), g, False)
    out["planes_mm"] = (np.round(700.0 * d).astype(np.float32), g, False)
    d, g = _planes(np.random.default_rng(0))  # another guide noise draw, in centimetres
    out["planes_cm"] = ((100.0 * d).astype(np.float32), g, False)
    root = data_root()
    for name, (dataset, frame, y, x) in REAL.items():
        found = [p for p in scenes_of(dataset, root) if p.name == frame] if root else []
        if found:
            s = load(found[0])
            d = np.where(s.valid, s.depth, np.nan)[y:y + H, x:x + W].astype(np.float32)
            out[name] = (d, np.ascontiguousarray(s.rgb[y:y + H, x:x + W]),
                         s.kind == "disparity")
    return out


#: Crops of real frames of ../shared/data (skipped when it is absent): integer relative
#: Kinect depth (Lu et al.), NYU raw Kinect metres with holes, Middlebury-30 disparity in
#: steps of 1/3 px; each broke a method before the fixes of docs/units.md.
REAL = {"lu_kinect": ("lu2014_kinect", "RGBD_02", 162, 328),
        "nyu_raw_m": ("nyu_v2", "sample_00100", 337, 227),
        "sr30_bowling": ("middlebury_sr30", "07_bowling1", 43, 203)}


def _get(scenes, name):
    if name not in scenes:
        pytest.skip("benchmark data absent: set DEPTHSMITH_DATA or provide ../shared/data")
    return scenes[name]


def _holes(shape, seed):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    m = np.zeros(shape, bool)
    for _ in range(6):
        cy, cx, r = rng.uniform(0, shape[0]), rng.uniform(0, shape[1]), rng.uniform(2, 7)
        m |= (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    return m


def _check(run, depth, what):
    """``run(k * depth) == k * run(depth)`` within TOL of the range, for every k of SCALES.

    An input the method refuses by design (no guide, a hint it cannot honour) skips."""
    try:
        base = np.asarray(run(depth), np.float64)
    except InputError as e:
        if "guide" in str(e) or "cannot honour" in str(e):
            pytest.skip(f"refused by design: {e}")
        raise
    fin = np.isfinite(base)
    assert fin.any(), f"{what}: no finite output"
    span = float(np.ptp(base[fin]))
    for k in SCALES:
        scaled = np.asarray(run((depth * np.float32(k)).astype(np.float32)), np.float64) / k
        assert scaled.shape == base.shape
        assert np.array_equal(np.isfinite(scaled), fin), f"{what}, x{k:g}: NaN pattern differs"
        err = float(np.abs(scaled[fin] - base[fin]).max())
        n = int(np.count_nonzero(np.abs(scaled[fin] - base[fin]) > TOL * span))
        assert err <= TOL * span, (f"{what}, x{k:g}: off by {err / max(span, 1e-300):.2e} of "
                                   f"the output range at {n} pixels (tolerance {TOL:g})")


def _guide_cases(methods):
    return [pytest.param(m, gd, id=f"{m}-{'guided' if gd else 'unguided'}")
            for m, fn in methods.items() for gd in (True, False)
            if gd or not _needs_guide(fn)]


SCENES = ("cones", "planes_m", "planes_mm", "planes_cm", *REAL)


@pytest.mark.parametrize("scene", SCENES)
@pytest.mark.parametrize(("method", "guided"), _guide_cases(fill.METHODS))
def test_fill(scenes, scene, method, guided):
    d, g, _ = _get(scenes, scene)
    holed = np.where(_holes(d.shape, 1), np.nan, d).astype(np.float32)
    _check(lambda x: fill.fill_holes(x, g if guided else None, method=method), holed,
           f"fill {method} on {scene}")


@pytest.mark.parametrize("method", list(fill.METHODS))
def test_fill_occlusions(scenes, method):
    d, g, _ = scenes["cones"]
    holed = np.where(_holes(d.shape, 2), np.nan, d).astype(np.float32)
    _check(lambda x: fill.fill_holes(x, g, method=method, occlusion=True, disparity=True),
           holed, f"fill {method} occlusion=True on cones")


@pytest.mark.parametrize("scene", SCENES)
@pytest.mark.parametrize("method", list(refine.METHODS))
def test_refine(scenes, scene, method):
    d, g, _ = _get(scenes, scene)
    v = np.isfinite(d)
    noisy = refine_degrade(np.nan_to_num(d), v, seed=0)
    noisy = np.where(v, np.maximum(noisy, 1e-3 * np.nanmax(d)), np.nan).astype(np.float32)
    _check(lambda x: refine.refine(x, g, method=method), noisy, f"refine {method} on {scene}")


@pytest.mark.parametrize("scene", SCENES)
@pytest.mark.parametrize("density", [0.01, 0.05])
@pytest.mark.parametrize(("method", "guided"), _guide_cases(complete.METHODS))
def test_complete(scenes, scene, density, method, guided):
    d, g, _ = _get(scenes, scene)
    keep = (np.random.default_rng(3).random(d.shape) < density) & np.isfinite(d)
    sparse = np.where(keep, d, 0).astype(np.float32)
    gd = g if guided else None
    _check(lambda x: complete.complete(x, gd, method=method), sparse,
           f"complete {method} at {density:.0%} on {scene}")


@pytest.mark.parametrize("scene", SCENES)
@pytest.mark.parametrize("factor", [2, 4, 8])
@pytest.mark.parametrize(("method", "guided"), _guide_cases(upsample.METHODS))
def test_upsample(scenes, scene, factor, method, guided):
    d, g, _ = _get(scenes, scene)
    full = nearest_fill(d, valid=np.isfinite(d)).astype(np.float32)
    low = cv2.resize(full, (W // factor, H // factor), interpolation=cv2.INTER_AREA)
    gd = g if guided else None
    _check(lambda x: upsample.upsample(x, factor, gd, method=method), low,
           f"upsample {method} x{factor} on {scene}")
