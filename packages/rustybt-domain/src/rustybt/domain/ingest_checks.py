"""Refusals of an ingest, decided before anything is stored, each in one line that says what
to do: a symbol another source already holds in the bundle, no bars at all, a strict-mode
batch with bad rows (named by their place in the source, as lenient mode lists them)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from rustybt.domain.date_range import DateRange
from rustybt.domain.decimals import DecimalConversion
from rustybt.domain.errors import (
    DataSourceError,
    DecimalConversionError,
    InvalidRequestError,
    RustyBTDataError,
    ValidationError,
)
from rustybt.domain.ports.catalog import Catalog
from rustybt.domain.validation import ValidationReport

_SHOWN = 5


class SymbolOwnershipError(InvalidRequestError):
    """A bundle already holds the symbol from another source: zipline's asset database keeps
    one asset per symbol, so the bundle cannot hold both."""


class NoBarsError(DataSourceError, LookupError):
    """The source has no bar of the asked symbols inside the asked range."""


def refuse_foreign_symbols(catalog: Catalog, bundle: str | None, exchange: str, source: str, names: Sequence[str]) -> None:
    """``SymbolOwnershipError`` when a dataset of ``bundle`` holds one of ``names`` under
    another exchange or source than ``exchange`` (a different asset with the same symbol)."""
    if bundle is None:
        return
    wanted = set(names)
    for info in catalog.list_datasets(bundle=bundle):
        owner = info.exchange or info.source
        clash = sorted(wanted & set(info.symbols))
        if owner == exchange or not clash:
            continue
        shown = ", ".join(clash[:_SHOWN]) + (f" and {len(clash) - _SHOWN} more" if len(clash) > _SHOWN else "")
        raise SymbolOwnershipError(
            f"bundle {bundle!r} already holds {shown} from {info.source} (dataset {info.dataset_id}); a bundle holds "
            f"one asset per symbol: ingest {source} into another bundle (--bundle NAME), or remove that dataset first "
            f"(rustybt catalog remove {info.dataset_id[:8]})"
        )


def no_bars(source: str, names: Sequence[str], span: DateRange, why: str | None) -> NoBarsError:
    shown = ", ".join(names[:_SHOWN]) + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")
    reason = why or "the source returned none"
    return NoBarsError(f"{source} has no bars of {shown} from {span.start.isoformat()} to {span.end.isoformat()}: {reason}; nothing was stored")


def strict_failure(conversion: DecimalConversion, report: ValidationReport, rejected: pl.DataFrame) -> RustyBTDataError:
    """The error of a strict-mode batch with bad rows: the first few named by ``file:line``
    (their ``location``) when the source gave one, else by symbol and time."""
    rows = rejected.unique("row", keep="first", maintain_order=True)
    described = [
        f"{where or f'symbol {symbol!r} at {when}'}: {rule} ({detail})"
        for where, symbol, when, rule, detail in rows.head(_SHOWN).select("location", "symbol", "timestamp", "rule", "detail").iter_rows()
    ]
    more = f" (and {rows.height - _SHOWN} more)" if rows.height > _SHOWN else ""
    message = f"strict mode: {rows.height} row(s) rejected, nothing stored: {'; '.join(described)}{more}"
    if conversion.rejected:
        first = conversion.rejected[0]
        return DecimalConversionError(
            message, column=first.column, reason=first.reason, symbol=first.symbol, when=first.when, row=first.row, value=first.value
        )
    return ValidationError(message, report=report)


__all__ = ["NoBarsError", "SymbolOwnershipError", "no_bars", "refuse_foreign_symbols", "strict_failure"]
