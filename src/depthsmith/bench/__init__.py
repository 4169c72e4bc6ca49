"""The benchmark runner: the task definitions of ``BENCHMARKS.md``, run with our methods and
the peers a user would otherwise use, side by side in one process.

``run(task)`` returns a :class:`Report`; ``TASKS`` maps task names to :class:`Task`.
"""

from ._core import Case, Method, Report, Task, machine, run, time_call, write_outputs
from ._peers import fill_cv2_ns, fill_griddata
from ._registry import TASKS, get_task

__all__ = ["Case", "Method", "Report", "Task", "TASKS", "get_task", "run", "time_call",
           "machine", "write_outputs", "fill_griddata", "fill_cv2_ns"]
