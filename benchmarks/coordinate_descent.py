"""Coordinate descent over a grid of constants: the search of ``tune_refine.py`` and
``tune_fill.py`` (docs/tuning.md)."""

from __future__ import annotations


def coordinate_descent(objective, start: dict, grid: dict, *, min_gain: float,
                       max_rounds: int, valid=None, log=None) -> dict:
    """Minimise ``objective(constants)`` from ``start`` one constant at a time.

    Each round visits the constants in ``grid``'s order (name -> candidate values) and
    scores every value of the constant with the others fixed (the values ``valid`` accepts,
    if given); the best value is taken only if it lowers the objective by more than
    ``min_gain`` (relative) below the current constants', so that noise-level differences
    do not move a constant. Rounds until one changes nothing, at most ``max_rounds``.
    ``log(round, name, scores, constants)`` is called after each constant with the values'
    objectives and the constants after the step. Returns the constants (a new dict).
    """
    k = dict(start)
    for rnd in range(max_rounds):
        changed = False
        for name, values in grid.items():
            js = {x: objective({**k, name: x}) for x in values
                  if valid is None or valid({**k, name: x})}
            best = min(js, key=js.get)
            if best != k[name] and js[best] < objective(k) * (1 - min_gain):
                k[name] = best
                changed = True
            if log is not None:
                log(rnd, name, js, k)
        if not changed:
            break
    return k
