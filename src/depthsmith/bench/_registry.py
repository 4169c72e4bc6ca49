"""Registry of benchmark tasks; each task family lives in its own module."""

from __future__ import annotations

from .._validate import DepthsmithError
from ._complete_tasks import COMPLETE_KITTI, COMPLETE_SAMPLES
from ._dfd_tasks import DFD_MAP, DFD_PATCH, DFD_PATCH_REAL
from ._fill_tasks import FILL_HOLES, FILL_OCC
from ._refine_tasks import REFINE
from ._rgbdd_tasks import COMPLETE_SAMPLES_RGBDD, FILL_HOLES_RGBDD, REFINE_RGBDD
from ._sr_tasks import SR_MIDDLEBURY, SR_MIDDLEBURY_SEED
from ._standard_tasks import SR_STANDARD

TASKS = {t.name: t for t in (FILL_OCC, FILL_HOLES)}
TASKS.update({t.name: t for t in (COMPLETE_KITTI, COMPLETE_SAMPLES)})
TASKS.update({t.name: t for t in (DFD_PATCH, DFD_PATCH_REAL, DFD_MAP)})
TASKS[REFINE.name] = REFINE
TASKS.update({t.name: t for t in (SR_MIDDLEBURY, SR_MIDDLEBURY_SEED)})
TASKS[SR_STANDARD.name] = SR_STANDARD
TASKS.update({t.name: t for t in (FILL_HOLES_RGBDD, REFINE_RGBDD, COMPLETE_SAMPLES_RGBDD)})


def get_task(name: str):
    """The task called ``name`` (case-insensitive), or a clear error listing the known ones."""
    key = name.upper()
    if key not in TASKS:
        raise DepthsmithError(f"unknown benchmark task {name!r}; known: {', '.join(TASKS)}")
    return TASKS[key]
