"""Checks of the SLURM cluster a study is about to be submitted to (the workflow runs them).

snakemake-executor-plugin-slurm asks ``squeue`` for the state of its jobs only while a finished
job stays visible there (MinJobAge); below 3 × its first status interval it switches to
``sacct``, which without an accounting database (AccountingStorageType=accounting_storage/none)
never reports the job as finished: the run waits for ever after the jobs are done. This module
detects that before anything is submitted.
"""

from __future__ import annotations

import re
import subprocess

UNITS = {"": 1, "s": 1, "sec": 1, "secs": 1, "seconds": 1, "min": 60, "h": 3600, "hours": 3600}


def parse_config(text: str) -> dict:
    """``scontrol show config`` output → {key: value} (strings)."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


def seconds(value: str | None) -> int | None:
    """'300 sec', '1h', '600' → seconds; None if unreadable."""
    match = re.fullmatch(r"(\d+)\s*([A-Za-z]*)", (value or "").strip())
    if not match or match.group(2).lower() not in UNITS:
        return None
    return int(match.group(1)) * UNITS[match.group(2).lower()]


def status_problem(config: dict, init_seconds: int) -> str | None:
    """The reason the executor plugin would never see a job finish, or None."""
    min_job_age = seconds(config.get("MinJobAge"))
    accounting = config.get("AccountingStorageType", "")
    threshold = 3 * init_seconds
    if min_job_age is None or min_job_age >= threshold or "none" not in accounting:
        return None
    return (f"SLURM MinJobAge={min_job_age} s is below 3 × slurm-init-seconds-before-status-checks "
            f"= {threshold} s and the cluster has no accounting database ({accounting}): the "
            "executor plugin would fall back to sacct and never see a job finish. Set "
            f"MinJobAge ≥ {threshold} in slurm.conf, or --slurm-init-seconds-before-status-checks "
            f"≤ {max(1, min_job_age // 3)}, or run slurmdbd")


def check_before_submitting(init_seconds: int) -> str | None:
    """Ask ``scontrol show config`` and return ``status_problem``; None if it cannot be asked."""
    try:
        text = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True,
                              timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return status_problem(parse_config(text), init_seconds)
