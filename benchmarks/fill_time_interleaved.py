"""Fill time against cv2.inpaint NS, interleaved: FILL-HOLES and FILL-OCC inputs.

Per scene, after one warm-up call each, ``--repeat`` rounds call ``auto``, ``guided`` and
the ``cv2.inpaint NS`` peer of ``depthsmith bench`` one after the other and keep each one's
best time, so load from other jobs hits all three alike (the bench runner times methods in
blocks, which a shared machine skews). Prints median ms/MP over scenes and the per-scene
ratio auto / NS.

    python benchmarks/fill_time_interleaved.py --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from depthsmith import fill
from depthsmith.bench import machine
from depthsmith.bench._fill_tasks import FILL_HOLES, FILL_OCC, _ours
from depthsmith.bench._peers import fill_cv2_ns
from depthsmith.datasets import data_root


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    root = data_root() or Path("../shared/data")
    print(f"{machine()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    for task, occ in ((FILL_HOLES, False), (FILL_OCC, True)):
        fns = {"auto": _ours(fill.METHODS["auto"], occ),
               "guided": _ours(fill.METHODS["guided"], occ), "cv2.inpaint NS": fill_cv2_ns}
        per = {k: [] for k in fns}
        for case in task.cases(root):
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
        r = np.array(per["auto"]) / np.array(per["cv2.inpaint NS"])
        med = ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in per.items())
        print(f"{task.name}: median ms/MP {med}; per scene auto / NS median "
              f"{np.median(r):.2f}, max {r.max():.2f}")


if __name__ == "__main__":
    main()
