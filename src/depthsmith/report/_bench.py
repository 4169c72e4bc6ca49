"""The benchmark report: every table the bench prints, a quality/time plot, example pictures."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from .._validate import InputError
from ._folder import report_folder
from ._html import card, esc, figure, img, machine_line, now_utc, num, page, table
from ._pictures import THUMB, depth_png, depth_range, error_png, save_png

__all__ = ["write_bench_report"]


def _reports(results) -> list:
    one = hasattr(results, "task") and hasattr(results, "summary")
    items = [results] if one else results
    try:
        items = list(items.values() if isinstance(items, dict) else items)
    except TypeError:
        items = None
    if not items or not all(hasattr(r, "task") and hasattr(r, "summary")
                            and hasattr(r, "skipped") for r in items):
        raise InputError(f"results: expected a depthsmith.bench Report or a list of them "
                         f"(what depthsmith.bench.run returns), got {type(results).__name__}")
    return items


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_").lower() or "x"


def write_bench_report(results, report_dir, *, examples=None, overwrite: bool = False,
                       command: str | None = None) -> Path:
    """Write a static HTML report of benchmark results to the folder ``report_dir``.

    The page (``index.html``, no server and no script needed, relative links only) shows,
    per task: every table :meth:`depthsmith.bench.Report.markdown` prints (each method's
    metrics, ms per megapixel, time against the best-scoring peer, case count, and the
    methods listed as "Not run" with their reason); one plot of the first metric against
    time, ours and the peers (log time axis, one panel per group); and, when ``examples``
    recorded them, side-by-side colourised thumbnails of the input, the guide, the ground
    truth and each method's output and absolute error on the first case of each group. The
    header gives the depthsmith version, each run's machine (CPU model, cores) and date,
    and when the page was written.

    Parameters
    ----------
    results : Report or list of Report
        What :func:`depthsmith.bench.run` returns (one per task).
    report_dir : str or Path
        Folder to create (its parent must exist). The page and its pictures are written in a
        temporary folder beside it and renamed into place at the end, so a failed or
        interrupted run leaves nothing half-written.
    examples : ExampleRecorder, optional
        The :class:`~depthsmith.report.ExampleRecorder` whose :meth:`wrap` wrapped the tasks
        before they ran; without it the page has no example pictures.
    overwrite : bool
        Replace an existing report folder (only a depthsmith report or an empty folder is
        ever replaced; any other existing folder is refused).
    command : str, optional
        The command line that produced the results, shown in the header.

    Returns
    -------
    Path
        ``report_dir / "index.html"``.

    Raises
    ------
    InputError
        ``results`` is not a bench report; ``report_dir`` is a file, or an existing folder
        that is not a report, or its parent is missing or not writable.
    OutputExistsError
        ``report_dir`` exists and ``overwrite`` is False.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from depthsmith.bench import Case, Method, Task, run
    >>> from depthsmith.report import ExampleRecorder, write_bench_report
    >>> gt = np.linspace(1, 2, 64 * 48, dtype=np.float32).reshape(48, 64)
    >>> task = Task("TOY", "a toy task", lambda root: [Case("a", {"depth": gt}, {"gt": gt})],
    ...             lambda p, c: {"rmse": float(np.sqrt(np.mean((p - c.truth["gt"]) ** 2)))},
    ...             lambda: [Method("copy", lambda depth: depth.copy(), "ours"),
    ...                      Method("shift", lambda depth: depth + 0.1, "peer")])
    >>> rec = ExampleRecorder()
    >>> rep = run(rec.wrap(task), pathlib.Path("."), progress=False)
    >>> out = write_bench_report(rep, pathlib.Path(tempfile.mkdtemp()) / "report",
    ...                          examples=rec)
    >>> out.name, "copy" in out.read_text()
    ('index.html', True)
    >>> import shutil; shutil.rmtree(out.parent.parent)
    """
    reports = _reports(results)
    written = now_utc()
    with report_folder(report_dir, overwrite=overwrite) as tmp:
        (tmp / "img").mkdir()
        body = [_contents(reports)]
        for i, rep in enumerate(reports):
            body.append(_task_section(rep, tmp, f"{i:02d}_{_slug(rep.task.name)}", examples,
                                      _anchor(i, rep)))
        machines = list(dict.fromkeys(getattr(r, "machine", "") for r in reports))
        dates = list(dict.fromkeys(getattr(r, "date", "") for r in reports))
        meta = [("machine", "; ".join(m for m in machines if m) or machine_line()),
                ("run date", ", ".join(d for d in dates if d) or "-"),
                ("page written", written)]
        if command:
            meta.append(("command", command))
        html_text = page("depthsmith benchmark report", meta, body)
        (tmp / "index.html").write_text(html_text, encoding="utf-8")
    return Path(report_dir) / "index.html"


def _contents(reports) -> str:
    items = "".join(f"<li><a href='#{esc(_anchor(i, r))}'>{esc(r.task.name)}</a></li>"
                    for i, r in enumerate(reports))
    return f"<ul>{items}</ul>"


def _anchor(i: int, rep) -> str:
    return f"t{i:02d}_{_slug(rep.task.name)}"


def _ref_ms(summ, task):
    from ..bench._core import _fastest_best  # the printed table's reference, not a copy

    return _fastest_best(summ, task)


def _task_section(rep, folder: Path, stem: str, examples, anchor: str) -> str:
    task = rep.task
    cols = list(task.columns)
    out = [f"<h2 id='{esc(anchor)}'>{esc(task.name)}</h2>",
           f"<p>{esc(task.description)}</p>",
           f"<p class='meta'>Run {esc(getattr(rep, 'date', '-'))} on "
           f"{esc(getattr(rep, 'machine', '-'))}. Ours in bold; time ratio against the "
           "best-scoring peer on the first metric, as in the printed table.</p>"]
    groups = {}
    for g in rep.groups():
        summ = rep.summary(g)
        if not summ:
            continue
        groups[g] = summ
        if g:
            out.append(f"<h3>{esc(g)}</h3>")
        ref = _ref_ms(summ, task)
        head = ["method", "kind", *cols, "ms/MP", "time vs best peer", "cases"]
        rows, classes = [], []
        for s in summ:
            ratio = f"{s['ms_mp'] / ref:.2f}x" if ref else "-"
            rows.append([esc(s["method"]), esc(s["kind"]), *(num(s[c]) for c in cols),
                         f"{s['ms_mp']:.1f}", ratio, str(s["n"])])
            classes.append("ours" if s["kind"] == "ours" else "")
        out.append(table(head, rows, left=2, row_classes=classes))
    if rep.skipped:
        rows = [f"<td class='t'>{esc(n)}</td><td class='t'>Not run: {esc(why)}</td>"
                for n, why in rep.skipped.items()]
        out.append(table(["method", "why it was not run"], rows, left=2,
                         row_classes=["notrun"] * len(rows)))
    if not groups and not rep.skipped:
        out.append("<p>No result.</p>")
    if groups:
        plot = folder / "img" / f"{stem}_plot.png"
        from ._plot import quality_time_plot

        if quality_time_plot(plot, task.name, cols[0], cols[0] in task.higher_is_better,
                             groups):
            left_out = sorted({s["method"] for rows in groups.values() for s in rows
                               if not (s["ms_mp"] > 0 and math.isfinite(s["ms_mp"])
                                       and math.isfinite(s[cols[0]]))})
            note = (f" (not on the log axis, timed at 0 or without a score: "
                    f"{', '.join(left_out)})") if left_out else ""
            out.append(figure(f"img/{plot.name}",
                              f"{task.name}: {cols[0]} against ms per megapixel{note}"))
    store = getattr(examples, "tasks", {}).get(task.name) if examples is not None else None
    for g, ex in (store or {}).items():
        out.append(_example(rep, g, ex, folder, f"{stem}_{_slug(g) if g else 'all'}"))
    return "\n".join(out)


def _case_value(rep, group, scene, method, col):
    for r in rep.rows:
        if r["group"] == group and r["scene"] == scene and r["method"] == method:
            return r["metrics"].get(col)
    return None


def _example(rep, group, ex, folder: Path, stem: str) -> str:
    """Input, guide, truth, then each method's output beside its error, on one case."""
    col = rep.task.columns[0]
    rng = depth_range(ex.truth) or depth_range(*(o for _, o, _ in ex.outputs.values()))
    errs = [e for _, _, e in ex.outputs.values() if e is not None and np.isfinite(e).any()]
    p98 = [float(np.percentile(e[np.isfinite(e)], 98)) for e in errs]
    vmax = float(np.median(p98)) if p98 else 0.0
    vmax = vmax if vmax > 0 else max(p98, default=1.0) or 1.0
    width = next((a.shape[1] for a in (ex.truth, *(o for _, o, _ in ex.outputs.values()))
                  if a is not None), None)

    def pic(name, arr, kind):
        p = folder / "img" / f"{stem}_{name}.png"
        if kind == "rgb":
            save_png(p, arr)
        elif kind == "err":
            error_png(p, arr, vmax)
        else:
            depth_png(p, arr, rng)
        return img(f"img/{p.name}", name, width=width)

    title = f"{rep.task.name} {group}".strip()
    out = [f"<h3>Example: {esc(title)}, scene {esc(ex.scene)}</h3>",
           f"<p class='meta'>Colour scale: turbo over [{num(rng[0]) if rng else '-'}, "
           f"{num(rng[1]) if rng else '-'}] (the ground truth's 2nd-98th percentiles) for every "
           f"depth picture; inferno over [0, {num(vmax)}] for every |error| picture (black: "
           f"invalid or not scored). Thumbnails at most {THUMB} pixels on their longest side; "
           "the input of an upsampling task is shown at its low resolution, stretched.</p>"]
    top = []
    if ex.depth is not None:
        top.append(("input depth", pic("input", ex.depth, "depth")))
    if ex.picture is not None:
        top.append(("guide / photo", pic("guide", ex.picture, "rgb")))
    if ex.truth is not None:
        top.append(("ground truth", pic("truth", ex.truth, "depth")))
    cards = []
    if top:
        cards.append(card("inputs of this case", [c for _, c in top], [t for t, _ in top]))
    for i, (name, (kind, o, e)) in enumerate(ex.outputs.items()):
        v = _case_value(rep, group, ex.scene, name, col)
        label = f"{name} ({'ours' if kind == 'ours' else 'peer'})"
        if v is not None and not (isinstance(v, float) and math.isnan(v)):
            label += f": {col} {num(v)} on this case"
        cells = [pic(f"m{i:02d}_out", o, "depth")]
        titles = ["output"]
        if e is not None:
            cells.append(pic(f"m{i:02d}_err", e, "err"))
            titles.append("|error|")
        cards.append(card(label, cells, titles, ours=kind == "ours"))
    out.append("<div class='cards'>" + "\n".join(cards) + "</div>")
    return "\n".join(out)
