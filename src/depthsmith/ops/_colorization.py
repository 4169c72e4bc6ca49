"""Levin et al. (2004) colorization applied to depth, as the NYU Depth v2 toolbox uses it.

The construction (Levin, Lischinski & Weiss, "Colorization using optimization", SIGGRAPH 2004;
Silberman et al., "Indoor segmentation and support inference from RGBD images", ECCV 2012,
whose toolbox fills Kinect holes this way):

* Let ``Y`` be the gray level of the guide in [0, 1] (``0.2989 R + 0.5870 G + 0.1140 B``).
* For every pixel ``r`` and its neighbours ``s`` in the 3x3 window (clipped at the image
  border, ``r`` itself excluded), the affinity is ``w_rs = exp(-(Y_r - Y_s)^2 / c_r)`` where
  ``c_r = 0.6 * var_r`` and ``var_r`` is the (population) variance of the gray values of the
  whole window (``r`` included). ``c_r`` is raised so that the most similar neighbour keeps a
  weight of at least 0.01 (``c_r >= -min_s (Y_r - Y_s)^2 / ln 0.01``) and is never below
  ``2e-6``. The weights are normalised to sum to one over the window.
* The paper's quadratic energy ``sum_r (x_r - sum_s w_rs x_s)^2`` is replaced, as in the
  toolbox, by its first-order condition row by row: ``A = I - W`` (non-symmetric, each row
  sums to zero), and the known depths enter as a soft data term of weight ``alpha`` (1):
  ``(A + alpha * diag(k)) x = alpha * k * d`` with ``k`` the validity mask. Known pixels are
  therefore smoothed slightly as well, exactly as in the toolbox.

The system is linear in ``d``, so the toolbox's division by max depth does not change the
solution; we solve in the user's units. Solvers: ``"direct"`` is ``scipy.sparse.linalg.spsolve``
(what users of the toolbox get); ``"fast"`` factorises only the rows of the holes (a
multifrontal LU without pivoting of an M-matrix, nested-dissection ordered) and alternates
exact hole solves with Gauss-Seidel sweeps over the known pixels until the hole values settle (see
:func:`colorization_fill`); it stays within ~0.1 % (relative RMS) of the direct solution.

Memory (issue #16): the system is never held whole in float64. The stencil is built straight
from the guide in chunks of rows (no frame-sized gray or exponent array) and kept in float32
by the fast solver, whose iterate is float32 (residuals in float64), whose right-hand side is
formed on the fly, and whose hole block is factorised strip by strip with float32 factors:
about 71 bytes per pixel on a 24-megapixel frame with 12 % holes, against 159 before
(docs/scale_memory.md), with the output equal to the float64 version's within 1e-5 of the
depth range (``tests/test_lean_global.py``).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy import sparse

from .._color import MATLAB_GRAY, to_gray
from .._validate import InputError, check_depth, check_guide, check_positive, check_valid
from ._multifrontal import FrontalLU, nd_groups

__all__ = ["colorization_system", "colorization_fill", "guide_gray", "lean_stencil"]


def guide_gray(guide, shape) -> np.ndarray:
    """Gray level in [0, 1] (float64) of a (H, W[, 1|3]) guide; zeros when ``guide`` is None.

    The guide's 8-bit levels divided by 255 (uint8 / 255, uint16 / 65535, float as is),
    then MATLAB ``rgb2gray``'s weights, as in the toolbox.
    """
    if guide is None:
        return np.zeros(shape, np.float64)
    g = check_guide(guide, shape).levels.astype(np.float64) / 255.0
    return to_gray(g, MATLAB_GRAY)


def _build_stencil(gray, known, alpha):
    """(H, W, 3, 3) float64 stencil of ``I - W + alpha*diag(known)`` from a gray image
    (:func:`guide_gray`); ``[y, x, 1, 1]`` is the diagonal. The reference form of
    :func:`lean_stencil`, which takes the guide itself."""
    return _stencil_chunks(np.ascontiguousarray(gray, np.float64)[:, :, None], _GRAY,
                           np.ascontiguousarray(known), alpha, np.float64)


_NONE, _LEVELS, _GRAY = 0, 1, 2  # what _gray_at reads: nothing, 8-bit levels, gray


@njit(cache=True, inline="always")
def _gray_at(g, mode, y, x):
    """:func:`guide_gray` of one pixel, with the same float64 operations (bit-identical):
    0 without a guide, from the 8-bit levels ``g`` (``mode`` 1) or ``g`` itself is the gray
    image (``mode`` 2)."""
    if mode == 0:
        return 0.0
    if mode == 2:
        return g[y, x, 0]
    if g.shape[2] == 1:
        return np.float64(g[y, x, 0]) / 255.0
    return (np.float64(g[y, x, 0]) / 255.0 * MATLAB_GRAY[0]
            + np.float64(g[y, x, 1]) / 255.0 * MATLAB_GRAY[1]
            + np.float64(g[y, x, 2]) / 255.0 * MATLAB_GRAY[2])


@njit(cache=True)
def _args_rows(g, mode, h, y0, y1, arg):
    """The exponents ``-(Y_r - Y_s)^2 / c_r`` of rows ``y0`` .. ``y1 - 1`` of an ``h``-row
    frame into ``arg`` (y1 - y0, W, 3, 3); ``-inf``: no entry. Gray levels from
    :func:`_gray_at`."""
    w = arg.shape[1]
    nb = np.empty(9)
    oy = np.empty(9, np.int64)
    ox = np.empty(9, np.int64)
    log001 = np.log(0.01)
    for y in range(y0, y1):
        r = y - y0
        for x in range(w):
            for k in range(3):
                for j in range(3):
                    arg[r, x, k, j] = -np.inf
            cur = _gray_at(g, mode, y, x)
            m = 0
            s1 = cur
            for dy in range(-1, 2):
                yy = y + dy
                if yy < 0 or yy >= h:
                    continue
                for dx in range(-1, 2):
                    xx = x + dx
                    if xx < 0 or xx >= w or (dy == 0 and dx == 0):
                        continue
                    nb[m] = _gray_at(g, mode, yy, xx)
                    oy[m] = dy + 1
                    ox[m] = dx + 1
                    s1 += nb[m]
                    m += 1
            mean = s1 / (m + 1)
            var = (cur - mean) ** 2
            mgv = np.inf
            for k in range(m):
                var += (nb[k] - mean) ** 2
                dd = (nb[k] - cur) ** 2
                if dd < mgv:
                    mgv = dd
            var /= m + 1
            csig = 0.6 * var
            if m > 0 and csig < -mgv / log001:
                csig = -mgv / log001
            if csig < 2e-6:
                csig = 2e-6
            for k in range(m):
                arg[r, x, oy[k], ox[k]] = -((nb[k] - cur) ** 2) / csig


@njit(cache=True)
def _normalise_into(ex, known, alpha, y0, st):
    """Turn the exponentiated rows ``ex`` (frame rows ``y0`` ..) into rows of
    ``I - W + alpha*diag(known)`` in ``st`` (any float dtype)."""
    for r in range(ex.shape[0]):
        y = y0 + r
        for x in range(ex.shape[1]):
            ex[r, x, 1, 1] = 0.0
            tot = 0.0
            for k in range(3):
                for j in range(3):
                    tot += ex[r, x, k, j]
            for k in range(3):
                for j in range(3):
                    st[y, x, k, j] = -ex[r, x, k, j] / tot if tot > 0.0 else ex[r, x, k, j]
            st[y, x, 1, 1] = 1.0 + (alpha if known[y, x] else 0.0)


_STENCIL_ROWS = 32  # rows per chunk of float64 exponents in lean_stencil


def _guide_levels(guide, shape):
    """(8-bit levels (H, W, C) without a float copy of a uint8 guide, :func:`_gray_at` mode)."""
    if guide is None:
        return np.zeros((1, 1, 1), np.uint8), _NONE
    g = check_guide(guide, shape)
    return (g.uint8 if g.uint8 is not None else g.levels), _LEVELS


def _stencil_chunks(g, mode, known, alpha, dtype):
    """The stencil, ``_STENCIL_ROWS`` rows of float64 exponents at a time (vectorised exp)."""
    h, w = known.shape
    st = np.empty((h, w, 3, 3), dtype)
    buf = np.empty((min(h, _STENCIL_ROWS), w, 3, 3))
    for y0 in range(0, h, _STENCIL_ROWS):
        y1 = min(h, y0 + _STENCIL_ROWS)
        arg = buf[: y1 - y0]
        _args_rows(g, mode, h, y0, y1, arg)
        np.exp(arg, out=arg)
        _normalise_into(arg, known, float(alpha), y0, st)
    return st


def lean_stencil(guide, known, alpha: float = 1.0, dtype=np.float32) -> np.ndarray:
    """(H, W, 3, 3) stencil of ``I - W + alpha*diag(known)`` in ``dtype``, built straight
    from the guide (see :func:`colorization_system` for the weights).

    The lean counterpart of :func:`_build_stencil`, with the same float64 operations
    (bit-identical in float64), done in chunks of rows: one ``dtype`` array out (36 bytes
    per pixel in float32 instead of 72), and no frame-sized gray or exponent temporaries.

    Parameters
    ----------
    guide : (H, W[, 3]) array or None
        Color or gray guide (uint8, uint16 or float in [0, 1]); None: constant.
    known : (H, W) bool
        Pixels with a data term.
    alpha : float
        Weight of the data term.
    dtype : numpy dtype
        float32 (default) or float64.

    Returns
    -------
    (H, W, 3, 3) ``dtype`` array; ``[y, x, 1, 1]`` is the diagonal.

    References
    ----------
    .. [1] A. Levin, D. Lischinski and Y. Weiss, "Colorization using optimization",
       ACM SIGGRAPH 2004.
    """
    g, mode = _guide_levels(guide, known.shape)
    return _stencil_chunks(g, mode, np.ascontiguousarray(known), alpha, dtype)


@njit(cache=True)
def _stencil_csr(st):
    """CSR arrays (indptr, indices, data) of a (H, W, 3, 3) stencil, raster order."""
    h, w = st.shape[:2]
    n = h * w
    indptr = np.zeros(n + 1, np.int64)
    indices = np.empty(n * 9, np.int32)
    data = np.empty(n * 9)
    pos = 0
    for y in range(h):
        for x in range(w):
            for dy in range(3):
                yy = y + dy - 1
                if yy < 0 or yy >= h:
                    continue
                for dx in range(3):
                    xx = x + dx - 1
                    if xx < 0 or xx >= w:
                        continue
                    if dy == 1 and dx == 1 or st[y, x, dy, dx] != 0.0:
                        indices[pos] = yy * w + xx
                        data[pos] = st[y, x, dy, dx]
                        pos += 1
            indptr[y * w + x + 1] = pos
    return indptr, indices[:pos], data[:pos]


def colorization_system(depth, guide=None, valid=None, *, alpha: float = 1.0):
    """The NYU-toolbox colorization system ``M x = b`` for filling ``depth``.

    Parameters
    ----------
    depth : (H, W) array
        Depth or disparity in any units (never rescaled); invalid pixels are never read.
    guide : (H, W[, 3]) array or None
        Color or gray guide (uint8 0-255, uint16, or float in [0, 1]). ``None``: a constant
        guide, i.e. uniform weights (a harmonic fill with soft data).
    valid : (H, W) bool, optional
        Trusted pixels; default finite & > 0.
    alpha : float
        Weight of the data term on known pixels (toolbox: 1).

    Returns
    -------
    M : scipy.sparse.csr_matrix (H*W, H*W), float64
        ``I - W + alpha * diag(valid)``, rows in raster order.
    b : (H*W,) float64
        ``alpha * valid * depth`` (0 on invalid pixels).

    References
    ----------
    .. [1] A. Levin, D. Lischinski and Y. Weiss, "Colorization using optimization",
       ACM SIGGRAPH 2004.
    .. [2] N. Silberman, D. Hoiem, P. Kohli and R. Fergus, "Indoor segmentation and support
       inference from RGBD images", ECCV 2012 (NYU Depth v2 toolbox,
       ``fill_depth_colorization``).
    """
    d = check_depth(depth)
    v = check_valid(valid, d, require_any=True)
    a = check_positive(alpha, "alpha")
    st = lean_stencil(guide, v, a, np.float64)
    return _csr(st), np.where(v, d, 0).astype(np.float64).ravel() * a


def _csr(st):
    indptr, indices, data = _stencil_csr(st)
    n = st.shape[0] * st.shape[1]
    return sparse.csr_matrix((data, indices, indptr), shape=(n, n))



@njit(cache=True, inline="always")
def _residual_lean(st, d, known, alpha, x, y, xx, centre):
    """``b - (M x)`` at pixel (y, xx), ``b = alpha * known * d`` formed on the fly (no
    frame-sized right-hand side), accumulated in float64 whatever the dtypes of ``st`` and
    ``x``; without the centre term when ``centre`` is False (the Gauss-Seidel numerator)."""
    h, w = x.shape
    acc = np.float64(d[y, xx]) * alpha if known[y, xx] else 0.0
    for dy in range(3):
        yy = y + dy - 1
        if yy < 0 or yy >= h:
            continue
        for dx in range(3):
            x2 = xx + dx - 1
            if x2 < 0 or x2 >= w or (dy == 1 and dx == 1 and not centre):
                continue
            acc -= np.float64(st[y, xx, dy, dx]) * np.float64(x[yy, x2])
    return acc


@njit(cache=True)
def _gs_lean(st, x, d, known, alpha, state, lo, forward):
    """One in-place Gauss-Seidel sweep (raster or reverse order) over the pixels whose
    ``state`` is in ``lo``..1 (0: known, far from the holes; 1: known, near them; 2: a
    hole, never swept)."""
    h, w = x.shape
    n = h * w
    for i in range(n):
        k = i if forward else n - 1 - i
        y = k // w
        xx = k - y * w
        s = state[y, xx]
        if s < lo or s > 1:
            continue
        x[y, xx] = _residual_lean(st, d, known, alpha, x, y, xx, False) / st[y, xx, 1, 1]


@njit(cache=True)
def _hole_coords(lin, count):
    """Row and column (int32) of each numbered pixel, in its numbering."""
    h, w = lin.shape
    hy = np.empty(count, np.int32)
    hx = np.empty(count, np.int32)
    for y in range(h):
        for x in range(w):
            j = lin[y, x]
            if j >= 0:
                hy[j] = y
                hx[j] = x
    return hy, hx


@njit(cache=True)
def _inner_residual_lean(st, d, known, alpha, x, hy, hx):
    """Residual ``b - M x`` at the numbered pixels (their coordinates ``hy``, ``hx``)."""
    out = np.empty(hy.shape[0])
    for j in range(hy.shape[0]):
        out[j] = _residual_lean(st, d, known, alpha, x, hy[j], hx[j], True)
    return out


@njit(cache=True)
def _add_scatter_lean(x, hy, hx, delta):
    """``x[p] += delta[p]`` at the numbered pixels; returns (sum delta^2, sum x^2)."""
    ch = 0.0
    nrm = 0.0
    for j in range(hy.shape[0]):
        dv = delta[j]
        ch += dv * dv
        x[hy[j], hx[j]] = np.float64(x[hy[j], hx[j]]) + dv  # rounded to x's dtype
        nrm += np.float64(x[hy[j], hx[j]]) ** 2
    return ch, nrm


@njit(cache=True)
def _strip_ids(lab, n, rows):
    """Strip index (int16) of each labelled pixel: the strip (``rows`` rows each) holding
    its component's top row, -1 off the components; and each strip's last row + 1 (the
    bottom of its lowest component)."""
    h, w = lab.shape
    top = np.full(n + 1, h, np.int64)
    for y in range(h):
        for x in range(w):
            top[lab[y, x]] = min(top[lab[y, x]], y)
    nstrip = (h + rows - 1) // rows
    end = np.zeros(nstrip, np.int64)
    sid = np.full((h, w), -1, np.int16)
    for y in range(h):
        for x in range(w):
            if lab[y, x] > 0:
                k = top[lab[y, x]] // rows
                sid[y, x] = k
                end[k] = max(end[k], y + 1)
    return sid, end


class _StripLU:
    """Exact solve of the hole block, factorised strip by strip, factors in float32.

    The hole block is block-diagonal over the 8-connected components of the holes (the
    stencil is 3 x 3), so each horizontal strip of components (grouped by their top row)
    is factorised on its own by :class:`~depthsmith.ops._multifrontal.FrontalLU` (a
    nested-dissection multifrontal LU) on a view of the frame's stencil: only one strip's
    float64 factors exist at a time, and they are kept in float32. The Schwarz iteration
    applies the solve to a float64 residual (iterative refinement), so the float32
    factors change the fixed point by float rounding only (measured: 1 float32 ulp of the
    output), while the factors take half the memory.
    """

    @staticmethod
    def strips(inside):
        """(strip id map int16, each strip's end row, rows per strip) of a hole mask: made
        before the stencil, so the label image (4 bytes per pixel) never coexists with it."""
        from scipy import ndimage

        rows = max(64, -(-inside.shape[0] // 16))
        lab, n = ndimage.label(inside, np.ones((3, 3), bool))
        sid, end = _strip_ids(lab, n, rows)
        return sid, end, rows

    def __init__(self, st, strips, leaf):
        sid, end, rows = strips
        self.parts = []
        hy, hx = [], []
        off = 0
        for k in range(end.shape[0]):
            if end[k] == 0:
                continue
            y0, y1 = k * rows, int(end[k])
            lin, count, gstart, nchild = nd_groups(sid[y0:y1] == k, leaf)
            ys, xs = _hole_coords(lin, count)
            lu = FrontalLU(st[y0:y1], lin, count, gstart, nchild)
            del lin
            lu.fac = lu.fac.astype(np.float32)
            lu.sidx = lu.sidx.astype(np.int32)  # pixel indices of a strip fit in int32
            self.parts.append((off, off + count, lu))
            hy.append(ys + np.int32(y0))
            hx.append(xs)
            off += count
        self.hy = np.concatenate(hy) if hy else np.zeros(0, np.int32)
        self.hx = np.concatenate(hx) if hx else np.zeros(0, np.int32)

    def solve(self, rhs):
        """``M_II^-1 rhs`` (float64) in the order of :attr:`hy` / :attr:`hx`."""
        out = np.empty(rhs.shape[0])
        for a, b, lu in self.parts:
            out[a:b] = lu.solve(rhs[a:b])
        return out


#: pixels per nested-dissection leaf: 4 keeps the LU factors of a realistic hole mask
#: about 25 % smaller than 16 at the same speed (bench_memory, docs/scale_memory.md)
_ND_LEAF = 4
_BAND = 8  # px of known pixels relaxed around the holes after the first exchange


def colorization_fill(depth, guide=None, *, valid=None, solver: str = "fast",
                      alpha: float = 1.0, overlap: int = 0, iterations: int = 12,
                      tol: float = 2e-3):
    """Fill holes of ``depth`` with the NYU-toolbox colorization (Levin et al., 2004).

    Parameters
    ----------
    depth : (H, W) array
        Depth or disparity in any units (never rescaled). Invalid pixels are never read.
    guide : (H, W[, 3]) array or None
        Color guide (uint8 0-255, uint16, or float in [0, 1]); None for uniform weights.
    valid : (H, W) bool, optional
        Trusted pixels; default finite & > 0. At least one is required.
    solver : {"fast", "direct"}
        ``"direct"``: ``scipy.sparse.linalg.spsolve`` on the whole system (the toolbox's
        backslash; slow). ``"fast"``: a block Gauss-Seidel (Schwarz) iteration on the same
        system. The rows of the invalid pixels (dilated by ``overlap`` px) form a
        non-singular M-matrix that is factorised once by a multifrontal LU without pivoting
        (:class:`~depthsmith.ops._multifrontal.FrontalLU`) in a geometric nested-dissection
        order (one-pixel separator lines chosen by a ratio cut on the hole bounding boxes);
        each iteration solves them exactly for the current known-pixel values, then
        relaxes the known pixels with a forward and a backward Gauss-Seidel sweep (all of
        them the first time, those within 8 px of the holes afterwards). Known rows are diagonally
        dominant 2:1 (data weight ``alpha`` = 1), so the exchange contracts the error by
        about 3x per iteration; it stops when the hole values change by less than ``tol``
        (relative RMS), which leaves them ~``tol / 2`` (relative RMS) from the direct
        solution, or after ``iterations`` iterations.
    alpha : float
        Data weight on known pixels (toolbox: 1).
    overlap, iterations : int
        Width (px) of the band of known pixels solved together with the holes, and the
        maximum number of exchanges of the fast solver.
    tol : float
        Stopping threshold of the fast solver: RMS change of the hole values between two
        exchanges relative to their RMS.

    Returns
    -------
    (H, W) float32
        Dense map. As in the toolbox, known pixels are also slightly smoothed by the
        solve; use ``np.where(valid, depth, out)`` to keep them exactly.

    References
    ----------
    .. [1] A. Levin, D. Lischinski and Y. Weiss, "Colorization using optimization",
       ACM SIGGRAPH 2004.
    .. [2] N. Silberman et al., ECCV 2012 (NYU Depth v2 toolbox ``fill_depth_colorization``).
    .. [3] J. W. H. Liu, "The multifrontal method for sparse matrix solution: theory and
       practice", SIAM Review 34(1), 1992 (the hole factorisation).
    """
    d = check_depth(depth)
    v = check_valid(valid, d, require_any=True)
    if solver not in ("fast", "direct"):
        raise InputError(f"solver must be 'fast' or 'direct', got {solver!r}")
    a = check_positive(alpha, "alpha")
    overlap = int(check_positive(overlap, "overlap", allow_zero=True))
    iterations = int(check_positive(iterations, "iterations"))
    tol = check_positive(tol, "tol")
    if solver == "direct":
        from scipy.sparse.linalg import spsolve

        st = lean_stencil(guide, v, a, np.float64)
        b = np.where(v, d, 0).astype(np.float64) * a
        x = spsolve(_csr(st).tocsc(), b.ravel())
        return x.reshape(d.shape).astype(np.float32)
    return _schwarz(guide, d, v, a, overlap, iterations, tol)


def _schwarz(guide, d, v, a, overlap, iterations, tol):
    """Block Gauss-Seidel: exact LU on the (dilated) holes, point Gauss-Seidel elsewhere.

    Lean buffers (issue #16): the stencil is float32 (36 bytes per pixel), the iterate
    float32 (the output's dtype; residuals are accumulated in float64), the right-hand side
    is formed on the fly from ``d`` and ``v``, the hole block is factorised strip by strip
    with float32 factors (:class:`_StripLU`), the holes are addressed by two int32
    coordinate arrays, and one uint8 state map replaces the masks.
    """
    import cv2

    inside = ~v
    if not inside.any():
        # no hole: the system is diagonally dominant by 2:1 everywhere
        st = lean_stencil(guide, v, a)
        x = np.where(v, d, np.float32(0.0))
        state = np.zeros(d.shape, np.uint8)
        for _ in range(12):
            _gs_lean(st, x, d, v, a, state, 0, True)
            _gs_lean(st, x, d, v, a, state, 0, False)
        return x
    if overlap:
        from scipy import ndimage

        inside = ndimage.binary_dilation(inside, np.ones((3, 3), bool), iterations=overlap)
    # after the first exchange only known pixels near the holes still move noticeably (the
    # influence of a hole update decays ~2x per pixel in the 2:1 dominant known region):
    # state 0 far known, 1 near known, 2 hole
    state = cv2.dilate(inside.view(np.uint8), np.ones((2 * _BAND + 1,) * 2, np.uint8))
    state[inside] = 2
    strips = _StripLU.strips(inside)
    del inside
    st = lean_stencil(guide, v, a)
    # M-matrix: no pivoting needed; the nested-dissection numbering is the elimination order
    lu = _StripLU(st, strips, _ND_LEAF)
    del strips
    hy, hx = lu.hy, lu.hx
    x = np.where(v, d, np.float32(0.0))  # float32 (the output), no second copy
    for it in range(iterations):
        # residual form: x_I += M_II^-1 (b_I - M_I: x), i.e. the exact solve of the hole
        # rows for the current known values
        change, norm = _add_scatter_lean(
            x, hy, hx, lu.solve(_inner_residual_lean(st, d, v, a, x, hy, hx)))
        if it and change <= tol * tol * norm:
            break
        if it + 1 < iterations:
            _gs_lean(st, x, d, v, a, state, 0 if it == 0 else 1, True)
            _gs_lean(st, x, d, v, a, state, 0 if it == 0 else 1, False)
    return x
