"""Validation rules (pure polars) and their structured report."""

from rustybt.domain.validation.config import ValidationConfig
from rustybt.domain.validation.report import RuleViolation, Severity, ValidationReport
from rustybt.domain.validation.rules import validate_bars

__all__ = ["RuleViolation", "Severity", "ValidationConfig", "ValidationReport", "validate_bars"]
