"""Databases for the catalog tests: SQLite files in a temp folder, and a real PostgreSQL server.

``PostgresServer`` runs Debian's ``postgresql`` binaries (initdb, pg_ctl) on 127.0.0.1 in a
temp folder, as the ``postgres`` system user when the tests run as root (PostgreSQL refuses
to run as root). The session starts it once; each test gets a fresh database on it. Without
the binaries the PostgreSQL tests skip with the reason, unless ``RUSTYBT_REQUIRE_SERVICES=1``
makes a missing server a failure.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from rustybt.catalog.sqlite import DataCatalog
from rustybt.contract.services import import_or_skip, unavailable

SHARED_DATA = Path(
    os.environ.get("RUSTYBT_SHARED_DATA", Path(__file__).resolve().parents[3] / ".." / "shared" / "data")
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A throwaway PostgreSQL cluster: ``start()``, ``url(database)``, ``create_database()``, ``stop()``."""

    USER = "rbt"

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="rustybt-pg-"))
        self.data = self.root / "pg"
        self.port = _free_port()
        self._run_as = "postgres" if os.geteuid() == 0 else None

    @staticmethod
    def find_binaries() -> Path | None:
        """The newest ``/usr/lib/postgresql/<N>/bin`` holding initdb and pg_ctl, or ``PATH``'s."""
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
        if found:
            return Path(found[-1]).parent
        initdb = shutil.which("initdb")
        return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None

    def _cmd(self, tool: str, *argv: str) -> list[str]:
        command = [str(self.bin_dir / tool), *argv]
        return ["runuser", "-u", self._run_as, "--", *command] if self._run_as else command

    def start(self) -> None:
        if self._run_as:
            entry = pwd.getpwnam(self._run_as)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        subprocess.run(
            self._cmd("initdb", "-D", str(self.data), "-A", "trust", "-U", self.USER), check=True, capture_output=True
        )
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start"),
            check=True,
            capture_output=True,
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(statement))
        finally:
            engine.dispose()

    def stop(self) -> None:
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"), check=False, capture_output=True
        )
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = PostgresServer.find_binaries()
    if bin_dir is None:
        unavailable("PostgreSQL binaries not found (apt-get install postgresql)")
    import_or_skip("psycopg", "rustybt-catalog-sqlite[postgresql]")
    server = PostgresServer(bin_dir)
    try:
        server.start()
    except (subprocess.CalledProcessError, OSError) as err:
        log = server.root / "log"
        details = log.read_text() if log.exists() else getattr(err, "stderr", b"").decode(errors="replace")
        server.stop()
        pytest.fail(f"PostgreSQL did not start: {err}\n{details}")
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """URL of a new, empty database on the session's server (dropped after the test)."""
    name = postgres_server.create_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The project's recorded real data (``$RUSTYBT_SHARED_DATA`` or ``../shared/data``)."""
    default = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
    return Path(os.environ.get("RUSTYBT_SHARED_DATA", default)).resolve()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'catalog' / 'metadata.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh database of each backend in turn."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def open_catalog() -> Iterator[Callable[..., DataCatalog]]:
    """``open_catalog(target, **options)``: a ``DataCatalog`` closed after the test."""
    opened: list[DataCatalog] = []

    def open_(target: object, **options: object) -> DataCatalog:
        catalog = DataCatalog(target, **options)  # type: ignore[arg-type]
        opened.append(catalog)
        return catalog

    yield open_
    for catalog in opened:
        catalog.close()


@pytest.fixture
def catalog(database_url: str, open_catalog: Callable[..., DataCatalog]) -> DataCatalog:
    return open_catalog(database_url)
