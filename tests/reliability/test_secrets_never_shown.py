"""An exchange API key and secret never show up in logs, outputs, dumps, errors or files.

The key pair is configured twice — in the encrypted store (``rustybt secrets set``, the store
key in ``RUSTYBT_SECRET_KEY``) and in ``RUSTYBT_CCXT_BINANCE_*`` variables — and the command
line runs with logging at DEBUG: a ccxt ingest from a loopback Binance replay, the same
ingest against an exchange that refuses the key and quotes it back in its error body,
``config show`` (YAML and JSON), ``catalog list/verify --json`` and ``secrets list``. The
library runs the same ingests in process with every logger at DEBUG. Then every log line,
stdout, stderr, exception text (message, repr, traceback) and every file under
``$RUSTYBT_HOME`` except the encrypted store is searched for each value: never found.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rustybt.adapters.testing import ReplayServer
from rustybt.adapters.testing.exchanges import BinanceReplay
from rustybt.adapters.testing.replay import Query, Response
from rustybt.app.config import load_settings
from rustybt.app.container import build_container
from rustybt.app.exchange_keys import CredentialedCCXTDataAdapter, exchange_credentials
from rustybt.app.logs import RedactingFormatter
from rustybt.domain.errors import RustyBTDataError

SHARED = Path(os.environ.get("RUSTYBT_SHARED_DATA") or Path(__file__).resolve().parents[2] / ".." / "shared" / "data")
STORED = ("k3yStoredAPI0123456789abcdefXYZ", "s3cretStoredQWERTYuiop0987654321")
FROM_ENV = ("k3yFromEnvironment55667788zzYY", "s3cretFromEnvironment1122AAbbCC")
SPOT = "options={fetchMarkets: {types: [spot]}}"


def _klines() -> list[list[Any]]:
    return list(json.loads((SHARED / "nautilus" / "binance" / "http_spot_market_klines.json").read_text()))


class SignedCurrencies:
    """Binance's private ``sapi`` lists (currencies, margin pairs: ccxt asks them while loading markets once a key
    is set): answers only a request signed with one of the configured secrets, and records
    which one, proving the key pair reached the exchange session."""

    def __init__(self) -> None:
        self.signed_with: list[str] = []

    def __call__(self, query: Query) -> Response:
        fields = {k: v for k, v in query.items() if k != "signature" and not k.startswith("__")}
        for name, secret in (("stored", STORED[1]), ("environment", FROM_ENV[1])):
            for order in (list(fields), sorted(fields)):
                payload = "&".join(f"{k}={fields[k]}" for k in order)
                digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
                if hmac.compare_digest(digest, query.get("signature", "")):
                    self.signed_with.append(name)
                    return Response([])
        return Response({"code": -1022, "msg": "Signature for this request is not valid."}, status=400)


def _binance(server: ReplayServer, currencies: SignedCurrencies) -> None:
    binance = BinanceReplay()
    binance.add("BTCUSDT", "1m", _klines())
    binance.install(server)
    server.route("/sapi/v1/*", currencies)  # capital/config/getall, margin/allPairs, ...


@pytest.fixture(scope="module")
def currencies() -> SignedCurrencies:
    return SignedCurrencies()


@pytest.fixture(scope="module")
def exchange(currencies: SignedCurrencies) -> Iterator[ReplayServer]:
    """Binance with the recorded BTCUSDT 1m klines (2021-10-22 23:03..23:12)."""
    with ReplayServer() as server:
        _binance(server, currencies)
        yield server


@pytest.fixture(scope="module")
def refusing(currencies: SignedCurrencies) -> Iterator[ReplayServer]:
    """Binance whose klines endpoint rejects the key, quoting back the key pair that signed the
    session's private requests."""

    def refuse(_: Query) -> Response:
        quoted = ", ".join(STORED if currencies.signed_with[-1] == "stored" else FROM_ENV)
        return Response({"code": -2015, "msg": f"Invalid API-key, IP, or permissions for action: {quoted}"}, status=401)

    with ReplayServer() as server:
        _binance(server, currencies)
        server.route("/api/v3/klines", refuse)
        yield server


def _ingest(url: str, bundle: str) -> list[str]:
    return [
        "ingest", "--source", "ccxt:binance", "--symbols", "BTC/USDT", "--start", "2021-10-22", "--end", "2021-10-23",
        "--resolution", "1m", "--bundle", bundle, "--option", f"api_url={url}", "--option", SPOT,
        "--option", "retry_attempts=1", "--json",
    ]  # fmt: skip


def _found(values: tuple[str, ...], texts: dict[str, bytes]) -> list[str]:
    return [f"{value[:4]}… in {where}" for where, data in texts.items() for value in values if value.encode() in data]


def test_the_command_line_never_shows_an_api_key(
    zygote: Any, tmp_path: Path, exchange: ReplayServer, refusing: ReplayServer, currencies: SignedCurrencies
) -> None:
    currencies.signed_with.clear()
    home, logs = tmp_path / "home", tmp_path / "logs"
    logs.mkdir()
    base = {"RUSTYBT_SECRET_KEY": base64.b64encode(os.urandom(32)).decode(), "RUSTYBT_LOG_LEVEL": "DEBUG"}
    with_env = {**base, "RUSTYBT_CCXT_BINANCE_API_KEY": FROM_ENV[0], "RUSTYBT_CCXT_BINANCE_SECRET": FROM_ENV[1]}
    runs: list[tuple[str, list[str], dict[str, str], int]] = [
        ("set-key", ["secrets", "set", "ccxt.binance.apiKey", "--value", STORED[0]], base, 0),
        ("set-secret", ["secrets", "set", "ccxt.binance.secret", "--value", STORED[1]], base, 0),
        ("ingest-stored", _ingest(exchange.url, "stored"), base, 0),
        ("refused-stored", _ingest(refusing.url, "refused"), base, 1),
        ("ingest-env", _ingest(exchange.url, "from-env"), with_env, 0),
        ("refused-env", _ingest(refusing.url, "refused"), with_env, 1),
        ("config-yaml", ["config", "show"], with_env, 0),
        ("config-json", ["config", "show", "--json"], with_env, 0),
        ("catalog-list", ["catalog", "list", "--json"], with_env, 0),
        ("verify", ["catalog", "verify", "--json"], with_env, 0),
        ("secrets-list", ["secrets", "list"], base, 0),
    ]
    texts: dict[str, bytes] = {}
    for name, args, env, expected in runs:
        out, err = logs / f"{name}.out", logs / f"{name}.err"
        rc = zygote.run(args, home, stdout=out, stderr=err, env=env)
        texts[out.name], texts[err.name] = out.read_bytes(), err.read_bytes()
        assert rc == expected, f"{name}: exit {rc}\n{err.read_text()[-2000:]}"

    assert b"API key from the secret store" in texts["ingest-stored.err"], "the stored key was not used"
    assert b"API key from the environment" in texts["ingest-env.err"], "the key from the environment was not used"
    assert b" DEBUG " in texts["ingest-env.err"], "no DEBUG log lines: the test would prove nothing"
    assert {"stored", "environment"} <= set(currencies.signed_with), currencies.signed_with
    for name in ("refused-stored", "refused-env"):
        lines = [line for line in texts[f"{name}.err"].decode().splitlines() if line.startswith("error: ")]
        assert len(lines) == 1 and "Invalid API-key" in lines[0] and "***" in lines[0], texts[f"{name}.err"]
    assert json.loads(texts["ingest-stored.out"])["rows_written"] == 10
    names = texts["secrets-list.out"].decode().split()
    assert names == ["ccxt.binance.apiKey", "ccxt.binance.secret"], names

    store = home / "config" / "secrets.json"
    assert store.is_file() and oct(store.stat().st_mode & 0o777) == "0o600"
    for path in sorted(home.rglob("*")):
        if path.is_file() and path != store:
            texts[str(path.relative_to(home))] = path.read_bytes()
    assert any(k.endswith("metadata.db") for k in texts) and any(k.endswith(".parquet") for k in texts)
    leaks = _found(STORED + FROM_ENV, texts)
    assert leaks == [], f"secret values found: {leaks}"


def test_the_library_never_shows_an_api_key(
    tmp_path: Path,
    exchange: ReplayServer,
    refusing: ReplayServer,
    currencies: SignedCurrencies,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    currencies.signed_with.clear()
    home = tmp_path / "home"
    monkeypatch.setenv("RUSTYBT_SECRET_KEY", base64.b64encode(os.urandom(32)).decode())
    from rustybt.app.secrets import SecretStore

    store = SecretStore.from_environment(home)
    store.set("ccxt.binance.apiKey", STORED[0])
    store.set("ccxt.binance.secret", STORED[1])
    credentials = exchange_credentials(home, "binance")
    assert credentials is not None and credentials.api_key.reveal() == STORED[0]
    assert STORED[0] not in repr(credentials) and STORED[1] not in str(credentials)

    captured: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = captured.append  # type: ignore[method-assign]
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    texts: dict[str, bytes] = {}
    try:
        app = build_container(load_settings(home))
        good = CredentialedCCXTDataAdapter(
            "binance", credentials, api_url=exchange.url, options={"fetchMarkets": {"types": ["spot"]}}
        )
        summary = good.ingest_sync(
            ["BTC/USDT"], "2021-10-22", "2021-10-23", "1m", app.catalog, app.writer("lib"), bundle="lib"
        )
        assert summary.rows_written == 10
        bad = CredentialedCCXTDataAdapter(
            "binance",
            credentials,
            api_url=refusing.url,
            options={"fetchMarkets": {"types": ["spot"]}},
            retry_attempts=1,
        )
        with pytest.raises(RustyBTDataError) as caught:
            bad.ingest_sync(["BTC/USDT"], "2021-10-22", "2021-10-23", "1m", app.catalog, app.writer("no"), bundle="no")
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    error = caught.value
    assert "Invalid API-key" in str(error) and "***" in str(error)
    assert set(currencies.signed_with) == {"stored"}, currencies.signed_with
    texts["message"] = str(error).encode()
    texts["repr"] = repr(error).encode()
    texts["traceback"] = "".join(traceback.format_exception(error)).encode()
    assert captured, "no log records at DEBUG: the test would prove nothing"
    formatter = RedactingFormatter("%(name)s %(message)s")
    texts["log records"] = "\n".join(r.getMessage() for r in captured).encode()
    texts["formatted log lines"] = "\n".join(formatter.format(r) for r in captured).encode()
    for path in sorted(home.rglob("*")):
        if path.is_file() and path.name != "secrets.json":
            texts[str(path.relative_to(home))] = path.read_bytes()
    leaks = _found(STORED, texts)
    assert leaks == [], f"secret values found: {leaks}"


def test_half_configured_or_undecryptable_keys_are_refused_without_showing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rustybt.app.secrets import SecretStore
    from rustybt.domain.errors import ConfigurationError

    half = {"RUSTYBT_CCXT_KRAKEN_API_KEY": FROM_ENV[0]}
    with pytest.raises(ConfigurationError, match="RUSTYBT_CCXT_KRAKEN_SECRET") as caught:
        exchange_credentials(tmp_path, "kraken", half)
    assert FROM_ENV[0] not in str(caught.value)
    assert exchange_credentials(tmp_path, "kraken", {}) is None
    key = base64.b64encode(os.urandom(32)).decode()
    store = SecretStore.from_environment(tmp_path, {"RUSTYBT_SECRET_KEY": key})
    store.set("ccxt.kraken.apiKey", STORED[0])
    store.set("ccxt.kraken.secret", STORED[1])
    assert exchange_credentials(tmp_path, "binance", {"RUSTYBT_SECRET_KEY": key}) is None
    with pytest.raises(ConfigurationError, match="no secret key") as caught:
        exchange_credentials(tmp_path, "kraken", {})
    other = base64.b64encode(os.urandom(32)).decode()
    with pytest.raises(ConfigurationError, match="cannot be decrypted") as wrong:
        exchange_credentials(tmp_path, "kraken", {"RUSTYBT_SECRET_KEY": other})
    for error in (caught.value, wrong.value):
        assert not any(v in "".join(traceback.format_exception(error)) for v in STORED)
