"""Exchange credentials encrypted at rest with AES-256-GCM.

The key (32 bytes, base64) comes from ``RUSTYBT_SECRET_KEY`` or from the file named by
``RUSTYBT_SECRET_KEY_FILE`` (default ``$RUSTYBT_HOME/config/secret.key``, created 0600 by
``SecretStore.create_key``). The store is ``$RUSTYBT_HOME/config/secrets.json``: per entry a random
96-bit nonce and the ciphertext; the entry name is bound as associated data, so a ciphertext
moved to another name does not decrypt. Secret values never appear in reprs, logs or errors:
every ``Secret`` made in this process is remembered, and ``redact`` masks them in any text (the
command line applies it to its log lines and error messages).
"""

from __future__ import annotations

import base64
import json
import os
import secrets as random
from collections.abc import Mapping
from pathlib import Path

from rustybt.domain.errors import ConfigurationError, NotInstalledError

KEY_ENV = "RUSTYBT_SECRET_KEY"
KEY_FILE_ENV = "RUSTYBT_SECRET_KEY_FILE"
MASK = "***"
_SHORTEST_MASKED = 4  # shorter values would mask ordinary words and digits

_known: set[str] = set()


def redact(text: str) -> str:
    """``text`` with every secret value known to this process replaced by ``***``."""
    for value in sorted(_known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    return text


class Secret:
    """A secret value that will not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        if len(value) >= _SHORTEST_MASKED:
            _known.add(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def _aesgcm(key: bytes):  # type: ignore[no-untyped-def]
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ModuleNotFoundError as err:  # pragma: no cover - cryptography is a dependency
        raise NotInstalledError("encrypted secrets need the 'cryptography' package: pip install cryptography") from err
    return AESGCM(key)


class SecretStore:
    """Named secrets (e.g. ``ccxt.binance.apiKey``) in an encrypted JSON file."""

    def __init__(self, path: Path, key: bytes) -> None:
        if len(key) != 32:
            raise ConfigurationError(f"the secret key must be 32 bytes (AES-256), got {len(key)}")
        self.path = path
        self._cipher = _aesgcm(key)

    @staticmethod
    def create_key(path: Path) -> bytes:
        """Write a new random key to ``path`` (mode 0600) and return it."""
        key = random.token_bytes(32)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.b64encode(key).decode() + "\n")
        return key

    @classmethod
    def from_environment(cls, home: Path, env: Mapping[str, str] | None = None) -> SecretStore:
        env = os.environ if env is None else env
        store = home / "config" / "secrets.json"
        if env.get(KEY_ENV):
            return cls(store, _decode_key(env[KEY_ENV], f"environment variable {KEY_ENV}"))
        key_file = Path(env.get(KEY_FILE_ENV) or home / "config" / "secret.key")
        if not key_file.exists():
            raise ConfigurationError(
                f"no secret key: set {KEY_ENV} (32 random bytes, base64) or create {key_file} with `rustybt secrets init`"
            )
        return cls(store, _decode_key(key_file.read_text().strip(), str(key_file)))

    def _load(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text())  # type: ignore[no-any-return]

    def _save(self, entries: Mapping[str, Mapping[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(entries, handle, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def set(self, name: str, value: str) -> None:
        Secret(value)  # remembered, so that nothing this process prints shows it
        nonce = random.token_bytes(12)
        sealed = self._cipher.encrypt(nonce, value.encode(), name.encode())
        entries = self._load()
        entries[name] = {"nonce": base64.b64encode(nonce).decode(), "ciphertext": base64.b64encode(sealed).decode()}
        self._save(entries)

    def get(self, name: str) -> Secret:
        entry = self._load().get(name)
        if entry is None:
            raise ConfigurationError(f"no secret named {name!r} in {self.path}")
        try:
            plain = self._cipher.decrypt(base64.b64decode(entry["nonce"]), base64.b64decode(entry["ciphertext"]), name.encode())
        except Exception as err:  # InvalidTag: wrong key or tampered file
            raise ConfigurationError(f"secret {name!r} cannot be decrypted: wrong key or the file was altered") from err
        return Secret(plain.decode())

    def names(self) -> list[str]:
        return sorted(self._load())

    def delete(self, name: str) -> bool:
        entries = self._load()
        if entries.pop(name, None) is None:
            return False
        self._save(entries)
        return True


def _decode_key(text: str, where: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as err:
        raise ConfigurationError(f"{where}: the secret key is not valid base64") from err
