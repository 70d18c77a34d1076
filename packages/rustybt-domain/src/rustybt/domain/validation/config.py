"""Validation settings: the spec's ``validation:`` configuration keys."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ValidationConfig:
    """Which rule groups run, their thresholds, and whether flags become rejections.

    Prices must be positive: ``allow_negative_prices`` accepts prices below zero (futures such
    as WTI on 2020-04-20, spreads) and ``allow_zero_prices`` prices of exactly zero; each is
    allowed only by its own option.
    """

    ohlcv_checks: bool = True
    temporal_consistency: bool = True
    completeness: bool = True
    outlier_detection: bool = True
    outlier_std_threshold: float = 3.0
    volume_spike_std_threshold: float = 5.0
    reject_outliers: bool = False
    reject_gaps: bool = False
    allow_negative_prices: bool = False
    allow_zero_prices: bool = False
