"""Contract every ``Catalog`` honours for dataset ids by prefix, gap counts and the issues
kept with a dataset (part of ``CatalogContract``)."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rustybt.domain.dataset import SymbolRange
from rustybt.domain.dataset_issues import ISSUE_SCHEMA, empty_issues
from rustybt.domain.errors import DatasetNotFoundError, InvalidRequestError
from rustybt.domain.ports.catalog import Catalog

UTC = timezone.utc
ODD_IDS = ["a%b", "a_b", "axb", "a\\b", "a'b", "ab", "A%"]


def _new(catalog: Catalog, ident: str | None = None, **kwargs: object) -> str:
    return catalog.register_dataset("src", ["AAPL"], "2024-01-01", "2024-01-31", "1d", "c" * 64, dataset_id=ident, **kwargs)  # type: ignore[arg-type]


def _issues(*rows: tuple[str | None, ...]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=ISSUE_SCHEMA, orient="row")


class CatalogRecordsContract:
    """Mixed into ``CatalogContract``; uses its ``catalog`` fixture."""

    def test_dataset_ids_by_prefix_take_every_character_literally(self, catalog: Catalog) -> None:
        for ident in ODD_IDS:
            _new(catalog, ident)
        assert catalog.dataset_ids("a%") == ["a%b"]
        assert catalog.dataset_ids("a_") == ["a_b"]
        assert sorted(catalog.dataset_ids("a")) == sorted(i for i in ODD_IDS if i.startswith("a"))
        assert catalog.dataset_ids("a\\") == ["a\\b"]
        assert catalog.dataset_ids("zzz") == []
        assert set(catalog.dataset_ids()) == set(ODD_IDS)
        assert catalog.dataset_ids("") == catalog.dataset_ids()

    def test_dataset_ids_come_newest_first(self, catalog: Catalog) -> None:
        first = _new(catalog, "first")
        second = _new(catalog, "fsecond")
        catalog.update_dataset(first, row_count=1)  # updated last: newest
        assert catalog.dataset_ids("f") == [first, second]

    @settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors])
    @given(st.text(max_size=12))
    def test_any_prefix_finds_exactly_the_ids_it_starts(self, catalog: Catalog, prefix: str) -> None:
        if not catalog.dataset_ids():
            for ident in ODD_IDS:
                _new(catalog, ident)
        found = catalog.dataset_ids(prefix)
        assert sorted(found) == sorted(i for i in catalog.dataset_ids() if i.startswith(prefix))

    def test_gap_counts_round_trip(self, catalog: Catalog) -> None:
        ranges = [
            SymbolRange("AAPL", datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 30, tzinfo=UTC), 18, gaps=2),
            SymbolRange("MSFT", datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 30, tzinfo=UTC), 20, gaps=0),
            SymbolRange("IBM", datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 30, tzinfo=UTC), 20, True),
        ]
        ident = catalog.register_dataset("src", ["AAPL", "MSFT", "IBM"], "2024-01-01", "2024-01-31", "1d", "c" * 64, date_ranges=ranges)
        got = {r.symbol: r for r in catalog.get_dataset_info(ident).date_ranges}
        assert (got["AAPL"].gaps, got["AAPL"].has_gaps) == (2, True)
        assert (got["MSFT"].gaps, got["MSFT"].has_gaps) == (0, False)
        assert (got["IBM"].gaps, got["IBM"].has_gaps) == (None, True)

    def test_issues_are_kept_in_order_and_appended(self, catalog: Catalog) -> None:
        ident = _new(catalog)
        assert catalog.dataset_issues(ident).equals(empty_issues())
        first = _issues(
            ("rejected", "AAPL", "2024-01-03", "no_negative_prices", "a price is negative", "a.csv:4"),
            ("flag", "AAPL", "2024-01-09", "suspected_split", "close 700 -> open 100: 7:1", None),
        )
        assert catalog.record_dataset_issues(ident, first) == 2
        assert catalog.record_dataset_issues(ident, _issues((  "rejected", None, None, "no_nulls", None, None))) == 1
        got = catalog.dataset_issues(ident)
        assert got.schema == ISSUE_SCHEMA
        assert got.rows() == [*first.rows(), ("rejected", None, None, "no_nulls", None, None)]

    @pytest.mark.parametrize(
        "bad",
        [
            None,
            "rows",
            pl.DataFrame({"kind": ["rejected"]}),
            _issues(("oops", "A", None, "r", None, None)),
            _issues(("flag", "A", None, None, None, None)),
        ],
    )
    def test_bad_issue_frames_keep_nothing(self, catalog: Catalog, bad: object) -> None:
        ident = _new(catalog)
        with pytest.raises(InvalidRequestError):
            catalog.record_dataset_issues(ident, bad)  # type: ignore[arg-type]
        assert catalog.dataset_issues(ident).is_empty()

    def test_issues_of_an_unknown_dataset_and_of_a_removed_one(self, catalog: Catalog) -> None:
        with pytest.raises(DatasetNotFoundError):
            catalog.dataset_issues("nope")
        with pytest.raises(DatasetNotFoundError):
            catalog.record_dataset_issues("nope", _issues(("flag", "A", None, "r", None, None)))
        ident = _new(catalog, "again")
        catalog.record_dataset_issues(ident, _issues(("flag", "A", None, "r", None, None)))
        catalog.remove_dataset(ident)
        assert catalog.dataset_issues(_new(catalog, "again")).is_empty()
