"""bench: run the BENCHMARKS.md tasks with our methods and their peers."""

from __future__ import annotations

import click

from ._common import check_plain_output, guarded, overwrite_option, status


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
@click.option("--report", "report_dir", type=click.Path(file_okay=False), default=None,
              help="Write a static HTML report (tables, quality/time plots, example "
                   "pictures, machine and date) to this new folder; opens from disk.")
@click.option("--repeat", type=click.IntRange(min=1), default=1, show_default=True,
              help="Timed calls per case after the warm-up (best is kept).")
@click.option("-v", "--verbose", is_flag=True, help="Print each case's scores.")
@overwrite_option
@guarded
def bench(tasks, data, scenes, methods, json_path, docs_path, report_dir, repeat, verbose,
          overwrite):
    """Run benchmark TASKS such as FILL-OCC (or all) and print their tables.

    Known tasks: FILL-OCC, FILL-HOLES, REFINE, COMPLETE-KITTI, COMPLETE-SAMPLES,
    SR-MIDDLEBURY, SR-MIDDLEBURY-SEED, SR-STANDARD, FILL-HOLES-RGBDD, REFINE-RGBDD,
    COMPLETE-SAMPLES-RGBDD, DFD-PATCH, DFD-PATCH-REAL, DFD-MAP (see BENCHMARKS.md).
    """
    from pathlib import Path

    from ..bench import TASKS, get_task, run, write_outputs

    names = list(TASKS) if [t.lower() for t in tasks] == ["all"] else tasks
    selected = [get_task(t) for t in names]
    json_paths = [None] * len(selected)
    if json_path:  # every output checked before the (long) runs
        p = Path(json_path)
        json_paths = [p if len(selected) == 1 else p.with_name(f"{p.stem}_{t.name}{p.suffix}")
                      for t in selected]
        for jp in json_paths:
            check_plain_output(jp, name="--json", overwrite=overwrite)
    if docs_path:
        check_plain_output(docs_path, name="--docs", overwrite=True)  # appended to
    recorder = None
    if report_dir:
        from ..report import ExampleRecorder, check_report_dir

        check_report_dir(report_dir, overwrite=overwrite, name="--report")
        recorder = ExampleRecorder()
    from ..datasets import data_root, require_data_root

    root = Path(data) if data else (data_root() or require_data_root())
    reports = []
    for i, (task, jp) in enumerate(zip(selected, json_paths, strict=True)):
        if recorder is not None:  # keeps thumbnails in the scorer, outside the timings
            task = recorder.wrap(task)
        report = run(task, root, scenes=scenes.split(",") if scenes else None,
                     methods=methods.split(",") if methods else None, repeat=repeat,
                     log=status if verbose else None)
        click.echo(report.markdown())
        if jp:
            _write_json(jp, report.to_json(), overwrite)
        if docs_path:
            write_outputs(report, docs_path=docs_path)
        if i + 1 < len(selected):
            click.echo("")
        reports.append(report)
    if report_dir:
        opts = [("--data", data), ("--scenes", scenes), ("--methods", methods),
                ("--repeat", repeat if repeat != 1 else None)]
        command = " ".join(["depthsmith bench", *tasks, *(f"{k} {v}" for k, v in opts
                                                           if v is not None)])
        _write_report(report_dir, reports, recorder, overwrite, command)


def _write_report(report_dir, reports, recorder, overwrite, command):
    """The HTML report, built beside ``report_dir`` and renamed into place."""
    from pathlib import Path

    from ..report import write_bench_report
    from ._common import _write

    page = _write("--report", report_dir, lambda: write_bench_report(
        reports, report_dir, examples=recorder, overwrite=overwrite, command=command))
    status(f"wrote {Path(page)}")


def _write_json(path, obj, overwrite):
    """The JSON report, atomically; exclusive unless --overwrite (a racing run fails)."""
    import json
    from pathlib import Path

    from ..io import atomic_path
    from ._common import _write

    def write():
        with atomic_path(path, overwrite=overwrite) as tmp:
            Path(tmp).write_text(json.dumps(obj, indent=1))

    _write("--json", path, write)
