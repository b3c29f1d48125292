"""The emulator's one object: configuration, knobs, state, specs and background tasks."""

from __future__ import annotations

import asyncio
import base64
import random
from collections.abc import Coroutine
from dataclasses import replace
from typing import Any

from emulator.config import EmulatorConfig, Knobs, resolve_specs_dir
from emulator.openapi import SpecSet
from emulator.state import Account, ApiKey, Content, Message, State
from emulator.store import FLUSH_INTERVAL, Store
from emulator.webhooks import Webhooks

MAIN_FRIENDLY_NAME = "Main account"


class Emulator:
    def __init__(self, config: EmulatorConfig, specs: SpecSet | None = None) -> None:
        self.config = config
        credentials = f"{config.account_sid}:{config.auth_token}".encode()
        # The Authorization header of a client with the right credentials, as clients
        # write it: matched as a string before any decoding (emulator.app).
        self.basic_auth = "Basic " + base64.b64encode(credentials).decode()
        self.specs = specs or SpecSet(resolve_specs_dir(config.specs_dir), config.validation)
        self.knobs: Knobs = replace(config.knobs)
        # With a state file, what a previous run left is served again (emulator.store).
        self.store = Store(config.state_path, config.account_sid) if config.state_path else None
        self.state = self._with_main_account(self.store.load() if self.store else State())
        self.rng = random.Random(config.seed)
        self.webhooks = Webhooks(self)
        self._tasks: set[asyncio.Task[None]] = set()
        self._flusher: asyncio.Task[None] | None = None

    def _with_main_account(self, state: State) -> State:
        """The main account comes from the configuration, first in the registry; the
        subaccounts it created come from the state file."""
        sid, token = self.config.account_sid, self.config.auth_token
        main = Account(sid, token, MAIN_FRIENDLY_NAME, owner_account_sid=sid)
        state.accounts = {main.sid: main, **state.accounts}
        return state

    @property
    def main_account(self) -> Account:
        return self.state.accounts[self.config.account_sid]

    @property
    def main_caller(self) -> tuple[Account, ApiKey | None]:
        """The main account with its auth token (no API key): emulator.auth's fast path."""
        return self.state.accounts[self.config.account_sid], None

    def auth_token_of(self, account_sid: str) -> str:
        """The token that signs an account's webhooks (the main one's for an unknown sid)."""
        account = self.state.accounts.get(account_sid)
        return account.auth_token if account is not None else self.config.auth_token

    def start(self) -> None:
        """In the serving loop, before the first request: begin writing the state file."""
        if self.store is not None and self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush_forever())

    async def _flush_forever(self) -> None:
        assert self.store is not None
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            self.store.flush()

    def content_changed(self, content: Content) -> None:
        if self.store is not None:
            self.store.save_content(content)

    def account_changed(self, account: Account) -> None:
        if self.store is not None and not account.is_main:
            self.store.save_account(account)

    def key_changed(self, key: ApiKey, *, deleted: bool = False) -> None:
        if self.store is not None:
            if deleted:
                self.store.delete_key(key)
            else:
                self.store.save_key(key)

    def message_changed(self, message: Message) -> None:
        if self.store is not None:
            self.store.message_changed(message)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run in the background; kept so that reset and shutdown can cancel it."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def chance(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    async def cancel_tasks(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def reset(self) -> None:
        """As freshly started: no state, the start-up knobs, the dice re-seeded."""
        await self.cancel_tasks()
        self.state = self._with_main_account(State())
        if self.store is not None:
            self.store.clear()
        self.knobs = replace(self.config.knobs)
        self.rng = random.Random(self.config.seed)

    async def aclose(self) -> None:
        await self.cancel_tasks()
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)
            self._flusher = None
        if self.store is not None:
            self.store.close()
            self.store = None
        await self.webhooks.aclose()
