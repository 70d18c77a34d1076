"""Committing through a moving head: retry a commit on the new head, with jittered backoff.

An append (ingest, merge, correction) never conflicts for real: its files are written under
new names and win by ``seq``, so on ``CommitConflictError`` it simply commits again on the new
head. ``attempt(base)`` does the commit on ``base`` and may recount what it needs (rows
replaced) first; rewrites (compaction, symbol removal) pass fewer attempts and decide in
``attempt`` whether their inputs are still live.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from rustybt.domain.errors import CommitConflictError
from rustybt.domain.ports.version_log import VersionLog
from rustybt.domain.versions import StoreTable

T = TypeVar("T")

APPEND_ATTEMPTS = 20
REWRITE_ATTEMPTS = 3
FIRST_DELAY = 0.005
MAX_DELAY = 0.25


def commit_with_retries(
    log: VersionLog,
    table: StoreTable,
    attempt: Callable[[int], T],
    *,
    attempts: int = APPEND_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> T:
    """``attempt(head)`` until it returns, re-reading the head after each conflict on a moved
    head (5 ms doubling to 250 ms, jittered, between tries). A conflict over files that are no
    longer live is not retried: it is re-raised at once. After ``attempts`` tries raises
    ``CommitConflictError``: ``commit conflict on <table> after N attempts (head moved from v to w)``."""
    first = base = log.head(table)
    delay = FIRST_DELAY
    for _ in range(attempts):
        try:
            return attempt(base)
        except CommitConflictError as err:
            if err.files:
                raise
        sleep(delay * (0.5 + jitter()))
        delay = min(delay * 2, MAX_DELAY)
        base = log.head(table)
    raise CommitConflictError(
        f"commit conflict on {table} after {attempts} attempts (head moved from {first} to {base})",
        table=table.table_id, base=first, head=base,
    )  # fmt: skip
