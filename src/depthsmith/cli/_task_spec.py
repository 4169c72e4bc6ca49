"""What a task command shares with ``depthsmith batch``: its options and its per-item work.

Each single-file task command (``fill``, ``refine``, ``complete``, ``upsample``, ``defocus
map``) defines, once, in its own module:

* ``task_options``: a decorator adding the task's own options (``--method``, task flags such
  as ``--occlusion`` or ``--factor``); the registry-derived method options come from
  ``method_options(TASK)`` as before;
* ``check(options, has_guide)``: the usage checks that need no file (exit 2);
* ``run_item(paths, options)``: read the inputs, call the library, write the output; returns
  the status line.

The single-file command and ``depthsmith batch TASK`` both build their options from these and
call the same ``run_item``, so the two cannot drift apart. ``options`` is a plain dict (it
travels to worker processes and Dask workers): the task's keys (:attr:`TaskSpec.keys`), the
given method parameters ``params``, and ``scale``, ``out_scale``, ``overwrite``,
``max_memory``, ``tile``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["TaskSpec", "TASK_MODULES", "spec", "tile_kw", "tile_note", "quiet_resolve"]

#: batch task name -> module under depthsmith.cli defining ``SPEC``.
TASK_MODULES = {"fill": "_fill", "refine": "_refine", "complete": "_complete",
                "upsample": "_upsample", "defocus": "_defocus"}


@dataclass(frozen=True)
class TaskSpec:
    """One task as ``batch`` sees it.

    ``guide`` is ``"required"``, ``"optional"`` or ``"none"``; ``inputs`` is ``"depth"``
    (depth files) or ``"image"`` (photos: defocus); ``output_ext`` fixes the output format
    (None: the input's own format unless ``--format`` says otherwise).
    """

    name: str
    module: str
    options: Callable
    keys: tuple
    methods: object | None
    guide: str
    inputs: str
    check: Callable
    run_item: Callable
    output_ext: str | None = None
    help: str = ""


def spec(task: str) -> TaskSpec:
    """The :class:`TaskSpec` of batch task ``task`` (imports its command module)."""
    import importlib

    return importlib.import_module(f"depthsmith.cli.{TASK_MODULES[task]}").SPEC


def tile_kw(options: dict) -> dict:
    """``{"tile": N}`` when ``--tile`` was given, else nothing (the library's default)."""
    tile = options.get("tile")
    return {} if tile is None else {"tile": tile}


def tile_note(task: str, method: str, params: dict, options: dict) -> str:
    """``"; <why --tile is ignored>"`` for a status line when ``--tile`` was given to a
    global method (it runs on the whole frame), else ``""``."""
    if options.get("tile") is None:
        return ""
    from .._tiling import global_reason

    why = global_reason(task, method, params)
    return f"; --tile: {why}" if why else ""


def quiet_resolve(task_methods, method: str, given: dict, runs: str | None = None) -> dict:
    """:meth:`TaskMethods.resolve` for one item of a batch, where the method ``auto`` picks
    can differ between items: an option that method does not take is an ``InputError``
    naming the item's method (recorded for that item) instead of a usage exit."""
    from .._validate import InputError

    target = runs or method
    if target not in task_methods.any_params:
        bad = [task_methods.params[n].option for n in given
               if target not in task_methods.params[n].kinds]
        if bad:
            takes = ", ".join(task_methods.takes(target)) or "no method options"
            raise InputError(f"{', '.join(bad)} {'does' if len(bad) == 1 else 'do'} not apply "
                             f"to --method {method} (which runs {target} here): it takes "
                             f"{takes}")
    return task_methods.resolve(method, given, runs=runs)
