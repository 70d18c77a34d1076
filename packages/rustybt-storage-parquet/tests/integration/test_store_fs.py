"""The store filesystem against a local folder and a real S3 server (SeaweedFS), same tests."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rustybt.domain.errors import ConfigurationError, InvalidRequestError, StorageError
from rustybt.storage.parquet.store_errors import StoreAccessError, StoreFileMissingError, StoreUnreachableError
from rustybt.storage.parquet.store_fs import StoreFilesystem, uuid7_hex
from rustybt.storage.parquet.testing import SeaweedServer

FOLDER = "bundles/demo/daily_bars/year=2024/month=06"


@pytest.fixture
def store(store_location: tuple[str, dict[str, str]]) -> StoreFilesystem:
    location, env = store_location
    fs = StoreFilesystem.open(location, env=env)
    fs.check()
    return fs


def test_new_files_get_fresh_names_and_read_back(store: StoreFilesystem) -> None:
    first = store.write_new(FOLDER, b"first")
    second = store.write_new(FOLDER, b"second")
    assert first.path != second.path
    for written, data in ((first, b"first"), (second, b"second")):
        assert written.path.startswith(f"{FOLDER}/part-") and written.path.endswith(".parquet")
        assert (written.size_bytes, written.sha256) == (len(data), hashlib.sha256(data).hexdigest())
        assert store.read_bytes(written.path) == data
        assert store.size(written.path) == len(data)


def test_parquet_with_exact_decimals_round_trips(store: StoreFilesystem) -> None:
    table = pa.table({
        "sid": pa.array([1, 2], pa.int64()),
        "close": pa.array([Decimal("1234567890.12345678"), Decimal("0.00000001")], pa.decimal128(18, 8)),
        "volume": pa.array([Decimal("123456789012345678901234.5"), Decimal("1")], pa.decimal128(38, 8)),
    })  # fmt: skip
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    written = store.write_new(FOLDER, sink.getvalue())
    with store.open_input(written.path) as source:
        assert pq.read_table(source).equals(table)


def test_listing_is_recursive_relative_and_skips_folders(store: StoreFilesystem) -> None:
    assert store.list_files() == []
    assert store.list_files("bundles/none") == []
    a = store.write_new(FOLDER, b"a" * 10)
    b = store.write_new("bundles/demo/minute_bars/year=2024/month=06/day=03", b"b" * 20)
    entries = store.list_files()
    assert [(e.path, e.size) for e in entries] == sorted([(a.path, 10), (b.path, 20)])
    now = datetime.now(timezone.utc)
    assert all(e.mtime is not None and abs(e.mtime - now) < timedelta(minutes=5) for e in entries)
    assert [e.path for e in store.list_files("bundles/demo/daily_bars")] == [a.path]


def test_delete_says_whether_the_file_was_there(store: StoreFilesystem) -> None:
    written = store.write_new(FOLDER, b"x")
    assert store.delete(written.path) is True
    assert store.delete(written.path) is False
    with pytest.raises(StoreFileMissingError, match=written.path):
        store.delete(written.path, missing_ok=False)
    assert store.list_files() == []


def test_a_missing_file_is_named(store: StoreFilesystem) -> None:
    missing = f"{FOLDER}/part-nope.parquet"
    for call in (store.read_bytes, store.size, store.open_input):
        with pytest.raises(StoreFileMissingError, match=f"file {missing} in store .* is missing") as caught:
            call(missing)
        assert isinstance(caught.value, FileNotFoundError) and "\n" not in str(caught.value)


def test_paths_must_be_relative(store: StoreFilesystem) -> None:
    for bad in ("../escape", "/etc/passwd", "a//b", "a/./b"):
        with pytest.raises(InvalidRequestError):
            store.read_bytes(bad)
        with pytest.raises(InvalidRequestError):
            store.write_new(bad, b"x")


def test_another_handle_on_the_location_sees_the_same_files(
    store: StoreFilesystem, store_location: tuple[str, dict[str, str]]
) -> None:
    written = store.write_new(FOLDER, b"shared")
    other = StoreFilesystem.open(store_location[0], env=store_location[1])
    assert other.read_bytes(written.path) == b"shared"


def test_names_sort_by_creation_time() -> None:
    names = []
    for _ in range(3):
        names.append(uuid7_hex())
        time.sleep(0.002)
    assert names == sorted(names) and len(set(names)) == 3
    assert all(n[12] == "7" and n[16] in "89ab" for n in names)  # version 7, RFC 4122 variant


# -- local folders ------------------------------------------------------------------------------


def test_local_files_are_private_and_no_temp_file_remains(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        store = StoreFilesystem.open(tmp_path / "store")
        written = store.write_new(FOLDER, b"secret")
    finally:
        os.umask(old)
    target = tmp_path / "store" / written.path
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    folder = target.parent
    while folder != tmp_path:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        folder = folder.parent
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_folder_path_and_file_url_are_one_store(tmp_path: Path) -> None:
    written = StoreFilesystem.open(tmp_path / "store").write_new(FOLDER, b"x")
    assert StoreFilesystem.open((tmp_path / "store").as_uri()).read_bytes(written.path) == b"x"
    moved = tmp_path / "moved"
    (tmp_path / "store").rename(moved)  # relative paths survive a move
    assert StoreFilesystem.open(str(moved)).read_bytes(written.path) == b"x"


WRITE_UNDER_A_SIZE_LIMIT = r"""
import resource, signal, sys
from rustybt.storage.parquet.store_fs import StoreFilesystem
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
try:
    StoreFilesystem.open(sys.argv[1]).write_new("bundles/demo/daily_bars/year=2024/month=06", b"x" * 100_000)
except OSError as err:
    print(type(err).__name__, err)
    sys.exit(3)
"""


def test_a_failed_local_write_leaves_no_file(tmp_path: Path) -> None:
    root = tmp_path / "store"
    done = subprocess.run([sys.executable, "-c", WRITE_UNDER_A_SIZE_LIMIT, str(root)], capture_output=True, text=True)
    assert done.returncode == 3, done.stderr
    assert "StorageError" in done.stdout
    assert StoreFilesystem.open(root).list_files() == []


# -- S3 ------------------------------------------------------------------------------------------


def test_unsupported_locations_are_configuration_errors() -> None:
    for bad in ("gs://bucket/prefix", "s3:///prefix", "http://host/x"):
        with pytest.raises(ConfigurationError):
            StoreFilesystem.open(bad, env={})


@pytest.mark.services
def test_bad_credentials_and_endpoints_fail_in_one_line(seaweed_server: SeaweedServer) -> None:
    url = seaweed_server.url("errors")
    cases = [
        ({**seaweed_server.env, "AWS_SECRET_ACCESS_KEY": "wrong"}, StoreAccessError, "AWS_ACCESS_KEY_ID"),
        ({**seaweed_server.env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}, StoreUnreachableError, "127.0.0.1:9"),
    ]
    for env, error, named in cases:
        started = time.monotonic()
        with pytest.raises(error, match=named) as caught:
            StoreFilesystem.open(url, env=env).check()
        assert time.monotonic() - started < 15
        assert isinstance(caught.value, StorageError) and "\n" not in str(caught.value)
    with pytest.raises(StoreFileMissingError, match="bucket 'no-such-bucket' does not exist"):
        StoreFilesystem.open("s3://no-such-bucket/x", env=seaweed_server.env).check()
    with pytest.raises(StoreAccessError):
        StoreFilesystem.open(url, env={**seaweed_server.env, "AWS_SECRET_ACCESS_KEY": "wrong"}).write_new(FOLDER, b"x")
