"""Logging of the workflow's rule scripts: everything, tracebacks included, goes to the rule's log.

Use from a Snakemake script (PyPSA-Eur's pattern)::

    if __name__ == "__main__":
        configure(snakemake)
        main(snakemake)
"""

from __future__ import annotations

import logging
import sys


def configure(smk, level=logging.INFO):
    """Send the root logger to ``smk.log[0]`` and to stderr, and record uncaught exceptions
    (with their traceback) there before the script exits non-zero."""
    handlers = [logging.StreamHandler(sys.stderr)]
    if smk.log:
        handlers.append(logging.FileHandler(smk.log[0], mode="w"))
    logging.basicConfig(level=level, handlers=handlers, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)

    def excepthook(kind, value, tb):
        logging.getLogger("spinflux").critical("rule failed", exc_info=(kind, value, tb))

    sys.excepthook = excepthook
