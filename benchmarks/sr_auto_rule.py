"""Tune and check ``upsample``'s input rule (learned vs optimize) on real data.

For every case (scene x factor x downsampling) it records the low-res input's
:func:`depthsmith.upsample._sampling.mixed_step_fraction` and the RMSE of ``optimize``,
OpenCV bicubic and the learned network (consistency step on / off, self-ensemble of 1, 2
and 4 flips). Then (``--report``) it picks the threshold on split A and scores it on B.

Split A (tuning): ``middlebury`` (21 scenes, SR-MIDDLEBURY's scoring: nearest-filled PNG
GT, RMSE over known pixels) and ``middlebury_sr30`` (20 scenes, SR-STANDARD's scoring).
The learned figures on A come from the k-fold models (``RUNS/fold<i>/model.onnx``, the
fold that never saw the scene; the seed scenes, which no fold saw, use fold
``crc32(name) % 4``), never from the shipped model, which saw those scenes.
Split B (report): ``lu2014_kinect`` (6), ``rgbdd`` (every ``--rgbdd-step``-th of 204
frames) with the shipped model (it never saw them), plus the 3 RGB-D-D real low-res frames.
Downsamplings: PIL bicubic (SR-STANDARD's), OpenCV INTER_AREA, INTER_CUBIC
(SR-MIDDLEBURY's), INTER_LINEAR, INTER_NEAREST, and PIL / INTER_CUBIC plus Gaussian noise
of 1 % of the low-res range; factors 4, 8, 16 (``--factors 2,4,8,16`` adds x2, where the
classical pick is ``jbu``: the report then says whether the rule should start below x4).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/sr_auto_rule.py --runs /tmp/l1_runs/kfold \\
        --cases cases.jsonl            # resumable: skips the cases already in the file
    .venv/bin/python benchmarks/sr_auto_rule.py --cases cases.jsonl --report
    .venv/bin/python benchmarks/sr_auto_rule.py --cases cases.jsonl --sensitivity stats.json

``--sensitivity``: the detector's constants (``STEP_FRACTION``, ``FLAT_FRACTION``,
``MIX_MARGIN``, ``MIN_STEPS``; set by looking at distributions, not held out) each at 0.5x
and 2x, the statistic recomputed on every case (cheap: the methods are not re-run, their
RMSEs come from the cases file) and the rule's cost on A and B, at the shipped threshold
and with the threshold re-tuned on A (``sr_auto_rule_report.sensitivity``).
"""

from __future__ import annotations

import argparse
import json
import zlib
from pathlib import Path

import cv2
import numpy as np

from depthsmith.datasets import load, require_data_root, scenes
from depthsmith.learn._data import SEED_SCENES, fold_of, scene_key
from depthsmith.learn._sr_infer import (
    FLIPS,
    consistency_step,
    guide_input,
    normalise,
    run_sr,
    smooth_consistency_step,
)
from depthsmith.learn._sr_infer import _flip as flip
from depthsmith.ops import nearest_fill
from depthsmith.upsample import upsample
from depthsmith.upsample._sampling import mixed_step_fraction

FACTORS = (4, 8, 16)
DOWNS = ("pil", "area", "cubic", "linear", "nearest", "pil+noise", "cubic+noise")
NOISE = 0.01
_INTERP = {"area": cv2.INTER_AREA, "cubic": cv2.INTER_CUBIC, "linear": cv2.INTER_LINEAR,
           "nearest": cv2.INTER_NEAREST}


def downsample(hr: np.ndarray, k: int, how: str, seed: int = 0) -> np.ndarray:
    """The (H // k, W // k) low-res map of the crop ``hr`` by ``how`` (see DOWNS)."""
    from PIL import Image

    H, W = hr.shape
    base = how.split("+")[0]
    if base == "pil":
        lr = np.array(Image.fromarray(hr).resize((W // k, H // k), Image.BICUBIC), np.float32)
    else:
        lr = cv2.resize(hr, (W // k, H // k), interpolation=_INTERP[base])
    if how.endswith("+noise"):
        lo, hi = np.percentile(lr, [1, 99])
        rng = np.random.default_rng(seed)
        lr = lr + rng.normal(0.0, NOISE * float(hi - lo), lr.shape).astype(np.float32)
        lr = np.maximum(lr, 1e-3 * max(float(hi), 1e-6)).astype(np.float32)
    return lr


def learned_variants(model, lr, guide, size):
    """RMSE-ready outputs of the network on ``lr``: {name: (H, W)} for 1, 2, 4 flips and no
    consistency step, the per-block step (Metzger et al., 0.3.0's) or the smooth one
    (``smooth``: ``upsample(method="learned")``'s default since 0.3.1); one network run per
    flip, shared by the variants."""
    H, W = size
    v = np.ones(lr.shape, bool)
    lo, scale = normalise(lr[v])
    dn = ((lr - lo) / scale).astype(np.float32)
    up = cv2.resize(dn, (W, H), interpolation=cv2.INTER_CUBIC)
    rgb = guide_input(guide.astype(np.float32)[..., :3])
    f = max(H / lr.shape[0], W / lr.shape[1])
    outs = []
    for fv, fh in FLIPS:
        o = run_sr(str(model), np.ascontiguousarray(flip(up, fv, fh)),
                   np.ascontiguousarray(flip(rgb, fv, fh)), f)
        outs.append(np.ascontiguousarray(flip(o, fv, fh)))
    res = {}
    for views in (1, 2, 4):
        m = np.mean(outs[:views], axis=0).astype(np.float32)
        res[f"learned e{views} nocons"] = m * scale + lo
        res[f"learned e{views}"] = consistency_step(m, dn, v) * scale + lo
        res[f"learned e{views} smooth"] = smooth_consistency_step(m, dn, v) * scale + lo
    return res


def _cases(root, rgbdd_step):
    """(split, set, name, key, hr, rgb, mask or None, clip, div) per scene."""
    for f in scenes("middlebury", root):
        s = load(f)
        png = np.where(s.valid, s.depth * s.scale, np.nan).astype(np.float32)
        yield ("A", "middlebury", f.name, scene_key(f), nearest_fill(png, valid=s.valid),
               s.rgb, s.valid, None, 1.0)
    for f in scenes("middlebury_sr30", root):
        s = load(f)
        yield ("A", "middlebury_sr30", f.name, scene_key(f),
               s.extra["png"].astype(np.float32), s.rgb, None, (0.0, 255.0), 1.0)
    for f in scenes("lu2014_kinect", root):
        s = load(f)
        yield ("B", "lu2014_kinect", f.name, None,
               np.nan_to_num(s.depth, nan=0.0).astype(np.float32), s.rgb, None, (0.0, 255.0),
               1.0)
    for f in scenes("rgbdd", root)[::rgbdd_step]:
        s = load(f)
        yield ("B", "rgbdd", f.name, None, np.nan_to_num(s.depth, nan=0.0).astype(np.float32),
               s.rgb, None, None, 10.0)


def _rmse(pred, gt, mask, clip, div):
    p = np.asarray(pred, np.float64)
    if clip is not None:
        p = np.clip(p, *clip)
    e = (p - gt) / div
    if mask is not None:
        e = e[mask]
    return float(np.sqrt(np.mean(e ** 2)))


def _inputs(root, rgbdd_step, factors=FACTORS):
    """Every case's low-res input as the cases file scores it: (split, set, name, key,
    factor, downsampling, lr, ground truth, guide, mask or None, clip, div), the scenes of
    :func:`_cases` cropped to each factor's multiple and downsampled every way of
    :data:`DOWNS`, then the RGB-D-D frames with the phone ToF's own low-res depth (factor 0,
    "real", key None: scored by the shipped model)."""
    for split, ds, name, key, hr, rgb, mask, clip, div in _cases(root, rgbdd_step):
        for k in factors:
            H, W = hr.shape[0] // k * k, hr.shape[1] // k * k
            crop = np.ascontiguousarray(hr[:H, :W])
            g = np.ascontiguousarray(rgb[:H, :W])
            m = None if mask is None else mask[:H, :W]
            for how in DOWNS:
                lr = downsample(crop, k, how, seed=zlib.crc32(f"{name}{k}".encode()))
                yield split, ds, name, key, k, how, lr, crop, g, m, clip, div
    for f in scenes("rgbdd", root, require=("depth_lr_phone_filled_mm.png",)):
        s = load(f)
        lr = np.nan_to_num(s.extra["depth_lr"], nan=0.0).astype(np.float32)
        gt = np.nan_to_num(s.depth, nan=0.0).astype(np.float32)
        yield "B", "rgbdd_real", f.name, None, 0, "real", lr, gt, s.rgb, None, None, 10.0


def _model_for(key, runs, all_keys, shipped):
    if key is None:
        return shipped
    i = (zlib.crc32(key.encode()) % 4) if key in SEED_SCENES else fold_of(key, all_keys, 4)
    return runs / f"fold{i}" / "model.onnx"


def _score_case(model, lr, rgb, gt, mask, clip, div):
    """The statistic and every method's RMSE on one low-res input; ``classical`` is the
    pre-rule ``auto`` (jbu below x4, else optimize)."""
    size = gt.shape
    frac, steps = mixed_step_fraction(lr)
    row = {"stat": None if np.isnan(frac) else frac, "steps": steps,
           "valid_frac": float(np.mean(np.isfinite(lr) & (lr > 0)))}
    preds = {"optimize": upsample(lr, guide=rgb, method="optimize"),
             "bicubic": cv2.resize(lr, size[::-1], interpolation=cv2.INTER_CUBIC)}
    f = max(size[0] / lr.shape[0], size[1] / lr.shape[1])
    preds["classical"] = (preds["optimize"] if f >= 4 else
                          upsample(lr, guide=rgb, method="jbu"))
    preds.update(learned_variants(model, lr, rgb, size))
    row["rmse"] = {k: _rmse(p, gt, mask, clip, div) for k, p in preds.items()}
    return row


def run(a):
    root = require_data_root()
    from depthsmith.learn._runtime import model_path

    shipped = model_path("sr")
    all_keys = [scene_key(f) for f in scenes("middlebury", root)
                + scenes("middlebury_sr30", root) + scenes("middlebury2014", root)
                if scene_key(f) not in SEED_SCENES]
    done = set()
    if a.cases.is_file():
        for line in a.cases.read_text().splitlines():
            r = json.loads(line)
            done.add((r["set"], r["name"], r["factor"], r["down"]))
    shard, shards = a.shard
    with a.cases.open("a") as out:
        for i, (split, ds, name, key, k, how, lr, gt, g, m, clip, div) in enumerate(
                _inputs(root, a.rgbdd_step, a.factors)):
            if i % shards != shard or (ds, name, k, how) in done:
                continue
            row = _score_case(_model_for(key, a.runs, all_keys, shipped), lr, g, gt, m, clip,
                              div)
            out.write(json.dumps({"split": split, "set": ds, "name": name, "factor": k,
                                  "down": how, **row}) + "\n")
            out.flush()


#: The detector's constants (``upsample/_sampling.py``) and the values the sensitivity
#: table tries: each at 0.5x and 2x of the shipped value, the others shipped.
DETECTOR = {"STEP_FRACTION": (0.05, 0.2), "FLAT_FRACTION": (0.15, 0.6),
            "MIX_MARGIN": (0.1, 0.4), "MIN_STEPS": (10, 40)}


def detector_stats(a):
    """The statistic of every case of ``--cases`` recomputed under each detector setting
    (shipped, then every constant of :data:`DETECTOR` at 0.5x / 2x): {setting: {case key:
    stat or None}}. The low-res inputs are :func:`run`'s (:func:`_inputs`); the methods are
    not re-run, their RMSEs stay those of the cases file."""
    from depthsmith.upsample import _sampling

    settings = {"shipped": {}}
    for n, vals in DETECTOR.items():
        for x in vals:
            settings[f"{n} {x:g}"] = {n: x}
    root = require_data_root()
    keep = {n: getattr(_sampling, n) for n in DETECTOR}
    out = {s: {} for s in settings}

    def stats(lr, key):
        for s, k in settings.items():
            try:
                for n, x in k.items():
                    setattr(_sampling, n, x)
                f, _ = mixed_step_fraction(lr)
            finally:
                for n, x in keep.items():
                    setattr(_sampling, n, x)
            out[s][key] = None if np.isnan(f) else f

    for _split, ds, name, _key, k, how, lr, *_ in _inputs(root, a.rgbdd_step, a.factors):
        stats(lr, f"{ds}|{name}|{k}|{how}")
    return out


def _shard(text: str) -> tuple[int, int]:
    i, n = (int(x) for x in text.split("/"))
    if not 0 <= i < n:
        raise argparse.ArgumentTypeError(f"--shard {text}: expected I/N with 0 <= I < N")
    return i, n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=Path, default=Path("/tmp/l1_runs/kfold"))
    ap.add_argument("--cases", type=Path, required=True)
    ap.add_argument("--rgbdd-step", type=int, default=4)
    ap.add_argument("--factors", type=lambda t: tuple(int(x) for x in t.split(",")),
                    default=FACTORS, help="comma-separated factors (default 4,8,16; add 2 "
                    "to measure the rule below its range: the report's extension table)")
    ap.add_argument("--shard", type=_shard, default=(0, 1), metavar="I/N",
                    help="score only the cases whose index is I modulo N (run N processes "
                         "into N files, then concatenate them)")
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--learned", default=None,
                    help="the learned variant the rule runs (default: the shipped one, "
                         "sr_auto_rule_report.LEARNED)")
    ap.add_argument("--sensitivity", type=Path, metavar="STATS",
                    help="the detector's sensitivity table; STATS caches the recomputed "
                         "statistics (computed when the file is missing)")
    a = ap.parse_args(argv)
    variant = {} if a.learned is None else {"learned": a.learned}
    if a.sensitivity:
        from sr_auto_rule_report import sensitivity

        if not a.sensitivity.is_file():
            a.sensitivity.write_text(json.dumps(detector_stats(a)))
        sensitivity(a.cases, json.loads(a.sensitivity.read_text()), **variant)
    elif a.report:
        from sr_auto_rule_report import report

        report(a.cases, **variant)
    else:
        run(a)


if __name__ == "__main__":
    main()
