"""Contract suites for the RustyBT Data ports.

Subclass a ``<Port>Contract`` in a ``Test*`` class and override its one implementation
fixture; every test then runs against your implementation::

    from rustybt.contract.data_source import DataSourceContract
from rustybt.contract.version_log import VersionLogContract

    class TestAcmeSource(DataSourceContract):
        @pytest.fixture
        def source(self):
            return AcmeSource(...)
"""

from rustybt.contract.bar_reader import BarReaderContract
from rustybt.contract.bar_writer import BarWriterContract
from rustybt.contract.cache import CacheContract
from rustybt.contract.catalog import CatalogContract
from rustybt.contract.data_source import DataSourceContract
from rustybt.contract.version_log import VersionLogContract

__all__ = ["BarReaderContract", "BarWriterContract", "CacheContract", "CatalogContract", "DataSourceContract",
           "VersionLogContract"]
