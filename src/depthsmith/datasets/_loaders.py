"""Implementation of the dataset loaders."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._validate import DepthsmithError, InputError
from ..io import read_depth, read_image

__all__ = ["Sample", "LOADERS", "load", "scenes", "data_root", "require_data_root"]


@dataclass
class Sample:
    """One scene: guide image, depth or disparity and what is known about it.

    Attributes
    ----------
    name : str           ``dataset/scene``
    rgb : (H, W, 3) uint8 guide image (left / reference view)
    depth : (H, W) float32 depth or disparity in ``units``, NaN where unknown
    valid : (H, W) bool  True where ``depth`` is known
    kind : str           ``"disparity"`` or ``"depth"`` (or ``"defocus"`` for SYNDOF maps)
    units : str          e.g. ``"px"``, ``"m"``, ``"scene"``
    scale : float        stored value per unit in the source file (PNG ``value / scale``)
    intrinsics : (fx, fy, cx, cy) or None
    extra : dict         dataset-specific companions (right view, right GT, masks, calib...)
    """

    name: str
    rgb: np.ndarray
    depth: np.ndarray
    valid: np.ndarray
    kind: str
    units: str
    scale: float = 1.0
    intrinsics: tuple | None = None
    extra: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.depth.shape


def data_root() -> Path | None:
    """The benchmark data folder, or None when it is not on this machine."""
    env = os.environ.get("DEPTHSMITH_DATA")
    if env:
        p = Path(env)
        return p if p.is_dir() else None
    starts = [Path.cwd(), Path(__file__).resolve()]
    for start in starts:
        for parent in [start, *start.parents]:
            for cand in (parent / "shared" / "data", parent.parent / "shared" / "data"):
                if (cand / "middlebury").is_dir():
                    return cand
    return None


def require_data_root() -> Path:
    """``data_root()`` or a clear error saying how to point at the data."""
    root = data_root()
    if root is None:
        raise DepthsmithError("benchmark data not found: set DEPTHSMITH_DATA to the folder that "
                              "holds middlebury/, kitti_depth/, ... (../shared/data)")
    return root


def _meta(folder: Path) -> dict:
    f = folder / "meta.json"
    return json.loads(f.read_text()) if f.is_file() else {}


def _sample(folder, dataset, rgb, depth, kind, units, scale=1.0, intrinsics=None, *,
            signed=False, name=None, **extra):
    # signed maps (HCI 4D disparity, defocus maps) are valid wherever finite
    valid = np.isfinite(depth) if signed else np.isfinite(depth) & (depth > 0)
    return Sample(f"{dataset}/{name or folder.name}", rgb, depth, valid, kind, units,
                  float(scale), tuple(float(v) for v in intrinsics) if intrinsics else None,
                  extra)


def _opt(path: Path, fn, **kw):
    return fn(path, **kw) if path.is_file() else None


def _mask(path: Path):
    return None if not path.is_file() else read_image(path, gray=True) > 127


def load_middlebury(folder: Path) -> Sample:
    m = _meta(folder)
    s = float(m.get("disparity_scale", 1))
    extra = {
        "rgb_right": _opt(folder / "rgb_right.png", read_image),
        "disp_right": _opt(folder / "disp_gt_right.png", read_depth, scale=s),
        "nonocc": _mask(folder / "nonocc.png"),
        "year": m.get("year"),
    }
    if (folder / "disc.png").is_file():
        disc = read_image(folder / "disc.png", gray=True)
        extra["disc"] = (disc > 64) & (disc < 192)
    return _sample(folder, "middlebury", read_image(folder / "rgb.png"),
                   read_depth(folder / "disp_gt.png", scale=s), "disparity", "px", s, **extra)


def _calib(path: Path) -> dict:
    out = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            k, _, v = line.partition("=")
            v = v.strip()
            if v.startswith("["):
                rows = [r.split() for r in v.strip("[]").split(";")]
                out[k.strip()] = np.array(rows, float)
            elif v:
                try:
                    out[k.strip()] = float(v)
                except ValueError:
                    out[k.strip()] = v
    return out


def load_middlebury2014(folder: Path) -> Sample:
    calib = _calib(folder / "calib.txt")
    intr = None
    if "cam0" in calib:
        k = calib["cam0"]
        intr = (k[0, 0], k[1, 1], k[0, 2], k[1, 2])
    return _sample(folder, "middlebury2014", read_image(folder / "rgb.png"),
                   read_depth(folder / "disp_gt.pfm"), "disparity", "px", 1.0, intr,
                   rgb_right=_opt(folder / "rgb_right.png", read_image),
                   disp_right=_opt(folder / "disp_gt_right.pfm", read_depth),
                   calib=calib)


def load_msgnet_a(folder: Path) -> Sample:
    m = _meta(folder)
    text = m.get("alignment", "[11:1099, 7:1383]")
    y0, y1, x0, x1 = (int(v) for v in re.search(r"\[(\d+):(\d+),\s*(\d+):(\d+)\]", text).groups())
    rgb = read_image(folder / "rgb_full.png")[y0:y1, x0:x1]
    return _sample(folder, "middlebury_msgnet_A", np.ascontiguousarray(rgb),
                   read_depth(folder / "depth_filled.png"), "disparity", "px", 1.0)


def load_kitti_depth(folder: Path) -> Sample:
    m = _meta(folder)
    return _sample(folder, "kitti_depth", read_image(folder / "rgb.png"),
                   read_depth(folder / "depth_gt.png", scale=256), "depth", "m", 256,
                   m.get("intrinsics_fx_fy_cx_cy"))


def load_kitti2015(folder: Path) -> Sample:
    return _sample(folder, "kitti2015", read_image(folder / "rgb.png"),
                   read_depth(folder / "disp_gt.png", scale=256), "disparity", "px", 256,
                   rgb_right=_opt(folder / "rgb_right.png", read_image))


def load_nyu_v2(folder: Path) -> Sample:
    m = _meta(folder)
    rgb = folder / "rgb.jpg"
    return _sample(folder, "nyu_v2", read_image(rgb if rgb.is_file() else folder / "rgb.png"),
                   read_depth(folder / "depth_raw.png", scale=1000), "depth", "m", 1000,
                   m.get("intrinsics_fx_fy_cx_cy"))


def load_sintel(folder: Path) -> Sample:
    return _sample(folder, "sintel", read_image(folder / "rgb.png"),
                   read_depth(folder / "depth_gt.dpt"), "depth", "scene", 1.0)


def load_sceneflow(folder: Path) -> Sample:
    occl = folder / "occl.png"
    return _sample(folder, "sceneflow", read_image(folder / "rgb.png"),
                   read_depth(folder / "disp_gt.pfm"), "disparity", "px", 1.0,
                   rgb_right=_opt(folder / "rgb_right.png", read_image),
                   disp_right=_opt(folder / "disp_gt_right.pfm", read_depth),
                   occluded=read_image(occl, gray=True) > 0 if occl.is_file() else None)


def load_hci4d(folder: Path) -> Sample:
    return _sample(folder, "hci4d", read_image(folder / "rgb.png"),
                   read_depth(folder / "disp_gt.pfm"), "disparity", "px", 1.0, signed=True)


def load_syndof(folder: Path) -> Sample:
    """SYNDOF render: ``rgb`` is the defocused image, ``depth`` the normalised defocus map
    (0-1, relative only); ``extra['sharp']`` is the all-in-focus source when present."""
    dmap = read_image(folder / "defocus_map_norm.png", gray=True).astype(np.float32) / 255.0
    sharp = folder.parents[1].parent / "sintel" / folder.parent.name / "rgb.png"
    return _sample(folder, "syndof", read_image(folder / "blurred.png"), dmap, "defocus",
                   "relative", 255.0, signed=True,
                   name=f"{folder.parent.name}/{folder.name}", sharp=_opt(sharp, read_image),
                   binary=_mask(folder / "defocus_map_binary.png"))


def load_middlebury_sr30(folder: Path) -> Sample:
    """The 30-image Middlebury guided-SR test set (hole-filled GT): disparity in px.

    ``disp_filled.png`` stores ``disparity_px * s`` with s = 3 (2005/2006 ThirdSize),
    4 (2003 cones/teddy) or 8 (2001 barn1), from ``meta.json``'s ``middlebury_year``;
    ``extra['png']`` holds the stored 0-255 values (0 = unknown), the scale SR-STANDARD
    scores on.
    """
    m = _meta(folder)
    s = float(m.get("disparity_scale") or _SR30_SCALE.get(m.get("middlebury_year"), 3))
    raw = read_depth(folder / "disp_filled.png")
    return _sample(folder, "middlebury_sr30", read_image(folder / "rgb.png"), raw / s,
                   "disparity", "px", s, png=np.nan_to_num(raw, nan=0.0),
                   year=m.get("middlebury_year"))


_SR30_SCALE = {2001: 8, 2003: 4, 2005: 3, 2006: 3}


def load_lu2014_kinect(folder: Path) -> Sample:
    """Lu et al. 2014 Kinect RGB-D test set: hole-filled 8-bit **relative** depth (larger =
    nearer, no metric scale), kept as the stored 0-255 values (``units='relative'``)."""
    return _sample(folder, "lu2014_kinect", read_image(folder / "rgb.png"),
                   read_depth(folder / "depth_filled_u8.png"), "depth", "relative", 1.0)


def load_rgbdd(folder: Path) -> Sample:
    """RGB-D-D real ToF frame: ``depth_hr_mm.png`` in millimetres (``units='mm'``, scale 1).

    ``extra['depth_lr']`` is the phone ToF's own 192x144 hole-filled depth (mm, NaN where 0)
    for the frames that have ``depth_lr_phone_filled_mm.png``, else None.
    """
    return _sample(folder, "rgbdd", read_image(folder / "rgb.jpg"),
                   read_depth(folder / "depth_hr_mm.png"), "depth", "mm", 1.0,
                   depth_lr=_opt(folder / "depth_lr_phone_filled_mm.png", read_depth))


LOADERS = {
    "middlebury": load_middlebury,
    "middlebury2014": load_middlebury2014,
    "middlebury_msgnet_A": load_msgnet_a,
    "kitti_depth": load_kitti_depth,
    "kitti2015": load_kitti2015,
    "nyu_v2": load_nyu_v2,
    "sintel": load_sintel,
    "sceneflow": load_sceneflow,
    "hci4d": load_hci4d,
    "syndof": load_syndof,
    "middlebury_sr30": load_middlebury_sr30,
    "lu2014_kinect": load_lu2014_kinect,
    "rgbdd": load_rgbdd,
}


def load(folder) -> Sample:
    """Load one scene folder; the dataset comes from its ``meta.json`` (or its parent's name)."""
    f = Path(folder)
    if not f.is_dir():
        raise DepthsmithError(f"{f}: no such scene folder")
    ds = _meta(f).get("dataset")
    if ds not in LOADERS:
        for parent in f.parents:
            if parent.name in LOADERS:
                ds = parent.name
                break
    if ds not in LOADERS:
        raise DepthsmithError(f"{f}: cannot tell the dataset (meta.json 'dataset' missing); "
                              f"known: {', '.join(LOADERS)}")
    return LOADERS[ds](f)


def scenes(dataset: str, root=None, *, require=()) -> list[Path]:
    """Sorted scene folders of ``dataset`` under ``root`` (default :func:`data_root`).

    ``require`` keeps only folders holding all the named files (e.g. ``disp_gt_right.png``).
    Returns [] when the data is absent.
    """
    if dataset not in LOADERS:
        raise InputError(f"unknown dataset {dataset!r}; known: {', '.join(LOADERS)}")
    root = Path(root) if root is not None else data_root()
    if root is None or not (root / dataset).is_dir():
        return []
    found = sorted(p.parent for p in (root / dataset).rglob("meta.json"))
    return [p for p in found if all((p / r).is_file() for r in require)]
