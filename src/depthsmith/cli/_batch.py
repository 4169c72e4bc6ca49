"""batch: one task over every frame of a folder, resumable, on local processes or Dask.

``depthsmith batch TASK`` has one subcommand per task; each is built from the task command's
own :class:`~depthsmith.cli._task_spec.TaskSpec` (its options, its checks and its per-item
``run_item``), so a batch runs exactly what the single-file command runs.
"""

from __future__ import annotations

import click

from ._common import fail, guarded, memory_option, scale_option, status
from ._scale_options import threads_option, tile_option
from ._task_spec import TASK_MODULES, spec

__all__ = ["batch_group"]

#: short help of each subcommand (listing them imports no task package)
TASK_HELP = {
    "fill": "Fill the holes of every depth map of --input (guides paired by name).",
    "refine": "Refine every depth map of --input with its guide (paired by name).",
    "complete": "Complete every sparse depth map of --input (guides paired by name).",
    "upsample": "Super-resolve every depth map of --input (guides paired by name).",
    "defocus": "Blur (defocus) map of every photo of --input (defocus map).",
}

_EPILOG = ("Pairing: with --guide DIR, the guide of DEPTHDIR/0042.png is GUIDEDIR/0042.<image "
           "ext>; --guide 'rgb/<id>_RGB.jpg' names it by pattern; with one folder per frame, "
           "--depth-pattern '<id>/depth_hr_mm.png' --guide-pattern '<id>/rgb.jpg' (relative "
           "to --input, and to --guide when given). Outputs: OUTPUT/<id><ext>, a manifest "
           "OUTPUT/depthsmith-batch.json; run the same command again to resume. See "
           "docs/batch.md.")


class _BatchGroup(click.Group):
    """Subcommands built from the task modules when used."""

    def list_commands(self, ctx):
        return list(TASK_MODULES)

    def get_command(self, ctx, cmd_name):
        if cmd_name not in TASK_MODULES:
            return None
        return build_command(cmd_name)

    def format_commands(self, ctx, formatter):
        with formatter.section("Tasks"):
            formatter.write_dl(list(TASK_HELP.items()))


@click.group("batch", cls=_BatchGroup)
def batch_group():
    """Run a task over every frame of a folder (resumable; local processes or Dask).

    depthsmith batch TASK --input DIR --output DIR [--guide DIR] [task options]: the same
    options as the single-file command; --workers N local processes, --scheduler
    local|tcp://HOST:PORT for Dask. See docs/batch.md.
    """


def _formats():
    from ..io import FORMATS

    return sorted(e.lstrip(".") for e in FORMATS if e != ".dpt")


def build_command(task: str) -> click.Command:
    """The ``depthsmith batch TASK`` command, from the task's spec."""
    sp = spec(task)

    def callback(input, guide, depth_pattern, guide_pattern, output, fmt, workers, scheduler,
                 overwrite, report, max_memory, tile, threads, scale=None, params=None,
                 **task_kw):
        options = {**task_kw, "params": params or {}, "scale": scale, "tile": tile,
                   "max_memory": max_memory, "format": fmt, "batch": True}
        _run(sp, options, input=input, guide=guide, depth_pattern=depth_pattern,
             guide_pattern=guide_pattern, output=output, workers=workers,
             scheduler=scheduler, overwrite=overwrite, report=report, threads=threads)

    cmd = guarded(callback)
    guide_help = {"required": "Guides: a folder (same stem as each depth file), a path with "
                              "<id> in it, or with --guide-pattern the root folder.",
                  "optional": "Guides (optional): a folder (same stem as each depth file), a "
                              "path with <id> in it, or with --guide-pattern the root folder."}
    decorators = [
        click.command(task, help=sp.help + "\n\n" + _EPILOG, short_help=TASK_HELP[task]),
        click.option("--input", "-i", "input", required=True, metavar="DIR_OR_GLOB",
                     help="Folder of inputs, a glob ('frames/*.png'), or with "
                          "--depth-pattern the root folder."),
    ]
    if sp.guide != "none":
        decorators.append(click.option("--guide", default=None, metavar="DIR_OR_PATTERN",
                                       help=guide_help[sp.guide]))
    else:
        decorators.append(click.option("--guide", hidden=True, default=None))
    decorators += [
        click.option("--depth-pattern", default=None, metavar="PATTERN",
                     help="Input path relative to --input with <id> in it (e.g. "
                          "'<id>/depth_hr_mm.png')."),
        click.option("--guide-pattern", default=None, metavar="PATTERN",
                     help="Guide path relative to --guide (or --input) with <id> in it "
                          "(e.g. '<id>/rgb.jpg').") if sp.guide != "none" else
        click.option("--guide-pattern", hidden=True, default=None),
        click.option("--output", "-o", "output", required=True,
                     type=click.Path(file_okay=False), metavar="DIR",
                     help="Output folder (created if its parent exists): OUTPUT/<id><ext> "
                          "and the manifest depthsmith-batch.json."),
        sp.options,
    ]
    if sp.inputs == "depth":
        decorators.append(scale_option)
    decorators += [
        click.option("--format", "fmt", type=click.Choice(_formats()), default=None,
                     help="Output format (default: "
                          + ("pfm" if sp.output_ext else "each input's own") + ")."),
        click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Local worker processes (each single-threaded unless --threads); "
                          "with --scheduler local, Dask workers."),
        click.option("--scheduler", default=None, metavar="local|tcp://HOST:PORT",
                     help="Run the items on Dask: 'local' starts a LocalCluster of "
                          "--workers processes; an address submits to a running cluster "
                          "(its workers must see the same paths)."),
        click.option("--overwrite", is_flag=True,
                     help="Start afresh: recompute every item and replace existing outputs "
                          "(needed when the options changed)."),
        click.option("--report", type=click.Path(file_okay=False), default=None,
                     metavar="DIR", help="Also write an HTML report of the run to DIR."),
        memory_option,
        tile_option,
        threads_option,
    ]
    for deco in reversed(decorators[1:]):
        cmd = deco(cmd)
    cmd = decorators[0](cmd)
    if sp.methods is not None:
        from ._methods import method_options

        cmd = method_options(sp.methods)(cmd)
    return cmd


def _run(sp, options, *, input, guide, depth_pattern, guide_pattern, output, workers,
         scheduler, overwrite, report, threads):
    from ..batch import pair_inputs, run_batch
    from ._common import png_output_scale

    if sp.guide == "required" and guide is None and guide_pattern is None:
        raise click.UsageError(f"batch {sp.name} needs --guide (a folder or a pattern)")
    if scheduler is not None and scheduler != "local" and "://" not in scheduler:
        raise click.BadParameter(f"expected 'local' or an address such as tcp://HOST:8786, "
                                 f"got {scheduler!r}", param_hint="--scheduler")
    has_guide = guide is not None or guide_pattern is not None
    sp.check(options, has_guide)
    if report is not None:  # a report is derived: each run replaces it (never a foreign folder)
        from ..report import check_report_dir

        check_report_dir(report, overwrite=True)
    ext = "." + options["format"] if options.get("format") else sp.output_ext
    if ext == ".png" and sp.inputs == "image":
        fail("--format png: blur radii are fractional: write pfm, npy, tif or exr", 2)
    exts = None
    if sp.inputs == "image":
        from ..io import image_formats

        exts = image_formats()
    items = pair_inputs(input, guide, depth_pattern=depth_pattern,
                        guide_pattern=guide_pattern, depth_exts=exts)

    def out_scale(path, depth):
        if sp.inputs == "image":
            return None
        return png_output_scale(path, options.get("scale"), depth, name="--output")

    result = run_batch(sp.name, items, output, options=options, task_keys=sp.keys, ext=ext,
                       out_scale=out_scale, workers=workers, threads=threads,
                       scheduler=scheduler, overwrite=overwrite,
                       inputs={"input": str(input), "guide": guide,
                               "depth_pattern": depth_pattern,
                               "guide_pattern": guide_pattern})
    status(f"batch {sp.name}: {result.done} done, {result.skipped} already done (skipped), "
           f"{len(result.failed)} failed, of {result.total} in {result.seconds:.1f} s; "
           f"manifest {result.manifest}")
    if report is not None:
        from ..report import write_batch_report

        page = write_batch_report(result.manifest, report, overwrite=True)
        status(f"wrote {page}")
    if result.failed:
        for item_id, error in result.failed:
            status(f"  FAILED {item_id}: {error}")
        fail(f"{len(result.failed)} of {result.total} item(s) failed (listed above; their "
             f"errors are in {result.manifest})")
