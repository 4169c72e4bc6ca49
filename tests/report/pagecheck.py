"""The structural check of a report page, shared by the report tests."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import cv2

_VOID = {"meta", "img", "br", "hr", "link", "input"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.imgs: list[dict] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.tables: list[list[list[str]]] = []  # table -> rows -> cell texts
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            if a["id"] in self.ids:
                self.errors.append(f"id {a['id']!r} used twice")
            self.ids.add(a["id"])
        if tag == "img":
            self.imgs.append(a)
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag in ("td", "th") and self._cell is not None and self.tables \
                and self.tables[-1]:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def check_page(index: Path) -> _Page:
    """Parse ``index`` and assert the report's structure; return the parsed page.

    Well-formed (every element closed in order, no id used twice); every ``<img>``
    relative, existing inside the report folder and decoding to a non-empty picture; every
    link relative (a fragment names an element id).
    """
    folder = index.parent.resolve()
    p = _Page()
    p.feed(index.read_text(encoding="utf-8"))
    p.close()
    assert not p.errors, p.errors
    assert p.stack == [], f"unclosed: {p.stack}"
    for a in p.imgs:
        src = a.get("src", "")
        u = urlparse(src)
        assert not u.scheme and not u.netloc and not src.startswith("/"), src
        f = (folder / unquote(u.path)).resolve()
        assert f.is_relative_to(folder), f"{src} leaves the report folder"
        assert f.is_file(), f"{src} missing"
        im = cv2.imread(str(f), cv2.IMREAD_UNCHANGED)
        assert im is not None and im.size > 0, f"{src} does not decode"
        assert a.get("alt"), f"{src} has no alt text"
    for href in p.links:
        u = urlparse(href)
        assert not u.scheme and not u.netloc and not href.startswith("/"), href
        if href.startswith("#"):
            assert href[1:] in p.ids, f"{href}: no such id"
    return p


def is_number(s: str) -> bool:
    try:
        float(s.rstrip("x"))
    except ValueError:
        return False
    return True
