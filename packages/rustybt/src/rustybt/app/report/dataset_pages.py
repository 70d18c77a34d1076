"""From the catalog to pages: which datasets a ``report`` names, and each one's page model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from rustybt.app.container import App
from rustybt.app.report.dataset_quality import dataset_quality, rejected_rows
from rustybt.app.report.page_model import DatasetPage, build_page
from rustybt.domain.dataset import DatasetInfo
from rustybt.domain.errors import DatasetNotFoundError, InvalidRequestError


@dataclass(frozen=True)
class RejectionSource:
    """Where rows rejected at ingest come from, when not from the catalog (which keeps them with
    the dataset): a callable giving a dataset's rejections (columns of
    ``rustybt.domain.ingest_rejections.REJECTED_SCHEMA`` plus ``symbol``)."""

    read: Callable[[DatasetInfo], pl.DataFrame | None] = lambda _info: None


def datasets_named(app: App, name: str | None, every: bool) -> list[DatasetInfo]:
    """Every dataset (``every``), or the one dataset whose id (or unique id prefix) is ``name``, or
    the datasets of the bundle ``name``. Raises ``DatasetNotFoundError`` / ``InvalidRequestError``."""
    if every:
        if name:
            raise InvalidRequestError(f"give a dataset or bundle ({name!r}) or --all, not both")
        found = app.catalog.list_datasets()
        if not found:
            raise DatasetNotFoundError("the catalog holds no dataset yet: ingest one first (rustybt ingest --help)")
        return sorted(found, key=lambda d: (d.bundle or "", d.source, str(d.resolution), d.dataset_id))
    if not name:
        raise InvalidRequestError("name a dataset id, a bundle, or give --all (rustybt catalog list shows them)")
    datasets = app.catalog.list_datasets()
    exact = [d for d in datasets if d.dataset_id == name]
    if exact:
        return exact
    prefixed = [d for d in datasets if d.dataset_id.startswith(name)]
    if len(prefixed) == 1:
        return prefixed
    bundled = [d for d in datasets if d.bundle == name]
    if bundled:
        return bundled
    if len(prefixed) > 1:
        raise InvalidRequestError(f"{name!r} is the start of {len(prefixed)} dataset ids: give more of it (rustybt catalog list)")
    raise DatasetNotFoundError(f"no dataset id or bundle named {name!r} in the catalog (rustybt catalog list shows them)")


def dataset_page(app: App, info: DatasetInfo, rejections: RejectionSource | None = None) -> DatasetPage:
    """The page of one dataset: its stored bars assessed (split flags included), the catalog's
    splits and dividends of its symbols inside its span, and the rows rejected when it was
    ingested (kept by the catalog, unless ``rejections`` says otherwise)."""
    quality = dataset_quality(app, info)
    rejected = rejections.read(info) if rejections is not None else rejected_rows(quality)
    return build_page(quality, _actions(app, info), rejected)


def _actions(app: App, info: DatasetInfo) -> pl.DataFrame:
    exchange = info.exchange or info.source
    sids = {sid: symbol for symbol in info.symbols if (sid := app.catalog.lookup_sid(exchange, symbol)) is not None}
    stored = app.catalog.corporate_actions(sorted(sids))
    if stored.is_empty():
        return stored
    inside = pl.col("date").is_between(info.start_date.date(), info.end_date.date())
    return stored.filter(inside).with_columns(pl.col("sid").replace_strict(sids, return_dtype=pl.String).alias("symbol"))


__all__ = ["RejectionSource", "dataset_page", "datasets_named"]
