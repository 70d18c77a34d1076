"""Where a bar lives: the hive partition layout shared by every bar store.

Daily bars: ``daily_bars/year=YYYY/month=MM/``; minute bars: ``minute_bars/year=YYYY/month=MM/day=DD/``.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from rustybt.domain.resolution import Resolution

PARTITION_KEYS: dict[str, tuple[str, ...]] = {
    "daily": ("year", "month"),
    "minute": ("year", "month", "day"),
}

FOLDERS: dict[str, str] = {"daily": "daily_bars", "minute": "minute_bars"}

DATA_FILE = "data.parquet"


def folder_for(resolution: Resolution | str) -> str:
    """``daily_bars`` for daily/weekly resolutions, ``minute_bars`` for intraday ones."""
    return FOLDERS[Resolution.parse(resolution).storage_kind]


def partition_dir(kind: str, moment: date | datetime) -> str:
    """Relative folder of the partition holding ``moment`` (no trailing slash)."""
    base = f"{FOLDERS[kind]}/year={moment.year:04d}/month={moment.month:02d}"
    if kind == "minute":
        base += f"/day={moment.day:02d}"
    return base


def partition_file(kind: str, moment: date | datetime) -> str:
    """Relative path of the data file of the partition holding ``moment``."""
    return f"{partition_dir(kind, moment)}/{DATA_FILE}"


def partition_file_expr(kind: str) -> pl.Expr:
    """Vectorised ``partition_file`` over the time column of a storage frame."""

    pattern = f"{FOLDERS[kind]}/year=%Y/month=%m" + ("/day=%d" if kind == "minute" else "") + f"/{DATA_FILE}"
    column = "date" if kind == "daily" else "timestamp"
    return pl.col(column).dt.strftime(pattern)
