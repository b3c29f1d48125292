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
from emulator.state import State
from emulator.webhooks import Webhooks


class Emulator:
    def __init__(self, config: EmulatorConfig, specs: SpecSet | None = None) -> None:
        self.config = config
        credentials = f"{config.account_sid}:{config.auth_token}".encode()
        # The Authorization header of a client with the right credentials, as clients
        # write it: matched as a string before any decoding (emulator.app).
        self.basic_auth = "Basic " + base64.b64encode(credentials).decode()
        self.specs = specs or SpecSet(resolve_specs_dir(config.specs_dir))
        self.knobs: Knobs = replace(config.knobs)
        self.state = State()
        self.rng = random.Random(config.seed)
        self.webhooks = Webhooks(self)
        self._tasks: set[asyncio.Task[None]] = set()

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
        self.state = State()
        self.knobs = replace(self.config.knobs)
        self.rng = random.Random(self.config.seed)

    async def aclose(self) -> None:
        await self.cancel_tasks()
        await self.webhooks.aclose()
