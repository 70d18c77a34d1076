"""Errors of a store's filesystem, each one line naming the store and what to check.

pyarrow reports every failure as ``OSError`` with the AWS SDK's text; ``translate`` turns it into
a leaf of ``StorageError`` that also inherits the builtin a caller expects.
"""

from __future__ import annotations

from rustybt.domain.errors import StorageError

_DENIED = ("SIGNATURE_DOES_NOT_MATCH", "INVALID_ACCESS_KEY_ID", "InvalidAccessKeyId", "SignatureDoesNotMatch",
           "ACCESS_DENIED", "AccessDenied", "HTTP status 403", "Permission denied")  # fmt: skip
_UNREACHABLE = ("NETWORK_CONNECTION", "Couldn't connect", "Could not resolve", "curlCode: 6", "curlCode: 7",
                "curlCode: 28", "Connection refused", "timed out", "Timeout")  # fmt: skip
_NO_BUCKET = ("NO_SUCH_BUCKET", "NoSuchBucket", "Bucket does not exist")


class StoreFileMissingError(StorageError, FileNotFoundError):
    """A file the caller expected (or the store's bucket) is not in the store."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StoreAccessError(StorageError, PermissionError):
    """The store refused the credentials, or the local folder's permissions."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StoreUnreachableError(StorageError, ConnectionError):
    """The store's endpoint did not answer."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def translate(err: OSError, store: str, what: str, path: str, endpoint: str | None) -> StorageError:
    """The one-line error for ``err``, raised while ``what``-ing ``path`` (relative) of ``store``."""
    text = str(err)
    where = f"{path} in store {store}" if path else f"store {store}"
    if any(m in text for m in _NO_BUCKET):
        bucket = store.removeprefix("s3://").split("/", 1)[0]
        return StoreFileMissingError(f"store {store}: bucket {bucket!r} does not exist ({first_line(err)})")
    if isinstance(err, FileNotFoundError) or "Path does not exist" in text or "NoSuchKey" in text:
        return StoreFileMissingError(f"file {where} is missing")
    if any(m in text for m in _DENIED) or isinstance(err, PermissionError):
        check = "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY" if store.startswith("s3://") else "the folder's permissions"
        return StoreAccessError(f"{what} {where} was refused (check {check}): {first_line(err)}")
    if any(m in text for m in _UNREACHABLE):
        at = endpoint or "the default AWS endpoint"
        return StoreUnreachableError(f"cannot reach {at} for store {store} (check AWS_ENDPOINT_URL): {first_line(err)}")
    return StorageError(f"{what} {where} failed: {first_line(err)}")
