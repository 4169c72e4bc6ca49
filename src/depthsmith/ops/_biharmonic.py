"""Biharmonic (thin-plate) interpolation of the invalid pixels of a map.

The filled values ``u`` minimise the discrete thin-plate energy ``||L u||^2`` with the valid
pixels held fixed, ``L`` the 4-neighbour graph Laplacian of the whole frame (the frame border
free: Neumann). The minimiser solves ``(L^2)_UU u_U = -(L^2)_UK u_K`` on the unknown pixels U
(K: the known ones), a symmetric positive definite system with a 13-point stencil: the
biharmonic equation of Damelin & Hoang's inpainting, also what scikit-image's
``inpaint_biharmonic`` solves. It is linear in the values (scaling the input scales the
output) and continuous in value and slope across the hole borders, so sloped surfaces
continue without the one-sided extrapolation of a fill that copies its nearest seed.

Unknowns couple to unknowns at most two pixels away, so the holes split into independent
groups (connected after a one-pixel dilation). Groups are packed into sparse direct solves
(SuperLU, minimum-degree ordering of ``A + A^T``) of at most :data:`MAX_UNKNOWNS` unknowns;
a larger group is solved on a grid coarsened by 2 (cell = mean of its valid pixels,
recursively) and interpolated back, which bounds the memory and time of a solve.
"""

from __future__ import annotations

import cv2
import numpy as np
from numba import njit
from scipy import ndimage

__all__ = ["biharmonic_fill", "MAX_UNKNOWNS"]

#: Unknowns of one direct solve (its LU holds about 70-100 nonzeros per unknown here: ~10 MB
#: and ~0.1 s per 2^16 unknowns on one core); a hole group larger than this is solved on a
#: coarser grid.
MAX_UNKNOWNS = 1 << 16

_CROSS = ndimage.generate_binary_structure(2, 1)


@njit(cache=True)
def _assemble(index, known, ys, xs, n):
    """Triplets of ``(L^2)_UU`` and the right-hand side ``-(L^2)_UK u_K`` for the unknowns
    at ``(ys, xs)`` (``index[y, x]`` their row, -1 for known pixels, whose values are
    ``known``); ``L`` is the graph Laplacian of the frame (degree = in-frame neighbours)."""
    h, w = index.shape
    rows = np.empty(25 * n, np.int32)
    cols = np.empty(25 * n, np.int32)
    vals = np.empty(25 * n, np.float64)
    rhs = np.zeros(n, np.float64)
    dy = np.array([0, -1, 1, 0, 0])
    dx = np.array([0, 0, 0, -1, 1])
    k = 0
    for i in range(n):
        y = ys[i]
        x = xs[i]
        for a in range(5):  # q = p and its 4 neighbours, weight L_pq
            qy = y + dy[a]
            qx = x + dx[a]
            if qy < 0 or qy >= h or qx < 0 or qx >= w:
                continue
            if a == 0:
                lpq = float((y > 0) + (y < h - 1) + (x > 0) + (x < w - 1))
            else:
                lpq = -1.0
            dq = float((qy > 0) + (qy < h - 1) + (qx > 0) + (qx < w - 1))
            for b in range(5):  # r = q and its 4 neighbours, weight L_qr
                ry = qy + dy[b]
                rx = qx + dx[b]
                if ry < 0 or ry >= h or rx < 0 or rx >= w:
                    continue
                c = lpq * (dq if b == 0 else -1.0)
                j = index[ry, rx]
                if j >= 0:
                    rows[k] = i
                    cols[k] = j
                    vals[k] = c
                    k += 1
                else:
                    rhs[i] -= c * known[ry, rx]
    return rows[:k], cols[:k], vals[:k], rhs


def _solve(known, flat, index):
    """Solve the thin-plate system for the pixels ``flat`` (raveled indices); the others are
    known with values ``known``. ``index`` is an all -1 int32 frame, returned so."""
    from scipy.sparse import csc_matrix
    from scipy.sparse.linalg import splu

    n = flat.size
    ys, xs = np.divmod(flat, known.shape[1])
    ys = ys.astype(np.int32)
    xs = xs.astype(np.int32)
    index[ys, xs] = np.arange(n, dtype=np.int32)
    rows, cols, vals, rhs = _assemble(index, known, ys, xs, n)
    index[ys, xs] = -1
    a = csc_matrix((vals, (rows, cols)), shape=(n, n))
    del rows, cols, vals
    a.sum_duplicates()
    lu = splu(a, permc_spec="MMD_AT_PLUS_A", options={"SymmetricMode": True})
    return lu.solve(rhs)


def _coarse(known, valid, max_unknowns):
    """The thin-plate fill of the grid coarsened by 2, interpolated back to full size."""
    h, w = valid.shape
    hh, ww = -(-h // 2), -(-w // 2)
    s = np.zeros((2 * hh, 2 * ww), np.float64)
    c = np.zeros((2 * hh, 2 * ww), np.float32)
    s[:h, :w] = np.where(valid, known, 0.0)
    c[:h, :w] = valid
    s = s.reshape(hh, 2, ww, 2).sum(axis=(1, 3))
    c = c.reshape(hh, 2, ww, 2).sum(axis=(1, 3))
    cv = c > 0
    small = _fill(np.where(cv, s / np.maximum(c, 1.0), 0.0).astype(np.float32), cv,
                  max_unknowns)
    return cv2.resize(small, (2 * ww, 2 * hh), interpolation=cv2.INTER_LINEAR)[:h, :w]


def _fill(out, valid, max_unknowns):
    """Fill ``out`` (float32, read on ``valid``) in place on the invalid pixels; returns it."""
    limit = MAX_UNKNOWNS if max_unknowns is None else int(max_unknowns)
    holes = ~valid
    grow = ndimage.binary_dilation(holes, _CROSS)
    labels, n = ndimage.label(grow, _CROSS)
    del grow
    flat = np.flatnonzero(holes)
    group = labels.ravel()[flat]
    del labels
    sizes = np.bincount(group, minlength=n + 1)
    big = sizes > limit
    if big.any():  # each oversized group from the coarser grid (recursively)
        sel = flat[big[group]]
        up = _coarse(out, valid, limit)
        out.ravel()[sel] = up.ravel()[sel]
        del up, sel
    # the other groups, packed in label order into solves of at most ``limit`` unknowns
    pack = np.full(n + 1, -1, np.int64)
    p, total = 0, 0
    for g in np.flatnonzero((sizes > 0) & ~big):
        if total + sizes[g] > limit:
            p, total = p + 1, 0
        pack[g] = p
        total += sizes[g]
    pid = pack[group]
    del group, pack
    keep = pid >= 0
    flat, pid = flat[keep], pid[keep]
    order = np.argsort(pid, kind="stable")
    flat, pid = flat[order], pid[order]
    del order, keep
    cuts = np.flatnonzero(np.diff(pid)) + 1
    index = np.full(out.shape, -1, np.int32)
    for part in np.split(flat, cuts) if flat.size else ():
        out.ravel()[part] = _solve(out, part, index)
    return out


def biharmonic_fill(values, valid, *, max_unknowns: int | None = None) -> np.ndarray:
    """Fill the invalid pixels of ``values`` by biharmonic (thin-plate) interpolation.

    Parameters
    ----------
    values : (H, W) array
        Any units; only the ``valid`` pixels are read.
    valid : (H, W) bool array
        Known pixels (at least one).
    max_unknowns : int, optional
        Largest direct solve (default :data:`MAX_UNKNOWNS`); larger hole groups are solved
        on a grid coarsened by 2 (recursively) and interpolated back.

    Returns
    -------
    (H, W) float32
        ``values`` on the valid pixels, the thin-plate interpolant elsewhere.

    References
    ----------
    .. [1] S. B. Damelin and N. S. Hoang, "On surface completion and image inpainting by
       biharmonic functions: numerical aspects", International Journal of Mathematics and
       Mathematical Sciences, 2018.
    .. [2] J. Duchon, "Splines minimizing rotation-invariant semi-norms in Sobolev spaces",
       1977 (thin-plate energy).
    """
    v = np.asarray(valid, bool)
    if not v.any():
        raise ValueError("biharmonic_fill needs at least one valid pixel")
    out = np.where(v, np.asarray(values, np.float32), np.float32(0))
    return _fill(out, v, max_unknowns)
