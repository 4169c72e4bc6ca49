"""Fill time against cv2.inpaint NS, interleaved: FILL-HOLES and FILL-OCC inputs.

Per scene, after one warm-up call each, ``--repeat`` rounds call ``auto``, ``guided`` and
the ``cv2.inpaint NS`` peer of ``depthsmith bench`` one after the other and keep each one's
best time, so load from other jobs hits all three alike (the bench runner times methods in
blocks, which a shared machine skews). Prints median ms/MP over scenes and the per-scene
ratio auto / NS.

    python benchmarks/fill_time_interleaved.py --repeat 5
    python benchmarks/fill_time_interleaved.py --planes plane_radius=6,smooth_iters=5 \
        --planes plane_radius=8,smooth_iters=5     # other ``planes`` settings, interleaved too
    python benchmarks/fill_time_interleaved.py --rgbdd-step 8  # also FILL-HOLES-RGBDD: auto,
        # planes and skimage biharmonic beside NS on every 8th frame (sorted names)
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from pathlib import Path

import numpy as np

from depthsmith import fill
from depthsmith.bench import machine
from depthsmith.bench._fill_tasks import FILL_HOLES, FILL_OCC, _ours
from depthsmith.bench._peers import fill_biharmonic, fill_cv2_ns
from depthsmith.bench._rgbdd_tasks import FILL_HOLES_RGBDD
from depthsmith.datasets import data_root


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--planes", action="append", default=[],
                    help="also time fill 'planes' with these keyword settings, e.g. "
                         "plane_radius=6,smooth_iters=5 (repeatable)")
    ap.add_argument("--rgbdd-step", type=int, default=0,
                    help="also FILL-HOLES-RGBDD, every N-th frame (0: not)")
    a = ap.parse_args(argv)
    extra = {}
    for spec in a.planes:
        kw = {k: int(v) if v.lstrip("-").isdigit() else float(v)
              for k, v in (item.split("=") for item in spec.split(","))}
        extra[f"planes {spec}"] = functools.partial(fill.METHODS["planes"], **kw)
    root = data_root() or Path("../shared/data")
    print(f"{machine()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    runs = [(FILL_HOLES, False), (FILL_OCC, True)]
    if a.rgbdd_step:
        runs.append((FILL_HOLES_RGBDD, False))
    for task, occ in runs:
        rgbdd = task is FILL_HOLES_RGBDD
        fns = {"auto": _ours(fill.METHODS["auto"], occ, disparity=not rgbdd),
               ("planes" if rgbdd else "guided"): _ours(
                   fill.METHODS["planes" if rgbdd else "guided"], occ, disparity=not rgbdd),
               **{k: _ours(f, occ) for k, f in extra.items()}, "cv2.inpaint NS": fill_cv2_ns}
        if rgbdd:
            fns["skimage biharmonic"] = fill_biharmonic
        cases = list(task.cases(root))
        if rgbdd:
            cases = sorted(cases, key=lambda c: c.scene)[::a.rgbdd_step]
        per = {k: [] for k in fns}
        for case in cases:
            best = dict.fromkeys(fns, float("inf"))
            for f in fns.values():
                f(**case.inputs)
            for _ in range(a.repeat):
                for k, f in fns.items():
                    t = time.perf_counter()
                    f(**case.inputs)
                    best[k] = min(best[k], time.perf_counter() - t)
            for k in fns:
                per[k].append(best[k] * 1000 / case.megapixels)
        med = ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in per.items())
        print(f"{task.name}: median ms/MP {med}")
        for k in per:
            if k != "cv2.inpaint NS":
                r = np.array(per[k]) / np.array(per["cv2.inpaint NS"])
                print(f"  {k} / NS per scene: median {np.median(r):.2f}, max {r.max():.2f}")


if __name__ == "__main__":
    main()
