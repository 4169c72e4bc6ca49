"""Tuning split for the constants of ``fill``'s default, ``planes`` (issue #13 item 4;
docs/tuning.md, section "fill").

Splits (fixed rule, as in docs/tuning.md): the 204 FILL-HOLES-RGBDD frames sorted by name,
quarter q = the frames whose index is q mod 4.

* **A** = quarter 3 (51 frames) + every Middlebury FILL-HOLES (21) and FILL-OCC (19) scene;
* **B** = quarter 0 (51 frames, the subset of docs/bench_real.md);
* quarters 1 and 2 (**Q1**, **Q2**) are held out from both.

Every case is built, run and scored exactly as ``depthsmith bench`` does
(``FILL_HOLES_RGBDD`` / ``FILL_HOLES`` / ``FILL_OCC`` cases and scorers; our method called as
the bench calls it, ``bench._fill_tasks._ours``). The constants are set for a run by
patching ``fill/_planes.py``: ``PLANE_RADIUS``, ``PLANE_TOL``, ``SMOOTH_ITERS``,
``SMOOTH_TOL`` are bound as keyword defaults of ``planes`` at import, so they are patched
in ``planes.__kwdefaults__``; ``SOFTEN_SIGMA``, ``SHARP_EDGE``, ``SOFT_EDGE`` are read from
the module at call time (``soften_sigma``), so they are patched there. Both are restored
after every run; the library is not changed.

Objective on a split (lower is better, unit-free so px and mm cases mix)::

    J = mean over the split's cases of RMSE(ours) / RMSE(best peer)

with the best peer of each task by mean RMSE in docs/bench_fill.md: skimage biharmonic on
FILL-HOLES-RGBDD, Levin colorization (``spsolve``) on FILL-HOLES and FILL-OCC. The peers'
RMSEs are computed once and cached (``--cache``; biharmonic and spsolve are slow).

Search on a split: (1) sensitivity: every value of each constant's grid (:data:`GRID`)
with the others shipped. (2) Coordinate descent from the shipped values, the constants in
the order of :data:`GRID`, every value of a constant's grid with the others fixed; a value
is taken only if it lowers J by more than :data:`MIN_GAIN` (0.2 %, relative) below the
current value's J, so that noise-level differences do not move a constant; rounds until
one changes nothing (at most :data:`MAX_ROUNDS`), as in ``tune_refine.py``. (A first
version combined the one-at-a-time winners of (1) with a joint grid of the three most
sensitive constants; on A the one-at-a-time winners together (radius 8, 40 sweeps, a 10 %
surface band, softening 2 px) scored J 0.888, and the best of the joint grid around them
0.888, against the shipped 0.875: the constants interact, so the descent replaced it.)
(3) For ``SHARP_EDGE`` / ``SOFT_EDGE`` (set by eye on the sharpness statistic of all 204
frames, not held out) a full 2-D grid of the pair, the others at the descent's values;
kept: among the pairs within :data:`MIN_GAIN` of the best J, the one closest to the
shipped pair (fewest changed), then the lowest J.

Output (markdown): the sensitivity table (1) per split, the descent's result, the 2-D
sharpness grid, the constants chosen on A and on B (the swap), and mean RMSE per group
(Q0..Q3, FILL-HOLES, FILL-OCC) with the ratio to the best peer and J per split, for the
shipped, A- and B-chosen constants.

    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/tune_fill.py \\
        --cache fill_peers.json --json tune_fill.json
    python benchmarks/tune_fill.py --time tune_fill.json   # time of the chosen constants
    python benchmarks/tune_fill.py --time tune_fill.json --extra PLANE_RADIUS=8,SMOOTH_ITERS=20
"""

from __future__ import annotations

import argparse
import json
import os
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from coordinate_descent import coordinate_descent
from depthsmith.bench import machine
from depthsmith.bench._fill_tasks import FILL_HOLES, FILL_OCC, _ours, fill_levin_direct
from depthsmith.bench._peers import fill_biharmonic, fill_cv2_ns
from depthsmith.bench._rgbdd_tasks import FILL_HOLES_RGBDD
from depthsmith.datasets import require_data_root
from depthsmith.fill import _planes, auto

#: Candidate values of each tuned constant (the shipped value is in every grid). A first
#: run with 5 values each picked 20 sweeps and 0.05 on A, the grids' edges: both grids
#: were widened by one value before the run reported in docs/tuning.md.
GRID = {
    "PLANE_RADIUS": [3, 4, 6, 8, 10],
    "PLANE_TOL": [0.0075, 0.01, 0.015, 0.02, 0.03],
    "SMOOTH_ITERS": [0, 2, 5, 10, 20, 40],
    "SMOOTH_TOL": [0.01, 0.015, 0.02, 0.03, 0.05, 0.1],
    "SOFTEN_SIGMA": [0.75, 1.0, 1.5, 2.0, 2.5],
    "SHARP_EDGE": [0.75, 0.8, 0.85, 0.9, 0.95],
    "SOFT_EDGE": [0.55, 0.6, 0.65, 0.7, 0.75],
}
#: The constants bound as keyword defaults of ``planes`` (patched in ``__kwdefaults__``).
KWARGS = {"PLANE_RADIUS": "plane_radius", "PLANE_TOL": "plane_tol",
          "SMOOTH_ITERS": "smooth_iters", "SMOOTH_TOL": "smooth_tol"}
#: The search's start and reference ("shipped" in its tables): 0.3.1's constants, as in the
#: documented run (docs/tuning.md, "fill"); since 0.3.2 the module ships A's radius 8.
SHIPPED = {"PLANE_RADIUS": 6, "PLANE_TOL": 0.015, "SMOOTH_ITERS": 5, "SMOOTH_TOL": 0.02,
           "SOFTEN_SIGMA": 1.5, "SHARP_EDGE": 0.85, "SOFT_EDGE": 0.70}
MIN_GAIN = 2e-3
MAX_ROUNDS = 4

#: (task, occlusion, disparity, best peer's name, peer) per group of cases.
TASKS = {
    "rgbdd": (FILL_HOLES_RGBDD, False, False, "skimage biharmonic",
              lambda k: fill_biharmonic(k["depth"], k["valid"])),
    "FILL-HOLES": (FILL_HOLES, False, True, "Levin colorization (spsolve)",
                   lambda k: fill_levin_direct(k["depth"], k["valid"], k["guide"])),
    "FILL-OCC": (FILL_OCC, True, True, "Levin colorization (spsolve)",
                 lambda k: fill_levin_direct(k["depth"], k["valid"], k["guide"])),
}


@contextmanager
def constants(k):
    """Run ``planes`` (and so ``fill.auto``) with the constants ``k`` (name -> value)."""
    kw = _planes.planes.__kwdefaults__
    old_kw = dict(kw)
    old_mod = {n: getattr(_planes, n) for n in GRID if n not in KWARGS}
    try:
        for n, v in k.items():
            if n in KWARGS:
                kw[KWARGS[n]] = v
            else:
                setattr(_planes, n, v)
        yield
    finally:
        kw.update(old_kw)
        for n, v in old_mod.items():
            setattr(_planes, n, v)


def load_groups(root):
    """{group: [(task, case, ours)]}: Q0..Q3 (RGB-D-D quarters), FILL-HOLES, FILL-OCC."""
    groups = {}
    for name, (task, occ, disp, _, _) in TASKS.items():
        fn = _ours(auto, occ, disp)
        cases = sorted(task.cases(root), key=lambda c: c.scene)
        if name == "rgbdd":
            for q in range(4):
                groups[f"Q{q}"] = [(task, c, fn) for c in cases[q::4]]
        else:
            groups[name] = [(task, c, fn) for c in cases]
    return groups


def peer_rmse(groups, cache: Path | None):
    """{(group, scene): best peer's RMSE}, from ``cache`` when it has them."""
    have = json.loads(cache.read_text()) if cache and cache.is_file() else {}
    out = {}
    for g, items in groups.items():
        peer = TASKS["rgbdd" if g.startswith("Q") else g][4]
        for task, c, _ in items:
            key = f"{g}/{c.scene}"
            if key not in have:
                k = c.inputs
                have[key] = task.score(peer(k), c)["rmse"]
                if cache:
                    cache.write_text(json.dumps(have, indent=0))
            out[(g, c.scene)] = have[key]
    return out


class Evaluator:
    """RMSE of ours per case under given constants, cached by (constants, group)."""

    def __init__(self, groups, peers):
        self.groups, self.peers, self.cache = groups, peers, {}

    def rmse(self, k, g):
        key = (tuple(sorted(k.items())), g)
        if key not in self.cache:
            with constants(k):
                self.cache[key] = [t.score(fn(c.inputs["depth"], c.inputs["valid"],
                                              c.inputs["guide"]), c)["rmse"]
                                   for t, c, fn in self.groups[g]]
        return self.cache[key]

    def J(self, k, split):
        """Mean over the split's cases of RMSE(ours) / RMSE(best peer)."""
        r = []
        for g in split:
            ours = self.rmse(k, g)
            r += [o / self.peers[(g, c.scene)] for o, (_, c, _) in
                  zip(ours, self.groups[g], strict=True)]
        return float(np.mean(r))


def _valid(k):
    return k["SOFT_EDGE"] < k["SHARP_EDGE"]


def _pick(cands, ev, split):
    """Among ``cands`` within MIN_GAIN of the best J, the fewest changes from the shipped
    constants, then the lowest J."""
    js = {tuple(sorted(k.items())): ev.J(k, split) for k in cands if _valid(k)}
    best = min(js.values())
    near = [k for k, j in js.items() if j <= best * (1 + MIN_GAIN)]
    k = min(near, key=lambda k: (sum(v != SHIPPED[n] for n, v in k), js[k]))
    return dict(k), js


def tune(ev, split, log=print):
    """The search of the module docstring on ``split`` (a tuple of groups)."""
    tag = "+".join(split)
    j0 = ev.J(SHIPPED, split)
    table = {}
    for n, values in GRID.items():  # (1) sensitivity around the shipped values
        table[n] = {x: ev.J({**SHIPPED, n: x}, split) if _valid({**SHIPPED, n: x})
                    else float("nan") for x in values}
        log(f"  [{tag}] {n}: " + ", ".join(f"{x:g}: {j:.4f}" for x, j in table[n].items()))
    spread = {n: (np.nanmax(list(js.values())) - np.nanmin(list(js.values())))
              / np.nanmin(list(js.values())) for n, js in table.items()}
    last = list(GRID)[-1]

    def round_log(rnd, name, js, k):
        if name == last:
            log(f"  [{tag}] round {rnd}: {_fmt(k)}, J {ev.J(k, split):.4f}")

    k = coordinate_descent(lambda k: ev.J(k, split), SHIPPED, GRID,  # (2) coordinate descent
                           min_gain=MIN_GAIN, max_rounds=MAX_ROUNDS, valid=_valid,
                           log=round_log)
    pairs = [{**k, "SHARP_EDGE": a, "SOFT_EDGE": b}  # (3) the two sharpness thresholds
             for a in GRID["SHARP_EDGE"] for b in GRID["SOFT_EDGE"]]
    chosen, edge = _pick(pairs, ev, split)
    log(f"  [{tag}] SHARP_EDGE x SOFT_EDGE: kept {chosen['SHARP_EDGE']:g} / "
        f"{chosen['SOFT_EDGE']:g}; chosen {_fmt(chosen)}, J {ev.J(chosen, split):.4f}")
    return {"chosen": chosen, "descent": k, "table": table, "spread": spread, "edge": edge,
            "J_shipped": j0}


def _fmt(k):
    return ", ".join(f"{n} {v:g}" for n, v in k.items() if v != SHIPPED[n]) or "shipped"


def group_row(ev, k, groups):
    """Mean RMSE per group and ratio of means to the best peer's mean RMSE."""
    cells = []
    for g in groups:
        ours = np.mean(ev.rmse(k, g))
        peer = np.mean([ev.peers[(g, c.scene)] for _, c, _ in ev.groups[g]])
        cells.append(f"{ours:.3f} ({ours / peer:.3f}x)")
    return cells


def timing(groups, sets, every=10, rounds=3):
    """Median over every ``every``-th case of each group of the best-of-``rounds`` ms/MP of
    the default under each constant set of ``sets`` and of cv2.inpaint NS (the fill time
    reference), called in turn on each case after a warm-up."""
    names = [*sets, "cv2.inpaint NS"]
    per = {m: [] for m in names}
    for items in groups.values():
        for _, c, fn in items[::every]:
            best = dict.fromkeys(names, float("inf"))
            for r in range(rounds + 1):  # round 0 is the warm-up
                for m in names:
                    t = time.perf_counter()
                    _call(sets.get(m), fn, c.inputs)
                    if r:
                        best[m] = min(best[m], time.perf_counter() - t)
            for m in names:
                per[m].append(1e3 * best[m] / (c.inputs["depth"].size / 1e6))
    return {m: float(np.median(v)) for m, v in per.items()}, len(per["cv2.inpaint NS"])


def _call(k, fn, inputs):
    """Our default under constants ``k``, or cv2.inpaint NS when ``k`` is None."""
    if k is None:
        return fill_cv2_ns(inputs["depth"], inputs["valid"], inputs["guide"])
    with constants(k):
        return fn(inputs["depth"], inputs["valid"], inputs["guide"])


SPLITS = {"A": ("Q3", "FILL-HOLES", "FILL-OCC"), "B": ("Q0",), "Q1": ("Q1",), "Q2": ("Q2",),
          "Q1+Q2": ("Q1", "Q2")}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=Path("fill_peers.json"),
                    help="peers' RMSE per case (read and extended)")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--time", type=Path, metavar="JSON",
                    help="only time the shipped constants, those of a previous --json run "
                         "(tuned on A and on B) and cv2.inpaint NS, every 10th case of each "
                         "group, best of 3, interleaved")
    ap.add_argument("--extra", action="append", default=[], metavar="NAME=V,...",
                    help="with --time: a further constant set to score (J per split, mean "
                         "RMSE per group) and time, e.g. PLANE_RADIUS=8,SMOOTH_ITERS=20")
    a = ap.parse_args(argv)
    cv2.setNumThreads(1)
    t0 = time.time()
    start = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    root = require_data_root()
    groups = load_groups(root)
    if a.time:
        chosen = json.loads(a.time.read_text())["chosen"]
        sets = {"shipped": SHIPPED, "tuned on A": chosen["A"], "tuned on B": chosen["B"]}
        for e in a.extra:
            k = dict(SHIPPED)
            for item in e.split(","):
                n, v = item.split("=")
                k[n] = type(SHIPPED[n])(v)
            sets[_fmt(k)] = k
        print(f"{machine()}; {start}; load average {os.getloadavg()[0]:.1f}")
        if a.extra:
            ev = Evaluator(groups, peer_rmse(groups, a.cache))
            gs = list(groups)
            print("\n| constants | " + " | ".join(f"J {s}" for s in SPLITS) + " | "
                  + " | ".join(gs) + " |\n|---|" + "---|" * (len(SPLITS) + len(gs)))
            for label, k in sets.items():
                print(f"| {label} | " + " | ".join(f"{ev.J(k, sp):.4f}" for sp in SPLITS.values())
                      + " | " + " | ".join(group_row(ev, k, gs)) + " |", flush=True)
            print()
        res, n = timing(groups, sets)
        for m, ms in res.items():
            print(f"- {m}: median {ms:.1f} ms/MP over {n} cases")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        return
    print(f"{machine()}; start {start}; load average {os.getloadavg()[0]:.1f}; groups "
          + ", ".join(f"{g} {len(v)}" for g, v in groups.items()), flush=True)
    peers = peer_rmse(groups, a.cache)
    print(f"peers ready after {time.time() - t0:.0f} s", flush=True)
    ev = Evaluator(groups, peers)
    res = {}
    for name in ("A", "B"):
        print(f"tuning on {name}", flush=True)
        res[name] = tune(ev, SPLITS[name], lambda s: print(s, flush=True))
    rows = {"shipped": SHIPPED, "tuned on A": res["A"]["chosen"],
            "tuned on B (swap)": res["B"]["chosen"]}
    print(f"\n### fill constants: A vs B ({start}; {machine()})\n")
    print("| constant | grid | shipped | tuned on A | tuned on B (swap) | J spread on A | "
          "J spread on B |\n|---|---|---|---|---|---|---|")
    for n, vals in GRID.items():
        print(f"| `{n}` | {', '.join(f'{x:g}' for x in vals)} | {SHIPPED[n]:g} | "
              f"**{res['A']['chosen'][n]:g}** | {res['B']['chosen'][n]:g} | "
              f"{res['A']['spread'][n]:.1%} | {res['B']['spread'][n]:.1%} |")
    print("\nJ (mean over the split's cases of RMSE / best peer's RMSE):\n")
    print("| constants | " + " | ".join(SPLITS) + " |\n|---|" + "---|" * len(SPLITS))
    for label, k in rows.items():
        print(f"| {label}{'' if k == SHIPPED else f' ({_fmt(k)})'} | "
              + " | ".join(f"{ev.J(k, s):.4f}" for s in SPLITS.values()) + " |")
    gs = list(groups)
    print("\nMean RMSE per group (mm on Q*, px on Middlebury) and ratio to the best peer's "
          "mean RMSE (biharmonic on Q*, Levin spsolve on Middlebury):\n")
    print("| constants | " + " | ".join(f"{g} ({len(groups[g])})" for g in gs) + " |\n|---|"
          + "---|" * len(gs))
    for label, k in rows.items():
        print(f"| {label} | " + " | ".join(group_row(ev, k, gs)) + " |")
    peer_means = [np.mean([peers[(g, c.scene)] for _, c, _ in groups[g]]) for g in gs]
    print("| best peer | " + " | ".join(f"{p:.3f}" for p in peer_means) + " |")
    for name in ("A", "B"):
        r = res[name]
        print(f"\nSensitivity on {name} (J, one constant at a time, the others shipped; "
              f"shipped J {r['J_shipped']:.4f}):\n")
        for n, js in r["table"].items():
            print(f"- {n}: " + ", ".join(f"{x:g}: {j:.4f}" for x, j in js.items())
                  + f" (spread {r['spread'][n]:.1%})")
        print(f"\nCoordinate descent on {name} from the shipped values: {_fmt(r['descent'])}"
              f" (J {ev.J(r['descent'], SPLITS[name]):.4f})")
        e = r["edge"]
        print(f"\nSHARP_EDGE x SOFT_EDGE on {name} (rows SHARP_EDGE, columns SOFT_EDGE; J):\n")
        print("| | " + " | ".join(f"{b:g}" for b in GRID["SOFT_EDGE"]) + " |\n|---|"
              + "---|" * len(GRID["SOFT_EDGE"]))
        base = {n: v for n, v in r["chosen"].items() if n not in ("SHARP_EDGE", "SOFT_EDGE")}
        for sa in GRID["SHARP_EDGE"]:
            cells = []
            for sb in GRID["SOFT_EDGE"]:
                key = tuple(sorted({**base, "SHARP_EDGE": sa, "SOFT_EDGE": sb}.items()))
                cells.append(f"{e[key]:.4f}" if key in e else "-")
            print(f"| {sa:g} | " + " | ".join(cells) + " |")
    end = datetime.now(timezone.utc).strftime("%H:%M UTC")
    print(f"\nEnd {end}, {time.time() - t0:.0f} s; load average {os.getloadavg()[0]:.1f}")
    if a.json:
        a.json.write_text(json.dumps({
            "start": start, "machine": machine(), "seconds": time.time() - t0,
            "chosen": {n: r["chosen"] for n, r in res.items()},
            "J": {label: {s: ev.J(k, sp) for s, sp in SPLITS.items()}
                  for label, k in rows.items()},
            "sensitivity": {n: {c: {str(x): j for x, j in js.items()}
                                for c, js in r["table"].items()} for n, r in res.items()},
        }, indent=1))


if __name__ == "__main__":
    main()
