"""Multifrontal sparse LU without pivoting for 3x3-stencil systems on a set of pixels.

Used by the colorization fill for the block of its system on the hole pixels (a non-singular
M-matrix, so no pivoting is needed). The elimination order is a geometric nested dissection
of the pixel set (one-pixel separator lines chosen by a ratio cut); each leaf box and each
separator line is one *front* of the multifrontal method (Duff & Reid 1983; Liu 1992): a
dense matrix over its pivots and the later pixels they are coupled to, assembled from the
original rows/columns and the children's update (Schur complement) matrices, partially
factorised (dense LU of the pivot block, the Schur update by one BLAS matrix product), and
its update matrix passed to the parent.

References
----------
.. [1] I. S. Duff and J. K. Reid, "The multifrontal solution of indefinite sparse symmetric
   linear equations", ACM Trans. Math. Softw. 9(3), 1983.
.. [2] J. W. H. Liu, "The multifrontal method for sparse matrix solution: theory and
   practice", SIAM Review 34(1), 1992.
.. [3] A. George, "Nested dissection of a regular finite element mesh", SIAM J. Numer.
   Anal. 10(2), 1973.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _box_count(csum, y0, y1, x0, x1):
    """Number of marked pixels in rows y0..y1-1, columns x0..x1-1 (summed-area table)."""
    return csum[y1, x1] - csum[y0, x1] - csum[y1, x0] + csum[y0, x0]


@njit(cache=True)
def nd_groups(inside, leaf):
    """Nested-dissection numbering of the ``inside`` pixels, with its fronts.

    A box is shrunk to the bounding box of its ``inside`` pixels, then split by a one-pixel
    row or column (a separator of the 3x3 stencil) chosen, among those at least 10 % of the
    box's side from its ends, to minimise the ratio cut ``|S| / (|A| |B|)`` (counts of
    ``inside`` pixels on the line and on each side); both halves are numbered before the
    line. Boxes holding at most ``leaf`` pixels are numbered in raster order.

    Returns ``lin`` ((H, W) int64, -1 outside), ``count``, and per front (leaf box or
    separator line, in elimination order) ``gstart`` (its pivots are ``gstart[g]`` ..
    ``gstart[g + 1] - 1``) and ``nchild`` (number of child fronts; they are the last
    unconsumed fronts before it, as in a post-order).
    """
    h, w = inside.shape
    csum = np.zeros((h + 1, w + 1), np.int64)
    for y in range(h):
        acc = 0
        for x in range(w):
            acc += inside[y, x]
            csum[y + 1, x + 1] = csum[y, x + 1] + acc
    lin = np.full((h, w), -1, np.int64)
    total = csum[h, w]
    gstart = np.empty(2 * total + 2, np.int64)
    nchild = np.empty(2 * total + 2, np.int64)
    ng = 0
    cnt = 0
    stack = np.empty((4 * (h + w) + 64, 6), np.int64)
    stack[0] = (0, h, 0, w, 0, 0)
    top = 1
    while top > 0:
        top -= 1
        y0, y1, x0, x1, kind, nch = stack[top]
        c = _box_count(csum, y0, y1, x0, x1)
        if kind == 0 and c == 0:
            continue
        best = -1
        axis = 0
        na = 0
        nb = 0
        if kind == 0 and c > leaf:
            while _box_count(csum, y0, y0 + 1, x0, x1) == 0:
                y0 += 1
            while _box_count(csum, y1 - 1, y1, x0, x1) == 0:
                y1 -= 1
            while _box_count(csum, y0, y1, x0, x0 + 1) == 0:
                x0 += 1
            while _box_count(csum, y0, y1, x1 - 1, x1) == 0:
                x1 -= 1
            bestc = np.inf
            for ax in range(2):
                lo, hi = (y0, y1) if ax == 0 else (x0, x1)
                span = hi - lo
                if span < 3:
                    continue
                margin = max(1, span // 10)
                mid = (lo + hi) // 2
                for m in range(lo + margin, hi - margin):
                    if ax == 0:
                        s = _box_count(csum, m, m + 1, x0, x1)
                        a = _box_count(csum, y0, m, x0, x1)
                    else:
                        s = _box_count(csum, y0, y1, m, m + 1)
                        a = _box_count(csum, y0, y1, x0, m)
                    bb = c - s - a
                    cost = s / (max(a, 1) * max(bb, 1)) + 1e-12 * abs(m - mid)
                    if cost < bestc:
                        bestc = cost
                        best = m
                        axis = ax
                        na = a
                        nb = bb
        if best < 0:
            # a separator line or a leaf: one front, pivots in raster order
            if kind == 1 and c == 0 and nch == 0:
                continue
            gstart[ng] = cnt
            nchild[ng] = nch if kind == 1 else 0
            ng += 1
            for y in range(y0, y1):
                for x in range(x0, x1):
                    if inside[y, x]:
                        lin[y, x] = cnt
                        cnt += 1
            continue
        m = best
        nc = (1 if na > 0 else 0) + (1 if nb > 0 else 0)
        if axis == 0:
            stack[top] = (m, m + 1, x0, x1, 1, nc)
            stack[top + 1] = (m + 1, y1, x0, x1, 0, 0)
            stack[top + 2] = (y0, m, x0, x1, 0, 0)
        else:
            stack[top] = (y0, y1, m, m + 1, 1, nc)
            stack[top + 1] = (y0, y1, m + 1, x1, 0, 0)
            stack[top + 2] = (y0, y1, x0, m, 0, 0)
        top += 3
    gstart[ng] = cnt
    return lin, cnt, gstart[: ng + 1].copy(), nchild[:ng].copy()


@njit(cache=True)
def _symbolic(lin, count, gstart, nchild):
    """Per front, the later pixels its update matrix couples (``sptr``, ``sidx``)."""
    h, w = lin.shape
    ng = nchild.shape[0]
    py = np.empty(count, np.int64)
    px = np.empty(count, np.int64)
    for y in range(h):
        for x in range(w):
            j = lin[y, x]
            if j >= 0:
                py[j] = y
                px[j] = x
    mark = np.full(count, -1, np.int64)
    sptr = np.zeros(ng + 1, np.int64)
    cap = 4 * count + 16
    sidx = np.empty(cap, np.int64)
    gstack = np.empty(ng + 1, np.int64)
    gtop = 0
    buf = np.empty(count, np.int64)
    for g in range(ng):
        s0 = gstart[g]
        s1 = gstart[g + 1]
        nb = 0
        for _ in range(nchild[g]):
            gtop -= 1
            c = gstack[gtop]
            for k in range(sptr[c], sptr[c + 1]):
                q = sidx[k]
                if q >= s1 and mark[q] != g:
                    mark[q] = g
                    buf[nb] = q
                    nb += 1
        for p in range(s0, s1):
            y = py[p]
            x = px[p]
            for yy in range(max(y - 1, 0), min(y + 2, h)):
                for xx in range(max(x - 1, 0), min(x + 2, w)):
                    q = lin[yy, xx]
                    if q >= s1 and mark[q] != g:
                        mark[q] = g
                        buf[nb] = q
                        nb += 1
        part = buf[:nb]
        if sptr[g] + nb > cap:
            cap = 2 * (sptr[g] + nb)
            grown = np.empty(cap, np.int64)
            grown[: sptr[g]] = sidx[: sptr[g]]
            sidx = grown
        sidx[sptr[g]: sptr[g] + nb] = part
        sptr[g + 1] = sptr[g] + nb
        gstack[gtop] = g
        gtop += 1
    return sptr, sidx[: sptr[ng]].copy(), py, px


@njit(cache=True)
def _numeric(st, lin, gstart, nchild, sptr, sidx, py, px):
    """Factorise: per front, the L columns (f x s, row-major) and U rows (s x r) in ``fac``."""
    h, w = lin.shape
    ng = nchild.shape[0]
    count = py.shape[0]
    fptr = np.zeros(ng + 1, np.int64)
    for g in range(ng):
        s = gstart[g + 1] - gstart[g]
        r = sptr[g + 1] - sptr[g]
        fptr[g + 1] = fptr[g] + (s + r) * s + s * r
    fac = np.empty(fptr[ng])
    # update matrices waiting for their parent, stacked
    ucap = 1 << 16
    ustore = np.empty(ucap)
    uptr = np.zeros(ng + 1, np.int64)
    ustack = np.empty(ng + 1, np.int64)
    utop = 0
    loc = np.full(count, -1, np.int64)
    for g in range(ng):
        s0 = gstart[g]
        s = gstart[g + 1] - s0
        r = sptr[g + 1] - sptr[g]
        f = s + r
        for i in range(s):
            loc[s0 + i] = i
        for k in range(r):
            loc[sidx[sptr[g] + k]] = s + k
        front = np.zeros((f, f))
        # original entries with a pivot of this front as row or column
        for i in range(s):
            p = s0 + i
            y = py[p]
            x = px[p]
            for dy in range(3):
                yy = y + dy - 1
                if yy < 0 or yy >= h:
                    continue
                for dx in range(3):
                    xx = x + dx - 1
                    if xx < 0 or xx >= w:
                        continue
                    q = lin[yy, xx]
                    if q < s0:
                        continue
                    front[i, loc[q]] = st[y, x, dy, dx]
                    if q >= s0 + s:
                        front[loc[q], i] = st[yy, xx, 2 - dy, 2 - dx]
        # extend-add of the children's update matrices (the last ones on the stack)
        base = 0
        for _ in range(nchild[g]):
            utop -= 1
            c = ustack[utop]
            rc = sptr[c + 1] - sptr[c]
            off = uptr[utop]
            base = off
            for a in range(rc):
                ia = loc[sidx[sptr[c] + a]]
                for b2 in range(rc):
                    front[ia, loc[sidx[sptr[c] + b2]]] += ustore[off + a * rc + b2]
        # partial LU (no pivoting: M-matrix): the pivot block, then the U rows of the coupled
        # columns, then the L columns of the coupled rows row by row (cache-friendly)
        for k in range(s):
            inv = 1.0 / front[k, k]
            for i in range(k + 1, s):
                lik = front[i, k] * inv
                front[i, k] = lik
                if lik != 0.0:
                    for j in range(k + 1, f):
                        front[i, j] -= lik * front[k, j]
        for i in range(s, f):
            for k in range(s):
                lik = front[i, k]
                if lik != 0.0:
                    lik /= front[k, k]
                    front[i, k] = lik
                    for j in range(k + 1, s):
                        front[i, j] -= lik * front[k, j]
        pos = fptr[g]
        for i in range(f):
            for j in range(s):
                fac[pos] = front[i, j]
                pos += 1
        for i in range(s):
            for j in range(s, f):
                fac[pos] = front[i, j]
                pos += 1
        for i in range(s):
            loc[s0 + i] = -1
        for k in range(r):
            loc[sidx[sptr[g] + k]] = -1
        if s > 0 and r > 0:
            upd = front[s:, s:] - np.dot(np.ascontiguousarray(front[s:, :s]),
                                         np.ascontiguousarray(front[:s, s:]))
        else:
            upd = front[s:, s:].copy()
        # every front pushes its (possibly empty) update; the children's storage is free
        start = base if nchild[g] > 0 else uptr[utop]
        need = start + r * r
        if need > ucap:
            while ucap < need:
                ucap *= 2
            grown = np.empty(ucap)
            grown[:start] = ustore[:start]
            ustore = grown
        ustore[start: need] = upd.ravel()
        uptr[utop] = start
        uptr[utop + 1] = need
        ustack[utop] = g
        utop += 1
    return fac, fptr


@njit(cache=True)
def _solve(gstart, sptr, sidx, fac, fptr, rhs):
    """Solve ``M x = rhs`` with the factors of :func:`_numeric` (``rhs`` in ``lin`` order)."""
    ng = gstart.shape[0] - 1
    x = rhs.astype(np.float64)
    buf = np.empty(x.shape[0])
    for g in range(ng):
        s0 = gstart[g]
        s = gstart[g + 1] - s0
        r = sptr[g + 1] - sptr[g]
        base = fptr[g]
        # unit lower triangular pivot block, then the coupled later rows
        for i in range(s):
            acc = x[s0 + i]
            row = base + i * s
            for j in range(i):
                acc -= fac[row + j] * x[s0 + j]
            x[s0 + i] = acc
        for k in range(r):
            acc = 0.0
            row = base + (s + k) * s
            for j in range(s):
                acc += fac[row + j] * x[s0 + j]
            x[sidx[sptr[g] + k]] -= acc
    for g in range(ng - 1, -1, -1):
        s0 = gstart[g]
        s = gstart[g + 1] - s0
        r = sptr[g + 1] - sptr[g]
        base = fptr[g]
        ubase = base + (s + r) * s
        for k in range(r):
            buf[k] = x[sidx[sptr[g] + k]]
        for i in range(s - 1, -1, -1):
            acc = x[s0 + i]
            row = ubase + i * r
            for k in range(r):
                acc -= fac[row + k] * buf[k]
            row = base + i * s
            for j in range(i + 1, s):
                acc -= fac[row + j] * x[s0 + j]
            x[s0 + i] = acc / fac[row + i]
    return x


class FrontalLU:
    """Multifrontal LU (no pivoting) of the stencil system restricted to ``lin >= 0`` pixels.

    Parameters
    ----------
    st : (H, W, 3, 3) float64
        Stencil of the full system; ``st[y, x, 1, 1]`` is the diagonal.
    lin, gstart, nchild
        Numbering and fronts from :func:`nd_groups`.

    Notes
    -----
    Multifrontal method of Duff & Reid (1983), see Liu (1992), on a geometric nested
    dissection (George 1973). Valid without pivoting for M-matrices and other matrices whose
    leading principal minors in this order are safely non-zero.
    """

    def __init__(self, st, lin, count, gstart, nchild):
        self.gstart = gstart
        self.sptr, self.sidx, py, px = _symbolic(lin, count, gstart, nchild)
        self.fac, self.fptr = _numeric(st, lin, gstart, nchild, self.sptr, self.sidx, py, px)

    def solve(self, rhs):
        """``M^-1 rhs`` (float64) for a right-hand side in the pixels' numbering."""
        return _solve(self.gstart, self.sptr, self.sidx, self.fac, self.fptr, rhs)
