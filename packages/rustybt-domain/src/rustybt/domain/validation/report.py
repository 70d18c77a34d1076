"""The structured result of validation: which rule, which symbol, which rows, how many."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum

import polars as pl

from rustybt.domain.errors import ValidationError


class Severity(Enum):
    """``error`` rejects the rows; ``warning`` flags them and lets them through."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class RuleViolation:
    """Rows of one symbol that break one rule."""

    rule: str
    severity: Severity
    symbol: str | None
    rows: tuple[int, ...]
    count: int
    message: str
    details: tuple[str, ...] = ()

    def describe(self, max_rows: int = 10) -> str:
        who = f"symbol {self.symbol!r}: " if self.symbol is not None else ""
        rows = ", ".join(str(r) for r in self.rows[:max_rows])
        more = f", … ({len(self.rows) - max_rows} more)" if len(self.rows) > max_rows else ""
        at = f" at row(s) {rows}{more}" if self.rows else ""
        extra = f" [{'; '.join(self.details[:max_rows])}]" if self.details else ""
        return f"[{self.severity.value}] {self.rule}: {who}{self.message} ({self.count}){at}{extra}"


@dataclass(frozen=True)
class ValidationReport:
    """Every violation found in one frame."""

    violations: tuple[RuleViolation, ...] = ()
    rows_checked: int = 0
    rules_run: tuple[str, ...] = field(default=())

    @property
    def errors(self) -> tuple[RuleViolation, ...]:
        return tuple(v for v in self.violations if v.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[RuleViolation, ...]:
        return tuple(v for v in self.violations if v.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """True when no rule of severity ``error`` was broken."""
        return not self.errors

    @property
    def rejected_rows(self) -> frozenset[int]:
        """Rows that break at least one error rule."""
        return frozenset(r for v in self.errors for r in v.rows)

    def count(self, rule: str) -> int:
        return sum(v.count for v in self.violations if v.rule == rule)

    def by_rule(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for v in self.violations:
            counts[v.rule] += v.count
        return dict(counts)

    def rules_for_row(self, row: int) -> list[str]:
        return sorted({v.rule for v in self.errors if row in v.rows})

    def summary(self, max_lines: int = 20) -> str:
        if not self.violations:
            return f"{self.rows_checked} rows checked: no violations"
        lines = [
            f"{self.rows_checked} rows checked: {len(self.errors)} error group(s), "
            f"{len(self.warnings)} warning group(s)"
        ]
        lines += [v.describe() for v in self.violations[:max_lines]]
        if len(self.violations) > max_lines:
            lines.append(f"… and {len(self.violations) - max_lines} more groups")
        return "\n".join(lines)

    def to_frame(self) -> pl.DataFrame:
        """One row per (rule, symbol, row) — handy for reports and for rejected-row output."""
        return pl.DataFrame(
            {
                "rule": [v.rule for v in self.violations for _ in v.rows],
                "severity": [v.severity.value for v in self.violations for _ in v.rows],
                "symbol": [v.symbol for v in self.violations for _ in v.rows],
                "row": [r for v in self.violations for r in v.rows],
            },
            schema={"rule": pl.String, "severity": pl.String, "symbol": pl.String, "row": pl.Int64},
        )

    def merged(self, other: ValidationReport) -> ValidationReport:
        return ValidationReport(
            self.violations + other.violations,
            max(self.rows_checked, other.rows_checked),
            tuple(dict.fromkeys(self.rules_run + other.rules_run)),
        )

    def raise_if_errors(self) -> None:
        """Raise ``ValidationError`` (carrying this report) if any error rule was broken."""
        if self.errors:
            raise ValidationError(
                f"validation failed: {sum(v.count for v in self.errors)} violation(s)\n" + self.summary(),
                report=self,
            )
