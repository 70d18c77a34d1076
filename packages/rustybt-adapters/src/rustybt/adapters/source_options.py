"""Every option of every source, with its type, default and meaning: what ``--option
KEY=VALUE`` accepts, how its text becomes a value, and what ``rustybt ingest --help-options``
lists.

Values are read as text first: ``date_format=%Y-%m-%d`` needs no quotes. Booleans take
true/false/yes/no/1/0, numbers their usual spelling, ``null`` (or ``none``, ``~``) an unset
optional value; mappings and lists are YAML flow text (``{date_column: date}``, ``[a, b]``),
and ``schema_mapping.date_column=date`` sets one key of a mapping. A key a source does not know
is one error naming it and listing the source's keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml  # type: ignore[import-untyped]

from rustybt.domain.assets import AssetType
from rustybt.domain.errors import ConfigurationError

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")
_NULL = ("null", "none", "~", "")
_LARGEST = 2**31 - 1


@dataclass(frozen=True)
class SourceOption:
    """One constructor keyword a user may set. ``kind``: text, bool, int, scale, mapping (of
    text), settings (a mapping of any YAML values), list or choice; ``minimum`` bounds an int;
    ``nullable`` accepts null."""

    name: str
    kind: str
    default: object
    help: str
    choices: tuple[str, ...] = ()
    nullable: bool = False
    minimum: int | None = None

    def parse(self, raw: str, source: str) -> object:
        """The value ``raw`` spells; ``ConfigurationError`` naming the option otherwise."""
        text = _unquoted(raw.strip())
        where = f"--option {self.name} of {source}"
        if self.nullable and text.lower() in _NULL:
            return None
        if self.kind == "bool":
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise ConfigurationError(f"{where}: {raw!r} is not true or false")
        if self.kind in ("int", "scale"):
            try:
                number: int | None = int(text) if text.isascii() else None
            except ValueError:
                number = None
            if number is None or (self.minimum is not None and number < self.minimum) or abs(number) > _LARGEST:
                least = f" of at least {self.minimum}" if self.minimum is not None else ""
                raise ConfigurationError(f"{where}: {raw!r} is not a whole number{least} (up to {_LARGEST})")
            return number
        if self.kind == "choice":
            if text.lower() not in self.choices:
                raise ConfigurationError(f"{where}: {raw!r} is not one of {', '.join(self.choices)}")
            return text.lower()
        if self.kind in ("mapping", "settings", "list"):
            return _structured(text, self.kind, where)
        return text

    def describe(self) -> str:
        allowed = f" ({'|'.join(self.choices)})" if self.choices else ""
        return f"{self.name}={_shown(self.default)}{allowed}  {self.help}"


def _unquoted(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _structured(text: str, kind: str, where: str) -> object:
    shape = "list" if kind == "list" else "mapping"
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as err:
        problem = " ".join(str(getattr(err, "problem", None) or err).split())
        raise ConfigurationError(f"{where}: {text!r} is not a YAML {shape} ({problem})") from None
    if not isinstance(value, list if kind == "list" else dict):
        example = "[date, open, high, low, close, volume]" if kind == "list" else "{date_column: date, open_column: open}"
        raise ConfigurationError(f"{where}: {text!r} is not a {shape}; write it like {example}")
    if kind == "mapping" and isinstance(value, dict) and not all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value.items()):
        raise ConfigurationError(f"{where}: every key and value of {text!r} must be text (or null)")
    if isinstance(value, list) and not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f"{where}: every item of {text!r} must be text")
    return value


def _shown(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


_O = SourceOption
VALIDATION_OPTIONS: tuple[SourceOption, ...] = (
    _O("allow_negative_prices", "bool", False, "accept prices below zero (futures such as WTI on 2020-04-20, spreads)"),
    _O("allow_zero_prices", "bool", False, "accept prices of exactly zero"),
)
SOURCE_OPTIONS: dict[str, tuple[SourceOption, ...]] = {
    "csv": (
        _O("schema_mapping", "mapping", "Date/Open/High/Low/Close/Volume", "file column of each field: date_column, open_column, high_column, low_column, close_column, volume_column (null: no volume), symbol_column (a long file), dividend_column, split_column"),
        _O("date_format", "text", "%Y-%m-%d", "strftime format of the date column, or epoch (seconds, ms, us or ns, detected), epoch_s, epoch_ms, epoch_us, epoch_ns; null: inferred", nullable=True),
        _O("timezone", "text", "UTC", "time zone of times written without an offset, e.g. America/New_York"),
        _O("ambiguous", "choice", "raise", "a local time the clocks pass twice (fall back): the earliest or latest instant, infer (the first occurrence the earlier, the second the later), or raise", ("earliest", "latest", "infer", "raise")),
        _O("nonexistent", "choice", "raise", "a local time the clocks skip (spring forward): shift_forward to the first time after the gap, or raise", ("shift_forward", "raise")),
        _O("delimiter", "text", ",", "field separator"),
        _O("has_header", "bool", True, "whether the first line names the columns"),
        _O("column_names", "list", None, "names of the columns of header-less files", nullable=True),
        _O("skip_rows", "int", 0, "lines to skip before the header or data", minimum=0),
        _O("encoding", "text", "utf8", "text encoding: utf8 or utf8-lossy"),
        _O("price_scale", "scale", 1, "a power of ten the prices are multiplied by (LEAN: 10000)", minimum=1),
        _O("resolution", "text", "1d", "the bar size of the files (rustybt ingest --resolution sets it too)"),
        _O("symbol", "text", None, "the symbol of a single-symbol file (default: its name)", nullable=True),
        _O("file_pattern", "text", "{symbol}", "file name of a symbol in the folder, e.g. {symbol}/*_trade.zip"),
        _O("date_from_filename", "text", None, "strftime format of the day at the start of each file name (LEAN intraday)", nullable=True),
        _O("exchange", "text", None, "what sids are keyed by with the symbol (default: the source name)", nullable=True),
        _O("asset_type", "choice", "equity", "kind of the assets", tuple(t.value for t in AssetType)),
    ),
    "ccxt": (
        _O("testnet", "bool", False, "use the exchange's sandbox"),
        _O("rate_limit", "bool", True, "let ccxt pace requests to the exchange's limit"),
        _O("timeout", "int", 30000, "request timeout in milliseconds", minimum=1),
        _O("retry_attempts", "int", 3, "retries of a failed or rate-limited request", minimum=0),
        _O("retry_delay", "int", 5000, "first wait between retries in milliseconds (doubling)", minimum=0),
        _O("limit", "int", None, "bars per request (default: the exchange's maximum)", nullable=True, minimum=1),
        _O("api_url", "text", None, "another base URL for the exchange's API", nullable=True),
        _O("options", "settings", None, "ccxt exchange options, e.g. {fetchMarkets: {types: [spot]}}", nullable=True),
    ),
    "yfinance": (
        _O("timeout", "int", 30, "request timeout in seconds", minimum=1),
        _O("retry_attempts", "int", 3, "retries of a failed request", minimum=0),
        _O("retry_delay", "int", 1000, "first wait between retries in milliseconds (doubling)", minimum=0),
        _O("adjusted_prices", "bool", False, "split- and dividend-adjusted prices instead of raw ones"),
        _O("tz_cache_dir", "text", None, "folder for yfinance's time-zone cache", nullable=True),
    ),
}
del _O


def source_kind(spec: str) -> str:
    return spec.strip().partition(":")[0].lower() if isinstance(spec, str) else ""


def options_of(kind: str) -> dict[str, SourceOption]:
    """The options a source kind takes, validation options included."""
    return {o.name: o for o in (*SOURCE_OPTIONS.get(kind, ()), *VALIDATION_OPTIONS)}


def parse_options(spec: str, pairs: Iterable[str]) -> dict[str, Any]:
    """``--option KEY=VALUE`` pairs of source ``spec`` as constructor keywords (validation
    options included): each key known to the source, each value of its option's type."""
    kind = source_kind(spec)
    known = options_of(kind)
    parsed: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigurationError(f"--option {pair!r} must look like KEY=VALUE (e.g. date_format=%Y-%m-%d)")
        name, dot, inner = key.partition(".")
        option = known.get(name)
        if option is None:
            raise ConfigurationError(f"--option {name!r} is not an option of {spec}; its options: {', '.join(known)} (rustybt ingest --help-options)")
        if dot:
            if option.kind not in ("mapping", "settings") or not inner:
                raise ConfigurationError(f"--option {key!r}: only a mapping option takes KEY.FIELD=VALUE, and {name} is not one")
            text = _unquoted(raw.strip())
            current = parsed.get(name) or {}
            parsed[name] = {**current, inner: None if text.lower() in _NULL else text}
            continue
        parsed[name] = option.parse(raw, spec)
    return parsed


def split_validation(options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``options`` as (source constructor keywords, validation settings)."""
    names = {o.name for o in VALIDATION_OPTIONS}
    return {k: v for k, v in options.items() if k not in names}, {k: v for k, v in options.items() if k in names}


def options_help(kinds: Sequence[str] | None = None) -> str:
    """Every option of every source (or of ``kinds``), one per line, for ``--help-options``."""
    lines: list[str] = []
    for kind in kinds or list(SOURCE_OPTIONS):
        lines.append(f"{kind} ({'csv:<name> --path FILE_OR_FOLDER' if kind == 'csv' else 'ccxt:<exchange>' if kind == 'ccxt' else kind}):")
        lines += [f"  {o.describe()}" for o in SOURCE_OPTIONS[kind]]
    lines.append("every source (validation):")
    lines += [f"  {o.describe()}" for o in VALIDATION_OPTIONS]
    return "\n".join(lines)


__all__ = ["SOURCE_OPTIONS", "VALIDATION_OPTIONS", "SourceOption", "options_help", "options_of", "parse_options", "source_kind", "split_validation"]
