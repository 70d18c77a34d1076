"""Retrying a request with exponential backoff, translating failures into domain errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from rustybt.domain.errors import RateLimitedError, SourceUnavailableError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; the n-th retry waits ``delay_ms * 2**(n-1)`` (capped)."""

    attempts: int = 3
    delay_ms: int = 5000
    max_delay_ms: int = 60000

    def wait_seconds(self, retry: int) -> float:
        return float(min(self.delay_ms * (2 ** (retry - 1)), self.max_delay_ms)) / 1000.0


class Transient(Exception):
    """A failure worth retrying; ``rate_limited`` when the source refused for its rate limit."""

    def __init__(self, cause: BaseException, *, rate_limited: bool = False) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.rate_limited = rate_limited


async def with_retry(call: Callable[[], Awaitable[T]], policy: RetryPolicy, what: str) -> T:
    """Run ``call``; on ``Transient`` wait and retry, then raise ``RateLimitedError`` or
    ``SourceUnavailableError`` naming ``what`` and the attempts made."""
    attempts = max(1, policy.attempts)
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except Transient as failure:
            if attempt == attempts:
                kind = RateLimitedError if failure.rate_limited else SourceUnavailableError
                reason = "rate limited" if failure.rate_limited else "unreachable"
                raise kind(f"{what}: {reason} after {attempts} attempt(s): {failure.cause}") from failure.cause
            await asyncio.sleep(policy.wait_seconds(attempt))
    raise AssertionError("unreachable")


__all__ = ["RetryPolicy", "Transient", "with_retry"]
