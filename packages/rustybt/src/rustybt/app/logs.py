"""Log lines that never show a secret: a stderr handler for the command line, and a filter for
the loggers of libraries that log credentials themselves (ccxt logs request headers, API key
included, at DEBUG), so that no handler a library user installs receives them."""

from __future__ import annotations

import logging
import sys

from rustybt.app.secrets import redact

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats a record (message, exception and stack text included), then masks every
    secret value known to the process."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RedactingFilter(logging.Filter):
    """Masks secret values in a record's message before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def redact_logger(name: str) -> None:
    """Install ``RedactingFilter`` on logger ``name`` (once)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())


def configure_logging(level: str) -> logging.Handler:
    """Send log records of ``level`` and above, from every library, to stderr, redacted;
    returns the installed handler (replacing one installed before)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h.formatter, RedactingFormatter)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler


__all__ = ["FORMAT", "LEVELS", "RedactingFilter", "RedactingFormatter", "configure_logging", "redact_logger"]
