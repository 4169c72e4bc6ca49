"""HTML building blocks of the report: escaped tables, figures and the page around them."""

from __future__ import annotations

import html
import math
import platform
from datetime import datetime, timezone

__all__ = ["esc", "num", "table", "img", "card", "figure", "page", "machine_line", "now_utc"]

# Styles only; the page needs no script. The one script below only records, once the page
# has loaded, each picture's decoded width in a data attribute (what the browser test reads).
_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:1600px}
h1{font-size:1.5em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ccc}
h3{font-size:1.05em}
table{border-collapse:collapse;margin:.6em 0 1em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right;vertical-align:top}
th{background:#f3f3f3}td.t,th.t{text-align:left}
tr.ours td{font-weight:bold;background:#eef6ff}tr.notrun td{color:#777;font-style:italic}
tr.failed td{background:#fff0f0}
.meta{color:#555}.pics td,.pics th{text-align:center;font-size:.85em}
.pics img{display:block;margin:0 auto;image-rendering:auto}
figure{margin:.5em 0}figcaption{color:#555;font-size:.9em}
.cards{display:flex;flex-wrap:wrap;gap:.6em}
.card{border:1px solid #ccc;padding:.3em;background:#fafafa}
.card.ours{border-color:#3b82f6;background:#eef6ff}
.card .cap{font-size:.85em;margin-bottom:.2em}.card.ours .cap{font-weight:bold}
.card .row{display:flex;gap:.3em}.card .cell{text-align:center;font-size:.75em;color:#555}
"""

_SCRIPT = """<script>
window.addEventListener('load', function () {
  var imgs = document.getElementsByTagName('img');
  for (var i = 0; i < imgs.length; i++) {
    imgs[i].setAttribute('data-natural-width', String(imgs[i].naturalWidth || 0));
  }
  document.body.setAttribute('data-loaded', String(imgs.length));
});
</script>"""


def esc(x) -> str:
    """HTML-escaped text of ``x``."""
    return html.escape(str(x), quote=True)


def num(v, digits: int = 3) -> str:
    """A number as the bench tables print it (``-`` for NaN/None)."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    v = float(v)
    if not math.isfinite(v):
        return "-"
    return f"{v:.{digits}f}" if abs(v) < 10 else f"{v:.1f}"


def table(head, rows, *, left: int = 1, row_classes=None, caption: str | None = None,
          text_cols=()) -> str:
    """A table: ``head`` strings, ``rows`` lists of cell HTML (already escaped).

    The first ``left`` columns, and those of ``text_cols``, are left-aligned (text; numbers
    are right-aligned); a row may be a single string, then it is used as the row's raw
    inner HTML (for cells spanning columns).
    """
    left_cols = set(range(left)) | set(text_cols)
    out = ["<table>"]
    if caption:
        out.append(f"<caption class='t'>{esc(caption)}</caption>")
    out.append("<tr>" + "".join(f"<th class='t'>{esc(h)}</th>" if i in left_cols
                                 else f"<th>{esc(h)}</th>" for i, h in enumerate(head))
               + "</tr>")
    for k, r in enumerate(rows):
        cls = (row_classes or [""] * len(rows))[k]
        attr = f" class='{cls}'" if cls else ""
        if isinstance(r, str):
            out.append(f"<tr{attr}>{r}</tr>")
            continue
        out.append(f"<tr{attr}>" + "".join(f"<td class='t'>{c}</td>" if i in left_cols
                                            else f"<td>{c}</td>" for i, c in enumerate(r))
                   + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def img(src: str, alt: str, width: int | None = None, height: int | None = None) -> str:
    """An ``<img>`` with a relative ``src`` (posix separators) and alt text."""
    size = (f" width='{int(width)}'" if width else "") + (f" height='{int(height)}'"
                                                          if height else "")
    return f"<img src='{esc(src)}' alt='{esc(alt)}'{size} loading='eager'>"


def card(caption: str, cells: list[str], titles: list[str], *, ours: bool = False) -> str:
    """A captioned box of pictures side by side (``cells``: ``<img>`` HTML), each titled."""
    inner = "".join(f"<div class='cell'>{c}<div>{esc(t)}</div></div>"
                    for c, t in zip(cells, titles, strict=True))
    cls = "card ours" if ours else "card"
    return f"<div class='{cls}'><div class='cap'>{esc(caption)}</div><div class='row'>" \
           f"{inner}</div></div>"


def figure(src: str, caption: str) -> str:
    """A captioned picture."""
    return f"<figure>{img(src, caption)}<figcaption>{esc(caption)}</figcaption></figure>"


def now_utc() -> str:
    """This moment as ``YYYY-MM-DD HH:MM UTC``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def machine_line() -> str:
    """CPU model, cores, OS and Python of this machine (as the bench tables say it)."""
    try:
        from ..bench._core import machine

        return machine()
    except Exception:  # noqa: BLE001 - a report without the line is still a report
        import os

        return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"


def page(title: str, meta: list[tuple[str, str]], body: list[str]) -> str:
    """The whole page: title, a definition list of ``meta`` (label, text) and ``body``."""
    from .. import __version__

    rows = [("depthsmith", __version__), *meta]
    dl = "\n".join(f"<tr><th class='t'>{esc(k)}</th><td class='t'>{esc(v)}</td></tr>"
                   for k, v in rows)
    return "\n".join([
        "<!DOCTYPE html>", "<html lang='en'>", "<head>", "<meta charset='utf-8'>",
        f"<title>{esc(title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
        f"<h1>{esc(title)}</h1>", f"<table class='meta'>{dl}</table>", *body, _SCRIPT,
        "</body>", "</html>", ""])
