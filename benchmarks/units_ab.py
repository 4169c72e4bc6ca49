"""Before / after comparison of two source trees of depthsmith (docs/units.md, issue #13).

Quality: runs ``depthsmith bench TASK --methods M --json`` with each tree first on
``PYTHONPATH`` and prints, per task group and method, the mean of every metric in both runs
and the largest per-scene change. Time: runs a few default calls (complete, upsample x4 /
x8 / x16, refine, fill on the Middlebury ``art`` scene, the benchmarks' degradations) in
fresh interpreters, alternating the trees ``--rounds`` times, and prints each tree's median
of the per-round best-of-5 times and their ratio; also complete on the first KITTI frame's
COMPLETE-KITTI inputs.

Usage (e.g. ``git archive HEAD src | tar -x -C /tmp/before`` for the old tree)::

    python benchmarks/units_ab.py /tmp/before/src src \\
        --task "SR-MIDDLEBURY:auto,optimize,bicubic" --task "FILL-HOLES:auto,background"
    python benchmarks/units_ab.py /tmp/before/src src --time --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

_TIMING = r"""
import json, time
import numpy as np
from depthsmith import complete, fill, refine, upsample
from depthsmith.datasets import data_root, load, scenes
from depthsmith.degrade import (kitti_inputs, refine_degrade, sample_inputs, sensor_hole_mask,
                                sr_degrade)
from depthsmith.io import read_depth

s = load([p for p in scenes("middlebury") if p.name == "art"][0])
d, v, rgb = s.depth, s.valid, s.rgb
sp = np.where(sample_inputs(d, v, rgb)["uniform"], d, 0).astype(np.float32)
png = np.nan_to_num(d) * s.scale
low = {f: sr_degrade(png, v, rgb, f) for f in (4, 8, 16)}
noisy = refine_degrade(np.nan_to_num(d), v, seed=0)
raw = read_depth(data_root() / "nyu_v2" / "sample_00000" / "depth_raw.png")
holed = np.where(sensor_hole_mask(d.shape, raw) | ~v, np.nan, d).astype(np.float32)
kitti = load(scenes("kitti_depth")[0])
kd = np.nan_to_num(kitti.depth)
kin = {p: np.where(m, kd, 0).astype(np.float32) for p, m in kitti_inputs(kd).items()}
cases = {
    "complete auto (normconv), KITTI random 25 %": lambda: complete.complete(kin["random"],
                                                                              kitti.rgb),
    "complete auto (normconv), KITTI lines": lambda: complete.complete(kin["lines"],
                                                                         kitti.rgb),
    "complete auto (guided), 1 % uniform": lambda: complete.complete(sp, rgb),
    "upsample auto x4": lambda: upsample.upsample(low[4][0], 4, low[4][1]),
    "upsample auto x8": lambda: upsample.upsample(low[8][0], 8, low[8][1]),
    "upsample auto x16": lambda: upsample.upsample(low[16][0], 16, low[16][1]),
    "refine auto": lambda: refine.refine(noisy, rgb),
    "fill auto": lambda: fill.fill_holes(holed, rgb, disparity=True),
}
out = {}
for name, fn in cases.items():
    fn()
    ts = []
    for _ in range(5):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    out[name] = min(ts)
print(json.dumps(out))
"""


def _env(src):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(src).resolve())
    return env


def bench(src, task, methods, out):
    subprocess.run([sys.executable, "-m", "depthsmith", "bench", task, "--methods", methods,
                    "--json", str(out), "--overwrite"], env=_env(src), check=True,
                   stdout=subprocess.DEVNULL)
    return json.loads(Path(out).read_text())


def compare(a, b):
    key = lambda r: (r["scene"], r["group"], r["method"])  # noqa: E731
    rows_b = {key(r): r for r in b["rows"]}
    groups = {}
    for r in a["rows"]:
        if key(r) in rows_b:
            groups.setdefault((r["group"], r["method"]), []).append((r, rows_b[key(r)]))
    cols = a["columns"]
    print(f"### {a['task']}  ({a['machine']}, {a['date']})")
    print("| group | method | " + " | ".join(f"{c} before | {c} after" for c in cols)
          + " | largest per-scene change |")
    print("|---" * (3 + 2 * len(cols)) + "|")
    for (grp, m), pairs in groups.items():
        cells = []
        for c in cols:
            cells += [f"{np.mean([p[0]['metrics'][c] for p in pairs]):.4f}",
                      f"{np.mean([p[1]['metrics'][c] for p in pairs]):.4f}"]
        big = max(abs(p[0]["metrics"][c] - p[1]["metrics"][c]) for p in pairs for c in cols)
        print(f"| {grp or '-'} | {m} | " + " | ".join(cells) + f" | {big:.2g} |")


def timing(before, after, rounds):
    runs = {"before": [], "after": []}
    for _ in range(rounds):
        for name, src in (("before", before), ("after", after)):
            out = subprocess.run([sys.executable, "-c", _TIMING], env=_env(src), check=True,
                                 capture_output=True, text=True).stdout
            runs[name].append(json.loads(out.strip().splitlines()[-1]))
    print("| call | before ms | after ms | after / before |")
    print("|---|---|---|---|")
    for k in runs["before"][0]:
        tb = 1000 * np.median([r[k] for r in runs["before"]])
        ta = 1000 * np.median([r[k] for r in runs["after"]])
        print(f"| {k} | {tb:.0f} | {ta:.0f} | {ta / tb:.2f} |")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("before", help="src folder of the old tree")
    p.add_argument("after", help="src folder of the new tree")
    p.add_argument("--task", action="append", default=[], help="TASK:method1,method2")
    p.add_argument("--time", action="store_true", help="also time the default calls")
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for spec in a.task:
            task, _, methods = spec.partition(":")
            compare(bench(a.before, task, methods, Path(tmp) / "a.json"),
                    bench(a.after, task, methods, Path(tmp) / "b.json"))
    if a.time:
        timing(a.before, a.after, a.rounds)


if __name__ == "__main__":
    main()
