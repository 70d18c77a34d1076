"""Contract every ``BarWriter`` honours."""

from __future__ import annotations

import re
from decimal import Decimal

import polars as pl
import pytest

from rustybt.contract.samples import bars_for, empty_bars, resolution_for
from rustybt.domain.errors import SchemaMismatchError, ValidationError
from rustybt.domain.ports.bar_reader import BarReader
from rustybt.domain.ports.bar_writer import BarWriter
from rustybt.domain.schemas import PRICE_DTYPE, VOLUME_DTYPE

SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BarWriterContract:
    """Override ``writer`` (an empty store). Override ``storage_kind`` for ``"minute"``."""

    @pytest.fixture
    def writer(self) -> BarWriter:
        raise NotImplementedError("override `writer`")

    @pytest.fixture
    def storage_kind(self) -> str:
        return "daily"

    @pytest.fixture
    def bars(self, storage_kind: str) -> pl.DataFrame:
        return bars_for(storage_kind)

    @pytest.fixture
    def resolution(self, storage_kind: str) -> str:
        return resolution_for(storage_kind)

    @staticmethod
    def _t(bars: pl.DataFrame) -> str:
        return "date" if "date" in bars.columns else "timestamp"

    def _read_all(self, reader: BarReader, bars: pl.DataFrame) -> pl.DataFrame:
        t = self._t(bars)
        sids = reader.sids()
        if not sids:
            return bars.clear()
        return reader.load_raw_arrays(sids, ["open", "high", "low", "close", "volume"], "1970-01-01", "2100-01-01").collect().sort(t, "sid")

    def test_exclusive_blocks_nest_around_writes(self, writer: BarWriter, bars: pl.DataFrame, resolution: str) -> None:
        with writer.exclusive(), writer.exclusive():
            result = writer.write(bars, resolution)
        assert result.rows_written == bars.height
        with writer.exclusive():  # released on the way out: taken again at once
            assert self._read_all(writer.reader(resolution), bars).height == bars.height

    def test_round_trip_is_exact(self, writer: BarWriter, bars: pl.DataFrame, resolution: str) -> None:
        result = writer.write(bars, resolution)
        got = self._read_all(writer.reader(resolution), bars)
        assert got.equals(bars.sort(self._t(bars), "sid"))
        assert result.rows_added == bars.height
        assert result.rows_replaced == 0

    def test_checksum_for_every_file_written(self, writer: BarWriter, bars: pl.DataFrame, resolution: str, storage_kind: str) -> None:
        result = writer.write(bars, resolution)
        folder = "daily_bars" if storage_kind == "daily" else "minute_bars"
        pattern = r"year=\d{4}/month=\d{2}/" if storage_kind == "daily" else r"year=\d{4}/month=\d{2}/day=\d{2}/"
        assert result.checksums
        assert sum(p.rows_total for p in result.partitions) == bars.height
        for path, digest in result.checksums.items():
            assert SHA256.match(digest), digest
            assert path.startswith(folder + "/")
            assert re.search(pattern, path), path

    def test_partitions_follow_the_layout(self, writer: BarWriter, bars: pl.DataFrame, resolution: str, storage_kind: str) -> None:
        result = writer.write(bars, resolution)
        t = self._t(bars)
        fmt = "%Y-%m" if storage_kind == "daily" else "%Y-%m-%d"
        expected = bars.get_column(t).dt.strftime(fmt).n_unique()
        assert len(result.partitions) == expected

    def test_merge_keeps_other_rows_and_replaces_clashes(self, writer: BarWriter, bars: pl.DataFrame, resolution: str) -> None:
        t = self._t(bars)
        writer.write(bars, resolution)
        clash = bars.filter(pl.col("sid") == 1).head(3).with_columns((pl.col("close") + pl.lit(Decimal("0.00000001"))).cast(PRICE_DTYPE))
        fresh_time = bars.get_column(t).max()
        fresh = bars.filter((pl.col(t) == fresh_time) & (pl.col("sid") == 1)).with_columns(pl.lit(77, dtype=pl.Int64).alias("sid"))
        update = pl.concat([clash, fresh])
        result = writer.write(update, resolution)
        assert result.rows_replaced == 3
        assert result.rows_added == 1
        got = self._read_all(writer.reader(resolution), bars)
        assert got.height == bars.height + 1
        changed = got.join(clash.select(t, "sid", "close"), on=[t, "sid"], how="inner")
        assert (changed.get_column("close") == changed.get_column("close_right")).all()
        untouched = got.join(update.select(t, "sid"), on=[t, "sid"], how="anti").sort(t, "sid")
        assert untouched.equals(bars.join(update.select(t, "sid"), on=[t, "sid"], how="anti").sort(t, "sid"))

    def test_rewrite_changes_the_checksum_of_changed_files(self, writer: BarWriter, bars: pl.DataFrame, resolution: str) -> None:
        first = writer.write(bars, resolution).checksums
        clash = bars.head(1).with_columns((pl.col("volume") + pl.lit(Decimal("1"))).cast(VOLUME_DTYPE))
        second = writer.write(clash, resolution).checksums
        (path,) = second
        assert second[path] != first[path]

    def test_empty_frame_writes_nothing(self, writer: BarWriter, storage_kind: str, resolution: str) -> None:
        result = writer.write(empty_bars(storage_kind), resolution)
        assert result.partitions == ()
        assert result.rows_written == 0

    def test_accepts_lazy_frames(self, writer: BarWriter, bars: pl.DataFrame, resolution: str) -> None:
        result = writer.write(bars.lazy(), resolution)
        assert result.rows_added == bars.height

    def _assert_rejected_and_unchanged(self, writer: BarWriter, bars: pl.DataFrame, resolution: str, bad: pl.DataFrame, error: type[Exception], match: str) -> None:
        writer.write(bars, resolution)
        before = self._read_all(writer.reader(resolution), bars)
        with pytest.raises(error, match=match):
            writer.write(bad, resolution)
        after = self._read_all(writer.reader(resolution), bars)
        assert after.equals(before)

    def test_wrong_schema_is_rejected_before_writing(self, writer: BarWriter, bars: pl.DataFrame, resolution: str) -> None:
        bad = bars.with_columns(pl.col("close").cast(pl.Float64))
        self._assert_rejected_and_unchanged(writer, bars, resolution, bad, SchemaMismatchError, "close")

    def test_missing_column_is_rejected(self, writer: BarWriter, bars: pl.DataFrame, resolution: str) -> None:
        self._assert_rejected_and_unchanged(writer, bars, resolution, bars.drop("volume"), SchemaMismatchError, "volume")

    def test_duplicate_keys_are_rejected(self, writer: BarWriter, bars: pl.DataFrame, resolution: str) -> None:
        bad = pl.concat([bars.head(5), bars.head(1)]).sort(self._t(bars), "sid")
        self._assert_rejected_and_unchanged(writer, bars, resolution, bad, ValidationError, "duplicate")

    def test_nulls_are_rejected(self, writer: BarWriter, bars: pl.DataFrame, resolution: str) -> None:
        bad = bars.head(4).with_columns(pl.when(pl.int_range(pl.len()) == 2).then(None).otherwise(pl.col("low")).alias("low"))
        self._assert_rejected_and_unchanged(writer, bars, resolution, bad, ValidationError, "null")

    def test_time_going_backwards_is_rejected(self, writer: BarWriter, bars: pl.DataFrame, resolution: str) -> None:
        one = bars.filter(pl.col("sid") == 1).head(5)
        bad = one.reverse()
        self._assert_rejected_and_unchanged(writer, bars, resolution, bad, ValidationError, "backwards")
