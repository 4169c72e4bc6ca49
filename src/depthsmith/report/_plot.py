"""Quality against time: one matplotlib figure per benchmark task, ours beside the peers."""

from __future__ import annotations

import math

__all__ = ["quality_time_plot"]


def quality_time_plot(path, task_name: str, column: str, higher_is_better: bool,
                      groups: dict) -> bool:
    """Plot ``column`` against ms per megapixel (log axis) for every method; save a PNG.

    ``groups`` maps a group name ("" for a task without groups) to summary rows (dicts
    with ``method``, ``kind``, ``ms_mp`` and ``column``), as ``Report.summary`` gives them.
    One panel per group; our methods are stars, the peers circles, each point labelled.
    Returns False (nothing written) when no row has a finite value and a positive time.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def ok(s):
        v, t = s.get(column), s.get("ms_mp")
        return (v is not None and t is not None and math.isfinite(v) and math.isfinite(t)
                and t > 0)

    panels = [(g, [s for s in rows if ok(s)]) for g, rows in groups.items()]
    panels = [(g, rows) for g, rows in panels if rows]
    if not panels:
        return False
    n = len(panels)
    ncols = min(3, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(7.0 if n == 1 else 5.2 * ncols,
                                                    4.6 if n == 1 else 3.9 * nrows),
                             squeeze=False, layout="constrained")
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    for ax, (g, rows) in zip(axes.ravel(), panels, strict=False):
        for s in rows:
            ours = s["kind"] == "ours"
            ax.scatter([s["ms_mp"]], [s[column]], marker="*" if ours else "o",
                       s=140 if ours else 40, color="tab:red" if ours else "tab:blue",
                       zorder=3)
        vals = [s[column] for s in rows]
        span = (max(vals) - min(vals)) or 1.0
        placed: list[tuple[float, float]] = []
        for (t, v), names, ours in _labels(rows, column):
            # labels of nearby points are stacked instead of drawn over each other
            k = sum(1 for pt, pv in placed if abs(math.log10(t / pt)) < 1.0
                    and abs(v - pv) < 0.05 * span)
            placed.append((t, v))
            ax.annotate(", ".join(names), (t, v), textcoords="offset points",
                        xytext=(5, 4 - 10 * k), fontsize=7,
                        fontweight="bold" if ours else "normal")
        ax.set_xscale("log")
        ax.set_xlabel("time, ms per megapixel (log)")
        better = "higher" if higher_is_better else "lower"
        ax.set_ylabel(f"{column} ({better} is better)")
        ax.set_title(f"{task_name} {g}".strip(), fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ts = [s["ms_mp"] for s in rows]
        lo, hi = min(ts) / 2, max(ts) * 6  # room on the right for the labels
        if hi / lo < 30:  # a log axis over less than a decade or so: widen it
            mid = math.sqrt(hi * lo)
            lo, hi = mid / 5.5, mid * 5.5
        ax.set_xlim(lo, hi)
    fig.suptitle(f"{task_name}: quality against time (red stars: depthsmith; "
                 "blue circles: peers)", fontsize=10)
    try:
        fig.savefig(path, dpi=90)
    finally:
        plt.close(fig)
    return True


def _labels(rows, column):
    """One label per cluster of points that would overlap: (position, names, any ours).

    Points within 15 % in time and 2 % of the value span are labelled together."""
    vals = [s[column] for s in rows]
    span = (max(vals) - min(vals)) or abs(max(vals)) or 1.0
    out = []
    for s in rows:
        for pos, names, kinds in out:
            if abs(math.log(s["ms_mp"] / pos[0])) < 0.15 and abs(s[column] - pos[1]) \
                    < 0.02 * span:
                names.append(s["method"])
                kinds.append(s["kind"] == "ours")
                break
        else:
            out.append(((s["ms_mp"], s[column]), [s["method"]], [s["kind"] == "ours"]))
    return [(pos, names, any(kinds)) for pos, names, kinds in out]
