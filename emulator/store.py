"""Optional persistence of the emulator's state (`--state PATH`): one SQLite file.

Kept: the subaccounts (the main account is the configuration's), API keys, contents with their
approval (both written through at every change), messages with their status history
(written in batches, at most `FLUSH_INTERVAL` after a change) and the names of deleted
templates, per account. Not kept: webhook deliveries, the request log and the per-sender
queue, which describe one run. Every write is one SQLite transaction in WAL mode, so a
process killed at any moment leaves the file as it was after its last commit: it loses at
most the last fraction of a second of message statuses, and is never half-written.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from emulator.state import Account, ApiKey, Approval, Content, Message, State

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 0.1  # seconds between two writes of changed messages

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contents (sid TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (sid TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (sid TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keys (sid TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deleted_names (
    account_sid TEXT NOT NULL, name TEXT NOT NULL, deleted_at TEXT NOT NULL,
    PRIMARY KEY (account_sid, name)
);
"""
# A file written before subaccounts has deleted_names (name, deleted_at): the main account's.
_UPGRADE_DELETED_NAMES = """
ALTER TABLE deleted_names RENAME TO deleted_names_v1;
CREATE TABLE deleted_names (
    account_sid TEXT NOT NULL, name TEXT NOT NULL, deleted_at TEXT NOT NULL,
    PRIMARY KEY (account_sid, name)
);
INSERT INTO deleted_names SELECT ?, name, deleted_at FROM deleted_names_v1;
DROP TABLE deleted_names_v1;
"""
# An upsert keeps the row's rowid, so reading by rowid gives the order of creation back.
_UPSERT = (
    "INSERT INTO {table} (sid, data) VALUES (?, ?)"
    " ON CONFLICT (sid) DO UPDATE SET data = excluded.data"
)
_CONTENT_DATES = ("date_created", "date_updated")
_ACCOUNT_DATES = ("date_created", "date_updated")
_KEY_DATES = ("date_created", "date_updated")
_MESSAGE_DATES = ("date_created", "date_updated", "date_sent")


class StateFileError(Exception):
    """The state file cannot be used (another account's, or not an emulator state file)."""


class Store:
    def __init__(self, path: Path, account_sid: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # Owner only, as it holds what merchants sent; SQLite gives its -wal and -shm
        # files the database file's mode, so they are created private too.
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        # Autocommit: each write below opens its own transaction explicitly.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.executescript(_SCHEMA)
            self._claim(account_sid)
            self._upgrade(account_sid)
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise StateFileError(f"{path}: {error}") from None
        self._changed: dict[str, Message] = {}

    def _claim(self, account_sid: str) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'account_sid'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('account_sid', ?)", (account_sid,))
        elif row[0] != account_sid:
            raise StateFileError(
                f"{self.path} holds the state of account {row[0]}, not {account_sid}"
            )

    def _upgrade(self, account_sid: str) -> None:
        columns = [row[1] for row in self._db.execute("PRAGMA table_info(deleted_names)")]
        if "account_sid" in columns:
            return
        # One transaction (the connection is in autocommit): all of it, or none.
        self._db.execute("BEGIN")
        try:
            for statement in _UPGRADE_DELETED_NAMES.split(";"):
                if statement.strip():
                    self._db.execute(statement, (account_sid,) if "?" in statement else ())
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def load(self) -> State:
        try:
            return self._load()
        except (sqlite3.DatabaseError, ValueError, TypeError, KeyError) as error:
            raise StateFileError(f"{self.path} cannot be read: {error!r}") from None

    def _load(self) -> State:
        state = State()
        for (data,) in self._db.execute("SELECT data FROM accounts ORDER BY rowid"):
            account = Account(**_known(Account, _dates(json.loads(data), _ACCOUNT_DATES)))
            state.accounts[account.sid] = account
        for (data,) in self._db.execute("SELECT data FROM keys ORDER BY rowid"):
            key = ApiKey(**_known(ApiKey, _dates(json.loads(data), _KEY_DATES)))
            state.keys[key.sid] = key
        for (data,) in self._db.execute("SELECT data FROM contents ORDER BY rowid"):
            content = _content(json.loads(data))
            state.contents[content.sid] = content
        for (data,) in self._db.execute("SELECT data FROM messages ORDER BY rowid"):
            message = _message(json.loads(data))
            state.messages[message.sid] = message
        deleted = "SELECT account_sid, name, deleted_at FROM deleted_names"
        for account_sid, name, deleted_at in self._db.execute(deleted):
            state.deleted_names[account_sid, name] = datetime.fromisoformat(deleted_at)
        return state

    def save_account(self, account: Account) -> None:
        data = json.dumps(_record(account, _ACCOUNT_DATES))
        with self._db:
            self._db.execute(_UPSERT.format(table="accounts"), (account.sid, data))

    def save_key(self, key: ApiKey) -> None:
        data = json.dumps(_record(key, _KEY_DATES))
        with self._db:
            self._db.execute(_UPSERT.format(table="keys"), (key.sid, data))

    def delete_key(self, key: ApiKey) -> None:
        with self._db:
            self._db.execute("DELETE FROM keys WHERE sid = ?", (key.sid,))

    def save_content(self, content: Content) -> None:
        data = json.dumps(_record(content, _CONTENT_DATES))
        with self._db:
            self._db.execute(_UPSERT.format(table="contents"), (content.sid, data))

    def delete_content(self, content: Content, deleted_name: tuple[str, datetime] | None) -> None:
        with self._db:
            self._db.execute("DELETE FROM contents WHERE sid = ?", (content.sid,))
            if deleted_name is not None:
                name, moment = deleted_name
                self._db.execute(
                    "INSERT OR REPLACE INTO deleted_names VALUES (?, ?, ?)",
                    (content.account_sid, name, moment.isoformat()),
                )

    def message_changed(self, message: Message) -> None:
        self._changed[message.sid] = message

    def flush(self) -> None:
        """Write the messages changed since the last flush, in one transaction."""
        if not self._changed:
            return
        changed, self._changed = self._changed, {}
        rows = [(sid, json.dumps(_record(m, _MESSAGE_DATES))) for sid, m in changed.items()]
        try:
            with self._db:
                self._db.executemany(_UPSERT.format(table="messages"), rows)
        except sqlite3.OperationalError as error:
            # Busy (another process on the same file) or a full disk: kept for the next try.
            log.warning("state file %s not written, will try again: %s", self.path, error)
            self._changed = {**changed, **self._changed}

    def clear(self) -> None:
        self._changed = {}
        with self._db:
            for table in ("accounts", "keys", "contents", "messages", "deleted_names"):
                self._db.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        self.flush()
        self._db.close()


def _record(item: Account | ApiKey | Content | Message, dates: tuple[str, ...]) -> dict[str, Any]:
    record = asdict(item)
    for name in dates:
        value = record[name]
        record[name] = value.isoformat() if value is not None else None
    return record


def _dates(record: dict[str, Any], dates: tuple[str, ...]) -> dict[str, Any]:
    for name in dates:
        if record.get(name) is not None:
            record[name] = datetime.fromisoformat(record[name])
    return record


def _known(cls: type, record: dict[str, Any]) -> dict[str, Any]:
    """Only the fields the class has: a file written by another version still loads."""
    names = {f.name for f in fields(cls)}
    return {key: value for key, value in record.items() if key in names}


def _content(record: dict[str, Any]) -> Content:
    record = _known(Content, _dates(record, _CONTENT_DATES))
    if record.get("approval") is not None:
        record["approval"] = Approval(**_known(Approval, record["approval"]))
    if record.get("forced_outcome") is not None:
        record["forced_outcome"] = tuple(record["forced_outcome"])
    return Content(**record)


def _message(record: dict[str, Any]) -> Message:
    return Message(**_known(Message, _dates(record, _MESSAGE_DATES)))
