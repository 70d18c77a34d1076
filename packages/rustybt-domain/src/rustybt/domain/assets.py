"""Asset identity: which instrument a sid stands for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from rustybt.domain.errors import InvalidRequestError


class AssetType(Enum):
    """What kind of instrument an asset is."""

    EQUITY = "equity"
    CRYPTOCURRENCY = "cryptocurrency"
    FUTURE = "future"
    FOREX = "forex"

    @classmethod
    def parse(cls, text: str | AssetType) -> AssetType:
        if isinstance(text, AssetType):
            return text
        try:
            return cls(text.strip().lower())
        except ValueError:
            allowed = ", ".join(repr(t.value) for t in cls)
            raise InvalidRequestError(f"unknown asset type {text!r}; expected one of {allowed}") from None


MAX_SYMBOL_LENGTH = 1000
MAX_SYMBOL_BYTES = 2000  # every catalog backend can index a value this long
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_symbol(symbol: object, *, where: str = "symbol") -> str:
    """Return ``symbol`` if it is a usable symbol, else raise ``InvalidRequestError``.

    Symbols are stored verbatim (quotes, semicolons, unicode, slashes are all fine); only
    empty strings, control characters and absurd lengths are refused.
    """
    if not isinstance(symbol, str):
        raise InvalidRequestError(f"{where} must be a string, not {type(symbol).__name__}")
    if not symbol.strip():
        raise InvalidRequestError(f"{where} is empty ({symbol!r})")
    if len(symbol) > MAX_SYMBOL_LENGTH:
        raise InvalidRequestError(f"{where} is {len(symbol)} characters; the limit is {MAX_SYMBOL_LENGTH}")
    if len(symbol.encode("utf-8")) > MAX_SYMBOL_BYTES:
        raise InvalidRequestError(f"{where} is {len(symbol.encode('utf-8'))} bytes in UTF-8; the limit is {MAX_SYMBOL_BYTES}")
    if _CONTROL.search(symbol):
        raise InvalidRequestError(f"{where} {symbol!r} contains a control character")
    return symbol


@dataclass(frozen=True, order=True)
class AssetKey:
    """Identity of an instrument: the exchange (or source) that lists it, and its symbol."""

    exchange: str
    symbol: str

    def __post_init__(self) -> None:
        check_symbol(self.symbol)
        if not isinstance(self.exchange, str) or not self.exchange.strip():
            raise InvalidRequestError("exchange (or source) of an asset must be a non-empty string")

    def __str__(self) -> str:
        return f"{self.exchange}:{self.symbol}"


@dataclass(frozen=True)
class Asset:
    """An instrument with the stable sid the catalog assigned to it."""

    sid: int
    exchange: str
    symbol: str
    asset_type: AssetType = AssetType.EQUITY

    @property
    def key(self) -> AssetKey:
        return AssetKey(self.exchange, self.symbol)
