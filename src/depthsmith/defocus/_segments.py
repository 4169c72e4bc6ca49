"""Map method: one ML blur estimate per image segment, with gradient masking."""

from __future__ import annotations

import warnings

import numpy as np

from .._validate import InputError
from ._common import (
    BlurMap,
    DefocusWarning,
    _noise,
    as_gray,
    check_kernel,
    check_prior,
    check_sigma,
    flat_warning,
)
from ._ml import ml

__all__ = ["segments", "segment_labels", "canvases", "per_segment"]

_CANVAS = (51, 101, 151, 201, 301)


def segment_labels(b: np.ndarray, labels="slic", *, size: int = 40) -> np.ndarray:
    """(H, W) int labels: ``"slic"`` or ``"felzenszwalb"`` (scikit-image, segments of about
    ``size`` x ``size`` px) or a given label array (e.g. Segment Anything masks as a label PNG)."""
    if isinstance(labels, str):
        from skimage import segmentation

        if labels == "slic":
            n = max(int(b.size / (size * size)), 4)
            return segmentation.slic(b, n_segments=n, compactness=0.08, channel_axis=None,
                                     start_label=0, enforce_connectivity=True)
        if labels == "felzenszwalb":
            return segmentation.felzenszwalb(b, scale=300, sigma=0.8, min_size=size * size // 2)
        raise InputError(f"segments {labels!r} is unknown; known: slic, felzenszwalb, or a "
                         "label array")
    lab = np.asarray(labels)
    if lab.ndim == 3:
        lab = lab[..., 0].astype(np.int64) * 65536 + lab[..., 1].astype(np.int64) * 256 + lab[
            ..., 2]
    if lab.shape != b.shape:
        raise InputError(f"segments shape {lab.shape} does not match image shape {b.shape}")
    if lab.dtype.kind not in "iu":
        raise InputError(f"segments must be an integer label array, got {lab.dtype}")
    return lab.astype(np.int64)


def segments(image, *, kernel: str = "disc", labels="slic", sigma="energy", eta=None,
             prior: str = "iid", rho=(0.3, 0.6), kappa: float = 0.5, size: int = 40,
             min_pixels: int = 300, smooth: float = 0.0, sigma_scale: float = 2.0,
             periodic="smooth") -> BlurMap:
    """Blur map with one ML estimate per segment (the report's idea, section 8).

    Each segment's gradients are taken inside its bounding box (at most 301 px, centred on it)
    and every gradient whose pixel pair leaves the segment is set to zero (gradient masking);
    the outside is never filled with zero intensity, which would add a strong artificial edge
    and bias every radius to about 0.6 px. Segments with fewer than ``min_pixels`` pixels, or
    flat ones, get confidence 0 and are filled from confident neighbouring segments.

    Parameters
    ----------
    labels : "slic", "felzenszwalb" or (H, W) int array
    others : as :func:`depthsmith.defocus.ml`; ``eta`` is estimated once for the image.
        ``sigma_scale = 2`` on the raw gradients' energy and no periodic component for the
        disc (``periodic="smooth"``): the patch default before 0.4 (the segment maps were
        not re-measured with the new patch default).

    References
    ----------
    .. [1] R. Achanta et al., "SLIC superpixels compared to state-of-the-art superpixel
       methods", IEEE TPAMI 34(11), 2012.
    .. [2] A. Kirillov et al., "Segment Anything", ICCV 2023.
    .. [3] X. Zhu et al., "Estimating spatially varying defocus blur from a single image",
       IEEE TIP 22(12), 2013.
    """
    b = as_gray(image)
    kernel = check_kernel(kernel)
    prior, rho = check_prior(prior, rho)
    sigma = check_sigma(sigma)
    eta = _noise(eta, b)
    lab = segment_labels(b, labels, size=size)

    def estimate(canvas, mask):
        est = ml(canvas, kernel=kernel, prior=prior, sigma=sigma, eta=eta, rho=rho, kappa=kappa,
                 mask=mask, sigma_scale=sigma_scale, periodic=periodic)
        return est.r, est.confidence

    return per_segment(b, lab, estimate, min_pixels=min_pixels, smooth=smooth)


def canvases(b, lab, min_pixels=300):
    """Yield (index into unique labels, canvas, mask) for every segment of ``lab`` with at
    least ``min_pixels`` pixels: its bounding box (at most 301 px, centred on the segment)
    placed on a square canvas of a few fixed sizes (so the cached spectra are reused)."""
    from scipy import ndimage

    h, w = b.shape
    ids = np.unique(lab)
    base = lab.min()
    slices = ndimage.find_objects(lab - base + 1)
    for i, k in enumerate(ids):
        sl = slices[k - base]
        if sl is None:
            continue
        y0, y1, x0, x1 = sl[0].start, sl[0].stop, sl[1].start, sl[1].stop
        m = lab[y0:y1, x0:x1] == k
        if m.sum() < min_pixels:
            continue
        t = next((c for c in _CANVAS if c >= max(y1 - y0, x1 - x0)), _CANVAS[-1])
        if y1 - y0 > t:
            cy = y0 + int(np.mean(np.nonzero(m)[0]))
            y0 = max(min(cy - t // 2, h - t), 0)
            y1 = y0 + t
        if x1 - x0 > t:
            cx = x0 + int(np.mean(np.nonzero(lab[y0:y1, x0:x1] == k)[1]))
            x0 = max(min(cx - t // 2, w - t), 0)
            x1 = x0 + t
        canvas = np.zeros((t, t))
        mask = np.zeros((t, t), bool)
        canvas[: y1 - y0, : x1 - x0] = b[y0:y1, x0:x1]
        mask[: y1 - y0, : x1 - x0] = lab[y0:y1, x0:x1] == k
        yield i, canvas, mask


def per_segment(b, lab, estimate, *, min_pixels=300, smooth=0.0) -> BlurMap:
    """Map from ``estimate(canvas, mask) -> (r, confidence)`` run on every segment."""
    h, w = b.shape
    ids = np.unique(lab)
    r_seg = np.zeros(ids.size)
    c_seg = np.zeros(ids.size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DefocusWarning)
        for i, canvas, mask in canvases(b, lab, min_pixels):
            r, c = estimate(canvas, mask)
            if np.isfinite(r):
                r_seg[i], c_seg[i] = r, c
    if not (c_seg > 0).any():
        flat_warning("image")
        return BlurMap(np.zeros((h, w), np.float32), np.zeros((h, w), np.float32))
    index = np.searchsorted(ids, lab)
    return _fill(b, r_seg[index], c_seg[index], smooth)


def _fill(b, rad, conf, smooth, min_conf=0.02):
    """Fill pixels whose confidence is below ``min_conf`` x the largest from confident ones
    (confidence-weighted normalised convolution, widening), then optional guided smoothing."""
    import cv2

    wgt = np.where(conf >= min_conf * conf.max(), conf, 0.0)
    out = rad.copy()
    missing = wgt == 0
    s = 8.0
    while missing.any() and s < 4 * max(b.shape):
        n = cv2.GaussianBlur(wgt * rad, (0, 0), s, borderType=cv2.BORDER_REFLECT)
        d = cv2.GaussianBlur(wgt, (0, 0), s, borderType=cv2.BORDER_REFLECT)
        ok = missing & (d > 1e-4 * wgt.max())
        out[ok] = n[ok] / d[ok]
        missing &= ~ok
        s *= 2
    out[missing] = float(np.average(rad, weights=wgt + 1e-12))
    if smooth > 0:
        from ..ops import guided_filter

        out = guided_filter(out.astype(np.float32), b.astype(np.float32),
                            radius=int(smooth), eps=25.0)
    return BlurMap(np.clip(out, 0, 8).astype(np.float32), wgt.astype(np.float32))
