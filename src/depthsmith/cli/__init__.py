"""The ``depthsmith`` command line: a thin, lazy click group over the library.

Each command lives in its own module, listed in :data:`._common.COMMANDS` and imported only
when it runs (or shows its own help), so ``depthsmith --help`` imports no task package.
Errors from the library become one line on stderr with exit code 1, usage errors exit 2.
Results go to stdout, status and progress lines to stderr.
"""

from ._common import main

__all__ = ["main"]
