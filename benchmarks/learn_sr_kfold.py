"""k-fold-by-scene evaluation of the learned guided SR on SR-STANDARD's Middlebury-30 set.

Each fold's model (``RUNS/fold<i>/model.pt``, trained by ``depthsmith train sr --folds K
--fold i``) is exported to ONNX (``model.onnx`` beside it, if missing) and scored, through
the shipped inference path (``upsample(..., method="learned", model=...)``), on the
``middlebury_sr30`` scenes of the fold it never saw. Cones and teddy (seed scenes, never
trained on by any fold) are scored by every fold's model and averaged. Peers in the same
run on the same inputs: OpenCV bicubic, the classical ``optimize`` and ``auto``'s input rule
(with the fold's model where it picks ``learned``); learned's default (4-flip
self-ensemble, smooth consistency step), 0.3.0's (1 run, block step), 2 flips, no step.
Degradation and score are SR-STANDARD's (PIL bicubic down, RMSE in PNG units with the
prediction clipped to [0, 255]).

Time: one 640x480 output (x8 from 80x60, a Middlebury-30 crop) on 2 threads, best of
``--repeat`` (interleaved) after one warm-up, every method in the same process
(``--time-only``: just this).

    .venv/bin/python benchmarks/learn_sr_kfold.py --runs /tmp/l1_runs/kfold [--folds 4]
        [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from depthsmith.bench import machine
from depthsmith.datasets import load, require_data_root, scenes
from depthsmith.degrade import sr_standard_degrade
from depthsmith.learn._data import SEED_SCENES, fold_of, scene_key
from depthsmith.upsample import upsample

FACTORS = (4, 8, 16)


def _onnx(run: Path) -> Path:
    onnx_path = run / "model.onnx"
    if not onnx_path.is_file():
        from depthsmith.learn._export import export

        export(run / "model.pt", onnx_path)
    return onnx_path


def _rmse(pred, gt):
    return float(np.sqrt(np.mean((np.clip(pred, 0, 255).astype(np.float64) - gt) ** 2)))


def _auto_rule(model):
    """``auto`` with the fold's model where its input rule picks ``learned``."""
    from depthsmith.upsample import auto_method

    def call(lr, g):
        f = max(g.shape[0] / lr.shape[0], g.shape[1] / lr.shape[1])
        name = auto_method(f, True, lr)
        return upsample(lr, guide=g, method=name,
                        **({"model": str(model)} if name == "learned" else {}))
    return call


def _learned(model, **kw):
    def call(lr, g):
        return upsample(lr, guide=g, method="learned", model=str(model), **kw)
    return call


def _methods(model):
    return {
        "learned": _learned(model),
        "learned, 1 run, block consistency (0.3.0)": _learned(
            model, ensemble=1, smooth_consistency=False),
        "learned, 2 flips (0.3.1's default)": _learned(model, ensemble=2),
        "learned (no consistency)": _learned(model, consistency=False),
        "bicubic": lambda lr, g: cv2.resize(lr, g.shape[1::-1], interpolation=cv2.INTER_CUBIC),
        "optimize (classical)": lambda lr, g: upsample(lr, guide=g, method="optimize"),
        "auto (input rule, fold model)": _auto_rule(model),
    }


#: Methods that do not depend on the fold's model: run once per scene.
_MODEL_FREE = ("bicubic", "optimize (classical)")


def _time(model, repeat):
    from depthsmith._threads import threads

    f = sorted(scenes("middlebury_sr30", require_data_root()))[0]
    s = load(f)
    hr = np.ascontiguousarray(s.extra["png"][:480, :640], np.float32)
    rgb = np.ascontiguousarray(s.rgb[:480, :640])
    hr = cv2.resize(hr, (640, 480)) if hr.shape != (480, 640) else hr
    rgb = cv2.resize(rgb, (640, 480)) if rgb.shape[:2] != (480, 640) else rgb
    lr, g, _ = sr_standard_degrade(hr, rgb, 8)
    fns = _methods(model)
    out = {name: float("inf") for name in fns}
    with threads(2):
        for fn in fns.values():
            fn(lr, g)  # warm-up
        for _ in range(repeat):  # interleaved, so load changes hit every method alike
            for name, fn in fns.items():
                out[name] = min(out[name], _timed(fn, lr, g))
    return out


def _timed(fn, lr, g):
    t = time.perf_counter()
    fn(lr, g)
    return time.perf_counter() - t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", required=True, type=Path)
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--limit", type=int, default=None, help="first N scenes only (a check)")
    ap.add_argument("--time-only", action="store_true", help="only the 640x480 timing")
    a = ap.parse_args(argv)
    if a.time_only:
        t = _time(_onnx(a.runs / "fold0"), a.repeat)
        print(", ".join(f"{n} {1000 * v:.0f} ms" for n, v in t.items())
              + f"\nmachine: {machine()}; date: "
              f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
        return
    root = require_data_root()
    folders = scenes("middlebury_sr30", root)
    all_keys = [scene_key(f) for f in scenes("middlebury", root) + folders
                + scenes("middlebury2014", root) if scene_key(f) not in SEED_SCENES]
    models = {i: _onnx(a.runs / f"fold{i}") for i in range(a.folds)}
    per = {}  # (method, factor) -> list of per-scene RMSE
    rows = []
    for f in folders[:a.limit]:
        key = scene_key(f)
        s = load(f)
        gt_full = s.extra["png"].astype(np.float32)
        folds = (range(a.folds) if key in SEED_SCENES
                 else [fold_of(key, all_keys, a.folds)])
        for k in FACTORS:
            lr, g, gt = sr_standard_degrade(gt_full, s.rgb, k)
            res = {}
            for i in folds:
                for name, fn in _methods(models[i]).items():
                    if name in _MODEL_FREE and i != folds[0]:
                        continue
                    res.setdefault(name, []).append(_rmse(fn(lr, g), gt))
            for name, vals in res.items():
                per.setdefault((name, k), []).append(float(np.mean(vals)))
            rows.append({"scene": key, "factor": k, "folds": list(folds),
                         **{n: float(np.mean(v)) for n, v in res.items()}})
    names = list(_methods(models[0]))
    lines = [f"k-fold by scene ({a.folds} folds), SR-STANDARD Middlebury-30 "
             f"({len(folders)} scenes), RMSE in PNG units",
             "", "| method | " + " | ".join(f"x{k}" for k in FACTORS) + " | "
             + " | ".join(f"x{k} / bicubic" for k in FACTORS) + " |",
             "|---|" + "---|" * (2 * len(FACTORS))]
    table = {}
    for n in names:
        m = [float(np.mean(per[(n, k)])) for k in FACTORS]
        b = [float(np.mean(per[("bicubic", k)])) for k in FACTORS]
        table[n] = m
        lines.append(f"| {n} | " + " | ".join(f"{v:.3f}" for v in m) + " | "
                     + " | ".join(f"{v / w:.3f}x" for v, w in zip(m, b, strict=True)) + " |")
    t = _time(models[0], a.repeat)
    lines += ["", "640x480 output (x8), 2 threads, best of "
              f"{a.repeat} after a warm-up: "
              + ", ".join(f"{n} {1000 * v:.0f} ms" for n, v in t.items())
              + f"; learned / optimize = {t['learned'] / t['optimize (classical)']:.2f}x",
              f"machine: {machine()}; date: "
              f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}"]
    print("\n".join(lines))
    if a.json:
        a.json.write_text(json.dumps({"table": table, "rows": rows, "time_s": t,
                                      "machine": machine()}, indent=1))


if __name__ == "__main__":
    main()
