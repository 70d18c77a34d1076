"""Rules as row masks, evaluated together: one parallel pass marks every broken rule, then
only the rows that broke something are grouped by symbol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from rustybt.domain.validation.report import RuleViolation, Severity

ROW = "__row"


@dataclass(frozen=True)
class Rule:
    """A rule: ``mask`` is true on the rows that break it (null counts as not broken)."""

    name: str
    severity: Severity
    message: str
    mask: pl.Expr


def evaluate(
    data: pl.DataFrame, key: str, rules: Sequence[Rule], stages: Sequence[Sequence[pl.Expr]] = ()
) -> list[RuleViolation]:
    """The violations of ``rules`` over ``data`` (which carries the ``ROW`` column), in rule
    order, then symbol order of first hit, rows ascending.

    ``stages`` add derived columns the masks read, one ``with_columns`` each, run eagerly so
    that a column known to be sorted keeps that flag (a window over it is then a slice)."""
    if not rules or data.is_empty():
        return []
    flags = [f"__broken{i}" for i in range(len(rules))]
    for stage in stages:
        data = data.with_columns(stage)
    broken = (
        data.lazy()
        .select(
            pl.col(ROW), pl.col(key), *(r.mask.fill_null(False).alias(f) for r, f in zip(rules, flags, strict=True))
        )
        .filter(pl.any_horizontal(flags))
        .collect()
    )
    if broken.is_empty():
        return []
    out: list[RuleViolation] = []
    for rule, flag in zip(rules, flags, strict=True):
        hits = broken.filter(pl.col(flag)).group_by(key, maintain_order=True).agg(pl.col(ROW))
        out += [
            RuleViolation(
                rule.name, rule.severity, None if sym is None else str(sym), tuple(rows), len(rows), rule.message
            )
            for sym, rows in hits.iter_rows()
        ]
    return out


__all__ = ["ROW", "Rule", "evaluate"]
