"""A store's filesystem: one pyarrow filesystem and base path for a local folder or an S3 prefix.

``StoreFilesystem.open("/home/me/.rustybt")``, ``open("file:///data/store")`` or
``open("s3://bucket/prefix")`` (credentials, region and endpoint from ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION``, ``AWS_ENDPOINT_URL``). Every path
the store takes or returns is relative to its root, so the catalog's paths survive a move.

Data files are immutable: ``write_new`` writes each under a fresh, never reused name
(``part-<uuid7><suffix>``) and never overwrites. Locally it writes a hidden temp file in the
target folder (``0600``), fsyncs it, renames it to the new name and fsyncs the folder (new
folders ``0700``); on S3 the object appears whole or not at all (one PUT). Either way, a crash
leaves at most an unlisted file, which a version never names: vacuum removes such orphans.
S3 requests use short timeouts and few retries, so a dead endpoint fails in seconds.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlparse

import pyarrow as pa
import pyarrow.fs as pafs

from rustybt.domain.errors import ConfigurationError
from rustybt.domain.stored_files import check_relative_path
from rustybt.storage.parquet import atomic
from rustybt.storage.parquet.store_errors import translate


def uuid7_hex() -> str:
    """A UUID version 7 as 32 hex digits: milliseconds since the epoch first, so names sort by time."""
    value = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return f"{value:032x}"


@dataclass(frozen=True)
class StoreEntry:
    """A file found in the store: path relative to the root, size, modification time (UTC)."""

    path: str
    size: int
    mtime: datetime | None


@dataclass(frozen=True)
class WrittenFile:
    """A file ``write_new`` wrote: its new path (relative), size and SHA-256 hex."""

    path: str
    size_bytes: int
    sha256: str


class StoreFilesystem:
    """One store root on one pyarrow filesystem. ``url`` names it in errors."""

    def __init__(
        self,
        filesystem: pafs.FileSystem,
        base: str,
        url: str,
        *,
        endpoint: str | None = None,
        file_mode: int = 0o600,
        dir_mode: int = 0o700,
    ) -> None:
        self.filesystem = filesystem
        self.base = base.rstrip("/")
        self.url = url
        self.endpoint = endpoint
        self.file_mode = file_mode
        self.dir_mode = dir_mode
        self.is_local = isinstance(filesystem, pafs.LocalFileSystem)

    @classmethod
    def open(
        cls,
        location: str | os.PathLike[str],
        *,
        env: Mapping[str, str] | None = None,
        connect_timeout: float = 2.0,
        request_timeout: float = 30.0,
        attempts: int = 2,
    ) -> StoreFilesystem:
        """The store at ``location``: a folder, ``file://`` URL or ``s3://bucket/prefix`` (AWS
        settings from ``env``, default ``os.environ``). Raises ``ConfigurationError`` for any
        other scheme or an S3 URL without a bucket. Opening does not touch the store: ``check``."""
        text = os.fspath(location)
        parsed = urlparse(text)
        if parsed.scheme in ("", "file") or (len(parsed.scheme) == 1 and text[1:3] in (":\\", ":/")):
            folder = unquote(parsed.path) if parsed.scheme == "file" else text
            root = Path(folder).expanduser().absolute()
            return cls(pafs.LocalFileSystem(), str(root), root.as_uri())
        if parsed.scheme != "s3":
            raise ConfigurationError(f"store location {text!r}: use a folder, a file:// URL or s3://bucket/prefix")
        if not parsed.netloc:
            raise ConfigurationError(f"store location {text!r} names no bucket (s3://bucket/prefix)")
        settings = os.environ if env is None else env
        endpoint = settings.get("AWS_ENDPOINT_URL_S3") or settings.get("AWS_ENDPOINT_URL") or None
        options: dict[str, object] = {
            "connect_timeout": connect_timeout,
            "request_timeout": request_timeout,
            "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=attempts),
            "region": settings.get("AWS_REGION") or settings.get("AWS_DEFAULT_REGION") or "us-east-1",
        }
        if settings.get("AWS_ACCESS_KEY_ID"):
            options["access_key"] = settings["AWS_ACCESS_KEY_ID"]
            options["secret_key"] = settings.get("AWS_SECRET_ACCESS_KEY", "")
            if settings.get("AWS_SESSION_TOKEN"):
                options["session_token"] = settings["AWS_SESSION_TOKEN"]
        if endpoint:
            target = urlparse(endpoint)
            options["endpoint_override"] = target.netloc or target.path
            options["scheme"] = target.scheme or "https"
        base = f"{parsed.netloc}/{parsed.path.strip('/')}".rstrip("/")
        return cls(pafs.S3FileSystem(**options), base, f"s3://{base}", endpoint=endpoint)

    def _full(self, path: str) -> str:
        return f"{self.base}/{check_relative_path(path)}" if path else self.base

    def _fail(self, err: OSError, what: str, path: str) -> Exception:
        return translate(err, self.url, what, path, self.endpoint)

    def check(self) -> None:
        """Reach the store's root now (credentials, endpoint, bucket): raises ``StoreAccessError``,
        ``StoreUnreachableError`` or ``StoreFileMissingError`` (no such bucket). A local root
        that does not exist yet is fine: it is created by the first write."""
        if self.is_local:
            return
        bucket = self.base.split("/", 1)[0]
        try:
            info = self.filesystem.get_file_info(bucket)
        except OSError as err:
            raise self._fail(err, "reaching", "") from err
        if info.type == pafs.FileType.NotFound:
            raise self._fail(FileNotFoundError(f"NoSuchBucket: {bucket}"), "reaching", "")

    def write_new(self, folder: str, data: bytes, *, suffix: str = ".parquet") -> WrittenFile:
        """Write ``data`` as a new file in ``folder`` (relative) under a fresh name; return it."""
        path = f"{check_relative_path(folder)}/part-{uuid7_hex()}{suffix}" if folder else f"part-{uuid7_hex()}{suffix}"
        try:
            if self.is_local:
                target = Path(self._full(path))
                created = atomic.make_dirs(target.parent, self.dir_mode, sync=False)
                atomic.commit([atomic.stage(target, data, self.file_mode)], created)
            else:
                with self.filesystem.open_output_stream(self._full(path)) as out:
                    out.write(data)
        except OSError as err:
            raise self._fail(err, "writing", path) from err
        return WrittenFile(path, len(data), hashlib.sha256(data).hexdigest())

    def open_input(self, path: str) -> pa.NativeFile:
        """The file at ``path`` opened for random-access reads (what Parquet readers take)."""
        try:
            return self.filesystem.open_input_file(self._full(path))
        except OSError as err:
            raise self._fail(err, "reading", path) from err

    def read_bytes(self, path: str) -> bytes:
        with self.open_input(path) as source:
            try:
                return bytes(source.read())
            except OSError as err:
                raise self._fail(err, "reading", path) from err

    def size(self, path: str) -> int:
        """Size in bytes; ``StoreFileMissingError`` naming the file when it is not there."""
        try:
            info = self.filesystem.get_file_info(self._full(path))
        except OSError as err:
            raise self._fail(err, "reading", path) from err
        if info.type != pafs.FileType.File:
            raise self._fail(FileNotFoundError(path), "reading", path)
        return int(info.size)

    def delete(self, path: str, *, missing_ok: bool = True) -> bool:
        """Delete the file at ``path``; ``False`` when it was already gone (an error unless ``missing_ok``)."""
        try:
            self.filesystem.delete_file(self._full(path))
        except FileNotFoundError as err:
            if missing_ok:
                return False
            raise self._fail(err, "deleting", path) from err
        except OSError as err:
            if missing_ok and "Path does not exist" in str(err):
                return False
            raise self._fail(err, "deleting", path) from err
        return True

    def list_files(self, folder: str = "") -> list[StoreEntry]:
        """Every file under ``folder`` (relative; the whole store by default), recursively, sorted by
        path, with size and mtime; folders and S3 folder markers are left out. Temp files of
        writers in flight are listed too: an orphan check must judge them by ``mtime``."""
        selector = pafs.FileSelector(self._full(folder), recursive=True, allow_not_found=True)
        try:
            infos = self.filesystem.get_file_info(selector)
        except OSError as err:
            raise self._fail(err, "listing", folder) from err
        cut = len(self.base) + 1
        entries = [
            StoreEntry(info.path[cut:], int(info.size), _utc(info.mtime))
            for info in infos
            if info.type == pafs.FileType.File and not info.path.endswith("/")
        ]
        return sorted(entries, key=lambda e: e.path)

    def __repr__(self) -> str:
        return f"StoreFilesystem({self.url!r})"


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
