"""k-fold-by-scene evaluation of the learned guided SR on SR-STANDARD's Middlebury-30 set.

Each fold's model (``RUNS/fold<i>/model.pt``, trained by ``depthsmith train sr --folds K
--fold i``) is exported to ONNX (``model.onnx`` beside it, if missing) and scored, through
the shipped inference path (``upsample(..., method="learned", model=...)``), on the
``middlebury_sr30`` scenes of the fold it never saw. Cones and teddy (seed scenes, never
trained on by any fold) are scored by every fold's model and averaged. Peers in the same
run on the same inputs: OpenCV bicubic and the classical default (``auto`` = ``optimize``
at x4-x16). Degradation and score are SR-STANDARD's (PIL bicubic down, RMSE in PNG units
with the prediction clipped to [0, 255]).

Time: one 640x480 output (x8 from 80x60, a Middlebury-30 crop) on 2 threads, best of
``--repeat`` after one warm-up, learned vs optimize vs bicubic in the same process.

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


def _methods(model):
    return {
        "learned": lambda lr, g: upsample(lr, guide=g, method="learned", model=str(model)),
        "learned (no consistency)": lambda lr, g: upsample(
            lr, guide=g, method="learned", model=str(model), consistency=False),
        "bicubic": lambda lr, g: cv2.resize(lr, g.shape[1::-1], interpolation=cv2.INTER_CUBIC),
        "auto (optimize)": lambda lr, g: upsample(lr, guide=g, method="auto"),
    }


def _time(model, repeat):
    from depthsmith._threads import threads

    f = sorted(scenes("middlebury_sr30", require_data_root()))[0]
    s = load(f)
    hr = np.ascontiguousarray(s.extra["png"][:480, :640], np.float32)
    rgb = np.ascontiguousarray(s.rgb[:480, :640])
    hr = cv2.resize(hr, (640, 480)) if hr.shape != (480, 640) else hr
    rgb = cv2.resize(rgb, (640, 480)) if rgb.shape[:2] != (480, 640) else rgb
    lr, g, _ = sr_standard_degrade(hr, rgb, 8)
    out = {}
    with threads(2):
        for name, fn in _methods(model).items():
            fn(lr, g)
            best = min(_timed(fn, lr, g) for _ in range(repeat))
            out[name] = best
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
    a = ap.parse_args(argv)
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
                    if name in ("bicubic", "auto (optimize)") and i != folds[0]:
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
              + f"; learned / auto (optimize) = {t['learned'] / t['auto (optimize)']:.2f}x",
              f"machine: {machine()}; date: "
              f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}"]
    print("\n".join(lines))
    if a.json:
        a.json.write_text(json.dumps({"table": table, "rows": rows, "time_s": t,
                                      "machine": machine()}, indent=1))


if __name__ == "__main__":
    main()
