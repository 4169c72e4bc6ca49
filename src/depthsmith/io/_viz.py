"""Pictures of depth: colorized maps, error maps and labelled side-by-side panels."""

from __future__ import annotations

import numpy as np

from .._validate import check_depth

__all__ = ["colorize", "error_map", "save_panel"]


def colorize(depth, *, valid=None, vmin=None, vmax=None, cmap: str = "turbo",
             percentiles=(2.0, 98.0), invert: bool = False) -> np.ndarray:
    """Colorize a depth map as uint8 RGB (H, W, 3), invalid pixels black.

    The range is robust: ``percentiles`` of the valid values unless ``vmin``/``vmax`` are
    given. ``invert`` makes near (small depth) bright, which suits disparity-like reading.
    """
    from matplotlib import colormaps

    d = check_depth(depth)
    v = np.isfinite(d) if valid is None else (np.asarray(valid, bool) & np.isfinite(d))
    vals = d[v]
    if vals.size == 0:
        return np.zeros((*d.shape, 3), np.uint8)
    lo = float(np.percentile(vals, percentiles[0])) if vmin is None else float(vmin)
    hi = float(np.percentile(vals, percentiles[1])) if vmax is None else float(vmax)
    t = np.clip((np.where(v, d, lo) - lo) / max(hi - lo, 1e-12), 0.0, 1.0)
    if invert:
        t = 1.0 - t
    rgb = (colormaps[cmap](t)[..., :3] * 255.0 + 0.5).astype(np.uint8)
    rgb[~v] = 0
    return rgb


def error_map(pred, gt, *, valid=None, vmax=None, cmap: str = "inferno") -> np.ndarray:
    """Absolute error |pred - gt| as uint8 RGB; pixels not scored are black.

    ``vmax`` (same units as the depth) saturates the colour scale; default the 98th
    percentile of the scored errors.
    """
    p, g = check_depth(pred, "pred"), check_depth(gt, "gt")
    v = np.isfinite(g) & np.isfinite(p)
    if valid is not None:
        v &= np.asarray(valid, bool)
    err = np.abs(np.where(v, p - g, 0)).astype(np.float32)
    return colorize(err, valid=v, vmin=0.0, vmax=vmax, cmap=cmap, percentiles=(0, 98))


def save_panel(path, images, titles, *, ncols: int | None = None, width_in: float = 4.0,
               suptitle: str | None = None, overwrite: bool = True):
    """Save images (RGB uint8 or depth to colorize) side by side with titles, atomically.

    ``overwrite=False`` publishes exclusively (``OutputExistsError`` if the file exists,
    even if it appeared while drawing)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ._atomic import atomic_path

    n = len(images)
    ncols = ncols or n
    nrows = -(-n // ncols)
    h, w = np.asarray(images[0]).shape[:2]
    fig, axes = plt.subplots(nrows, ncols, figsize=(width_in * ncols,
                                                    width_in * ncols * h / w / ncols * nrows
                                                    + 0.5 * nrows),
                             squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, im, title in zip(axes.ravel(), images, titles, strict=False):
        im = np.asarray(im)
        ax.imshow(im if im.ndim == 3 else colorize(im))
        ax.set_title(title, fontsize=9)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout()
    try:
        with atomic_path(path, overwrite=overwrite) as tmp:
            fig.savefig(tmp, dpi=100)
    finally:
        plt.close(fig)
    return path
