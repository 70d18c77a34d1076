"""What ``catalog verify`` and ``catalog show`` say about one dataset: its files against their
recorded checksums, where it lives, and the issues its ingest kept."""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path
from typing import Any

import polars as pl

from rustybt.domain.dataset import COMPLETE, DatasetInfo
from rustybt.domain.dataset_issues import FLAG, REJECTED


def outside_home(location: str, home: Path) -> bool:
    """True when ``location`` (absolute) is not inside ``home``."""
    where, root = os.path.normpath(os.path.abspath(location)), os.path.normpath(os.path.abspath(home))
    try:
        return os.path.commonpath([where, root]) != root
    except ValueError:
        return True


def check_dataset(info: DatasetInfo, recorded_here: Collection[str], home: Path) -> dict[str, Any]:
    """One row of ``catalog verify``: status (ok, damaged, incomplete, outside home), file
    counts, and the missing, changed and unrecorded files as lists (never ``"-"``)."""
    from rustybt.storage.parquet import verify_checksums

    report = verify_checksums(info.parquet_path, info.file_checksums)
    unrecorded = sorted(set(report.extra) - set(recorded_here))
    outside = bool(info.parquet_path) and "://" not in info.parquet_path and outside_home(info.parquet_path, home)
    if info.status != COMPLETE:
        status = "incomplete"
    elif report.missing or report.changed:
        status = "damaged"
    elif outside:
        status = "outside home"
    else:
        status = "ok"
    return {
        "dataset_id": info.dataset_id,
        "status": status,
        "location": info.parquet_path,
        "files": len(info.file_checksums),
        "matching": len(report.matching),
        "missing": list(report.missing),
        "changed": list(report.changed),
        "unrecorded": unrecorded,
    }


def issue_summary(issues: pl.DataFrame) -> dict[str, Any]:
    """The count of rejected rows and every flag (rule, symbol, day and ratio)."""
    flags = issues.filter(pl.col("kind") == FLAG).select("rule", "symbol", "detail").to_dicts()
    return {"rejected": issues.filter(pl.col("kind") == REJECTED).height, "flags": flags}


__all__ = ["check_dataset", "issue_summary", "outside_home"]
