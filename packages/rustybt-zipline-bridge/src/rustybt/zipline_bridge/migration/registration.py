"""Sids and datasets in the catalog for migrated bars.

Each source file's bars follow the ingest's write intent: before the writer touches a file the
dataset is recorded ``pending`` (registered empty, or — when migrating the same bundle again,
or resuming an interrupted migration — the existing record marked), together with every other
dataset whose partition files the write rewrites; all become ``complete`` once the files are
in place and their checksums recorded. A migration killed in between leaves them pending, so a
verification names them, and migrating again resumes the same dataset.
"""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl

from rustybt.domain.assets import AssetType
from rustybt.domain.dataset import DatasetInfo, SymbolRange
from rustybt.domain.date_range import DateRange
from rustybt.domain.ingest_intent import COMPLETE, Intent, complete_sharers, mark_pending, touched_partitions
from rustybt.domain.integrity import dataset_checksum
from rustybt.domain.ports.bar_writer import WriteResult
from rustybt.domain.ports.catalog import Catalog
from rustybt.zipline_bridge.asset_db import EquityTable
from rustybt.zipline_bridge.migration.source_bars import SourceBars


class SidAssigner:
    """Maps a bundle's sids to catalog sids: one (exchange, symbol) per bundle sid.

    With a fresh catalog the sids come out unchanged when the bundle numbers its assets
    0, 1, 2, ...; otherwise every sid is renumbered consistently (bars, assets, adjustments).
    """

    def __init__(self, catalog: Catalog, equities: EquityTable | None, default_exchange: str) -> None:
        self._catalog = catalog
        self._default_exchange = default_exchange
        self.sid_map: dict[int, int] = {}
        self.invented: list[int] = []  # bundle sids given a made-up symbol SID<n>
        self._names: dict[int, tuple[str, str]] = {}
        if equities is not None:
            for sid, row in equities.equities.sort_index().iterrows():
                self._assign(int(sid), str(row["exchange"] or default_exchange), str(row["symbol"]))

    def _assign(self, source_sid: int, exchange: str, symbol: str) -> int:
        if source_sid not in self.sid_map:
            new = self._catalog.assign_sid(exchange, symbol, AssetType.EQUITY)
            self.sid_map[source_sid] = new
            self._names[new] = (exchange, symbol)
        return self.sid_map[source_sid]

    def renumber(self, frame: pl.DataFrame, symbols: dict[int, str] | None = None) -> pl.DataFrame:
        """``frame`` with catalog sids.

        Sids named in ``symbols`` (a file that numbers its own symbols) map by symbol; other
        sids map through the asset database, or get a symbol ``SID<n>`` when it lacks them.
        """
        mapping: dict[int, int] = {}
        for sid in sorted(set(frame.get_column("sid").to_list())):
            if symbols and sid in symbols:
                new = self._catalog.assign_sid(self._default_exchange, symbols[sid], AssetType.EQUITY)
                self._names[new] = (self._default_exchange, symbols[sid])
                mapping[int(sid)] = new
            else:
                if int(sid) not in self.sid_map:
                    self.invented.append(int(sid))
                mapping[int(sid)] = self._assign(int(sid), self._default_exchange, f"SID{sid}")
        table = pl.DataFrame(
            {"sid": list(mapping), "__new": list(mapping.values())}, schema={"sid": pl.Int64, "__new": pl.Int64}
        )
        return frame.join(table, on="sid", how="left").drop("sid").rename({"__new": "sid"}).select(frame.columns)

    def symbols(self) -> dict[int, str]:
        """Catalog sid → symbol."""
        return {sid: symbol for sid, (_, symbol) in self._names.items()}

    def exchange_of(self, sid: int) -> str:
        return self._names[sid][0]


def _utc(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)  # type: ignore[attr-defined]


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _ranges(bars: SourceBars, stored: pl.DataFrame, assigner: SidAssigner) -> list[SymbolRange]:
    t = bars.time_column
    names = assigner.symbols()
    per_sid = (
        stored.group_by("sid")
        .agg(pl.col(t).min().alias("lo"), pl.col(t).max().alias("hi"), pl.len().alias("n"))
        .sort("sid")
    )
    return [SymbolRange(names[sid], _utc(lo), _utc(hi), int(n)) for sid, lo, hi, n in per_sid.iter_rows()]


def _earlier_dataset(
    catalog: Catalog, source: str, names: list[str], resolution: str, bundle: str
) -> DatasetInfo | None:
    """The dataset an earlier (or interrupted) migration of these bars recorded, if any."""
    found = [
        d
        for d in catalog.list_datasets(source=source, resolution=resolution, bundle=bundle)
        if d.bundle == bundle and set(d.symbols) == set(names)
    ]
    unfinished = [d for d in found if d.status != COMPLETE]
    return (unfinished or found or [None])[0]


def begin_bars(
    catalog: Catalog, bars: SourceBars, stored: pl.DataFrame, parquet_path: str, bundle: str, assigner: SidAssigner
) -> Intent:
    """Record the intent to write the migrated bars of one source file (see the module)."""
    ranges = _ranges(bars, stored, assigner)
    names = [r.symbol for r in ranges] or [assigner.symbols().get(0, "EMPTY")]
    source, resolution = f"zipline:{bars.format}", "1d" if bars.kind == "daily" else "1m"
    exchanges = sorted({assigner.exchange_of(sid) for sid in stored.get_column("sid").unique().to_list()})
    span = DateRange.of(min((r.start for r in ranges), default=_EPOCH), max((r.end for r in ranges), default=_EPOCH))
    return mark_pending(
        catalog,
        _earlier_dataset(catalog, source, names, resolution, bundle),
        source=source,
        names=names,
        span=span,
        resolution=resolution,  # type: ignore[arg-type]
        root=parquet_path,
        asset_type=AssetType.EQUITY,
        exchange=exchanges[0] if len(exchanges) == 1 else None,  # type: ignore[arg-type]
        bundle=bundle,
        partitions=touched_partitions(stored, bars.kind),
    )


def finish_bars(
    catalog: Catalog, intent: Intent, bars: SourceBars, stored: pl.DataFrame, result: WriteResult, assigner: SidAssigner
) -> str:
    """Record the written bars and complete the dataset and the ones sharing its files."""
    catalog.update_file_checksums(result.root, result.checksums)
    complete_sharers(catalog, intent)
    ranges = _ranges(bars, stored, assigner)
    files = {**catalog.get_file_checksums(intent.dataset_id), **result.checksums}
    catalog.update_dataset(
        intent.dataset_id,
        start_date=min((r.start for r in ranges), default=_EPOCH),
        end_date=max((r.end for r in ranges), default=_EPOCH),
        checksum=dataset_checksum(files),
        row_count=stored.height,
        size_bytes=result.size_bytes,
        date_ranges=ranges,
        file_checksums=dict(result.checksums),
        status=COMPLETE,
    )
    return intent.dataset_id
