"""Hostile exchange JSON and hostile configuration files.

JSON: Binance klines served by the loopback ``BinanceReplay`` with some price or volume cells
replaced by hostile JSON values (null, booleans, huge integers, NaN/inf floats and strings,
unicode, 10,000-character strings, lists, objects) go through ``CCXTDataAdapter`` and the
lenient ingest into a real Parquet store and SQLite catalog: never an exception other than a
``RustyBTDataError``; clean rows stored exactly; hostile rows stored with exactly the value
they spell (8 decimals at most, rounding counted) or rejected by row, time and rule.

Config: YAML documents with unknown sections and keys, wrong types, huge numbers, NaN/inf,
unicode, very long and attack strings (and files that are not YAML at all) as
``data_catalog.yaml``, plus hostile ``RUSTYBT_*`` variables: ``load_settings`` returns settings
that satisfy every check, or raises ``ConfigurationError`` naming the file or the variable.
``rustybt config show`` on such files exits 0, or 1 with one ``error:`` line naming the file.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import math
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rustybt.adapters.ccxt_adapter import CCXTDataAdapter
from rustybt.adapters.testing import ReplayServer
from rustybt.adapters.testing.exchanges import BinanceReplay
from rustybt.app.config import DEFAULTS, load_settings
from rustybt.catalog.sqlite import DataCatalog
from rustybt.domain.errors import ConfigurationError, RustyBTDataError
from rustybt.storage.parquet import ParquetWriter

_spec = importlib.util.spec_from_file_location("rustybt_reliability_hostile", Path(__file__).with_name("hostile.py"))
assert _spec is not None and _spec.loader is not None
hostile = sys.modules.get(_spec.name) or importlib.util.module_from_spec(_spec)
if _spec.name not in sys.modules:
    sys.modules[_spec.name] = hostile
    _spec.loader.exec_module(hostile)

START_MS = int(datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp() * 1000)
HOUR_MS = 3_600_000
TALLY = hostile.Tally()
_bundles = itertools.count()
SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}


@st.composite
def hostile_klines(draw: Any) -> tuple[list[list[Any]], set[int]]:
    rows: list[list[Any]] = []
    spoiled: set[int] = set()
    for i in range(draw(st.integers(min_value=1, max_value=12))):
        low = draw(st.decimals(min_value=1, max_value=90000, places=2))
        up = [draw(st.decimals(min_value=0, max_value=500, places=2)) for _ in range(2)]
        o, h, lo, c, v = low + up[0], low + up[0] + up[1], low, low + up[1], draw(st.decimals(0, 10**6, places=5))
        t = START_MS + i * HOUR_MS
        row: list[Any] = [t, str(o), str(h), str(lo), str(c), str(v), t + HOUR_MS - 1, "0", 1, "0", "0", "0"]
        if draw(st.booleans()):
            row[draw(st.integers(min_value=1, max_value=5))] = draw(hostile.hostile_json)
            spoiled.add(i)
        rows.append(row)
    return rows, spoiled


class Exchange:
    """A Binance replay, one adapter (markets loaded once), one catalog, a bundle per example."""

    def __init__(self, root: Path, server: ReplayServer, binance: BinanceReplay) -> None:
        self.root, self.server, self.binance = root, server, binance
        self.catalog = DataCatalog(f"sqlite:///{root / 'metadata.db'}")
        spot = {"fetchMarkets": {"types": ["spot"]}}
        self.adapter = CCXTDataAdapter("binance", api_url=server.url, options=spot, retry_attempts=1, retry_delay=1)


@pytest.fixture(scope="module")
def exchange() -> Iterator[Exchange]:
    binance = BinanceReplay()
    with tempfile.TemporaryDirectory() as root, ReplayServer() as server:
        binance.install(server)
        yield Exchange(Path(root), server, binance)
    print(TALLY.line())


def _spelled(value: Any) -> Decimal | None:
    """The finite number a JSON cell spells (strings as written, JSON numbers by value)."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        return None
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    return hostile.exact(str(value))


def _one_kline(volume: Any) -> tuple[list[list[Any]], set[int]]:
    return [[1_704_067_200_000, "1.00", "1.00", "1.00", "1.00", volume, 1_704_070_799_999, "0", 1, "0", "0", "0"]], {0}


@settings(max_examples=40, **SETTINGS)
@given(hostile_klines())
@example(case=_one_kline("9999999999.99999999"))  # ccxt's float parse once stored it as 1e10
@example(case=_one_kline("123456789012345678901234567890"))
@example(case=_one_kline(18_446_744_073_709_551_616))  # a JSON integer past 64 bits: orjson (ccxt's parser) made it a float
@example(case=_one_kline(123456789012345678901234567890))
def test_hostile_kline_cells_are_stored_exactly_or_rejected_by_rule(exchange: Exchange, case: Any) -> None:
    rows, spoiled = case
    TALLY.tried["kline rows"] += len(rows)
    TALLY.tried["kline hostile cells"] += len(spoiled)
    exchange.binance.klines[("BTCUSDT", "1h")] = rows
    name = f"k{next(_bundles)}"
    writer = ParquetWriter(exchange.root / "bundles" / name)
    try:
        summary = exchange.adapter.ingest_sync(
            ["BTC/USDT"], "2024-01-01", "2024-01-02", "1h", exchange.catalog, writer, mode="lenient", bundle=name
        )
    except RustyBTDataError as error:
        TALLY.outcomes[f"refused: {type(error).__name__}"] += 1
        assert str(error)
        assert exchange.catalog.list_datasets(bundle=name) == []
        return
    stored = _stored(writer)
    rejected = {(when, rule) for when, rule in summary.rejected.select("timestamp", "rule").iter_rows()}
    rejected_times = {when for when, _ in rejected}
    for i, row in enumerate(rows):
        when = datetime.fromtimestamp(row[0] / 1000, tz=timezone.utc)
        expected = [_spelled(cell) for cell in row[1:6]]
        if i not in spoiled:
            assert stored.pop(when, None) == expected, f"clean kline {i} {row[:6]} not stored exactly"
            continue
        if when in stored:
            TALLY.outcomes["hostile row stored"] += 1
            for got, want, cell in zip(stored.pop(when), expected, row[1:6], strict=True):
                assert want is not None, f"kline {i}: {hostile.cell(cell)} is no number but was stored as {got}"
                with localcontext() as wide:  # a 30-digit volume quantized to 8 decimals needs 38 digits
                    wide.prec = 80
                    rounded = want.quantize(Decimal("1e-8"), rounding=ROUND_HALF_EVEN)
                assert got == want or (got == rounded and summary.values_rounded > 0), f"kline {i}: {cell!r} → {got}"
            continue
        TALLY.outcomes["hostile row rejected"] += 1
        assert any(str(when.replace(tzinfo=None)) in t or when.isoformat() in t for t in rejected_times if t), (
            f"kline {i} {[hostile.cell(c) for c in row[1:6]]} neither stored nor rejected; rejected {rejected}"
        )
    assert stored == {}, f"bars nobody sent: {stored}"


@pytest.mark.parametrize("literal", [math.inf, -math.inf, math.nan])
def test_a_kline_body_that_is_not_json_fails_the_fetch(exchange: Exchange, literal: float) -> None:
    TALLY.tried["kline bodies not JSON"] += 1
    row = [START_MS, literal, "2", "1", "1.5", "10", START_MS + HOUR_MS - 1, "0", 1, "0", "0", "0"]
    exchange.binance.klines[("BTCUSDT", "1h")] = [row]
    name = f"k{next(_bundles)}"
    writer = ParquetWriter(exchange.root / "bundles" / name)
    with pytest.raises(RustyBTDataError, match="JSON"):
        exchange.adapter.ingest_sync(
            ["BTC/USDT"], "2024-01-01", "2024-01-02", "1h", exchange.catalog, writer, mode="lenient", bundle=name
        )


def _stored(writer: ParquetWriter) -> dict[datetime, list[Decimal]]:
    reader = writer.reader("1h")
    sids = reader.sids()
    if not sids:
        return {}
    frame = reader.load_raw_arrays(
        sids, ["open", "high", "low", "close", "volume"], "2023-12-31", "2024-01-03"
    ).collect()
    return {r[0]: list(r[2:]) for r in frame.iter_rows()}


KEYS = sorted({k for section in DEFAULTS.values() for k in section} | set(DEFAULTS))
yaml_scalars = st.one_of(
    hostile.hostile_json, st.sampled_from(["strict", "zstd", "sqlite", "disk", "postgresql", ".nan", "-.inf"])
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.dictionaries(st.sampled_from(KEYS) | hostile.hostile_text, inner, max_size=4),
    max_leaves=8,
)
documents = st.one_of(
    st.dictionaries(st.sampled_from(sorted(DEFAULTS)) | hostile.hostile_text, yaml_values, max_size=4).map(
        lambda d: yaml.safe_dump(d, allow_unicode=True)
    ),
    st.text(hostile.no_breaks | st.sampled_from("\n\t:-[]{}&*!|>'\"%@`#"), max_size=200),
    st.sampled_from(["a: [1, 2", "{{{", "- - -\n  :", "catalog: !!python/object:os.system {}", "&a [*a]", "\x00\x01"]),
)


def _check_settings(text: str, env: dict[str, str], home: Path) -> None:
    (home / "config").mkdir(parents=True, exist_ok=True)
    target = home / "config" / "data_catalog.yaml"
    target.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        loaded = load_settings(home, env=env)
    except ConfigurationError as error:
        TALLY.outcomes["config refused"] += 1
        named = str(target) in str(error) or any(name in str(error) for name in env) or "." in str(error)
        assert named, f"the error names no file, variable or key: {error}"
        return
    TALLY.outcomes["config loaded"] += 1
    values = loaded.as_dict()
    json.dumps(values, default=str)
    assert loaded.catalog_url and loaded.bundles_dir.is_absolute()
    for key in ("hot_cache_size_mb", "cold_cache_size_mb", "ttl_seconds"):
        value = values["cache"][key]
        assert isinstance(value, int) and not isinstance(value, bool) and value > 0, (key, value)
    assert values["validation"]["mode"] in ("strict", "lenient")


env_names = st.sampled_from(
    [
        "RUSTYBT_HOT_CACHE_SIZE_MB",
        "RUSTYBT_CACHE_TTL_SECONDS",
        "RUSTYBT_VALIDATION_MODE",
        "RUSTYBT_CACHE_KIND",
        "RUSTYBT_PARQUET_COMPRESSION_LEVEL",
        "RUSTYBT_VALIDATION_OUTLIER_STD_THRESHOLD",
    ]
)


@settings(max_examples=500, **SETTINGS)
@given(documents, st.dictionaries(env_names, hostile.hostile_number.filter(lambda s: "\x00" not in s), max_size=2))
def test_hostile_config_files_load_checked_or_fail_naming_the_file(text: str, env: dict[str, str]) -> None:
    TALLY.tried["config files"] += 1
    TALLY.tried["config variables"] += len(env)
    with tempfile.TemporaryDirectory() as home:
        _check_settings(text, env, Path(home))


@settings(max_examples=25, **SETTINGS)
@given(documents)
def test_config_show_on_a_hostile_file_exits_cleanly(zygote: Any, text: str) -> None:
    TALLY.tried["config show runs"] += 1
    with tempfile.TemporaryDirectory() as root:
        home = Path(root) / "home"
        (home / "config").mkdir(parents=True)
        (home / "config" / "data_catalog.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        out, err = Path(root) / "out", Path(root) / "err"
        rc = zygote.run(["config", "show", "--json"], home, stdout=out, stderr=err)
        lines = err.read_text(errors="replace").splitlines()
        assert rc in (0, 1), f"exit {rc}: {lines[-5:]}"
        if rc == 0:
            json.loads(out.read_text())
        else:
            assert len(lines) == 1 and lines[0].startswith("error: ") and "data_catalog.yaml" in lines[0], lines
