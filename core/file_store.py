"""Where uploaded files live (PITLANE_UPLOAD_STORE): the port and its two stores.

- `FilesystemStore` (the default, `make run`): a directory outside the web root; the key is
  the file's absolute path. Every replica reads it only if they share the directory.
- `DatabaseStore`: the `stored_files` table (bytea on PostgreSQL, at most 10 MiB a file),
  so every replica reads what any of them wrote; the key is "db:<random hex>".

An attachment keeps the key as its `storage_path`; the key says which store holds the file,
so files written before a change of setting stay readable, and erasure removes both kinds.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal, Protocol

from sqlalchemy import delete, select

from core.files import ALLOWED_TYPES
from core.models import StoredFile
from core.uow import UnitOfWork

log = logging.getLogger(__name__)

DATABASE_PREFIX = "db:"
StoreKind = Literal["filesystem", "database"]


class FileStore(Protocol):
    """Saves checked bytes under a new random key, reads them back, removes them."""

    def save(self, data: bytes, content_type: str) -> str: ...

    def read(self, key: str) -> bytes | None: ...

    def remove(self, keys: Iterable[str]) -> int: ...


def in_database(key: str) -> bool:
    """Whether `key` names a file of the database store."""
    return key.startswith(DATABASE_PREFIX)


class FilesystemStore:
    """Files under `root` with random names; never overwritten, read only inside `root`."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def save(self, data: bytes, content_type: str) -> str:
        directory = self.root.resolve()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{secrets.token_hex(16)}{ALLOWED_TYPES.get(content_type, ('',))[0]}"
        with open(path, "xb") as file:  # never overwrite
            file.write(data)
        return str(path)

    def read(self, key: str) -> bytes | None:
        if in_database(key):
            return None
        path = Path(key).resolve()
        # The key comes from the database; a tampered row still cannot name another file.
        if not path.is_relative_to(self.root.resolve()) or not path.is_file():
            return None
        return path.read_bytes()

    def remove(self, keys: Iterable[str]) -> int:
        return remove_files(k for k in keys if not in_database(k))


class DatabaseStore:
    """Files in the `stored_files` table, each saved in its own committed transaction."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        self.uow_factory = uow_factory

    def save(self, data: bytes, content_type: str) -> str:
        key = f"{DATABASE_PREFIX}{secrets.token_hex(16)}"
        with self.uow_factory() as uow:
            uow.session.add(
                StoredFile(key=key, content_type=content_type, size=len(data), data=data)
            )
            uow.commit()
        return key

    def read(self, key: str) -> bytes | None:
        if not in_database(key):
            return None
        with self.uow_factory() as uow:
            return uow.session.scalar(select(StoredFile.data).where(StoredFile.key == key))

    def remove(self, keys: Iterable[str]) -> int:
        wanted = [k for k in keys if in_database(k)]
        if not wanted:
            return 0
        with self.uow_factory() as uow:
            removed = uow.session.execute(delete(StoredFile).where(StoredFile.key.in_(wanted)))
            uow.commit()
        return int(removed.rowcount or 0)


class AnyStore:
    """Saves to `primary`; reads and removes in whichever store a key names."""

    def __init__(self, primary: FileStore, filesystem: FilesystemStore, database: DatabaseStore):
        self.primary, self.filesystem, self.database = primary, filesystem, database

    def save(self, data: bytes, content_type: str) -> str:
        return self.primary.save(data, content_type)

    def read(self, key: str) -> bytes | None:
        return (self.database if in_database(key) else self.filesystem).read(key)

    def remove(self, keys: Iterable[str]) -> int:
        keys = list(keys)
        return self.filesystem.remove(keys) + self.database.remove(keys)


def make_file_store(
    kind: StoreKind, upload_dir: Path | str, uow_factory: Callable[[], UnitOfWork]
) -> AnyStore:
    """The store PITLANE_UPLOAD_STORE names, able to read the other one's older files."""
    filesystem, database = FilesystemStore(upload_dir), DatabaseStore(uow_factory)
    primary: FileStore = database if kind == "database" else filesystem
    return AnyStore(primary, filesystem, database)


def remove_files(paths: Iterable[str]) -> int:
    """Delete files of the filesystem store; returns how many were removed. A file already
    gone is not an error; one that cannot be removed is logged (never its content)."""
    removed = 0
    for path in paths:
        try:
            Path(path).unlink()
            removed += 1
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("could not remove stored file %s: %s", path, exc.strerror)
    return removed
