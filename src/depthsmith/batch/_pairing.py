"""Pairing depth files with their guides by name.

The rule (also in ``docs/batch.md``):

* **Same stem in two folders** (the default). ``input`` is a folder (its files with a known
  extension, not its sub-folders, hidden files skipped) or a glob such as ``frames/*.png``;
  an item's id is the file's stem (``0042`` for ``0042.png``). With ``guide`` a folder, the
  item's guide is the file of that folder with the same stem and an image extension
  (``0042.jpg``); ``guide`` may instead be a path with ``<id>`` in it (``rgb/<id>_RGB.jpg``).
* **Patterns** (one folder per frame, fixed names). ``depth_pattern`` is a path relative to
  ``input`` (now the root folder) with ``<id>`` in it, such as ``<id>/depth_hr_mm.png``;
  ``<id>`` stands for one or more characters other than ``/`` (it may appear more than once:
  ``<id>/<id>_HR_gt.png``; every occurrence is the same text). ``guide_pattern``, such as
  ``<id>/rgb.jpg``, is relative to ``guide`` when given, else to ``input``.

Every depth must have exactly one guide and every guide one depth when guides are given:
otherwise :class:`PairingError` lists the unpaired files (and two files claiming one id are
an error too, never a silent pick). Items come back sorted by id.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .._validate import InputError

__all__ = ["Item", "PairingError", "pair_inputs", "ID", "SHOWN"]

#: The placeholder for an item's id in a pattern.
ID = "<id>"
#: How many unpaired or clashing files an error lists before "... and N more".
SHOWN = 10
_GLOB = re.compile(r"[*?\[]")


class PairingError(InputError):
    """Inputs that cannot be paired (unpaired files, clashing ids, nothing found)."""


@dataclass(frozen=True)
class Item:
    """One unit of work: an id (unique in the batch), its depth (or photo) and its guide."""

    id: str
    depth: str
    guide: str | None = None


def _listing(paths, shown=SHOWN) -> str:
    paths = sorted(str(p) for p in paths)
    more = len(paths) - shown
    return ", ".join(paths[:shown]) + (f" ... and {more} more" if more > 0 else "")


def _pattern_regex(pattern: str) -> re.Pattern:
    parts = pattern.split(ID)
    rx = re.escape(parts[0])
    for i, part in enumerate(parts[1:]):
        rx += ("(?P<id>[^/]+)" if i == 0 else "(?P=id)") + re.escape(part)
    return re.compile(rx + r"\Z")


def _check_pattern(pattern: str, name: str) -> str:
    p = pattern.replace(os.sep, "/")
    if ID not in p:
        raise InputError(f"{name} {pattern!r}: expected a path with {ID} in it, e.g. "
                         f"'{ID}/depth.png'")
    if _GLOB.search(p):
        raise InputError(f"{name} {pattern!r}: only {ID} may vary in a pattern (no *, ? or [])")
    if p.startswith("/") and name.endswith("-pattern"):
        raise InputError(f"{name} {pattern!r}: expected a path relative to the folder")
    return os.path.normpath(p).replace(os.sep, "/")


def _match(root: str, pattern: str) -> dict[str, list[str]]:
    """{id: [files]} of the files under ``root`` matching ``pattern`` (with <id>)."""
    rx = _pattern_regex(pattern)
    found: dict[str, list[str]] = {}
    base = os.path.join(root, glob.escape(pattern).replace(ID, "*"))
    for f in glob.glob(base):
        if not os.path.isfile(f):
            continue
        rel = os.path.relpath(f, root).replace(os.sep, "/") if root else f
        m = rx.match(rel)
        if m is not None:
            found.setdefault(m["id"], []).append(f)
    return found


def _by_stem(files, exts) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in files:
        p = Path(f)
        if p.name.startswith(".") or p.suffix.lower() not in exts or not p.is_file():
            continue
        found.setdefault(p.stem, []).append(str(f))
    return found


def _unique(found: dict[str, list[str]], what: str) -> dict[str, str]:
    clash = {k: v for k, v in found.items() if len(v) > 1}
    if clash:
        files = [f for v in clash.values() for f in v]
        raise PairingError(f"{what}: {len(clash)} id(s) match several files (give a pattern "
                           f"or remove the extra files): {_listing(files)}")
    return {k: v[0] for k, v in found.items()}


def pair_inputs(input, guide=None, *, depth_pattern=None, guide_pattern=None,
                depth_exts=None, guide_exts=None) -> list[Item]:
    """The items of a batch: depth (or photo) files paired with their guides by name.

    Parameters
    ----------
    input : str or path
        A folder, or a glob such as ``frames/*.png``; with ``depth_pattern``, the root folder
        the pattern is relative to.
    guide : str or path, optional
        A folder (same stem as the depth), a path with ``<id>`` in it, or with
        ``guide_pattern``, the root folder (default with a pattern: ``input``).
    depth_pattern, guide_pattern : str, optional
        Relative paths with ``<id>`` in them (``<id>/depth_hr_mm.png``, ``<id>/rgb.jpg``).
    depth_exts, guide_exts : iterable of str, optional
        Extensions (lower case, with the dot) that a folder listing keeps: by default the
        depth formats of :data:`depthsmith.io.FORMATS` and the image formats of
        :func:`depthsmith.io.image_formats`.

    Returns
    -------
    list of Item
        Sorted by id; ``guide`` is None for every item when no guide is given.

    Raises
    ------
    PairingError
        Nothing found, an id claimed by several files, or unpaired files (all listed, up to
        :data:`SHOWN` of each kind).
    """
    from ..io import FORMATS, image_formats

    depth_exts = set(depth_exts or FORMATS)
    guide_exts = set(guide_exts or image_formats())
    src = os.fspath(input)
    if depth_pattern is not None:
        if not os.path.isdir(src):
            raise PairingError(f"--input {src}: expected a folder (the root of "
                               f"--depth-pattern)")
        pat = _check_pattern(depth_pattern, "--depth-pattern")
        depths = _unique(_match(src, pat), "--depth-pattern")
        what = f"--input {src} with --depth-pattern {depth_pattern}"
    elif os.path.isdir(src):
        depths = _unique(_by_stem((os.path.join(src, n) for n in os.listdir(src)),
                                  depth_exts), f"--input {src}")
        what = f"--input {src}"
    elif _GLOB.search(src):
        depths = _unique(_by_stem(glob.glob(src), depth_exts), f"--input {src}")
        what = f"--input {src}"
    else:
        raise PairingError(f"--input {src}: expected a folder or a glob (e.g. 'frames/*.png'); "
                           "no such folder")
    if not depths:
        raise PairingError(f"{what}: no input file found (expected "
                           f"{', '.join(sorted(depth_exts))})")

    guides: dict[str, str] | None = None
    if guide_pattern is not None:
        groot = os.fspath(guide) if guide is not None else src
        if not os.path.isdir(groot):
            raise PairingError(f"--guide {groot}: expected a folder (the root of "
                               "--guide-pattern)")
        pat = _check_pattern(guide_pattern, "--guide-pattern")
        guides = _unique(_match(groot, pat), "--guide-pattern")
    elif guide is not None:
        g = os.fspath(guide)
        if ID in g:
            pat = _check_pattern(g, "--guide")
            guides = _unique(_match("", pat), "--guide")
        elif os.path.isdir(g):
            guides = _unique(_by_stem((os.path.join(g, n) for n in os.listdir(g)),
                                      guide_exts), f"--guide {g}")
        else:
            raise PairingError(f"--guide {g}: expected a folder, or a path with {ID} in it "
                               f"(e.g. 'rgb/{ID}.jpg'); no such folder")
        if os.path.isdir(g) and os.path.isdir(src) and depth_pattern is None \
                and os.path.samefile(g, src):
            raise PairingError(f"--guide {g} is the --input folder: give the guides their "
                               "own folder, or use --depth-pattern / --guide-pattern")

    if guides is None:
        return [Item(k, depths[k]) for k in sorted(depths)]
    no_guide = sorted(set(depths) - set(guides))
    no_depth = sorted(set(guides) - set(depths))
    if no_guide or no_depth:
        parts = []
        if no_guide:
            parts.append(f"{len(no_guide)} depth file(s) without a guide: "
                         f"{_listing(depths[k] for k in no_guide)}")
        if no_depth:
            parts.append(f"{len(no_depth)} guide(s) without a depth file: "
                         f"{_listing(guides[k] for k in no_depth)}")
        raise PairingError("unpaired inputs: " + "; ".join(parts))
    return [Item(k, depths[k], guides[k]) for k in sorted(depths)]
