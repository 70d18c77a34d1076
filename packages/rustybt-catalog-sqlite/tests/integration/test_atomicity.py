"""A change that fails midway leaves the catalog exactly as it was."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from rustybt.catalog.sqlite import CatalogStorageError, DataCatalog
from rustybt.domain.dataset import SymbolRange
from rustybt.domain.errors import InvalidRequestError

UTC = timezone.utc
TABLES = ("datasets", "symbols", "date_ranges", "checksums", "backtest_data_links", "audit_log")


def _install_failing_trigger(catalog: DataCatalog) -> None:
    """Make the database itself refuse one file path, after the dataset row went in."""
    with catalog.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN "
                    "IF NEW.file_path = 'boom' THEN RAISE EXCEPTION 'disk says no'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_boom BEFORE INSERT ON checksums FOR EACH ROW EXECUTE FUNCTION refuse_boom()"
                )
            )
        else:
            conn.execute(text(
                "CREATE TRIGGER refuse_boom BEFORE INSERT ON checksums WHEN NEW.file_path = 'boom' "
                "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
            ))  # fmt: skip


def _counts(catalog: DataCatalog) -> dict[str, int]:
    with catalog.engine.connect() as conn:
        return {t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()) for t in TABLES}


def test_failed_registration_leaves_no_partial_rows(catalog: DataCatalog) -> None:
    kept = catalog.register_dataset(
        "yfinance", ["AAPL"], "2024-01-01", "2024-03-31", "1d", "c", file_checksums={"ok": "1"}
    )
    _install_failing_trigger(catalog)
    before = _counts(catalog)
    ranges = [SymbolRange("MSFT", datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 3, 28, tzinfo=UTC), 61)]
    with pytest.raises(CatalogStorageError, match=r"registering dataset .*disk says no"):
        catalog.register_dataset(
            "yfinance", ["MSFT", "IBM"], "2024-01-01", "2024-03-31", "1d", "c",
            date_ranges=ranges, file_checksums={"a": "1", "boom": "2"},
        )  # fmt: skip
    assert _counts(catalog) == before
    assert [d.dataset_id for d in catalog.list_datasets()] == [kept]
    assert catalog.find_dataset(["MSFT"], "2024-02-01", "2024-02-02", "1d") is None


def test_failed_update_changes_nothing(catalog: DataCatalog) -> None:
    ident = catalog.register_dataset(
        "yfinance", ["AAPL"], "2024-01-01", "2024-03-31", "1d", "c", file_checksums={"ok": "1"}
    )
    _install_failing_trigger(catalog)
    before = catalog.get_dataset_info(ident)
    with pytest.raises(CatalogStorageError, match="disk says no"):
        catalog.update_dataset(
            ident, symbols=["NVDA"], end_date="2024-06-30", row_count=9, file_checksums={"boom": "2"}
        )
    assert catalog.get_dataset_info(ident) == before
    assert [e.operation for e in catalog.audit_log(ident)] == ["register"]


@pytest.mark.parametrize(
    "bad",
    [
        {"date_ranges": [SymbolRange("ZZZ", datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 3, tzinfo=UTC), 1)]},
        {"file_checksums": {"": "1"}},
        {"row_count": -1},
        {"status": "half-done"},
        {"checksum": ""},
        {"exchange": ""},
        {"asset_type": "bond"},
    ],
)
def test_bad_arguments_are_refused_before_any_write(catalog: DataCatalog, bad: dict[str, object]) -> None:
    arguments: dict[str, object] = {"checksum": "c", **bad}
    checksum = arguments.pop("checksum")
    with pytest.raises(InvalidRequestError):
        catalog.register_dataset("yfinance", ["AAPL"], "2024-01-01", "2024-03-31", "1d", checksum, **arguments)  # type: ignore[arg-type]
    assert _counts(catalog) == dict.fromkeys(TABLES, 0)


def test_symbols_longer_than_the_index_limit_are_a_clear_error(catalog: DataCatalog) -> None:
    wide = "株" * 700  # 2100 bytes in UTF-8; still under the domain's 1000-character limit
    with pytest.raises(InvalidRequestError, match="2100 bytes in UTF-8"):
        catalog.register_dataset("yfinance", [wide], "2024-01-01", "2024-03-31", "1d", "c")
    with pytest.raises(InvalidRequestError, match="bytes in UTF-8"):
        catalog.assign_sid("XTKS", wide)
    fits = "株" * 666
    ident = catalog.register_dataset("yfinance", [fits], "2024-01-01", "2024-03-31", "1d", "c")
    assert catalog.find_dataset([fits], "2024-01-05", "2024-01-06", "1d") == ident
    assert catalog.get_asset(catalog.assign_sid("XTKS", fits)).symbol == fits
