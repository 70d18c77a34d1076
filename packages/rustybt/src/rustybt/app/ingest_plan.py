"""What ``rustybt ingest`` asks for, resolved before anything is fetched: the adapter built
from configuration and ``--option`` pairs (typed, unknown keys refused), the validation
settings, the resolution (one flag: ``--resolution`` sets a CSV source's bar size too), and
for a CSV source the symbols and span its files hold when ``--symbols``/``--start``/``--end``
are left out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rustybt.adapters.source_options import parse_options, source_kind, split_validation
from rustybt.domain.date_range import DateRange
from rustybt.domain.errors import ConfigurationError, InvalidRequestError
from rustybt.domain.resolution import Resolution
from rustybt.domain.validation import ValidationConfig

if TYPE_CHECKING:
    from rustybt.app.cli_context import CliContext


@dataclass(frozen=True)
class IngestPlan:
    """An ingest ready to run."""

    adapter: Any
    names: list[str]
    span: DateRange
    resolution: Resolution


def default_bundle(source: str) -> str:
    return source.replace(":", "-").replace("/", "-")


def adapter_options(cli: CliContext, source: str) -> dict[str, Any]:
    """Constructor keywords for the adapter from config/data_adapters.yaml."""
    adapters = cli.settings.section("adapters")
    kind = source_kind(source)
    section = dict(adapters.get(kind, {}))
    if kind == "ccxt":
        section.pop("exchange", None)  # the exchange comes from the source name
    if kind == "csv":
        section["schema_mapping"] = dict(section.get("schema_mapping") or {})
    return section


def validation_config(cli: CliContext, overrides: dict[str, Any]) -> ValidationConfig:
    """The configured validation settings, with ``--option allow_*`` on top."""
    configured: ValidationConfig = cli.app.container.validation()
    return replace(configured, **overrides)


def plan_ingest(
    cli: CliContext, *, source: str, symbols: str | None, start: str | None, end: str | None,
    resolution: str | None, path: str | None, pairs: tuple[str, ...],
) -> IngestPlan:  # fmt: skip
    """The ingest these command-line values ask for; ``ConfigurationError`` / ``InvalidRequestError``
    naming what is wrong or missing."""
    kind = source_kind(source)
    options, overrides = split_validation({**adapter_options(cli, source), **parse_options(source, pairs)})
    if path:
        options["path"] = path
    res = _resolution(kind, resolution, options)
    adapter = build_adapter(cli, source, {**options, "validation": validation_config(cli, overrides)})
    names = _names(adapter, kind, symbols)
    if kind != "csv" and (start is None or end is None):
        raise InvalidRequestError(f"--start and --end are needed for {source} (a CSV source defaults to its files' span)")
    span = DateRange.of(start, end) if start is not None and end is not None else _files_span(adapter, names, start, end)
    return IngestPlan(adapter, names, span, res)


def _resolution(kind: str, flag: str | None, options: dict[str, Any]) -> Resolution:
    if kind != "csv":
        return Resolution.parse(flag or "1d")
    given = options.get("resolution")
    if flag is not None and given is not None and Resolution.parse(flag) is not Resolution.parse(given):
        raise ConfigurationError(f"--resolution {flag} and --option resolution={given} disagree; give one of them")
    chosen = Resolution.parse(flag or given or "1d")
    options["resolution"] = chosen
    return chosen


def _names(adapter: Any, kind: str, symbols: str | None) -> list[str]:
    if symbols is None:
        if kind != "csv":
            raise InvalidRequestError("--symbols is needed (a CSV source defaults to every symbol its files hold)")
        found: list[str] = adapter.available_symbols()
        if not found:
            raise InvalidRequestError(f"{adapter.source_name} finds no symbol in {adapter.path}")
        return found
    names = [s.strip() for s in symbols.split(",") if s.strip()]
    if not names:
        raise InvalidRequestError("--symbols holds no symbol")
    return names


def _files_span(adapter: Any, names: list[str], start: str | None, end: str | None) -> DateRange:
    held = adapter.available_span(names)
    if held is None:
        raise InvalidRequestError(f"the files of {adapter.source_name} hold no bar of {', '.join(names[:5])}")
    return DateRange.of(start or held.start, end or held.end)


def build_adapter(cli: CliContext, source: str, options: dict[str, Any]) -> Any:
    """The source's adapter; a ccxt one with the exchange's API key when one is configured."""
    from rustybt.adapters import source_from_spec

    kind, _, exchange = source.strip().partition(":")
    if kind.lower() == "ccxt" and exchange.strip():
        from rustybt.app.exchange_keys import CredentialedCCXTDataAdapter, exchange_credentials

        name = exchange.strip().lower()
        credentials = exchange_credentials(cli.settings.home, name)
        if credentials is not None:
            return CredentialedCCXTDataAdapter(name, credentials, **options)
    return source_from_spec(source, **options)


__all__ = ["IngestPlan", "adapter_options", "build_adapter", "default_bundle", "plan_ingest", "validation_config"]
