"""What a backtest run read and how it was run: enough to replay it on the same data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from rustybt.domain.errors import InvalidRequestError
from rustybt.domain.instants import TimeLike, to_utc
from rustybt.domain.stored_files import SHA256_HEX
from rustybt.domain.versions import StoreTable, check_bundle_name

FREQUENCIES = ("daily", "minute")


@dataclass(frozen=True)
class BacktestParameters:
    """How a backtest was run: bundle, UTC start and end, capital (exact), data frequency,
    the algorithm file's path and SHA-256 (hex)."""

    bundle: str
    start: datetime
    end: datetime
    capital: Decimal
    frequency: str
    algo_path: str
    algo_sha256: str

    @classmethod
    def of(
        cls,
        bundle: str,
        start: TimeLike,
        end: TimeLike,
        capital: Decimal | int | str,
        frequency: str,
        algo_path: str,
        algo_sha256: str,
    ) -> BacktestParameters:
        """Checked parameters; ``InvalidRequestError`` (or ``InvalidDateRangeError``) naming the bad one."""
        check_bundle_name(bundle)
        first, last = to_utc(start, name="start"), to_utc(end, name="end")
        if first > last:
            raise InvalidRequestError(f"backtest start {first} is after its end {last}")
        try:
            money = Decimal(capital) if not isinstance(capital, float) else Decimal("NaN")
        except (InvalidOperation, TypeError, ValueError):
            money = Decimal("NaN")
        if not money.is_finite() or money <= 0:
            raise InvalidRequestError(f"capital must be a positive exact number (int, str or Decimal), not {capital!r}")
        if frequency not in FREQUENCIES:
            raise InvalidRequestError(f"frequency must be one of {', '.join(FREQUENCIES)}, not {frequency!r}")
        if not isinstance(algo_path, str) or not algo_path:
            raise InvalidRequestError(f"algo_path must be non-empty text, not {algo_path!r}")
        if not isinstance(algo_sha256, str) or not SHA256_HEX.fullmatch(algo_sha256):
            raise InvalidRequestError(f"algo_sha256 must be 64 lowercase hex digits, not {algo_sha256!r}")
        return cls(bundle, first, last, money, frequency, algo_path, algo_sha256)


@dataclass(frozen=True)
class BacktestRun:
    """A recorded backtest: its parameters and the version of each store table it read."""

    backtest_id: str
    parameters: BacktestParameters
    versions: Mapping[StoreTable, int] = field(default_factory=dict)
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "versions", MappingProxyType(dict(self.versions)))
