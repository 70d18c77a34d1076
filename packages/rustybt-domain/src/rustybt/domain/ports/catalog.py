"""Port: the metadata catalog (datasets, symbols and sids, date ranges, checksums, backtest links)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime

import polars as pl

from rustybt.domain.assets import Asset, AssetType
from rustybt.domain.dataset import DatasetInfo, SymbolRange
from rustybt.domain.instants import TimeLike
from rustybt.domain.resolution import Resolution


class Catalog(ABC):
    """The registry of every stored dataset, and the one place that assigns sids.

    Datasets are identified by UUID v4 strings. Times are stored as UTC. File paths are
    relative to the dataset's ``parquet_path``; several datasets of one bundle may share a
    partition file, so a file's checksum is recorded per (``parquet_path``, file path).
    """

    @abstractmethod
    def register_dataset(
        self,
        source: str,
        symbols: Sequence[str],
        start_date: TimeLike,
        end_date: TimeLike,
        resolution: Resolution | str,
        checksum: str,
        *,
        parquet_path: str = "",
        row_count: int = 0,
        size_bytes: int = 0,
        date_ranges: Sequence[SymbolRange] = (),
        file_checksums: Mapping[str, str] | None = None,
        asset_type: AssetType | str = AssetType.EQUITY,
        exchange: str | None = None,
        bundle: str | None = None,
        status: str = "complete",
        dataset_id: str | None = None,
    ) -> str:
        """Record a dataset and return its id (a new UUID v4 unless ``dataset_id`` is given).

        Everything (dataset row, symbols, date ranges, file checksums) is written in one
        transaction: on any error nothing is recorded. Raises ``InvalidRequestError`` for an
        empty source or symbol list, a bad symbol, or an already used ``dataset_id``;
        ``InvalidDateRangeError`` when start is after end; ``InvalidResolutionError``.
        """

    @abstractmethod
    def update_dataset(
        self,
        dataset_id: str,
        *,
        symbols: Sequence[str] | None = None,
        start_date: TimeLike | None = None,
        end_date: TimeLike | None = None,
        checksum: str | None = None,
        row_count: int | None = None,
        size_bytes: int | None = None,
        date_ranges: Sequence[SymbolRange] | None = None,
        file_checksums: Mapping[str, str] | None = None,
        status: str | None = None,
    ) -> DatasetInfo:
        """Change a dataset in one transaction and return its new state.

        ``symbols`` are added to the dataset's symbols; ``date_ranges`` replace the ranges of
        the symbols they name; ``file_checksums`` are merged into the recorded ones; other
        arguments replace the stored value when not ``None``. ``last_updated`` is set.
        Raises ``DatasetNotFoundError`` for an unknown id.
        """

    @abstractmethod
    def find_dataset(
        self,
        symbols: Sequence[str],
        start_date: TimeLike,
        end_date: TimeLike,
        resolution: Resolution | str,
        source: str | None = None,
    ) -> str | None:
        """Id of a complete dataset at ``resolution`` whose range covers the request and that
        holds every symbol in ``symbols`` (from ``source`` when given); the most recently
        updated one when several match; ``None`` when none does."""

    @abstractmethod
    def get_dataset_info(self, dataset_id: str) -> DatasetInfo:
        """Full metadata of a dataset. Raises ``DatasetNotFoundError`` for an unknown id."""

    @abstractmethod
    def list_datasets(
        self,
        *,
        source: str | None = None,
        resolution: Resolution | str | None = None,
        symbol: str | None = None,
        bundle: str | None = None,
    ) -> list[DatasetInfo]:
        """Datasets matching every filter given, most recently updated first."""

    @abstractmethod
    def dataset_ids(self, prefix: str = "") -> list[str]:
        """Ids of the datasets whose id starts with ``prefix`` (plain text: no character is a
        wildcard), newest first; every id for ``""``. Never raises for odd text."""

    @abstractmethod
    def record_dataset_issues(self, dataset_id: str, issues: pl.DataFrame) -> int:
        """Keep ``issues`` (``dataset_issues.ISSUE_SCHEMA``: rows an ingest rejected, flags it
        raised) with the dataset, after those already kept; return how many were added.
        Raises ``DatasetNotFoundError``, or ``InvalidRequestError`` for a frame that is not
        issues (nothing is kept then). Removing the dataset removes them."""

    @abstractmethod
    def dataset_issues(self, dataset_id: str) -> pl.DataFrame:
        """The issues kept with the dataset, in the order recorded (``ISSUE_SCHEMA``; empty if
        none). Raises ``DatasetNotFoundError``."""

    @abstractmethod
    def remove_dataset(self, dataset_id: str) -> None:
        """Delete a dataset with its symbols, ranges, checksums and backtest links (the files
        are the caller's). Raises ``DatasetNotFoundError`` for an unknown id."""

    @abstractmethod
    def link_backtest_to_dataset(
        self,
        backtest_id: str,
        dataset_id: str,
        cached_at: TimeLike,
        cache_key: str = "",
    ) -> None:
        """Record that backtest ``backtest_id`` read ``dataset_id``. Raises
        ``DatasetNotFoundError`` for an unknown dataset."""

    @abstractmethod
    def get_datasets_for_backtest(self, backtest_id: str) -> list[str]:
        """Ids of the datasets a backtest was linked to, in link order, without repeats;
        empty for an unknown backtest."""

    @abstractmethod
    def assign_sid(self, exchange: str, symbol: str, asset_type: AssetType | str = AssetType.EQUITY) -> int:
        """The sid of (exchange, symbol), creating it if new. The same pair always gets the
        same sid, across datasets and processes; sids are never reused."""

    def assign_sids(
        self, exchange: str, symbols: Sequence[str], asset_type: AssetType | str = AssetType.EQUITY
    ) -> dict[str, int]:
        """``assign_sid`` for many symbols of one exchange at once: ``{symbol: sid}`` for every
        distinct symbol, new ones created in the order given. Implementations override this to
        do it in one transaction; the same pairs get the same sids as one call at a time would."""
        return {symbol: self.assign_sid(exchange, symbol, asset_type) for symbol in dict.fromkeys(symbols)}

    @abstractmethod
    def lookup_sid(self, exchange: str, symbol: str) -> int | None:
        """The sid of (exchange, symbol), or ``None`` if it was never assigned."""

    @abstractmethod
    def get_asset(self, sid: int) -> Asset:
        """The asset behind ``sid``. Raises ``UnknownSidError``."""

    @abstractmethod
    def list_assets(self, exchange: str | None = None) -> list[Asset]:
        """Every asset (of ``exchange`` when given), by sid."""

    @abstractmethod
    def get_file_checksums(self, dataset_id: str) -> dict[str, str]:
        """Recorded SHA-256 of every file of a dataset (path relative to its parquet_path)."""

    @abstractmethod
    def update_file_checksums(self, parquet_path: str, checksums: Mapping[str, str]) -> list[str]:
        """A writer rewrote these files under ``parquet_path``: record their new checksums for
        every dataset that has them, recompute those datasets' checksums, and return their ids."""

    @abstractmethod
    def mark_validated(self, dataset_id: str, at: datetime | None = None) -> None:
        """Set ``last_validated`` of every file checksum of the dataset (default: now)."""

    @abstractmethod
    def last_validated(self, dataset_id: str) -> datetime | None:
        """When the dataset's file checksums were last verified (registration counts, as the
        checksums are computed then); ``None`` if never. Raises
        ``DatasetNotFoundError`` for an unknown id."""

    @abstractmethod
    def record_corporate_actions(self, exchange: str, actions: pl.DataFrame) -> int:
        """Store splits and dividends (``CORPORATE_ACTIONS_SCHEMA``) of symbols listed on
        ``exchange``, assigning sids as needed; a (sid, date, action) already stored is replaced.
        Returns the rows stored. Raises ``InvalidRequestError`` naming the row for an unknown
        action, a missing value, or a split ratio or dividend that is not positive; nothing is
        stored then."""

    @abstractmethod
    def corporate_actions(self, sids: Sequence[int] | None = None) -> pl.DataFrame:
        """Stored actions (of ``sids`` when given) with columns ``sid``, ``symbol``, ``date``,
        ``action``, ``value``, sorted by sid, date, action; empty with that schema if none."""
