"""RustyBT Data's metadata catalog on SQLAlchemy: SQLite by default, PostgreSQL by URL.

``DataCatalog(metadata_db_path)`` implements the ``rustybt.domain.ports.Catalog`` port.
"""

from rustybt.catalog.sqlite.audit import AuditEntry
from rustybt.catalog.sqlite.catalog import DataCatalog, SqlAlchemyCatalog
from rustybt.catalog.sqlite.errors import CatalogBusyError, CatalogStorageError
from rustybt.catalog.sqlite.tables import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "AuditEntry",
    "CatalogBusyError",
    "CatalogStorageError",
    "DataCatalog",
    "SqlAlchemyCatalog",
]
