"""Units invariance of every default on crops of real data (issue #13, item 2).

For 96x128 crops of up to six scenes from each shared data set, runs the fill, refine,
complete (5 % samples) and upsample (x4, guided) defaults on the depth as stored and on the
same depth times 1e-3 and 1e3, and prints, per task, how many runs differ by more than 1e-5
of the output's range and the worst relative difference. ``tests/test_units_invariance.py``
checks the same property on synthetic inputs; this is the check on real, quantised data
(exact ties with thresholds show up there).

    python benchmarks/units_stress.py
"""

from __future__ import annotations

import collections
import datetime
import platform

import numpy as np

from depthsmith import complete, fill, refine, upsample
from depthsmith.datasets import load, require_data_root, scenes

SETS = ("middlebury", "rgbdd", "kitti_depth", "lu2014_kinect", "nyu_v2", "middlebury_sr30")
SCALES = (1e-3, 1e3)


def crops(rng):
    out = []
    for ds in SETS:
        sc = scenes(ds)
        for p in sc[:: max(1, len(sc) // 6)][:6]:
            s = load(p)
            h, w = s.depth.shape
            y, x = rng.integers(0, max(1, h - 96)), rng.integers(0, max(1, w - 128))
            d = s.depth[y:y + 96, x:x + 128]
            v = s.valid[y:y + 96, x:x + 128]
            if v.sum() >= 50:
                out.append((f"{ds}/{p.name}", np.where(v, d, 0).astype(np.float32),
                            s.rgb[y:y + 96, x:x + 128]))
    return out


def main():
    require_data_root()
    rng = np.random.default_rng(0)
    cases = crops(rng)
    worst, over, runs = collections.defaultdict(float), collections.Counter(), collections.Counter()

    def check(task, f, x):
        a = f(x)
        span = float(np.nanmax(a) - np.nanmin(a)) or 1.0
        for k in SCALES:
            b = f(x * np.float32(k)) / k
            ok = np.isfinite(a) & np.isfinite(b)
            e = float(np.max(np.abs(a[ok] - b[ok]))) / span if ok.any() else 0.0
            runs[task] += 1
            worst[task] = max(worst[task], e)
            over[task] += e > 1e-5

    for _, d, g in cases:
        check("fill", lambda x, g=g: fill.fill_holes(x, g), d)
        full = fill.fill_holes(d, g)
        check("refine", lambda x, g=g: refine.refine(x, g), full)
        sp = np.where(rng.random(d.shape) < 0.05, d, 0).astype(np.float32)
        if (sp > 0).sum() >= 3:
            check("complete", lambda x, g=g: complete.complete(x, g), sp)
        check("upsample x4", lambda x, g=g: upsample.upsample(x, 4, g), full[::4, ::4].copy())
    print(f"{len(cases)} crops; {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} "
          f"UTC; {platform.processor() or platform.machine()}")
    print("| task | runs | over 1e-5 of the range | worst |\n|---|---|---|---|")
    for t in runs:
        print(f"| {t} | {runs[t]} | {over[t]} | {worst[t]:.2e} |")


if __name__ == "__main__":
    main()
