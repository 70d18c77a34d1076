"""Creating ccxt exchanges and translating their errors into domain errors."""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from rustybt.adapters.retry import Transient
from rustybt.domain.errors import DataSourceError, NotInstalledError, SymbolNotFoundError, UnknownSourceError

T = TypeVar("T")


def ccxt_module() -> Any:
    """``ccxt.async_support``, or ``NotInstalledError`` naming the extra."""
    try:
        import ccxt.async_support as ccxt_async
    except ImportError as err:
        raise NotInstalledError("the ccxt data source needs ccxt: pip install 'rustybt-adapters[ccxt]'") from err
    return ccxt_async


def exchange_class(exchange_id: str) -> type[Any]:
    """The ccxt class for ``exchange_id``; ``UnknownSourceError`` with close matches otherwise."""
    module = ccxt_module()
    known: list[str] = list(module.exchanges)
    if exchange_id not in known:
        close = difflib.get_close_matches(exchange_id, known, n=3)
        hint = (
            f"; did you mean {', '.join(close)}?"
            if close
            else f"; ccxt knows {len(known)} exchanges, e.g. binance, kraken, coinbase"
        )
        raise UnknownSourceError(f"unknown ccxt exchange {exchange_id!r}{hint}")
    cls: type[Any] = getattr(module, exchange_id)
    return cls


def rehost(urls: Any, base: str) -> Any:
    """Every URL in ccxt's ``urls['api']`` tree moved to the scheme and host of ``base``."""
    if isinstance(urls, Mapping):
        return {key: rehost(value, base) for key, value in urls.items()}
    if isinstance(urls, str) and urls.startswith("http"):
        target = urlsplit(base)
        parts = urlsplit(urls)
        return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, parts.fragment))
    return urls


async def translated(call: Callable[[], Awaitable[T]], *, symbol: str, where: str) -> T:
    """Run one ccxt call: retryable failures become ``Transient``, others domain errors."""
    ccxt_async = ccxt_module()
    try:
        return await call()
    except (ccxt_async.RateLimitExceeded, ccxt_async.DDoSProtection) as err:
        raise Transient(err, rate_limited=True) from err
    except ccxt_async.BadSymbol as err:
        raise SymbolNotFoundError([symbol], where) from err
    except ccxt_async.OperationFailed as err:  # ccxt: network errors and failures worth a retry
        raise Transient(err) from err
    except ccxt_async.BaseError as err:
        raise DataSourceError(f"{where} refused the request for {symbol!r}: {type(err).__name__}: {err}") from err


__all__ = ["ccxt_module", "exchange_class", "rehost", "translated"]
