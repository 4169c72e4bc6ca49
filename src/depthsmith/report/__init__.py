"""Static HTML reports of benchmark and batch runs: a folder holding ``index.html`` and PNGs.

The page needs no server and no script (it opens from disk in any browser; every link is
relative, so the folder can be moved or archived whole). It shows the depthsmith version,
the machine (CPU model, cores) and the date, and:

``write_bench_report(results, report_dir, examples=None)``
    for :func:`depthsmith.bench.run` results (``depthsmith bench ... --report DIR``): every
    table the bench prints (metrics, ms per megapixel, time against the best peer, "Not run"
    methods with their reason), one plot per task of quality against time (log axis, ours
    and the peers), and side-by-side colourised input / guide / truth / output / error
    thumbnails on the first case of each group, kept during the run by an
    :class:`ExampleRecorder` (``rec.wrap(task)`` before ``run``; outside the timings).
``write_batch_report(manifest_path, report_dir, gt=None)``
    for a ``depthsmith batch`` manifest (``depthsmith batch ... --report DIR``): counts and
    times, every failed item with its error, a table of every item, thumbnails of the input,
    guide and output of the first 24 items, and with ``gt`` the errors and a metric table.

Both write the folder atomically: built beside ``report_dir`` and renamed into place; an
existing report is replaced only with ``overwrite=True``, and a folder that is not a
depthsmith report (no ``.depthsmith-report`` marker, not empty) never is.
"""

from ._batch import read_manifest, write_batch_report
from ._bench import write_bench_report
from ._examples import ExampleRecorder
from ._folder import check_report_dir

__all__ = ["write_bench_report", "write_batch_report", "ExampleRecorder", "read_manifest",
           "check_report_dir"]
