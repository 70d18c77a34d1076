"""Outlier rules: close-to-close changes and volumes far from their symbol's mean."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from rustybt.domain.validation.config import ValidationConfig
from rustybt.domain.validation.evaluate import Rule
from rustybt.domain.validation.layout import FrameLayout, previous
from rustybt.domain.validation.report import Severity

_RET, _VOL, _RUN = "__ret", "__vol", "__run"
_ROUNDING = 1e-9
OUTLIER_RULES = frozenset({"price_outlier", "volume_spike"})


@dataclass(frozen=True)
class OutlierRules:
    """The two rules and the derived columns (``stages``) their masks read."""

    stages: tuple[tuple[pl.Expr, ...], ...]
    rules: tuple[Rule, ...]


def outlier_rules(key: str, layout: FrameLayout, config: ValidationConfig, severity: Severity) -> OutlierRules:
    """``price_outlier`` and ``volume_spike``; each symbol's bars must be in time order
    (``layout.ordered``, or a frame sorted by key and time with ``FrameLayout()``)."""
    close = pl.col("close").cast(pl.Float64)
    ret = close / previous("close", key, layout).cast(pl.Float64) - 1.0
    values: tuple[pl.Expr, ...] = (ret.alias(_RET), pl.col("volume").cast(pl.Float64).alias(_VOL))
    # Adjacent runs of a key, numbered in order, are groups polars aggregates as slices.
    group = _RUN if layout.grouped else key
    spreads = tuple(
        e
        for name in (_RET, _VOL)
        for e in (
            pl.col(name).mean().over(group).alias(f"{name}_mean"),
            pl.col(name).std().over(group).alias(f"{name}_std"),
        )
    )
    if layout.grouped:
        values = (*values, pl.col(key).rle_id().set_sorted().alias(_RUN))
    rules = (
        Rule(
            "price_outlier",
            severity,
            f"close-to-close change beyond {config.outlier_std_threshold} standard deviations",
            _beyond(_zscore(_RET).abs(), config.outlier_std_threshold),
        ),
        Rule(
            "volume_spike",
            severity,
            f"volume beyond {config.volume_spike_std_threshold} standard deviations",
            _beyond(_zscore(_VOL), config.volume_spike_std_threshold),
        ),
    )
    return OutlierRules((values, spreads), rules)


def _beyond(z: pl.Expr, threshold: float) -> pl.Expr:
    """``z`` past ``threshold``; a z-score within float rounding of it counts as on it, so the
    verdict does not depend on the order the mean and spread were summed in."""
    return z > threshold * (1 + _ROUNDING)


def _zscore(name: str) -> pl.Expr:
    """(x - mean) / std within the symbol; 0 where the spread is zero or undefined."""
    std = pl.col(f"{name}_std")
    z = (pl.col(name) - pl.col(f"{name}_mean")) / std
    return pl.when(std.is_not_null() & (std > 0) & std.is_finite()).then(z.fill_nan(0.0)).otherwise(0.0)


__all__ = ["OUTLIER_RULES", "OutlierRules", "outlier_rules"]
