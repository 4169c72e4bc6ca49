"""Example pictures of a benchmark run, kept while it runs at no cost to its timings."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ._pictures import THUMB, guide_rgb, shrink_depth, shrink_rgb

__all__ = ["ExampleRecorder", "GroupExample"]


@dataclass
class GroupExample:
    """Thumbnails of one case (the first of its group): inputs, truth, each method's output.

    ``outputs`` maps a method name to ``(kind, output thumbnail, error thumbnail or None)``;
    the thumbnails are float32 in the task's units (NaN: invalid), at most ``THUMB`` pixels
    on their longest side.
    """

    scene: str
    case_id: int
    depth: np.ndarray | None = None  # the method's depth input (may be low resolution)
    picture: np.ndarray | None = None  # RGB uint8: the guide, or the photo of a DFD task
    truth: np.ndarray | None = None
    outputs: dict = field(default_factory=dict)


def _truth(case):
    t = case.truth if isinstance(case.truth, dict) else {}
    gt = t.get("gt", t.get("r"))
    if not isinstance(gt, np.ndarray) or gt.ndim != 2:
        return None, None
    scored = np.isfinite(gt)
    for key in ("valid", "mask"):
        m = t.get(key)
        if isinstance(m, np.ndarray) and m.shape == gt.shape and m.dtype == bool:
            scored &= m
            break
    return gt, scored


class ExampleRecorder:
    """Keep thumbnails of every method's output on the first case of a task's first groups.

    Wrap each task with :meth:`wrap` before :func:`depthsmith.bench.run`; the wrapped task
    records, in its scorer (which the runner calls after the timed call, outside the
    timing), small float thumbnails of the output and of its absolute error against the
    ground truth. Nothing else is kept, so memory stays bounded whatever the data. Pass the
    recorder as ``examples=`` to :func:`depthsmith.report.write_bench_report`.

    Parameters
    ----------
    max_groups : int
        Groups of a task (KITTI input patterns, SR factors...) that get pictures.
    max_methods : int
        Methods pictured per group (in the runner's order: ours first).
    side : int
        Longest side of a thumbnail in pixels.
    """

    def __init__(self, max_groups: int = 3, max_methods: int = 12, side: int = THUMB):
        self.max_groups = int(max_groups)
        self.max_methods = int(max_methods)
        self.side = int(side)
        self.tasks: dict[str, dict[str, GroupExample]] = {}

    def wrap(self, task):
        """A copy of ``task`` whose methods and scorer feed this recorder."""
        store = self.tasks.setdefault(task.name, {})
        state = {"method": None, "kinds": {}}

        def tagged(fn, name):
            def call(**kwargs):
                state["method"] = name  # all the timed call pays: one assignment
                return fn(**kwargs)

            return call

        def methods():
            ms = task.methods()
            state["kinds"] = {m.name: m.kind for m in ms}
            return [replace(m, fn=tagged(m.fn, m.name)) for m in ms]

        def score(pred, case):
            metrics = task.score(pred, case)
            try:
                self._keep(store, case, state["method"], state["kinds"].get(state["method"]),
                           pred)
            except Exception:  # noqa: BLE001 - a picture must never break a benchmark
                pass
            return metrics

        return replace(task, methods=methods, score=score)

    def _keep(self, store, case, method, kind, pred) -> None:
        if method is None:
            return
        ex = store.get(case.group)
        if ex is None:
            if len(store) >= self.max_groups:
                return
            ex = store[case.group] = self._inputs(case)
        if ex.case_id != id(case) or method in ex.outputs \
                or len(ex.outputs) >= self.max_methods:
            return
        p = np.asarray(pred)
        if p.ndim != 2 or not np.issubdtype(p.dtype, np.number):
            return
        gt, scored = _truth(case)
        out = shrink_depth(p.astype(np.float32), self.side)
        err = None
        if gt is not None and gt.shape == p.shape:
            with np.errstate(invalid="ignore"):
                e = np.abs(p.astype(np.float32) - gt.astype(np.float32))
            err = shrink_depth(e, self.side, valid=scored & np.isfinite(e))
        ex.outputs[method] = (kind or "peer", out, err)

    def _inputs(self, case) -> GroupExample:
        ex = GroupExample(case.scene, id(case))
        inp = case.inputs if isinstance(case.inputs, dict) else {}
        d = inp.get("depth")
        if isinstance(d, np.ndarray) and d.ndim == 2:
            v = inp.get("valid")
            v = v if isinstance(v, np.ndarray) and v.shape == d.shape else None
            if v is None:
                with np.errstate(invalid="ignore"):
                    v = np.isfinite(d) & (d > 0)
            ex.depth = shrink_depth(d.astype(np.float32), self.side, valid=v)
        pic = inp.get("guide", inp.get("rgb"))
        if pic is None and isinstance(inp.get("image"), np.ndarray):
            pic = inp["image"]
        rgb = guide_rgb(pic) if isinstance(pic, np.ndarray) else None
        if rgb is not None:
            ex.picture = shrink_rgb(rgb, self.side)
        gt, _ = _truth(case)
        if gt is not None:
            ex.truth = shrink_depth(gt.astype(np.float32), self.side)
        return ex
