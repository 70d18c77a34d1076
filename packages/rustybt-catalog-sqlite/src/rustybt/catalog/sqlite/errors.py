"""Catalog errors: leaves under ``rustybt.domain.errors.CatalogError``."""

from __future__ import annotations

from rustybt.domain.errors import CatalogError


class CatalogBusyError(CatalogError, TimeoutError):
    """The database stayed locked by other writers longer than the catalog's lock timeout."""


class CatalogStorageError(CatalogError):
    """The database refused an operation (disk full, read-only file, server error, ...)."""
