"""The delivery ledger: what this machine has delivered, so a retried send is not sent again.

A small SQLite file in the worker's state folder keeps one row per idempotency key. Before the provider is
called the row says "delivering" (with the process and a lease); after, "delivered" with the receipt, "failed"
with the reason, or "retry" with the transient error. A delivery whose key is "delivered" returns the stored
receipt without sending; one whose key "failed" fails again the same way.

What it cannot close: a crash after the provider accepted the message and before "delivered" is written. The
retry finds "delivering" from a process that is gone and sends again, with the same key, and the far side
recognises the copy: an email carries the same Message-ID, a webhook the same Idempotency-Key. The ledger is per
machine; an activity retried on another worker is caught by those same provider-side keys.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from journeyc.runtime.delivery.model import Delivery, PermanentDeliveryError, Provider, Receipt, TransientDeliveryError

DEFAULT_LEASE_SECONDS = 300.0  # how long an attempt in a live process owns its key (above any provider timeout)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    key TEXT PRIMARY KEY,
    status TEXT NOT NULL,          -- delivering, delivered, failed, retry
    attempts INTEGER NOT NULL,
    owner_pid INTEGER,             -- the process of the attempt that is delivering
    owner_token TEXT,              -- and that process's own random token (a later process may reuse its pid)
    lease_until REAL,              -- until when that attempt owns the key, if its process lives
    provider TEXT,
    detail TEXT,                   -- the receipt's detail, once delivered
    reason TEXT,                   -- the last error
    updated_at REAL NOT NULL
)
"""


@dataclass(frozen=True)
class LedgerEntry:
    key: str
    status: str
    attempts: int
    provider: str | None
    detail: str | None
    reason: str | None


class Ledger:
    """One SQLite file of delivery states; safe to share between threads and processes of one machine."""

    def __init__(
        self, path: Path, *, lease_seconds: float = DEFAULT_LEASE_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.lease_seconds = lease_seconds
        self.clock = clock
        self._connections = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as connection:
            connection.execute("PRAGMA journal_mode=WAL")  # (readers never wait for the writer)
            connection.execute(_SCHEMA)

    def deliver_once(self, provider: Provider, delivery: Delivery) -> Receipt:
        """Deliver through `provider` unless the key was delivered already; the receipt either way.

        Raises what the provider raised, PermanentDeliveryError again for a key that failed for good, and
        TransientDeliveryError while another live attempt of the same key holds its lease.
        """
        stored = self._claim(delivery.key)
        if stored is not None:
            return stored
        try:
            receipt = provider.deliver(delivery)
        except PermanentDeliveryError as error:
            self._finish(delivery.key, "failed", provider.name, None, str(error))
            raise
        except BaseException as error:  # transient, or anything unforeseen: a later attempt may send
            self._finish(delivery.key, "retry", provider.name, None, str(error) or type(error).__name__)
            raise
        self._finish(delivery.key, "delivered", receipt.provider, receipt.detail, None)
        return receipt

    def entry(self, key: str) -> LedgerEntry | None:
        """The state of one key, if the ledger has seen it."""
        with self._connection() as connection:
            row = connection.execute(
                "SELECT key, status, attempts, provider, detail, reason FROM deliveries WHERE key = ?", (key,)
            ).fetchone()
        return LedgerEntry(*row) if row is not None else None

    def _claim(self, key: str) -> Receipt | None:
        """Mark the key "delivering" for this attempt; the stored receipt instead if it was delivered."""
        now = self.clock()
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")  # (no other attempt reads the row until this one has marked it)
            row = connection.execute(
                "SELECT status, owner_pid, owner_token, lease_until, provider, detail, reason FROM deliveries"
                " WHERE key = ?",
                (key,),
            ).fetchone()
            if row is not None:
                status, owner_pid, owner_token, lease_until, provider, detail, reason = row
                if status == "delivered":
                    connection.execute("COMMIT")
                    return Receipt(provider, detail)
                if status == "failed":
                    connection.execute("COMMIT")
                    raise PermanentDeliveryError(reason)
                if status == "delivering" and lease_until > now and _alive(owner_pid, owner_token):
                    connection.execute("COMMIT")
                    raise TransientDeliveryError("an earlier attempt of this delivery is still sending it")
            connection.execute(
                "INSERT INTO deliveries (key, status, attempts, owner_pid, owner_token, lease_until, updated_at)"
                " VALUES (?, 'delivering', 1, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET status = 'delivering',"
                " attempts = attempts + 1, owner_pid = excluded.owner_pid, owner_token = excluded.owner_token,"
                " lease_until = excluded.lease_until, updated_at = excluded.updated_at",
                (key, os.getpid(), _process_token(), now + self.lease_seconds, now),
            )
            connection.execute("COMMIT")
        return None

    def _finish(self, key: str, status: str, provider: str, detail: str | None, reason: str | None) -> None:
        with self._connection() as connection:
            connection.execute(
                "UPDATE deliveries SET status = ?, provider = ?, detail = ?, reason = ?, owner_pid = NULL,"
                " owner_token = NULL, lease_until = NULL, updated_at = ? WHERE key = ?",
                (status, provider, detail, reason, self.clock(), key),
            )

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection to the file (sqlite3 connections are not shared between threads), opened on
        its first use and kept: a delivery uses it three times, and opening one costs as much as a commit."""
        connection = self._connections.__dict__.get("connection")
        if connection is None or self._connections.pid != os.getpid():  # (a forked child opens its own)
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            # In WAL mode, NORMAL syncs at checkpoints, not at each commit: a commit survives the worker's crash
            # (it is in the operating system's hands), and only a power loss can take the last few. Syncing each
            # of a delivery's two commits made every delivery of the machine wait in line for the disk (about 20
            # per second here, benchmarks/README.md). What a lost row can cause is one more attempt of a send,
            # which the far side recognises by its key, as after a crash between sending and "delivered".
            connection.execute("PRAGMA synchronous=NORMAL")
            self._connections.connection, self._connections.pid = connection, os.getpid()
        try:
            yield connection
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise


_token: tuple[int, str] | None = None  # (pid, token) of this process


def _process_token() -> str:
    """A random token of this process, new in a forked child."""
    global _token
    if _token is None or _token[0] != os.getpid():
        _token = (os.getpid(), uuid.uuid4().hex)
    return _token[1]


def _alive(pid: int | None, token: str | None) -> bool:
    """Whether the process of an attempt still runs (after a kill -9, its attempt is over at once)."""
    if token == _process_token():
        return True
    if pid is None or pid == os.getpid():  # an earlier process that had this process's pid (a restarted container)
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
