"""Logging of the workflow's rule scripts: everything, tracebacks included, goes to the rule's log.

Use from a Snakemake script (PyPSA-Eur's pattern)::

    if __name__ == "__main__":
        configure(snakemake)
        main(snakemake)
"""

from __future__ import annotations

import logging
import sys


class _OneLine(logging.Formatter):
    """The console's format: the message without the traceback (that goes to the log file)."""

    def format(self, record):
        saved = record.exc_info, record.exc_text
        record.exc_info = record.exc_text = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text = saved


def configure(smk, level=logging.INFO):
    """Send the root logger to ``smk.log[0]`` and to stderr, and record uncaught exceptions
    there before the script exits non-zero: with the traceback in the log file, in one line on
    the console."""
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(_OneLine(fmt))
    handlers = [console]
    if smk.log:
        logfile = logging.FileHandler(smk.log[0], mode="w")
        logfile.setFormatter(logging.Formatter(fmt))
        handlers.append(logfile)
    logging.basicConfig(level=level, handlers=handlers, force=True)
    logging.captureWarnings(True)
    where = f" (traceback in {smk.log[0]})" if smk.log else ""

    def excepthook(kind, value, tb):
        message = str(value).splitlines()[0] if str(value) else ""
        logging.getLogger("spinflux").critical(f"rule failed: {kind.__name__}: {message}{where}",
                                               exc_info=(kind, value, tb))

    sys.excepthook = excepthook
