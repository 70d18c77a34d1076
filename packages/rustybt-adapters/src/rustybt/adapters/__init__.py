"""Data sources (CSV, CCXT, yfinance) and the ingest workflow of RustyBT Data.

``CCXTDataAdapter`` and ``YFinanceAdapter`` import their SDKs (extras ``[ccxt]`` and
``[yfinance]``) only when first used; a missing SDK raises ``NotInstalledError``.
"""

from __future__ import annotations

from typing import Any

from rustybt.adapters.base import BaseDataAdapter
from rustybt.adapters.csv_adapter import CSVAdapter
from rustybt.adapters.csv_columns import SchemaMapping
from rustybt.adapters.errors import CSVFormatError
from rustybt.adapters.sources import SOURCE_FORMS, source_from_spec
from rustybt.domain.ingest import IngestProgress, IngestSummary

_LAZY = {
    "CCXTDataAdapter": "rustybt.adapters.ccxt_adapter",
    "YFinanceAdapter": "rustybt.adapters.yfinance_adapter",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rustybt.adapters' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "SOURCE_FORMS",
    "BaseDataAdapter",
    "CCXTDataAdapter",
    "CSVAdapter",
    "CSVFormatError",
    "IngestProgress",
    "IngestSummary",
    "SchemaMapping",
    "YFinanceAdapter",
    "source_from_spec",
]
