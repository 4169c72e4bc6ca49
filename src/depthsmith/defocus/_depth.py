"""Blur-circle radius to depth by the thin-lens relation."""

from __future__ import annotations

import numpy as np

from .._validate import InputError, check_positive

__all__ = ["blur_to_depth", "blur_radius"]


def blur_radius(depth, *, focus_distance, f_number, focal_length, pixel_pitch):
    """Blur-circle radius (px) of points at ``depth`` (thin lens; the forward model).

    ``c = A f |d - d_f| / (d (d_f - f))`` with aperture diameter ``A = f / N`` (report eq. 10);
    the radius is ``c / 2 / pixel_pitch``. Distances and ``focal_length``, ``pixel_pitch`` in one
    unit (e.g. metres).
    """
    d = np.asarray(depth, np.float64)
    f, df = float(focal_length), float(focus_distance)
    c = (f / f_number) * f * np.abs(d - df) / (d * (df - f))
    return c / 2.0 / pixel_pitch


def blur_to_depth(radius_px, *, focus_distance=None, f_number=None, focal_length=None,
                  pixel_pitch=None, side: str = "far"):
    """Depth from the blur-circle radius by the thin-lens relation (report eq. 10).

    ``1/d = 1/d_f -+ 2 r p (d_f - f) / (A f d_f)`` with ``A = f / N``: the same radius occurs in
    front of (``side="near"``) and behind (``side="far"``) the focus plane. Without camera data
    (all four of ``focus_distance``, ``f_number``, ``focal_length``, ``pixel_pitch`` None) the
    result is the relative inverse depth ``1/d_f - 1/d`` up to scale: ``-r`` (near) or ``r``
    (far).

    Parameters
    ----------
    radius_px : ndarray               blur-circle radius in px (>= 0; NaN stays NaN)
    focus_distance, focal_length, pixel_pitch : float   one length unit (e.g. metres)
    f_number : float                  N = f / aperture diameter
    side : {"far", "near", "both"}    which side of the focus plane; "both" returns (near, far)

    Returns
    -------
    ndarray (or a tuple of two for ``side="both"``): depth in the unit of the lengths; a far
    radius beyond the hyperfocal limit (``1/d <= 0``) gives ``inf``.

    References
    ----------
    .. [1] B. A. Barsky, D. R. Horn, S. A. Klein et al., "Camera models and optical systems used
       in computer graphics: part I", ICCSA 2003.
    """
    if side not in ("far", "near", "both"):
        raise InputError(f"side must be 'far', 'near' or 'both', got {side!r}")
    r = np.asarray(radius_px, np.float64)
    if np.any(r < 0):
        raise InputError("radius_px must be >= 0")
    cam = (focus_distance, f_number, focal_length, pixel_pitch)
    if all(v is None for v in cam):
        near, far = -r, r
    elif any(v is None for v in cam):
        raise InputError("give all of focus_distance, f_number, focal_length, pixel_pitch, "
                         "or none (relative inverse depth)")
    else:
        df = check_positive(focus_distance, "focus_distance")
        n = check_positive(f_number, "f_number")
        f = check_positive(focal_length, "focal_length")
        p = check_positive(pixel_pitch, "pixel_pitch")
        if df <= f:
            raise InputError(f"focus_distance {df} must exceed focal_length {f}")
        slope = 2.0 * r * p * (df - f) * n / (f * f * df)  # |1/d_f - 1/d|
        with np.errstate(divide="ignore"):
            near = 1.0 / (1.0 / df + slope)
            inv_far = 1.0 / df - slope
            far = np.where(inv_far > 0, 1.0 / np.where(inv_far > 0, inv_far, 1.0), np.inf)
    if side == "both":
        return near, far
    return near if side == "near" else far
