"""The page model: every rule becomes a marker of its kind (new rules included), recorded actions
and rejected rows become markers, and the page states which state of the dataset it shows."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import polars as pl

from rustybt.app.report import assess, build_page
from rustybt.app.report.page import render_page
from rustybt.app.report.page_model import VersionDiff
from rustybt.app.report.quality import QualityReport
from rustybt.domain import STANDARD_OHLCV_SCHEMA, DatasetInfo, Resolution
from rustybt.domain.ingest_rejections import REJECTED_SCHEMA
from rustybt.domain.schemas import CORPORATE_ACTIONS_SCHEMA
from rustybt.domain.validation import RuleViolation, Severity, ValidationReport

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def quality(violations: tuple[RuleViolation, ...] = ()) -> QualityReport:
    rows = [("AAA", T0 + timedelta(days=i), Decimal(10 + i), Decimal(11 + i), Decimal(9 + i), Decimal(10 + i), Decimal(5)) for i in range(10)]
    bars = pl.DataFrame(rows, schema=STANDARD_OHLCV_SCHEMA, orient="row")
    info = DatasetInfo("d-1", "csv:x", Resolution.D1, T0, T0 + timedelta(days=9), "ab" * 32, symbols=("AAA",), row_count=10, last_updated=T0)
    report = assess(info, bars, now=T0 + timedelta(days=99))
    if violations:
        extra = ValidationReport(violations, report.validation.rows_checked, ())
        report.validation = report.validation.merged(extra)
        report.symbols[0].violations.extend(violations)
    return report


def test_rules_the_page_has_never_seen_become_markers_with_their_rule_name() -> None:
    new = (
        RuleViolation("suspected_split", Severity.WARNING, "AAA", (4,), 1, "overnight ratio near 2:1 and no split recorded", ("ratio 2.00 ~ 2:1",)),
        RuleViolation("split_not_in_prices", Severity.WARNING, "AAA", (), 1, "recorded split with no jump", ("2024-01-07 ratio 7:1",)),
        RuleViolation("positive_prices", Severity.ERROR, "AAA", (2,), 1, "price is zero or negative"),
        RuleViolation("some_future_rule", Severity.WARNING, "AAA", (3,), 1, "something odd"),
    )
    page = build_page(quality(new))
    markers = {m.rule: m for m in page.symbols[0].markers}
    assert markers["suspected_split"].kind == "suspected split"
    assert markers["suspected_split"].time == T0 + timedelta(days=4)
    assert ("detail", "ratio 2.00 ~ 2:1") in markers["suspected_split"].values
    assert ("close", "14") in markers["suspected_split"].values and ("change", "+7.69%") in markers["suspected_split"].values
    assert markers["split_not_in_prices"].time == T0 + timedelta(days=6)  # the time its detail names
    assert markers["positive_prices"].kind == "error"
    assert markers["some_future_rule"].kind == "flag"
    assert page.symbols[0].flags == 4
    html = render_page(page, "")
    assert "suspected_split" in html and "some_future_rule" in html


def test_recorded_actions_and_rejections_become_markers() -> None:
    actions = pl.DataFrame([("AAA", date(2024, 1, 5), "split", Decimal(7)), ("AAA", date(2024, 1, 8), "dividend", Decimal("0.25"))], schema=CORPORATE_ACTIONS_SCHEMA, orient="row")
    rejected = pl.DataFrame([(12, "AAA", "2024-01-03 00:00:00+00:00", "high_gte_low", "high < low", "AAA.csv:14")], schema=REJECTED_SCHEMA, orient="row")
    symbol = build_page(quality(), actions, rejected).symbols[0]
    kinds = {m.kind: m for m in symbol.markers}
    assert kinds["split"].message.endswith("7 new shares per share") and kinds["split"].time == T0 + timedelta(days=4)
    assert kinds["dividend"].message.endswith("0.25 per share")
    assert kinds["rejected"].rule == "high_gte_low" and kinds["rejected"].location == "AAA.csv:14"
    assert kinds["rejected"].time == T0 + timedelta(days=2)
    assert symbol.rejected_rows == 1 and symbol.actions == 2
    assert symbol.summary()["rejected rows"] == 1 and symbol.summary()["corporate actions"] == 2


def test_the_page_states_the_state_it_shows_and_shows_a_version_diff_when_given() -> None:
    page = build_page(quality())
    html = render_page(page, "")
    assert 'data-checksum="' + "ab" * 32 + '"' in html and "state of 2024-01-01 00:00:00+00:00" in html
    assert 'id="diff"' not in html
    versioned = build_page(quality(), version_label="v7")
    from dataclasses import replace

    shown = render_page(replace(versioned, diff=VersionDiff("v6", "v7", added=3, replaced=2, removed=1)), "")
    assert 'data-version="v7"' in shown and "version v7 ·" in shown
    assert "Changes from version v6 to v7" in shown and "3 bars added · 2 replaced · 1 removed" in shown
