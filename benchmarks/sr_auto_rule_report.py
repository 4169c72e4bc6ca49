"""Tables for ``sr_auto_rule.py --report``: the statistic per set and downsampling, the
threshold tuned on split A and scored on B (and the swap), as markdown on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from depthsmith.upsample import LEARNED_RANGE

#: The learned variant the rule runs: the shipped default of ``learned`` (4 flips, smooth
#: consistency step, since 0.3.2). Until 0.3.4 the threshold was tuned with "learned e1"
#: (0.3.0's inference: 1 run, per-block step); case files from before 0.3.5 lack this key.
LEARNED = "learned e4 smooth"
THRESHOLDS = np.round(np.arange(0.20, 0.701, 0.01), 2)


def load_cases(path: Path, learned: str = LEARNED) -> list[dict]:
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    missing = sum(learned not in r["rmse"] for r in rows)
    if missing:
        raise SystemExit(f"{path}: {missing} of {len(rows)} cases lack the variant "
                         f"{learned!r} (an older cases file? pass --learned 'learned e1')")
    return rows


#: The lower end of the factors where the rule may pick ``learned``: ``upsample``'s
#: ``LEARNED_RANGE[0]`` (x2 since 0.3.5, x4 before; the extension table compares the two).
MIN_FACTOR = LEARNED_RANGE[0]
#: The factor of the RGB-D-D real low-res frames (192x144 -> 512x384), stored as 0.
REAL_FACTOR = 512 / 192


def _factor(row) -> float:
    return REAL_FACTOR if row["factor"] == 0 else row["factor"]


def choose(row, t, learned=LEARNED, min_factor=MIN_FACTOR) -> float:
    """RMSE of the rule with threshold ``t`` on one case: ``learned`` when the statistic is
    at least ``t`` and the factor is in the rule's range (from ``min_factor``), else the
    classical pick (``jbu`` below x4, ``optimize`` from x4; the real low-res frames count
    as x2.67, :data:`REAL_FACTOR`)."""
    s = row["stat"]
    if _factor(row) >= min_factor and s is not None and s >= t:
        return row["rmse"][learned]
    return classical(row)


def classical(row) -> float:
    """RMSE of the pre-rule ``auto`` on one case (files from before 0.3.5 have the key
    ``classical`` on the real frames only; from x4 on it is ``optimize``)."""
    e = row["rmse"]
    return e["classical"] if "classical" in e or row["factor"] < 4 else e["optimize"]


def cost(rows, t, learned=LEARNED, min_factor=MIN_FACTOR) -> float:
    """Mean over cases of the rule's RMSE relative to bicubic (lower is better)."""
    return float(np.mean([choose(r, t, learned, min_factor) / r["rmse"]["bicubic"]
                          for r in rows]))


def tune(rows, learned=LEARNED, min_factor=MIN_FACTOR) -> tuple[float, float]:
    costs = [cost(rows, t, learned, min_factor) for t in THRESHOLDS]
    i = int(np.argmin(costs))
    # the middle of the flat optimum (ties within 1e-4), not its edge
    near = [t for t, c in zip(THRESHOLDS, costs, strict=True) if c <= costs[i] + 1e-4]
    return float(np.median(near)), costs[i]


def splits(rows) -> tuple[list, list]:
    """The cases of split A (tuning) and of split B (report)."""
    return [r for r in rows if r["split"] == "A"], [r for r in rows if r["split"] == "B"]


def _key(r):
    return f"{r['set']}|{r['name']}|{r['factor']}|{r['down']}"


def sensitivity(path: Path, stats: dict, learned: str = LEARNED) -> None:
    """The detector's sensitivity table: for each setting of ``stats`` ({setting: {case
    key: statistic}}, from ``sr_auto_rule.detector_stats``), the rule's cost on A and B at
    the shipped threshold, and with the threshold re-tuned on A (A -> B) and on B."""
    from depthsmith.upsample import LEARNED_FROM_MIXED as t0

    rows = load_cases(path, learned)
    same = sum(1 for r in rows if _same(r["stat"], stats["shipped"][_key(r)]))
    print(f"cases: {len(rows)}; statistic recomputed with the shipped constants equals the "
          f"cases file's on {same}\n")
    print(f"| setting | undefined (NaN) A / B | cost A / B at {t0:g} | tuned on A: t, cost A / B |"
          " tuned on B: t, cost A / B |\n|---|---|---|---|---|")
    for setting, st in stats.items():
        rs = [{**r, "stat": st[_key(r)]} for r in rows]
        A, B = splits(rs)
        nan = " / ".join(f"{np.mean([r['stat'] is None for r in x]):.1%}" for x in (A, B))
        tA, _ = tune(A, learned)
        tB, _ = tune(B, learned)
        c = {(x, t): cost(r, t, learned) for x, r in (("A", A), ("B", B))
             for t in (t0, tA, tB)}
        print(f"| {setting} | {nan} | {c['A', t0]:.4f} / {c['B', t0]:.4f} | {tA:.2f}, "
              f"{c['A', tA]:.4f} / {c['B', tA]:.4f} | {tB:.2f}, {c['A', tB]:.4f} / "
              f"{c['B', tB]:.4f} |")
    A, B = splits(rows)
    print(f"\n(always optimize: A {cost(A, 9.0):.4f}, B {cost(B, 9.0):.4f}; always learned: "
          f"A {cost(A, -1.0, learned):.4f}, B {cost(B, -1.0, learned):.4f})")


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < 1e-12


def _group(r):
    return (r["set"], r["down"], r["factor"])


def report(path: Path, learned: str = LEARNED) -> None:
    rows = load_cases(path, learned)
    A, B = splits(rows)
    tA, cA = tune(A, learned)
    tB, cB = tune(B, learned)
    print(f"cases: A {len(A)}, B {len(B)}; learned variant: {learned!r}\n")
    print("| tuned on | threshold | cost on A | cost on B |\n|---|---|---|---|")
    print(f"| A | {tA:.2f} | {cost(A, tA, learned):.4f} | {cost(B, tA, learned):.4f} |")
    print(f"| B (swap) | {tB:.2f} | {cost(A, tB, learned):.4f} | {cost(B, tB, learned):.4f} |")
    print("(cost: mean RMSE / bicubic over the split's cases; always optimize: "
          f"A {cost(A, 9.0):.4f}, B {cost(B, 9.0):.4f}; always learned: A "
          f"{cost(A, -1.0, learned):.4f}, B {cost(B, -1.0, learned):.4f})\n")
    print("Statistic per set and downsampling (all factors), share of cases above the A "
          f"threshold {tA:.2f}, and how often learned beats the classical pick (RMSE):\n")
    print("| set | downsampling | n | stat p10 / median / p90 | min / max | -> learned | "
          "learned better |\n|---|---|---|---|---|---|---|")
    keys = sorted({(r["set"], r["down"]) for r in rows})
    for ds, how in keys:
        rs = [r for r in rows if r["set"] == ds and r["down"] == how]
        st = np.array([np.nan if r["stat"] is None else r["stat"] for r in rs])
        ok = st[np.isfinite(st)]
        q = np.percentile(ok, [10, 50, 90]) if ok.size else [np.nan] * 3
        lo, hi = (ok.min(), ok.max()) if ok.size else (np.nan, np.nan)
        up = np.mean([r["stat"] is not None and r["stat"] >= tA for r in rs])
        win = np.mean([r["rmse"][learned] < classical(r) for r in rs])
        print(f"| {ds} | {how} | {len(rs)} | {q[0]:.2f} / {q[1]:.2f} / {q[2]:.2f} | "
              f"{lo:.2f} / {hi:.2f} | {up:.0%} | {win:.0%} |")
    print("\nMean RMSE per set and downsampling, one figure per factor of the file: the rule "
          f"with the A threshold (range from x{MIN_FACTOR:g}), the classical pick (`jbu` "
          f"below x4, `optimize` from x4), `learned` ({learned!r}: the variant the rule was "
          "tuned with; k-fold models on A, the shipped model on B) and OpenCV bicubic (the "
          "real low-res frames are x2.67):\n")
    print("| set | downsampling | n | rule | classical | learned | bicubic | rule / bicubic |\n"
          "|---|---|---|---|---|---|---|---|")
    for ds, how in keys:
        cells = {c: [] for c in ("rule", "classical", "learned", "bicubic", "ratio")}
        factors = sorted({r["factor"] for r in rows if r["set"] == ds and r["down"] == how})
        for k in factors:
            rs = [r for r in rows if r["set"] == ds and r["down"] == how and r["factor"] == k]
            rule = float(np.mean([choose(r, tA, learned) for r in rs]))
            bic = float(np.mean([r["rmse"]["bicubic"] for r in rs]))
            cells["rule"].append(rule)
            cells["classical"].append(np.mean([classical(r) for r in rs]))
            cells["learned"].append(np.mean([r["rmse"][learned] for r in rs]))
            cells["bicubic"].append(bic)
            cells["ratio"].append(rule / bic)
        n = len([r for r in rows if r["set"] == ds and r["down"] == how])
        fmt = {c: " / ".join(f"{v:.3f}" for v in vals) for c, vals in cells.items()}
        print(f"| {ds} | {how} | {n} | {fmt['rule']} | {fmt['classical']} | {fmt['learned']} | "
              f"{fmt['bicubic']} | {fmt['ratio']} |")
    x2 = [r for r in rows if _factor(r) < 4]
    if any(r["factor"] for r in x2):
        _extension(rows, x2, learned)


def _extension(rows, low, learned) -> None:
    """Should the rule also run below x4? Tuned on A with the range starting at each
    factor the file holds, scored on B; then the low factors' per-group means."""
    A, B = splits(rows)
    print("\nWhere the rule's range starts (x4 until 0.3.4; all factors of the file, the "
          "real frames included as x2.67; the threshold re-tuned on A for each start):\n")
    print("| range from | threshold (tuned on A) | cost on A | cost on B | swap: threshold "
          "(tuned on B) | swap: cost on A | swap: cost on B |\n|---|---|---|---|---|---|---|")
    for m in sorted({r["factor"] for r in low if r["factor"]} | {4}, reverse=True):
        t, _ = tune(A, learned, m)
        tb, _ = tune(B, learned, m)
        print(f"| x{m:g} | {t:.2f} | {cost(A, t, learned, m):.4f} | "
              f"{cost(B, t, learned, m):.4f} | {tb:.2f} | {cost(A, tb, learned, m):.4f} | "
              f"{cost(B, tb, learned, m):.4f} |")
    print("\nMean RMSE below x4 per set and downsampling: `classical` (`jbu`) and `learned`, "
          "and the share of cases where `learned` is better:\n")
    print("| set | downsampling | factor | n | stat median | classical | learned | bicubic | "
          "learned better |\n|---|---|---|---|---|---|---|---|---|")
    for ds, how, k in sorted({(r["set"], r["down"], r["factor"]) for r in low}):
        rs = [r for r in low if (r["set"], r["down"], r["factor"]) == (ds, how, k)]
        st = [r["stat"] for r in rs if r["stat"] is not None]
        med = f"{np.median(st):.2f}" if st else "-"
        c, ln, b = (np.mean(v) for v in zip(*[(classical(r), r["rmse"][learned],
                                                r["rmse"]["bicubic"]) for r in rs],
                                              strict=True))
        win = np.mean([r["rmse"][learned] < classical(r) for r in rs])
        print(f"| {ds} | {how} | x{_factor(rs[0]):.3g} | {len(rs)} | {med} | {c:.3f} | "
              f"{ln:.3f} | {b:.3f} | {win:.0%} |")
