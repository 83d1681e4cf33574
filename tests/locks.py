"""Another writer for tests: a second connection to a SQLite file that holds its write lock."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from notifications.transports import Mail, MemoryTransport, Refusals


class WriteLock:
    """Another connection to a SQLite file, which can take its write lock and give it back."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)

    def take(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")  # as a writer does: nobody else may write

    def give_back(self) -> None:
        self.connection.execute("ROLLBACK")

    def close(self) -> None:
        self.connection.close()


class LockingTransport(MemoryTransport):
    """Has `lock` taken as it sends the first message, as another writer might meanwhile."""

    def __init__(self, lock: WriteLock) -> None:
        super().__init__()
        self.lock = lock

    async def send(self, mail: Mail) -> Refusals:
        if not self.outbox:
            self.lock.take()
        return await super().send(mail)
