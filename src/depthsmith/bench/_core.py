"""Runner machinery shared by every benchmark task: cases, methods, timing, tables."""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .._validate import DepthsmithError, InputError

__all__ = ["Case", "Method", "Task", "Report", "run", "time_call", "machine"]


@dataclass
class Case:
    """One scored input: ``inputs`` go to a method, ``truth`` to the task's scorer.

    ``group`` separates tables within a task (a KITTI input pattern, an SR factor).
    """

    scene: str
    inputs: dict
    truth: dict
    group: str = ""

    @property
    def megapixels(self) -> float:
        shape = self.truth.get("shape")
        h, w = shape if shape is not None else self.inputs["depth"].shape[:2]
        return h * w / 1e6


@dataclass
class Method:
    """A benchmarked callable ``fn(**case.inputs) -> (H, W) prediction``."""

    name: str
    fn: Callable
    kind: str = "peer"  # "ours" or "peer"
    note: str = ""
    groups: tuple = ()  # run only on these groups (empty: all)
    max_repeat: int = 0  # cap on timed calls per case for very slow peers (0: no cap)


@dataclass
class Task:
    """A benchmark task of ``BENCHMARKS.md``.

    ``cases(root)`` yields :class:`Case` objects from the data folder; ``score(pred, case)``
    returns a dict of metrics; ``methods()`` returns the list of :class:`Method` to run;
    ``columns`` are the metric keys shown in the table, ``lower_is_better`` their sense.
    """

    name: str
    description: str
    cases: Callable[[Path], Iterable[Case]]
    score: Callable[[np.ndarray, Case], dict]
    methods: Callable[[], list[Method]]
    columns: tuple = ("rmse",)
    higher_is_better: tuple = ()
    median_columns: tuple = ()  # aggregated over cases by the median instead of the mean


def time_call(fn: Callable, kwargs: dict, *, repeat: int = 1):
    """Run ``fn(**kwargs)`` ``repeat`` times; return (last output, best seconds)."""
    best, out = float("inf"), None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        out = fn(**kwargs)
        best = min(best, time.perf_counter() - t0)
    return out, best


def machine() -> str:
    """One line naming this machine: CPU model, cores, OS, Python."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


@dataclass
class Report:
    """Results of one run: per-case rows and per-group aggregates."""

    task: Task
    rows: list = field(default_factory=list)  # dicts: scene, group, method, kind, metrics, ms_mp
    skipped: dict = field(default_factory=dict)  # method -> why it was not run (its own error)
    date: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%d"))
    machine: str = field(default_factory=machine)

    def groups(self) -> list[str]:
        return list(dict.fromkeys(r["group"] for r in self.rows))

    def summary(self, group: str = "") -> list[dict]:
        """Per method: mean of each column, median ms per megapixel, scene count."""
        out = []
        methods = dict.fromkeys((r["method"], r["kind"]) for r in self.rows if r["group"] == group)
        for name, kind in methods:
            rs = [r for r in self.rows if r["group"] == group and r["method"] == name]
            agg = {"method": name, "kind": kind, "n": len(rs)}
            for c in self.task.columns:
                vals = [r["metrics"][c] for r in rs if c in r["metrics"]]
                reduce = np.median if c in self.task.median_columns else np.mean
                agg[c] = float(reduce(vals)) if vals else float("nan")
            agg["ms_mp"] = float(statistics.median(r["ms_mp"] for r in rs))
            out.append(agg)
        return out

    def markdown(self) -> str:
        lines = [f"### {self.task.name} ({self.date})", "", self.task.description, "",
                 f"Machine: {self.machine}.", ""]
        for g in self.groups():
            summ = self.summary(g)
            if not summ:
                continue
            if g:
                lines += [f"**{g}**", ""]
            ref = _fastest_best(summ, self.task)
            head = ["method", *self.task.columns, "ms/MP", "time vs best peer", "cases"]
            lines.append("| " + " | ".join(head) + " |")
            lines.append("|" + "---|" * len(head))
            for s in summ:
                name = f"**{s['method']}** (ours)" if s["kind"] == "ours" else s["method"]
                cols = [_fmt(s[c]) for c in self.task.columns]
                ratio = f"{s['ms_mp'] / ref:.2f}x" if ref else "-"
                lines.append("| " + " | ".join([name, *cols, f"{s['ms_mp']:.1f}", ratio,
                                                str(s["n"])]) + " |")
            lines.append("")
        for name, why in self.skipped.items():
            lines.append(f"Not run: {name} ({why}).")
        if self.skipped:
            lines.append("")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"task": self.task.name, "date": self.date, "machine": self.machine,
                "columns": list(self.task.columns), "rows": self.rows,
                "skipped": self.skipped,
                "summary": {g or "all": self.summary(g) for g in self.groups()}}


def _fmt(v: float) -> str:
    return "-" if v != v else (f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}")


def _fastest_best(summ, task) -> float | None:
    """ms/MP of the best-scoring peer on the first column (the reference for the ratio)."""
    peers = [s for s in summ if s["kind"] == "peer" and s[task.columns[0]] == s[task.columns[0]]]
    if not peers:
        return None
    sign = -1 if task.columns[0] in task.higher_is_better else 1
    best = min(peers, key=lambda s: sign * s[task.columns[0]])
    return best["ms_mp"] or None


def run(task: Task, root: Path, *, methods: Iterable[str] | None = None,
        scenes: Iterable[str] | None = None, progress: bool = True, repeat: int = 1,
        log: Callable[[str], None] | None = None) -> Report:
    """Run every method of ``task`` on every case, warm-up first, timing each call.

    Each method is warmed up once (on its first case) and then timed on every case; the
    timed call's output is the one scored. ``methods``/``scenes`` filter by name
    (substring match on the scene).
    """
    from tqdm.auto import tqdm

    all_methods = task.methods()
    if methods:
        wanted = set(methods)
        unknown = wanted - {m.name for m in all_methods}
        if unknown:
            raise DepthsmithError(f"--methods: unknown for {task.name}: "
                                  f"{', '.join(sorted(unknown))}; "
                                  f"known: {', '.join(m.name for m in all_methods)}")
        all_methods = [m for m in all_methods if m.name in wanted]
    cases = list(task.cases(root))
    if scenes:
        keys = list(scenes)
        cases = [c for c in cases if any(k in c.scene for k in keys)]
    if not cases:
        raise DepthsmithError(f"{task.name}: no scene found under {root}")
    report = Report(task)
    warmed: set = set()
    jobs = [(c, m) for c in cases for m in all_methods if not m.groups or c.group in m.groups]
    bar = tqdm(jobs, desc=task.name, disable=None if progress else True, leave=False)
    for case, m in bar:
        bar.set_postfix_str(f"{case.scene} {m.name}"[:40])
        if m.name in report.skipped:
            continue
        if m.name not in warmed:
            try:
                m.fn(**case.inputs)
            except InputError as e:  # e.g. a hint of the task the method cannot honour
                report.skipped[m.name] = str(e)
                if log:
                    log(f"{task.name}: {m.name} not run: {e}")
                continue
            warmed.add(m.name)
        pred, secs = time_call(m.fn, case.inputs,
                               repeat=min(repeat, m.max_repeat) if m.max_repeat else repeat)
        metrics = task.score(np.asarray(pred), case)
        report.rows.append({"scene": case.scene, "group": case.group, "method": m.name,
                            "kind": m.kind, "metrics": metrics,
                            "ms_mp": 1000.0 * secs / case.megapixels})
        if log:
            log(f"{task.name} {case.group} {case.scene} {m.name}: "
                + ", ".join(f"{k}={v:.4g}" for k, v in metrics.items())
                + f", {1000 * secs / case.megapixels:.1f} ms/MP")
    return report


def write_outputs(report: Report, *, json_path=None, docs_path=None) -> None:
    """Write the JSON report and/or append the markdown table to ``docs_path`` atomically."""
    from ..io import atomic_path

    if json_path:
        with atomic_path(json_path) as tmp:
            Path(tmp).write_text(json.dumps(report.to_json(), indent=1))
    if docs_path:
        p = Path(docs_path)
        old = p.read_text() if p.is_file() else "# Benchmarks\n"
        with atomic_path(p) as tmp:
            Path(tmp).write_text(old.rstrip("\n") + "\n\n" + report.markdown() + "\n")
