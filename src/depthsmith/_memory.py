"""The memory guard: estimate a command's peak memory from its pixel count, refuse early.

The CLI calls :func:`check` after reading the inputs' sizes from their headers and before
decoding a pixel, so an input too large for this machine is refused in one line instead of
swapping, being killed by the OOM killer or crashing inside OpenCV.

The estimate is ``bytes_per_pixel * pixels + constant`` per command and method, from
:data:`TABLE`. It is compared with the memory available to this process: the smaller of
``MemAvailable`` (``/proc/meminfo``) and the cgroup's room (v2 ``memory.max`` minus
``memory.current``, v1 ``memory.limit_in_bytes`` minus ``memory.usage_in_bytes``), plus what
the process already holds; ``--max-memory`` replaces that with a fixed budget.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ._validate import DepthsmithError

__all__ = ["TABLE", "MemoryLimitError", "parse_size", "format_size", "estimate", "available",
           "check"]

_MIB = 2**20

#: (command, method) -> (bytes per pixel, constant MiB) of the peak resident memory of
#: ``depthsmith COMMAND`` (``method`` "default" = no --method). Measured by
#: ``benchmarks/memory_peak.py`` on 2026-12-07 (1, 4 and 9 MP synthetic inputs, peak RSS
#: of a fresh process, least-squares fit, every fit within 11 % of the three peaks; the
#: 0.2.0 code of commit 8139ffc, Linux x86-64, Python 3.11, 2 CPUs); rerun it after
#: changing an algorithm's buffers (info, eval and colorize were re-measured with the CLI's
#: native signal handler, whose llvmlite JIT adds about 67 MiB to commands that do not load
#: numba anyway). Pixels are the depth's, the output's for upsample (the
#: guide is at the output size there). A method missing here gets its command's
#: costliest row. Rows marked #16 were re-measured after the global methods' lean buffers
#: (``benchmarks/memory_peak.py --mp 1,4,9`` and ``benchmarks/bench_memory.py --global``
#: at 1, 6 and 24 MP; the largest bytes per pixel of the two, see docs/scale_memory.md).
TABLE: dict[tuple[str, str], tuple[float, float]] = {
    ("info", "default"): (13, 132),
    ("eval", "default"): (132, 159),
    ("colorize", "default"): (71, 158),
    ("fill", "default"): (34, 210),  # 2026-12-07 18:00, planes (fit 32 B/px at 1-9 MP)
    ("fill", "normconv"): (48, 192),  # lean buffers (#16): 2026-12-07, 1-24 MP, max
    ("fill", "colorization"): (73, 194),  # lean buffers (#16), same
    ("fill", "background"): (21, 186),  # lean buffers (#16), same
    ("refine", "default"): (77, 250),  # 2026-12-07 17:45: weighted guided filter on strips
    ("refine", "joint_bilateral"): (91, 190),  # 2026-12-07 17:35
    ("refine", "guided"): (66, 233),  # same run (was 206: whole-frame float64 planes)
    ("refine", "weighted_median"): (37, 182),  # 2026-12-07 17:35
    ("refine", "solver"): (26, 188),  # lean buffers (#16), same
    ("complete", "default"): (39, 221),
    ("complete", "guided"): (57, 213),  # lean buffers (#16), same (was 139 at 24 MP)
    ("complete", "interpolate"): (85, 176),
    ("complete", "morphological"): (23, 176),
    ("upsample", "default"): (9, 146),
    ("upsample", "jbu"): (35, 187),  # same run
    ("upsample", "guided"): (129, 188),  # same run
    ("upsample", "optimize"): (66, 190),  # re-measured 2026-12-07 17:35, 1-9 MP
    ("upsample", "learned"): (155, 178),  # 4-flip self-ensemble, 2026-12-07 20:31, 1-4 MP
}

#: (command, method) -> bytes per pixel of the whole frame in a run with ``--tile``: the
#: inputs, the output and the reader's and writer's buffers, which stay whole; the tile's
#: own working set is added as the untiled rate times one tile window (the tile plus
#: :data:`TILE_MARGIN` on every side). Measured by ``benchmarks/bench_memory.py`` on
#: 2026-12-07 (6 MP synthetic inputs, --tile 512; see docs/scale_memory.md). Commands
#: and methods missing here do not tile (global methods ignore ``--tile``) and keep
#: their untiled rate.
TILED: dict[tuple[str, str], float] = {
    ("refine", "default"): 24,
    ("upsample", "optimize"): 12,  # what auto runs with a guide from x4 (the measured case)
}

#: Margin (px) per side assumed for a tile window in the estimate: at least the support of
#: every local method at its default parameters (refine ``auto``: 62, upsample x16
#: ``optimize``: 160) for the factors users pass.
TILE_MARGIN = 192

#: methods that cost what the measured default costs (cheaper ones share its row)
_ALIASES = {("fill", "auto"): "default", ("fill", "planes"): "default",
            ("fill", "guided"): "default", ("refine", "auto"): "default",
            ("complete", "auto"): "default", ("complete", "normconv"): "default",
            ("upsample", "auto"): "default", ("upsample", "bicubic"): "default",
            ("upsample", "nearest"): "default"}

_UNITS = {"": 1, "B": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


class MemoryLimitError(DepthsmithError):
    """The command would need more memory than is available (or allowed)."""


def parse_size(text) -> int:
    """Bytes of a size such as ``8G``, ``500M``, ``1.5GiB``, ``2048`` (binary units)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([kKmMgGtT]?)(?:i?[bB])?\s*", str(text))
    if not m:
        raise ValueError(f"expected a size such as 8G, 500M or 2048 (bytes), got {text!r}")
    value = float(m.group(1)) * _UNITS[m.group(2).upper()]
    if value < 1:
        raise ValueError(f"expected a size of at least 1 byte, got {text!r}")
    return int(value)


def format_size(n: float) -> str:
    """``n`` bytes as a short human size (``1.2 GiB``)."""
    for unit, div in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= div:
            return f"{n / div:.1f} {unit}"
    return f"{int(n)} B"


def _row(command: str, method: str | None) -> tuple[float, float]:
    key = (command, _ALIASES.get((command, method or "default"), method or "default"))
    if key in TABLE:
        return TABLE[key]
    rows = [v for (c, _), v in TABLE.items() if c == command]
    if not rows:
        raise KeyError(f"no memory estimate for command {command!r}")
    return max(rows, key=lambda r: r[0] * 1e7 + r[1] * _MIB)


def _tiles(command: str, method: str | None) -> bool:
    """Whether ``--tile`` bounds this command's working set (a local method)."""
    from ._tiling import global_reason

    if command not in ("fill", "refine", "complete", "upsample"):
        return False
    return global_reason(command, method or "auto") is None


def estimate(command: str, method: str | None, pixels: int, tile: int | None = None) -> int:
    """Estimated peak resident bytes of ``depthsmith COMMAND --method METHOD`` on
    ``pixels`` pixels (for several candidate methods, pass the costliest's name).

    With ``tile`` (``--tile``) and a method that tiles, the whole frame costs the
    :data:`TILED` rate and one tile window of ``(tile + 2 TILE_MARGIN)^2`` pixels, at most
    the frame, costs the untiled rate (never more than the untiled estimate; a method
    without a measured :data:`TILED` rate keeps its untiled estimate)."""
    bpp, const = _row(command, method)
    if tile is None or not _tiles(command, method):
        return int(bpp * pixels + const * _MIB)
    key = (command, _ALIASES.get((command, method or "default"), method or "default"))
    untiled = int(bpp * pixels + const * _MIB)
    if key not in TILED:  # not measured: no saving claimed
        return untiled
    window = min(pixels, (int(tile) + 2 * TILE_MARGIN) ** 2)
    return min(untiled, int(TILED[key] * pixels + bpp * window + const * _MIB))


def _read_int(path) -> int | None:
    try:
        text = Path(path).read_text().strip()
    except (OSError, ValueError):
        return None
    return int(text) if text.isdigit() else None


def _meminfo_available(meminfo="/proc/meminfo") -> int | None:
    try:
        for line in Path(meminfo).read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_room(root="/sys/fs/cgroup", proc="/proc/self/cgroup") -> int | None:
    """Bytes this process's cgroup can still take (None: no limit, or unreadable)."""
    root = Path(root)
    rel = ""
    try:
        for line in Path(proc).read_text().splitlines():
            if line.startswith("0::"):
                rel = line[3:].strip().lstrip("/")
    except OSError:
        pass
    # cgroup v2: the process's own group, then the mount root (a container's view)
    for d in dict.fromkeys([root / rel, root]):
        limit = _read_int(d / "memory.max")  # "max" (no limit) reads as None
        if limit is not None:
            used = _read_int(d / "memory.current") or 0
            return max(limit - used, 0)
    # cgroup v1: a huge limit (page-rounded 2**63) means none
    limit = _read_int(root / "memory" / "memory.limit_in_bytes")
    if limit is not None and limit < 2**60:
        used = _read_int(root / "memory" / "memory.usage_in_bytes") or 0
        return max(limit - used, 0)
    return None


def _own_rss() -> int:
    """Resident bytes of this process now (0 when unknown)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def available() -> tuple[int | None, str]:
    """(bytes the process may grow to, where that comes from); None when unknown.

    That is what it holds now plus the smaller of MemAvailable and the cgroup's room.
    """
    found = [(v, s) for v, s in ((_meminfo_available(), "MemAvailable"),
                                 (_cgroup_room(), "cgroup limit")) if v is not None]
    if not found:
        return None, "unknown"
    room, source = min(found)
    return room + _own_rss(), source


def check(command: str, method: str | None, pixels: int, *, max_memory: int | None = None,
          what: str = "the input", tile: int | None = None) -> int:
    """Raise :class:`MemoryLimitError` (one line: what it needs, what is available, what
    would help) when ``command`` on ``pixels`` pixels would not fit; return the estimate.

    ``max_memory`` (bytes, ``--max-memory``) replaces the measured availability; ``tile``
    (``--tile``) is the tile side of a tiled run (see :func:`estimate`).
    """
    need = estimate(command, method, pixels, tile)
    if max_memory is not None:
        have, source = max_memory, "--max-memory"
    else:
        have, source = available()
        if have is None:
            return need
    if need > have:
        run = command + (f" --method {method}" if method and method != "default" else "")
        raise MemoryLimitError(
            f"{what} ({pixels / 1e6:.1f} MP): {run} needs about {format_size(need)} of memory "
            f"but {format_size(have)} is available ({source}); use a smaller input (crop or "
            "downscale it), "
            + (("a smaller --tile, " if tile is not None else "--tile N, ")
               if _tiles(command, method) else "")
            + "or raise --max-memory if you know better")
    return need
