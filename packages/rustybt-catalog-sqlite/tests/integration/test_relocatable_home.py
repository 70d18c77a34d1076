"""Dataset locations live relative to the catalog's root (the home): a home copied or moved
elsewhere reads its own files, and an older catalog with absolute paths is upgraded in place."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from rustybt.catalog.sqlite import DataCatalog


def _register(catalog: DataCatalog, location: str, bundle: str | None = "eq", ident: str | None = None) -> str:
    return catalog.register_dataset(
        "csv:x", ["AAPL"], "2024-01-01", "2024-01-31", "1d", "c" * 64,
        parquet_path=location, bundle=bundle, dataset_id=ident, file_checksums={"daily_bars/year=2024/month=01/data.parquet": "a" * 64},
    )  # fmt: skip


def _stored(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT dataset_id, parquet_path FROM datasets").fetchall())


def test_locations_inside_the_root_are_stored_relative_and_handed_out_absolute(tmp_path: Path) -> None:
    home = tmp_path / "home"
    catalog = DataCatalog(home / "metadata.db", root=home)
    inside = _register(catalog, str(home / "bundles" / "eq"))
    outside = _register(catalog, str(tmp_path / "elsewhere" / "eq"), bundle=None)
    catalog.close()
    assert _stored(home / "metadata.db") == {inside: "bundles/eq", outside: str(tmp_path / "elsewhere" / "eq")}
    reopened = DataCatalog(home / "metadata.db", root=home)
    assert reopened.get_dataset_info(inside).parquet_path == str(home / "bundles" / "eq")
    assert [d.parquet_path for d in reopened.list_datasets() if d.dataset_id == outside] == [str(tmp_path / "elsewhere" / "eq")]
    # a rewrite under the absolute location finds the dataset through its relative record
    assert reopened.update_file_checksums(str(home / "bundles" / "eq"), {"daily_bars/year=2024/month=01/data.parquet": "b" * 64}) == [inside]


def test_a_copied_home_points_at_its_own_bundles(tmp_path: Path) -> None:
    home = tmp_path / "home"
    catalog = DataCatalog(home / "metadata.db", root=home)
    ident = _register(catalog, str(home / "bundles" / "eq"))
    catalog.close()
    copy = tmp_path / "mounted" / "copy"
    shutil.copytree(home, copy)
    moved = DataCatalog(copy / "metadata.db", root=copy)
    assert moved.get_dataset_info(ident).parquet_path == str(copy / "bundles" / "eq")
    assert DataCatalog(home / "metadata.db", root=home).get_dataset_info(ident).parquet_path == str(home / "bundles" / "eq")


def test_an_old_catalog_with_absolute_paths_is_upgraded_in_place(tmp_path: Path) -> None:
    old_home, home = tmp_path / "old-home", tmp_path / "home"
    catalog = DataCatalog(old_home / "metadata.db")  # no root: locations kept as given, as before
    under = _register(catalog, str(old_home / "bundles" / "eq"), ident="under")
    other = _register(catalog, str(old_home / "bundles" / "fx"), bundle="fx", ident="other")
    foreign = _register(catalog, "/data/zipline-out", bundle="eq", ident="foreign")
    catalog.close()
    # the layout of version 4: no gap counts, no issues table, absolute paths
    with sqlite3.connect(old_home / "metadata.db") as conn:
        conn.execute("ALTER TABLE date_ranges DROP COLUMN gap_count")
        conn.execute("DROP TABLE dataset_issues")
        conn.execute("UPDATE schema_version SET version = 4")
    shutil.move(old_home, home)  # and the home moved before the upgrade
    upgraded = DataCatalog(home / "metadata.db", root=home)
    assert upgraded.upgraded_from == 4
    assert _stored(home / "metadata.db") == {under: "bundles/eq", other: "bundles/fx", foreign: "/data/zipline-out"}
    assert upgraded.get_dataset_info(under).parquet_path == str(home / "bundles" / "eq")
    assert {e.dataset_id for e in upgraded.audit_log(operation="relocate")} == {under, other}
    assert upgraded.dataset_issues(under).is_empty()
