"""Exchange API keys for ccxt sources, from the environment or the encrypted secret store.

For exchange ``binance``: the variables ``RUSTYBT_CCXT_BINANCE_API_KEY`` and
``RUSTYBT_CCXT_BINANCE_SECRET``, else the stored secrets ``ccxt.binance.apiKey`` and
``ccxt.binance.secret`` (``rustybt secrets set``). Values travel as ``Secret`` objects and are
revealed only to the ccxt client; an error that would quote one is raised again without it.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from typing_extensions import override

from rustybt.adapters.ccxt_adapter import CCXTDataAdapter
from rustybt.app.logs import redact_logger
from rustybt.app.secrets import Secret, SecretStore, redact
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import ConfigurationError, DataSourceError, RustyBTDataError
from rustybt.domain.resolution import Resolution

log = logging.getLogger(__name__)
CCXT_LOGGERS = ("ccxt.base.exchange", "ccxt.async_support.base.exchange")  # they log request headers


@dataclass(frozen=True)
class ExchangeCredentials:
    """The API key and secret of one exchange account (printing them shows ``***``)."""

    api_key: Secret
    secret: Secret
    origin: str


def _env_names(exchange: str) -> tuple[str, str]:
    stem = f"RUSTYBT_CCXT_{exchange.upper()}"
    return f"{stem}_API_KEY", f"{stem}_SECRET"


def store_names(exchange: str) -> tuple[str, str]:
    """Names of the stored API key and secret of ``exchange``."""
    return f"ccxt.{exchange}.apiKey", f"ccxt.{exchange}.secret"


def exchange_credentials(home: Path, exchange: str, env: Mapping[str, str] | None = None) -> ExchangeCredentials | None:
    """The credentials configured for ``exchange``, or ``None`` when there are none.

    Raises ``ConfigurationError`` when only one of the two environment variables is set, or
    when the store holds them but no key to decrypt them is available."""
    env = os.environ if env is None else env
    key_var, secret_var = _env_names(exchange)
    if env.get(key_var) or env.get(secret_var):
        if not (env.get(key_var) and env.get(secret_var)):
            raise ConfigurationError(f"set both {key_var} and {secret_var} for exchange {exchange!r}, or neither")
        log.debug("exchange %s: API key from the environment", exchange)
        return ExchangeCredentials(Secret(env[key_var]), Secret(env[secret_var]), "environment")
    stored = home / "config" / "secrets.json"
    if not stored.exists():
        return None
    names = store_names(exchange)
    try:
        present = set(json.loads(stored.read_text(encoding="utf-8")))
    except (OSError, ValueError) as err:
        raise ConfigurationError(f"the secret store {stored} cannot be read: {err}") from err
    if not set(names) <= present:
        return None
    store = SecretStore.from_environment(home, env)  # ConfigurationError when no key is available
    log.debug("exchange %s: API key from the secret store %s", exchange, stored)
    return ExchangeCredentials(store.get(names[0]), store.get(names[1]), str(stored))


class CredentialedCCXTDataAdapter(CCXTDataAdapter):
    """``CCXTDataAdapter`` whose exchange sessions carry an account's API key and secret; ccxt's
    own request logging is masked."""

    def __init__(self, exchange: str, credentials: ExchangeCredentials, **options: Any) -> None:
        super().__init__(
            exchange, api_key=credentials.api_key.reveal(), secret=credentials.secret.reveal(), **options
        )
        self.credentials = credentials
        for name in CCXT_LOGGERS:
            redact_logger(name)

    @override
    async def fetch_raw(self, symbols: Sequence[str], span: DateRange, resolution: Resolution) -> pl.DataFrame:
        try:
            return await super().fetch_raw(symbols, span, resolution)
        except RustyBTDataError as error:
            if _mentions_secret(error):
                raise DataSourceError(redact(str(error))) from None
            raise


def _mentions_secret(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if redact(str(seen)) != str(seen) or any(redact(str(a)) != str(a) for a in seen.args):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


__all__ = ["CredentialedCCXTDataAdapter", "ExchangeCredentials", "exchange_credentials", "store_names"]
