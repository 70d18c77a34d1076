"""zipline asset databases: read one from a bundle, write one from the catalog's assets."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from zipline.assets import AssetDBWriter, AssetFinder
from zipline.assets.asset_db_schema import ASSET_DB_VERSION
from zipline.assets.asset_db_schema import metadata as asset_db_metadata
from zipline.assets.asset_writer import asset_db_table_names, check_version_info
from zipline.assets.assets import CHAIN_PREDICATES
from zipline.errors import AssetDBVersionError

from rustybt.domain.ports.catalog import Catalog
from rustybt.zipline_bridge.errors import BundleFormatError
from rustybt.zipline_bridge.temp_names import temp_beside

ASSET_DB_NAME = "assets-7.sqlite"
EQUITY_COLUMNS = ("symbol", "asset_name", "start_date", "end_date", "first_traded", "auto_close_date", "exchange")


class SchemaBoundAssetFinder(AssetFinder):
    """zipline's ``AssetFinder`` bound to the tables of the asset database version zipline
    writes (checked when opening) instead of reflecting the file's schema, which is most of
    the cost of opening one; every lookup is zipline's own."""

    def __init__(self, path: str | Path) -> None:
        source = Path(path)
        if not source.is_file():
            raise BundleFormatError(f"asset database {source} does not exist", str(source))
        engine = sa.create_engine(f"sqlite:///{source}")
        try:
            with engine.connect() as conn:
                present = {
                    row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
                }
                missing = sorted(asset_db_table_names - present)
                if missing:
                    raise BundleFormatError(
                        f"asset database {source} lacks the tables {', '.join(missing)}", str(source)
                    )
                check_version_info(conn, asset_db_metadata.tables["version_info"], ASSET_DB_VERSION)
        except (sa.exc.DatabaseError, AssetDBVersionError) as err:
            raise BundleFormatError(f"{source}: cannot read the zipline asset database ({err})", str(source)) from err
        self.engine = engine
        self._should_close_engine = False
        for name in asset_db_table_names:
            setattr(self, name, asset_db_metadata.tables[name])
        self._asset_cache: dict[int, object] = {}
        self._asset_type_cache: dict[int, object] = {}
        self._caches = (self._asset_cache, self._asset_type_cache)
        self._future_chain_predicates = CHAIN_PREDICATES
        self._ordered_contracts: dict[str, object] = {}
        self._asset_lifetimes: dict[object, object] = {}


@dataclass
class EquityTable:
    """Equities (indexed by sid, zipline's columns) and the exchanges they list on."""

    equities: pd.DataFrame
    exchanges: pd.DataFrame

    def renumbered(self, sid_map: Mapping[int, int]) -> EquityTable:
        """The same table with sids replaced through ``sid_map``."""
        equities = self.equities.copy()
        equities.index = pd.Index([sid_map[int(s)] for s in equities.index], name="sid")
        return EquityTable(equities, self.exchanges)


def read_equities(path: Path) -> EquityTable:
    """Every equity of a zipline asset database."""
    if not path.is_file():
        raise BundleFormatError(f"asset database {path} does not exist", str(path))
    try:
        finder = AssetFinder(str(path))
        assets = finder.retrieve_all(finder.equities_sids)
    except Exception as err:
        raise BundleFormatError(f"{path}: cannot read the zipline asset database ({err})", str(path)) from err
    rows = {
        a.sid: {
            "symbol": a.symbol,
            "asset_name": a.asset_name,
            "start_date": a.start_date,
            "end_date": a.end_date,
            "first_traded": a.first_traded,
            "auto_close_date": a.auto_close_date,
            "exchange": a.exchange,
        }
        for a in assets
    }
    exchanges = {a.exchange: (a.exchange_info.canonical_name, a.exchange_info.country_code) for a in assets}
    return EquityTable(_equity_frame(rows), _exchange_frame(exchanges))


def equities_from_catalog(
    catalog: Catalog,
    spans: Mapping[int, tuple[pd.Timestamp, pd.Timestamp]],
    *,
    country_codes: Mapping[str, str] | None = None,
) -> EquityTable:
    """An equity per sid of ``spans`` (first and last session of its bars), named by the catalog."""
    rows = {}
    codes = dict(country_codes or {})
    for sid, (start, end) in sorted(spans.items()):
        asset = catalog.get_asset(sid)
        rows[sid] = {
            "symbol": asset.symbol,
            "asset_name": asset.symbol,
            "start_date": start,
            "end_date": end,
            "first_traded": pd.NaT,
            "auto_close_date": end + pd.Timedelta(days=1),
            "exchange": asset.exchange,
        }
    exchanges = {row["exchange"]: (row["exchange"], codes.get(row["exchange"], "??")) for row in rows.values()}
    return EquityTable(_equity_frame(rows), _exchange_frame(exchanges))


def write_asset_db(path: Path, table: EquityTable) -> Path:
    """Write ``table`` as a zipline asset database at ``path`` (replacing an older file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(path)
    try:
        with warnings.catch_warnings():  # zipline's writer trips a pandas groupby deprecation
            warnings.simplefilter("ignore", FutureWarning)
            AssetDBWriter(str(tmp)).write(equities=table.equities, exchanges=table.exchanges)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _equity_frame(rows: Mapping[int, Mapping[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(dict(rows), orient="index", columns=list(EQUITY_COLUMNS))
    frame.index.name = "sid"
    for column in ("start_date", "end_date", "first_traded", "auto_close_date"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def _exchange_frame(exchanges: Mapping[str, tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"exchange": name, "canonical_name": canonical, "country_code": country}
            for name, (canonical, country) in exchanges.items()
        ]
    )
