"""Bundles: a bundle is a folder under ``$RUSTYBT_HOME/bundles/`` holding ``daily_bars/``,
``minute_bars/`` and the ``zipline/`` files backtests need (asset database, calendar, spans)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import polars as pl

from rustybt.app.private_files import make_private
from rustybt.domain.assets import AssetType
from rustybt.domain.errors import BundleNotFoundError, RustyBTDataError, StorageError
from rustybt.domain.versions import check_bundle_name

if TYPE_CHECKING:
    from rustybt.app.container import App

CRYPTO_CALENDAR = "24/7"
EQUITY_CALENDAR = "XNYS"


def bundle_names(app: App) -> list[str]:
    root = app.settings.bundles_dir
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def calendar_for(app: App, bundle: str) -> str:
    """24/7 for a bundle of crypto datasets, NYSE otherwise."""
    kinds = {d.asset_type for d in app.catalog.list_datasets(bundle=bundle)}
    return CRYPTO_CALENDAR if kinds and kinds <= {AssetType.CRYPTOCURRENCY, AssetType.FOREX} else EQUITY_CALENDAR


def _readers(app: App, bundle: str) -> dict[str, Any]:
    root = app.bundle_path(bundle)
    return {
        "daily": app.reader(bundle, "1d") if (root / "daily_bars").is_dir() else None,
        "minute": app.reader(bundle, "1m") if (root / "minute_bars").is_dir() else None,
    }


def bundle_sids(app: App, bundle: str) -> list[int]:
    """Sids of every symbol of every dataset of ``bundle``."""
    found = set()
    for info in app.catalog.list_datasets(bundle=bundle):
        for symbol in info.symbols:
            sid = app.catalog.lookup_sid(info.exchange or info.source, symbol)
            if sid is not None:
                found.add(sid)
    return sorted(found)


def corporate_actions(app: App, bundle: str) -> Any:
    """The catalog's splits and dividends of the bundle's assets, as zipline adjustments take them:
    a split of ``value`` new shares per old one is a price ratio of 1/value; dividends are cash per
    share at their ex-date (record, declared and pay dates unknown)."""
    import pandas as pd

    from rustybt.zipline_bridge.adjustments import CorporateActions

    stored = app.catalog.corporate_actions(bundle_sids(app, bundle))
    splits = stored.filter(pl.col("action") == "split")
    dividends = stored.filter(pl.col("action") == "dividend")
    nat = [pd.NaT] * dividends.height
    return CorporateActions(
        splits=pd.DataFrame(
            {
                "sid": splits.get_column("sid").to_list(),
                "effective_date": pd.to_datetime(splits.get_column("date").to_list()),
                "ratio": [float(1 / v) for v in splits.get_column("value").to_list()],
            }
        ),
        dividends=pd.DataFrame(
            {
                "sid": dividends.get_column("sid").to_list(),
                "amount": [float(v) for v in dividends.get_column("value").to_list()],
                "ex_date": pd.to_datetime(dividends.get_column("date").to_list()),
                "record_date": nat,
                "declared_date": nat,
                "pay_date": nat,
            }
        ),
    )


def prepare_bundle(app: App, bundle: str) -> None:
    """Write the zipline side of ``bundle`` (asset database, adjustments, calendar, spans) from
    the catalog and the stored bars; run after every ingest into it."""
    from rustybt.zipline_bridge.bundle_files import write_bundle_files
    from rustybt.zipline_bridge.bundle_meta import ZIPLINE_DIR

    try:
        write_bundle_files(
            app.bundle_path(bundle),
            app.catalog,
            **_readers(app, bundle),
            calendar_name=calendar_for(app, bundle),
            dataset_ids=[d.dataset_id for d in app.catalog.list_datasets(bundle=bundle)],
            actions=corporate_actions(app, bundle),
        )
    except RustyBTDataError:
        raise
    except Exception as err:  # a full disk or a read-only folder while writing zipline's sqlite files
        raise StorageError(f"writing the zipline files of bundle {bundle!r} under {app.bundle_path(bundle)} failed: {err}") from err
    make_private(app.bundle_path(bundle) / ZIPLINE_DIR)


def open_bundle(app: App, bundle: str) -> Any:
    """The ``BundleData`` of ``bundle`` for zipline backtests; ``BundleNotFoundError`` listing
    the bundles there are when it does not exist."""
    from rustybt.zipline_bridge import BundleData
    from rustybt.zipline_bridge.bundle_meta import META_NAME, ZIPLINE_DIR

    root = app.bundle_path(check_bundle_name(bundle))
    if not root.is_dir():
        known = ", ".join(bundle_names(app)) or "none yet (run `rustybt ingest` or `rustybt demo`)"
        raise BundleNotFoundError(f"no bundle named {bundle!r} under {app.settings.bundles_dir}; bundles: {known}")
    if not (root / ZIPLINE_DIR / META_NAME).is_file():
        prepare_bundle(app, bundle)
    return BundleData.open(root, **_readers(app, bundle), catalog=app.catalog, cache=app.cache)


def load_bundle_data(name: str, environ: Mapping[str, str]) -> Any:
    """Entry point ``rustybt.bundle_loaders:default``: the bundle ``name`` under the home that
    ``environ`` names (``RUSTYBT_HOME``), wired by the container."""
    from rustybt.app.config import load_settings
    from rustybt.app.container import build_container

    return open_bundle(build_container(load_settings(env=environ)), name)


__all__ = ["bundle_names", "calendar_for", "check_bundle_name", "load_bundle_data", "open_bundle", "prepare_bundle"]
