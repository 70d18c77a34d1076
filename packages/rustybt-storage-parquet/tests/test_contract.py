"""The Parquet store honours the BarReader and BarWriter contracts, daily and minute."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from rustybt.contract.bar_reader import BarReaderContract
from rustybt.contract.bar_writer import BarWriterContract
from rustybt.domain.ports import BarReader
from rustybt.storage.parquet import ParquetWriter, PolarsParquetDailyReader, PolarsParquetMinuteReader


class TestParquetDailyReader(BarReaderContract):
    @pytest.fixture
    def make_reader(self, tmp_path: Path) -> Callable[[pl.DataFrame, str], BarReader]:
        def make(frame: pl.DataFrame, kind: str) -> BarReader:
            ParquetWriter(tmp_path).write(frame, "1d" if kind == "daily" else "1m")
            if kind == "daily":
                return PolarsParquetDailyReader(tmp_path / "daily_bars")
            return PolarsParquetMinuteReader(tmp_path / "minute_bars")

        return make


class TestParquetMinuteReader(TestParquetDailyReader):
    @pytest.fixture
    def storage_kind(self) -> str:
        return "minute"


class TestParquetDailyWriter(BarWriterContract):
    @pytest.fixture
    def writer(self, tmp_path: Path) -> ParquetWriter:
        return ParquetWriter(tmp_path / "bundle")


class TestParquetMinuteWriter(TestParquetDailyWriter):
    @pytest.fixture
    def storage_kind(self) -> str:
        return "minute"
