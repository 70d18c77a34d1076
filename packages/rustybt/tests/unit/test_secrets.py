"""Credentials are encrypted at rest with AES-256-GCM and never shown."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from rustybt.app.cli import main
from rustybt.app.secrets import SecretStore
from rustybt.domain.errors import ConfigurationError

VALUE = "sk-live-7f3a9c1e-very-secret"


def test_round_trip_and_nothing_in_clear_on_disk(tmp_path: Path) -> None:
    key = SecretStore.create_key(tmp_path / "config" / "secret.key")
    store = SecretStore(tmp_path / "config" / "secrets.json", key)
    store.set("ccxt.binance.apiKey", VALUE)
    assert store.get("ccxt.binance.apiKey").reveal() == VALUE
    raw = (tmp_path / "config" / "secrets.json").read_bytes()
    assert VALUE.encode() not in raw
    assert stat.S_IMODE(os.stat(tmp_path / "config" / "secrets.json").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "config" / "secret.key").st_mode) == 0o600
    assert VALUE not in repr(store.get("ccxt.binance.apiKey"))
    assert VALUE not in str(store.get("ccxt.binance.apiKey"))


def test_wrong_key_or_tampering_is_a_clear_error_without_the_value(tmp_path: Path) -> None:
    store = SecretStore(tmp_path / "s.json", os.urandom(32))
    store.set("a", VALUE)
    with pytest.raises(ConfigurationError, match="wrong key or the file was altered") as info:
        SecretStore(tmp_path / "s.json", os.urandom(32)).get("a")
    assert VALUE not in str(info.value)
    data = (tmp_path / "s.json").read_text().replace('"a"', '"b"')
    (tmp_path / "s.json").write_text(data)
    with pytest.raises(ConfigurationError):
        store.get("b")  # the name is bound as associated data


def test_key_from_environment(tmp_path: Path) -> None:
    key = os.urandom(32)
    env = {"RUSTYBT_SECRET_KEY": base64.b64encode(key).decode()}
    SecretStore.from_environment(tmp_path, env).set("x", VALUE)
    assert SecretStore.from_environment(tmp_path, env).get("x").reveal() == VALUE
    with pytest.raises(ConfigurationError, match="32 bytes"):
        SecretStore.from_environment(tmp_path, {"RUSTYBT_SECRET_KEY": base64.b64encode(b"short").decode()})
    with pytest.raises(ConfigurationError, match="rustybt secrets init"):
        SecretStore.from_environment(tmp_path / "elsewhere", {})


def test_cli_never_prints_the_secret(tmp_path: Path) -> None:
    runner = CliRunner()
    home = ["--home", str(tmp_path)]
    assert runner.invoke(main, [*home, "secrets", "init"]).exit_code == 0
    stored = runner.invoke(main, [*home, "secrets", "set", "ccxt.kraken.secret"], input=f"{VALUE}\n")
    assert stored.exit_code == 0, stored.output
    listed = runner.invoke(main, [*home, "secrets", "list"])
    shown = runner.invoke(main, [*home, "config", "show"])
    for result in (stored, listed, shown):
        assert VALUE not in result.output
    assert "ccxt.kraken.secret" in listed.output
