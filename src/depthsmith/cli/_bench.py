"""bench: run the BENCHMARKS.md tasks with our methods and their peers."""

from __future__ import annotations

import click

from ._common import guarded, status


@click.command("bench")
@click.argument("tasks", nargs=-1, required=True)
@click.option("--data", type=click.Path(file_okay=False), default=None,
              help="Benchmark data folder (default: $DEPTHSMITH_DATA or ../shared/data).")
@click.option("--scenes", default=None, help="Comma-separated scene names (substrings).")
@click.option("--methods", default=None, help="Comma-separated method names.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Write the full results (per scene) as JSON.")
@click.option("--docs", "docs_path", type=click.Path(dir_okay=False), default=None,
              help="Append the table to this markdown file (e.g. docs/benchmarks.md).")
@click.option("--repeat", type=int, default=1, show_default=True,
              help="Timed calls per case after the warm-up (best is kept).")
@click.option("-v", "--verbose", is_flag=True, help="Print each case's scores.")
@guarded
def bench(tasks, data, scenes, methods, json_path, docs_path, repeat, verbose):
    """Run benchmark TASKS such as FILL-OCC (or all) and print their tables.

    Known tasks: FILL-OCC, FILL-HOLES, REFINE, COMPLETE-KITTI, COMPLETE-SAMPLES,
    SR-MIDDLEBURY, SR-MIDDLEBURY-SEED, DFD-PATCH, DFD-MAP (see BENCHMARKS.md).
    """
    from pathlib import Path

    from ..bench import TASKS, get_task, run, write_outputs
    from ..datasets import data_root, require_data_root

    root = Path(data) if data else (data_root() or require_data_root())
    names = list(TASKS) if [t.lower() for t in tasks] == ["all"] else tasks
    selected = [get_task(t) for t in names]
    for i, task in enumerate(selected):
        report = run(task, root, scenes=scenes.split(",") if scenes else None,
                     methods=methods.split(",") if methods else None, repeat=repeat,
                     log=status if verbose else None)
        click.echo(report.markdown())
        jp = json_path
        if jp and len(selected) > 1:
            p = Path(jp)
            jp = p.with_name(f"{p.stem}_{task.name}{p.suffix}")
        write_outputs(report, json_path=jp, docs_path=docs_path)
        if i + 1 < len(selected):
            click.echo("")
