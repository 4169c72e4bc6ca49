"""The batch report: per-item status, time and errors of a batch manifest, with pictures."""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from pathlib import Path

import numpy as np

from .._validate import InputError
from ._folder import report_folder
from ._html import esc, img, machine_line, now_utc, num, page, table
from ._pictures import (
    THUMB,
    depth_png,
    depth_range,
    error_png,
    guide_rgb,
    save_png,
    shrink_depth,
    shrink_rgb,
)

__all__ = ["write_batch_report", "read_manifest", "SAMPLE", "MAX_ROWS"]

#: Items pictured (the first ones of the manifest, in its order).
SAMPLE = 24
#: Rows of the per-item table (every failed item is listed in its own table whatever this).
MAX_ROWS = 5000


#: Manifest names looked for when a folder is given (``depthsmith batch`` writes the first).
MANIFEST_NAMES = ("depthsmith-batch.json", "manifest.json")


def _manifest_file(path) -> Path:
    p = Path(path)
    if p.is_dir():
        for name in MANIFEST_NAMES:
            if (p / name).is_file():
                return p / name
        raise InputError(f"manifest {p}: a folder without a batch manifest "
                         f"({' or '.join(MANIFEST_NAMES)})")
    return p


def read_manifest(path) -> dict:
    """Read a batch manifest (JSON) and check its shape; one-line ``InputError`` otherwise.

    ``path`` is the manifest file or the batch's output folder holding it
    (``depthsmith-batch.json``, or ``manifest.json``).

    Expected: an object with ``items``, a list of objects each with an ``id``; ``version``,
    ``task`` and ``options`` are shown when present, and so are each item's ``inputs``
    (``{"depth": ..., "guide": ...}``), ``output``, ``status`` (done, failed, pending),
    ``seconds``, ``sha256`` and ``error``.
    """
    p = _manifest_file(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"manifest {p}: cannot be read ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise InputError(f"manifest {p}: not a text (JSON) file") from None
    try:
        m = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"manifest {p}: not valid JSON (line {e.lineno}: {e.msg})") from None
    if not isinstance(m, dict) or not isinstance(m.get("items"), list):
        raise InputError(f"manifest {p}: expected a depthsmith batch manifest (a JSON object "
                         "with an 'items' list)")
    for i, it in enumerate(m["items"]):
        if not isinstance(it, dict) or "id" not in it:
            raise InputError(f"manifest {p}: item {i} is not an object with an 'id'")
    return m


def _resolve(path, base: Path) -> Path | None:
    """An item's file: relative paths are taken from the manifest's folder, then as given."""
    if not path or not isinstance(path, str):
        return None
    p = Path(path)
    if p.is_absolute():
        return p
    for cand in (base / p, p):
        if cand.exists():
            return cand
    return base / p


def _secs(it) -> float | None:
    v = it.get("seconds")
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None


def _gt_path(gt, item_id) -> Path | None:
    if gt is None:
        return None
    if callable(gt):
        r = gt(item_id)
    elif isinstance(gt, dict):
        r = gt.get(item_id)
    else:
        r = str(gt).format(id=item_id)
    return Path(r) if r else None


def write_batch_report(manifest_path, report_dir, *, gt=None, gt_scale=None,
                       sample: int = SAMPLE, overwrite: bool = False) -> Path:
    """Write a static HTML report of a ``depthsmith batch`` run to the folder ``report_dir``.

    The page (``index.html``; no server and no script needed, relative links only) shows
    the run's task, options and manifest version; the count of items done, failed and
    pending, their total and median time; every failed item with its error; a table of
    every item (status, seconds, output checksum, a relative link to the output); and
    colourised thumbnails of the depth input, the guide and the output of the first
    ``sample`` items (one colour range per item, shared by its input and output). With
    ``gt`` it adds each pictured item's absolute error and a metric table (RMSE, MAE,
    AbsRel from :func:`depthsmith.metrics.evaluate`) over every finished item with a
    ground truth; without it there is no metric table. The header gives the depthsmith
    version, this machine (CPU model, cores) and the date.

    Parameters
    ----------
    manifest_path : str or Path
        The run's manifest (``depthsmith-batch.json`` in its output folder), or that folder
        (see :func:`read_manifest`). Relative item paths are looked up from the manifest's
        folder first, then from the current folder.
    report_dir : str or Path
        Folder to create (its parent must exist); written beside and renamed into place.
    gt : str, dict or callable, optional
        Ground truth per item id: a pattern such as ``"gt/{id}.png"``, a dict, or a
        function of the id returning a path (None: no ground truth for that item).
    gt_scale : float, optional
        Stored value per unit of integer PNG ground truth (as ``--scale``); the depth
        inputs and outputs use the manifest's ``options["scale"]`` when it has one.
    sample : int
        Items pictured (default 24), so the page stays small for any run.
    overwrite : bool
        Replace an existing report folder (only a depthsmith report or an empty folder).

    Returns
    -------
    Path
        ``report_dir / "index.html"``.

    Raises
    ------
    InputError
        Unreadable or malformed manifest; ``report_dir`` a file, a folder that is not a
        report, or in a missing or read-only folder. Unreadable item files do not raise:
        the page says which and why.
    OutputExistsError
        ``report_dir`` exists and ``overwrite`` is False.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from depthsmith.report import write_batch_report
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "manifest.json").write_text(json.dumps({"version": "0.2.0", "task": "fill",
    ...     "options": {}, "items": [{"id": "a", "status": "failed", "seconds": 0.5,
    ...     "error": "DEPTH a.png: cannot be read"}]}))
    >>> page = write_batch_report(d / "manifest.json", d / "report")
    >>> "cannot be read" in page.read_text()
    True
    >>> import shutil; shutil.rmtree(d)
    """
    if not isinstance(sample, int) or isinstance(sample, bool) or sample < 0:
        raise InputError(f"sample: expected an integer >= 0, got {sample!r}")
    mpath = _manifest_file(manifest_path)
    man = read_manifest(mpath)
    base = mpath.absolute().parent
    items = man["items"]
    opts = man.get("options") if isinstance(man.get("options"), dict) else {}
    scale = opts.get("scale") if isinstance(opts.get("scale"), (int, float)) else None
    written = now_utc()
    with report_folder(report_dir, overwrite=overwrite) as tmp:
        (tmp / "img").mkdir()
        rel_base = Path(report_dir).absolute().parent / Path(report_dir).name
        body = [_summary(man, items, opts), _runs(man), _failed(items)]
        metrics = {}
        photos = man.get("task") == "defocus"  # its inputs are photos, not depth
        body.append(_pictures(items[:sample], base, tmp, scale, gt, gt_scale, metrics,
                              photos=photos))
        if gt is not None:
            body.append(_metrics_table(items, base, scale, gt, gt_scale, metrics))
        body.append(_items_table(items, base, rel_base))
        meta = [("task", str(man.get("task", "-"))),
                ("manifest", str(mpath)),
                ("manifest version", str(man.get("version", "-"))),
                ("machine", machine_line()), ("page written", written)]
        (tmp / "index.html").write_text(page("depthsmith batch report", meta, body),
                                        encoding="utf-8")
    return Path(report_dir) / "index.html"


def _summary(man, items, opts) -> str:
    count = Counter(str(it.get("status", "pending")) for it in items)
    secs = [s for s in (_secs(it) for it in items if it.get("status") == "done")
            if s is not None]
    rows = [[esc(man.get("task", "-")), esc(opts.get("method", "-")), str(len(items)),
             str(count.get("done", 0)), str(count.get("failed", 0)),
             str(sum(v for k, v in count.items() if k not in ("done", "failed"))),
             num(sum(secs)) if secs else "-",
             num(statistics.median(secs)) if secs else "-"]]
    out = ["<h2 id='summary'>Summary</h2>",
           table(["task", "method", "items", "done", "failed", "pending", "seconds (done, sum)",
                  "seconds per item (median)"], rows, left=2)]
    if opts:
        orows = [[esc(k), esc(json.dumps(v) if not isinstance(v, str) else v)]
                 for k, v in opts.items()]
        out.append(table(["option", "value"], orows, left=2))
    return "\n".join(out)


def _runs(man) -> str:
    """One row per run recorded in the manifest (a resumed batch has several)."""
    runs = [r for r in man.get("runs") or [] if isinstance(r, dict)]
    if not runs:
        return ""
    keys = ("started", "finished", "host", "workers", "threads", "scheduler", "items",
            "to_do", "skipped", "done", "failed", "seconds")
    rows = []
    for r in runs:
        row = [esc("-" if r.get(k) is None else r.get(k)) if not isinstance(r.get(k), float)
               else num(r.get(k)) for k in keys]
        done, secs = r.get("done"), r.get("seconds")
        ok = isinstance(done, int) and isinstance(secs, (int, float)) and secs > 0
        rows.append([*row, num(done / secs) if ok else "-"])
    return "<h2 id='runs'>Runs</h2>\n" + table([*keys, "items per second"], rows, left=3,
                                                text_cols=(5,))


def _failed(items) -> str:
    bad = [it for it in items if it.get("status") == "failed"]
    if not bad:
        return "<h2 id='failed'>Failed items</h2><p>None.</p>"
    rows = [[esc(it["id"]), esc(it.get("error") or "-")] for it in bad]
    return "<h2 id='failed'>Failed items</h2>\n" + table(
        ["item", "error"], rows, left=2, row_classes=["failed"] * len(rows))


def _items_table(items, base: Path, report_abs: Path) -> str:
    import os

    rows, classes = [], []
    for it in items[:MAX_ROWS]:
        st = str(it.get("status", "pending"))
        out = _resolve(it.get("output"), base)
        if out is not None and st == "done":
            rel = Path(os.path.relpath(out.absolute(), report_abs)).as_posix()
            link = f"<a href='{esc(rel)}'>{esc(Path(str(it.get('output'))).name)}</a>"
        else:
            link = esc(it.get("output") or "-")
        sha = str(it.get("sha256") or "")
        rows.append([esc(it["id"]), esc(st), num(_secs(it)), link,
                     f"<code title='{esc(sha)}'>{esc(sha[:12])}</code>" if sha else "-",
                     esc(it.get("error") or "")])
        classes.append("failed" if st == "failed" else "")
    more = (f"<p>First {MAX_ROWS} of {len(items)} items; every failed one is listed "
            "above.</p>") if len(items) > MAX_ROWS else ""
    return "<h2 id='items'>Items</h2>\n" + table(
        ["item", "status", "seconds", "output", "sha256", "error"], rows, left=2,
        row_classes=classes, text_cols=(3, 4, 5)) + more


def _read(path, scale, name):
    """(array, None) or (None, one-line reason)."""
    from ..io import read_depth, read_image

    if path is None:
        return None, "no file"
    try:
        if name == "guide":
            return read_image(path), None
        return read_depth(path, scale=scale if str(path).lower().endswith(".png") else None), \
            None
    except Exception as e:  # noqa: BLE001 - the page says why, the report goes on
        return None, (str(e).splitlines() or [type(e).__name__])[0][:200]


def _pictures(items, base, folder: Path, scale, gt, gt_scale, metrics, *,
              photos: bool = False) -> str:
    out = [f"<h2 id='pictures'>First {len(items)} items</h2>",
           "<p class='meta'>Turbo colour scale per item over the 2nd-98th percentiles of its "
           "output (of its input when there is no output), shared by input and output; black: "
           f"invalid. Thumbnails at most {THUMB} pixels on their longest side.</p>"]
    head = ["item", "status", "input photo" if photos else "input depth", "guide",
            "output"] + (
        ["|error| against the truth"] if gt is not None else [])
    rows, classes = [], []
    for k, it in enumerate(items):
        st = str(it.get("status", "pending"))
        inputs = it.get("inputs") if isinstance(it.get("inputs"), dict) else {}
        d, why_d = _read(_resolve(inputs.get("depth"), base), scale,
                         "guide" if photos else "depth")
        g, why_g = _read(_resolve(inputs.get("guide"), base), None, "guide") \
            if inputs.get("guide") else (None, "-")
        o, why_o = _read(_resolve(it.get("output"), base), scale, "output") \
            if st == "done" else (None, f"({st})")
        dt = shrink_depth(d) if d is not None and d.ndim == 2 else None
        ot = shrink_depth(o) if o is not None else None
        rng = depth_range(ot) or depth_range(dt)
        width = next((a.shape[1] for a in (ot, dt) if a is not None), None)
        stem = f"i{k:03d}"
        cells = [esc(it["id"]), esc(st)]
        # a photo input (defocus) is shown as a picture, like the guide
        photo_in = d if d is not None and dt is None else None
        for tag, arr, why in (("in", dt if photo_in is None else photo_in, why_d),
                              ("guide", g, why_g), ("out", ot, why_o)):
            if arr is None:
                cells.append(f"<small>{esc(why)}</small>")
                continue
            p = folder / "img" / f"{stem}_{tag}.png"
            if tag == "guide" or (tag == "in" and photo_in is not None):
                save_png(p, shrink_rgb(guide_rgb(arr)))
            else:
                depth_png(p, arr, rng)
            cells.append(img(f"img/{p.name}", f"{it['id']} {tag}", width=width))
        if gt is not None:
            cells.append(_error_cell(it, o, gt, gt_scale, folder, stem, metrics))
        rows.append(cells)
        classes.append("failed" if st == "failed" else "")
    if not rows:
        out.append("<p>No item.</p>")
    else:
        out.append(table(head, rows, left=2, row_classes=classes)
                   .replace("<table>", "<table class='pics'>", 1))
    return "\n".join(out)


def _score(it, o, gt, gt_scale):
    """(metrics dict, |error| map, truth) or (None, None, reason)."""
    from ..metrics import evaluate

    if o is None:
        return None, None, "no output"
    gp = _gt_path(gt, it["id"])
    if gp is None:
        return None, None, "no ground truth"
    t, why = _read(gp, gt_scale, "gt")
    if t is None:
        return None, None, why
    if t.shape != o.shape:
        return None, None, f"ground truth {t.shape[1]}x{t.shape[0]} but output " \
                           f"{o.shape[1]}x{o.shape[0]}"
    try:
        m = evaluate(o, t)
    except Exception as ex:  # noqa: BLE001 - e.g. no pixel to score: said on the page
        return None, None, (str(ex).splitlines() or [type(ex).__name__])[0][:200]
    with np.errstate(invalid="ignore"):
        e = np.abs(o - t)
    return m, e, None


def _mean(vals) -> float:
    v = [float(x) for x in vals if isinstance(x, (int, float)) and math.isfinite(x)]
    return float(np.mean(v)) if v else float("nan")


def _error_cell(it, o, gt, gt_scale, folder, stem, metrics) -> str:
    m, e, why = _score(it, o, gt, gt_scale)
    if m is None:
        return f"<small>{esc(why)}</small>"
    metrics[it["id"]] = m
    et = shrink_depth(e)
    fin = et[np.isfinite(et)]
    vmax = float(np.percentile(fin, 98)) if fin.size else 1.0
    p = folder / "img" / f"{stem}_err.png"
    error_png(p, et, vmax or 1.0)
    return (img(f"img/{p.name}", f"{it['id']} error", width=et.shape[1])
            + f"<br><small>0..{esc(num(vmax))}</small>")


def _metrics_table(items, base, scale, gt, gt_scale, metrics) -> str:
    keys = ("rmse", "mae", "absrel")
    rows, ids = [], []
    for it in items:
        if it.get("status") != "done":
            continue
        m = metrics.get(it["id"])
        if m is None:
            o, _ = _read(_resolve(it.get("output"), base), scale, "output")
            m, _, _ = _score(it, o, gt, gt_scale)
            if m is None:
                continue
            metrics[it["id"]] = m
        ids.append(it["id"])
        rows.append([esc(it["id"]), *(num(m.get(k)) for k in keys), str(m.get("n", "-"))])
    if not rows:
        return "<h2 id='metrics'>Metrics</h2><p>No finished item has a ground truth.</p>"
    mean = [f"<b>mean of {len(rows)}</b>", *(
        f"<b>{num(_mean([metrics[i].get(k) for i in ids]))}</b>"
        for k in keys), "-"]
    return "<h2 id='metrics'>Metrics against the ground truth</h2>\n" + table(
        ["item", *keys, "pixels scored"], [*rows, mean], left=1)
