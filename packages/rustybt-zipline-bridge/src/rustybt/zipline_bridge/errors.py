"""Errors of the zipline bridge: leaves under the ``rustybt.domain.errors`` hierarchy."""

from __future__ import annotations

from rustybt.domain.errors import BundleNotFoundError, CorruptDataError, ValidationError


class BundleFormatError(CorruptDataError):
    """A zipline bundle on disk is missing a part or cannot be read (names the file)."""


class MigrationValidationError(ValidationError):
    """The migrated bars do not match the source bundle (row counts, checksums or spot checks)."""


class BundleLoaderNotFoundError(BundleNotFoundError):
    """No bundle loader is installed to resolve a bundle by name."""
