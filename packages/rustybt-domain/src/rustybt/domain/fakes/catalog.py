"""In-memory catalog: the ``Catalog`` port over plain dicts."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone

import polars as pl

from rustybt.domain.assets import Asset, AssetKey, AssetType, check_symbol
from rustybt.domain.corporate_actions import STORED_ACTIONS_SCHEMA, check_corporate_actions
from rustybt.domain.dataset import DATASET_STATUSES, DatasetInfo, SymbolRange
from rustybt.domain.dataset_issues import check_issues, empty_issues
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import DatasetNotFoundError, InvalidRequestError, UnknownSidError
from rustybt.domain.fakes.version_log import InMemoryVersionLog
from rustybt.domain.instants import TimeLike, to_utc
from rustybt.domain.integrity import dataset_checksum
from rustybt.domain.ports.catalog import Catalog
from rustybt.domain.resolution import Resolution


def _now() -> datetime:
    return datetime.now(timezone.utc)


class InMemoryCatalog(Catalog, InMemoryVersionLog):
    """Keeps datasets, assets and backtest links in memory; same semantics as a database catalog.
    Also the in-memory ``VersionLog`` (on the same clock)."""

    def __init__(self, clock: Callable[[], datetime] = _now) -> None:
        InMemoryVersionLog.__init__(self, clock)
        self._clock = clock
        self._datasets: dict[str, DatasetInfo] = {}
        self._assets: dict[AssetKey, Asset] = {}
        self._by_sid: dict[int, Asset] = {}
        self._links: list[tuple[str, str, datetime, str]] = []
        self._validated: dict[str, datetime] = {}
        self._actions = pl.DataFrame(schema=STORED_ACTIONS_SCHEMA)
        self._issues: dict[str, pl.DataFrame] = {}

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
        if not isinstance(source, str) or not source.strip():
            raise InvalidRequestError("source must be a non-empty string")
        names = tuple(dict.fromkeys(check_symbol(s) for s in symbols))
        if not names:
            raise InvalidRequestError("a dataset needs at least one symbol")
        span = DateRange.of(start_date, end_date)
        ident = dataset_id or str(uuid.uuid4())
        if ident in self._datasets:
            raise InvalidRequestError(f"dataset id {ident!r} is already registered")
        kind = AssetType.parse(asset_type)
        now = self._clock()
        self._datasets[ident] = DatasetInfo(
            dataset_id=ident,
            source=source,
            resolution=Resolution.parse(resolution),
            start_date=span.start,
            end_date=span.end,
            checksum=checksum,
            parquet_path=parquet_path,
            created_at=now,
            last_updated=now,
            row_count=row_count,
            size_bytes=size_bytes,
            symbols=names,
            date_ranges=tuple(date_ranges),
            file_checksums=dict(file_checksums or {}),
            bundle=bundle,
            status=status,
            exchange=exchange,
            asset_type=kind,
        )
        return ident

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
        info = self.get_dataset_info(dataset_id)
        if status is not None and status not in DATASET_STATUSES:
            raise InvalidRequestError(f"status must be one of {', '.join(map(repr, DATASET_STATUSES))}, not {status!r}")
        start = to_utc(start_date) if start_date is not None else info.start_date
        end = DateRange.of(end_date, end_date).end if end_date is not None else info.end_date
        DateRange(start, end)
        ranges = {r.symbol: r for r in info.date_ranges}
        for r in date_ranges or ():
            ranges[r.symbol] = r
        updated = replace(
            info,
            symbols=tuple(dict.fromkeys([*info.symbols, *(check_symbol(s) for s in symbols or ())])),
            start_date=start,
            end_date=end,
            checksum=checksum if checksum is not None else info.checksum,
            row_count=row_count if row_count is not None else info.row_count,
            size_bytes=size_bytes if size_bytes is not None else info.size_bytes,
            date_ranges=tuple(ranges.values()),
            file_checksums={**info.file_checksums, **(file_checksums or {})},
            status=status if status is not None else info.status,
            last_updated=self._clock(),
        )
        self._datasets[dataset_id] = updated
        return updated

    def find_dataset(
        self,
        symbols: Sequence[str],
        start_date: TimeLike,
        end_date: TimeLike,
        resolution: Resolution | str,
        source: str | None = None,
    ) -> str | None:
        names = {check_symbol(s) for s in symbols}
        if not names:
            raise InvalidRequestError("find_dataset needs at least one symbol")
        wanted = DateRange.of(start_date, end_date)
        res = Resolution.parse(resolution)
        matches = [
            d
            for d in self._datasets.values()
            if d.status == "complete"
            and d.resolution is res
            and (source is None or d.source == source)
            and names <= set(d.symbols)
            and d.start_date <= wanted.start
            and wanted.end <= d.end_date
        ]
        if not matches:
            return None
        return max(matches, key=lambda d: (d.last_updated or d.start_date, d.created_at or d.start_date)).dataset_id

    def get_dataset_info(self, dataset_id: str) -> DatasetInfo:
        found = self._datasets.get(dataset_id) if isinstance(dataset_id, str) else None
        if found is None:
            raise DatasetNotFoundError(dataset_id if isinstance(dataset_id, str) else repr(dataset_id))
        return found

    def list_datasets(
        self,
        *,
        source: str | None = None,
        resolution: Resolution | str | None = None,
        symbol: str | None = None,
        bundle: str | None = None,
    ) -> list[DatasetInfo]:
        res = Resolution.parse(resolution) if resolution is not None else None
        found = [
            d
            for d in self._datasets.values()
            if (source is None or d.source == source)
            and (res is None or d.resolution is res)
            and (symbol is None or symbol in d.symbols)
            and (bundle is None or d.bundle == bundle)
        ]
        return sorted(found, key=lambda d: d.last_updated or d.start_date, reverse=True)

    def dataset_ids(self, prefix: str = "") -> list[str]:
        text = prefix if isinstance(prefix, str) else ""
        return [d.dataset_id for d in self.list_datasets() if d.dataset_id.startswith(text)]

    def record_dataset_issues(self, dataset_id: str, issues: pl.DataFrame) -> int:
        self.get_dataset_info(dataset_id)
        checked = check_issues(issues)
        self._issues[dataset_id] = pl.concat([self._issues.get(dataset_id, empty_issues()), checked])
        return checked.height

    def dataset_issues(self, dataset_id: str) -> pl.DataFrame:
        self.get_dataset_info(dataset_id)
        return self._issues.get(dataset_id, empty_issues()).clone()

    def remove_dataset(self, dataset_id: str) -> None:
        self.get_dataset_info(dataset_id)
        del self._datasets[dataset_id]
        self._issues.pop(dataset_id, None)
        self._links = [link for link in self._links if link[1] != dataset_id]

    def link_backtest_to_dataset(self, backtest_id: str, dataset_id: str, cached_at: TimeLike, cache_key: str = "") -> None:
        if not isinstance(backtest_id, str) or not backtest_id:
            raise InvalidRequestError("backtest_id must be a non-empty string")
        self.get_dataset_info(dataset_id)
        self._links.append((backtest_id, dataset_id, to_utc(cached_at), cache_key))

    def get_datasets_for_backtest(self, backtest_id: str) -> list[str]:
        return list(dict.fromkeys(d for b, d, _, _ in self._links if b == backtest_id))

    def assign_sid(self, exchange: str, symbol: str, asset_type: AssetType | str = AssetType.EQUITY) -> int:
        key = AssetKey(exchange, symbol)
        if key not in self._assets:
            asset = Asset(len(self._by_sid), exchange, symbol, AssetType.parse(asset_type))
            self._assets[key] = asset
            self._by_sid[asset.sid] = asset
        return self._assets[key].sid

    def lookup_sid(self, exchange: str, symbol: str) -> int | None:
        asset = self._assets.get(AssetKey(exchange, symbol))
        return asset.sid if asset else None

    def get_asset(self, sid: int) -> Asset:
        try:
            return self._by_sid[sid]
        except KeyError:
            raise UnknownSidError(sid, "the catalog") from None

    def list_assets(self, exchange: str | None = None) -> list[Asset]:
        return [a for _, a in sorted(self._by_sid.items()) if exchange is None or a.exchange == exchange]

    def get_file_checksums(self, dataset_id: str) -> dict[str, str]:
        return dict(self.get_dataset_info(dataset_id).file_checksums)

    def update_file_checksums(self, parquet_path: str, checksums: Mapping[str, str]) -> list[str]:
        touched = []
        for ident, info in list(self._datasets.items()):
            if info.parquet_path != parquet_path or not set(checksums) & set(info.file_checksums):
                continue
            files = {**info.file_checksums, **{p: c for p, c in checksums.items() if p in info.file_checksums}}
            self._datasets[ident] = replace(info, file_checksums=files, checksum=dataset_checksum(files), last_updated=self._clock())
            touched.append(ident)
        return touched

    def mark_validated(self, dataset_id: str, at: datetime | None = None) -> None:
        self.get_dataset_info(dataset_id)
        self._validated[dataset_id] = at or self._clock()

    def last_validated(self, dataset_id: str) -> datetime | None:
        self.get_dataset_info(dataset_id)
        return self._validated.get(dataset_id)

    def record_corporate_actions(self, exchange: str, actions: pl.DataFrame) -> int:
        checked = check_corporate_actions(actions)
        if checked.is_empty():
            return 0
        sids = {s: self.assign_sid(exchange, s) for s in checked.get_column("symbol").unique().to_list()}
        rows = checked.with_columns(pl.col("symbol").replace_strict(sids, return_dtype=pl.Int64).alias("sid")).select(STORED_ACTIONS_SCHEMA.names())
        kept = self._actions.join(rows.select("sid", "date", "action"), on=["sid", "date", "action"], how="anti")
        self._actions = pl.concat([kept, rows]).sort("sid", "date", "action")
        return rows.height

    def corporate_actions(self, sids: Sequence[int] | None = None) -> pl.DataFrame:
        if sids is None:
            return self._actions.clone()
        return self._actions.filter(pl.col("sid").is_in(list(sids)))
