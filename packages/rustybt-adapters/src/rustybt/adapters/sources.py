"""Building a data source from its command-line form: ``ccxt:<id>``, ``yfinance``, ``csv:<name>``."""

from __future__ import annotations

from typing import Any

from rustybt.adapters.base import BaseDataAdapter
from rustybt.domain.errors import ConfigurationError, UnknownSourceError

SOURCE_FORMS = ("ccxt:<exchange id>", "yfinance", "csv:<name>")


def source_from_spec(spec: str, **options: Any) -> BaseDataAdapter:
    """The adapter named by ``spec``, built with ``options`` (its constructor keywords).

    ``csv:<name>`` needs ``path=`` (or ``files=``). Raises ``UnknownSourceError`` listing the
    valid forms for anything else, and for an exchange ccxt does not know.
    """
    text = spec.strip() if isinstance(spec, str) else ""
    kind, _, rest = text.partition(":")
    kind = kind.lower()
    if kind == "ccxt" and rest:
        from rustybt.adapters.ccxt_adapter import CCXTDataAdapter

        return CCXTDataAdapter(rest.strip().lower(), **options)
    if kind == "yfinance" and not rest:
        from rustybt.adapters.yfinance_adapter import YFinanceAdapter

        return YFinanceAdapter(**options)
    if kind == "csv" and rest:
        from rustybt.adapters.csv_adapter import CSVAdapter

        if "path" not in options and "files" not in options:
            raise ConfigurationError(f"source {spec!r} needs a path to the CSV file or folder (--path)")
        return CSVAdapter(name=rest.strip(), **options)
    raise UnknownSourceError(f"unknown data source {spec!r}; expected one of: {', '.join(SOURCE_FORMS)}")


__all__ = ["SOURCE_FORMS", "source_from_spec"]
