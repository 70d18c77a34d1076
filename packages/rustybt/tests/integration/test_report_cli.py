"""``rustybt report`` on a real catalog (SQLite file) and real bars: by id, id prefix, bundle or
--all; recorded splits and dividends and rows rejected at ingest on the page; the page's numbers
equal the ingest summary's and ``catalog show``'s; bad requests are one line and exit 1."""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from rustybt.adapters import CSVAdapter
from rustybt.app import build_container, load_settings
from rustybt.app.cli import main
from rustybt.app.demo import SAMPLES_USED
from rustybt.app.report import write_page
from rustybt.app.report.dataset_pages import RejectionSource, dataset_page
from rustybt.domain import DateRange

SHARED = Path(__file__).resolve().parents[4] / ".." / "shared" / "data"
CSVDIR = SHARED / "zipline-test-resources" / "csvdir_samples" / "csvdir" / "daily"
OHLCV = ("open", "high", "low", "close", "volume")
MAPPING = "schema_mapping={date_column: date, open_column: open, high_column: high, low_column: low, close_column: close, volume_column: volume}"


def run(home: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), *args])


def ingest_csvdir(home: Path, symbols: str, bundle: str) -> dict[str, Any]:
    result = run(home, "ingest", "--source", "csv:csvdir", "--path", str(CSVDIR), "--symbols", symbols,
                 "--start", "2012-01-01", "--end", "2014-12-31", "--option", MAPPING, "--bundle", bundle, "--json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


@pytest.fixture
def two_bundles(tmp_path: Path) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    equities = ingest_csvdir(tmp_path, "AAPL,KO", "eq")
    app = build_container(load_settings(tmp_path, env={}))
    crypto = SAMPLES_USED[1]
    summary = crypto.adapter().ingest_sync(crypto.symbols, crypto.start, crypto.end, crypto.resolution, app.catalog, app.writer("btc"), bundle="btc")
    minute = {"dataset_id": summary.dataset_id, "gaps": summary.gaps, "outliers_flagged": summary.outliers_flagged}
    return tmp_path, equities, minute


def test_numbers_agree_with_the_ingest_summary_and_catalog_show(two_bundles: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    home, equities, minute = two_bundles
    assert minute["gaps"] > 0 and minute["outliers_flagged"] > 0  # real holes and spikes in the LEAN minutes
    for ingested in (equities, minute):
        ident = ingested["dataset_id"]
        reported = json.loads(run(home, "report", ident, "--json").output)
        shown = json.loads(run(home, "catalog", "show", ident, "--json").output)
        symbols = reported["symbols"]
        assert sum(s["missing bars"] for s in symbols) == ingested["gaps"]
        assert sum(s["outliers"] for s in symbols) == ingested["outliers_flagged"]
        with_gaps = {r["symbol"] for r in shown["date_ranges"] if r["has_gaps"]}
        assert {s["symbol"] for s in symbols if s["missing bars"]} == with_gaps
        assert sum(s["bars"] for s in symbols) == shown["row_count"]
        # the page itself embeds the same numbers
        page = Path(reported["html"]).read_text(encoding="utf-8")
        meta = json.loads(page.split('<script type="application/json" id="rbt-meta">')[1].split("</script>")[0])
        assert meta["symbols"]["missing"] == [s["missing bars"] for s in symbols]
        assert meta["symbols"]["outliers"] == [s["outliers"] for s in symbols]


def test_report_all_writes_an_index_linking_every_dataset(
    two_bundles: tuple[Path, dict[str, Any], dict[str, Any]], tab: Any, screenshots: Path
) -> None:
    home, equities, minute = two_bundles
    result = run(home, "report", "--all", "--json")
    assert result.exit_code == 0, result.output
    written = json.loads(result.output)
    index = Path(written["index"])
    assert {d["dataset_id"] for d in written["datasets"]} == {equities["dataset_id"], minute["dataset_id"]}
    assert len(list(index.parent.glob("plotly-*.min.js"))) == 1  # one copy of the library beside them all
    tab.open(index, "table#datasets")
    rows = tab.page.locator("#datasets tbody tr")
    assert rows.count() == 2
    minute_row = tab.page.locator(f'#datasets tr[data-dataset="{minute["dataset_id"]}"] td').all_inner_texts()
    assert minute_row[3] == "1m" and minute_row[8] == f"{minute['gaps']:,}" and minute_row[5] == "3,887"
    assert minute_row[12] != "—"  # last update time of the dataset
    tab.page.screenshot(path=str(screenshots / "index.png"))
    tab.page.fill("#dataset-search", "lean")
    assert tab.page.locator("#datasets tbody tr:not([hidden])").count() == 1
    tab.page.locator("#datasets tbody tr:not([hidden]) a").click()
    tab.page.wait_for_selector("body[data-ready]")
    assert tab.page.inner_text("#symbol-list").startswith("btcusd")
    assert tab.errors == []


def test_report_by_bundle_and_by_id_prefix(two_bundles: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    home, equities, _ = two_bundles
    by_bundle = run(home, "report", "eq", "--json")
    assert by_bundle.exit_code == 0, by_bundle.output
    assert json.loads(by_bundle.output)["dataset_id"] == equities["dataset_id"]
    prefix = run(home, "report", equities["dataset_id"][:8], "--json", "--inline", "--output", str(home / "one" / "eq.html"))
    assert prefix.exit_code == 0, prefix.output
    page = home / "one" / "eq.html"
    assert page.is_file() and not list(page.parent.glob("plotly-*.js"))  # library inside the page
    assert "plotly.js v" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("report", "nope"), "no dataset id or bundle named 'nope'"),
        (("report",), "name a dataset id, a bundle, or give --all"),
        (("report", "eq", "--all"), "not both"),
        (("report", "--all", "--output", "x.html"), "--output names one file but 2 datasets"),
    ],
)
def test_bad_requests_are_one_line_and_write_nothing(two_bundles: tuple[Path, dict[str, Any], dict[str, Any]], args: tuple[str, ...], says: str) -> None:
    home = two_bundles[0]
    result = run(home, *args)
    assert result.exit_code == 1
    assert says in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not (home / "reports").exists() or not any((home / "reports").iterdir())


def test_an_empty_catalog_says_so(tmp_path: Path) -> None:
    result = run(tmp_path, "report", "--all")
    assert result.exit_code == 1 and "holds no dataset yet" in result.output


@pytest.fixture
def broken_ko(tmp_path: Path) -> tuple[Any, Any]:
    """KO from zipline's csvdir samples with three rows broken (high below low, a negative volume),
    ingested leniently into a real catalog with its recorded dividends and split."""
    lines = gzip.decompress((CSVDIR / "KO.csv.gz").read_bytes()).decode().splitlines()
    broken = {40: lambda c: [*c[:2], c[3], c[2], *c[4:]], 41: lambda c: [*c[:5], "-5", *c[6:]], 300: lambda c: [*c[:2], c[3], c[2], *c[4:]]}
    for line_no, change in broken.items():
        lines[line_no - 1] = ",".join(change(lines[line_no - 1].split(",")))
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "KO.csv").write_text("\n".join(lines) + "\n")
    app = build_container(load_settings(tmp_path / "home", env={}))
    adapter = CSVAdapter(folder, name="ko", exchange="NYSE", schema_mapping={"date_column": "date", **{f"{c}_column": c for c in OHLCV}})
    summary = adapter.ingest_sync(["KO"], "2012-01-01", "2014-12-31", "1d", app.catalog, app.writer("ko"), mode="lenient", bundle="ko")
    app.catalog.record_corporate_actions("NYSE", asyncio.run(adapter.fetch_corporate_actions(["KO"], DateRange.of("2012-01-01", "2014-12-31"))))
    return app, summary


def test_recorded_actions_and_rejected_rows_are_markers_and_table_rows(broken_ko: tuple[Any, Any], tmp_path: Path, tab: Any, screenshots: Path) -> None:
    app, summary = broken_ko
    assert summary.rows_rejected == 3
    info = app.catalog.get_dataset_info(summary.dataset_id)
    page = dataset_page(app, info, RejectionSource(lambda _info: summary.rejected))
    path = write_page(page, tmp_path / "ko.html")
    tab.open(path)
    tab.page.locator("#tabs button", has_text="Rejected rows").click()
    rejected = tab.page.locator("#rejections-table tbody tr").all_inner_texts()
    assert len(rejected) == summary.rejected.height >= 3
    assert any("high_gte_low" in r and "KO.csv:40" in r for r in rejected)
    assert any("volume_non_negative" in r and "KO.csv:41" in r for r in rejected)
    tab.page.locator("#tabs button", has_text="Corporate actions").click()
    actions = tab.page.locator("#actions-table tbody tr").all_inner_texts()
    assert any("2012-08-13" in a and "split" in a and "2 new shares per share" in a for a in actions)
    assert sum("dividend" in a for a in actions) == 12  # quarterly, 2012-2014
    tab.page.evaluate("rbtOpen('KO')")
    tab.page.wait_for_selector("#symbol-view[data-ready]")
    names = tab.page.evaluate("() => document.querySelector('#price-chart').data.map(t => t.name)")
    assert {"split", "dividend", "rejected"} <= set(names)
    volume_ticks = tab.page.evaluate("() => Array.from(document.querySelectorAll('#price-chart .y2tick text'), e => e.textContent)")
    assert any(t.endswith("M") for t in volume_ticks) and not any("e+" in t for t in volume_ticks), volume_ticks  # 50M, not 5e+07
    price_ticks = tab.page.evaluate("() => Array.from(document.querySelectorAll('#price-chart .ytick text'), e => e.textContent)")
    date_ticks = tab.page.evaluate("() => Array.from(document.querySelectorAll('#price-chart .xtick text'), e => e.textContent)")
    assert len(price_ticks) >= 4 and len(date_ticks) >= 4  # labelled along the axes, not only at both ends
    tab.page.screenshot(path=str(screenshots / "ko-markers.png"))
    assert tab.errors == []
