"""What happens on the unique constraint while two transactions take one key: the second
waits for the first, then replays what it committed, or takes the key if it rolled back.
(Over HTTP the race is left to chance; here each step is held open on purpose.)"""

import asyncio

import pytest

from db.database import Database
from services.sends.idempotency import Operation, RequestKey, Taken, input_hash, take
from services.settings import Settings
from tests.conftest import MerchantAccount

HASH = input_hash({"campaign_id": 1})


def key(name: str) -> RequestKey:
    return RequestKey(Operation.SEND_CAMPAIGN, name, HASH, ("idempotencyKey",))


async def test_a_second_taker_waits_for_the_first_and_replays_its_commit(
    db: Database, settings: Settings, merchant: MerchantAccount
) -> None:
    merchant_id = merchant.merchant.id
    async with db.transaction() as first:
        mine = await take(first, settings, merchant_id, key("held"))
        assert mine.key_id is not None

        async def second() -> Taken:
            async with db.transaction() as session:
                return await take(session, settings, merchant_id, key("held"))

        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.3)
        assert not waiting.done(), "waits on the uncommitted key"
    replayed = await asyncio.wait_for(waiting, 5)
    assert replayed.key_id is None and replayed.first is not None
    assert replayed.first.input_hash == HASH


async def test_a_second_taker_gets_the_key_when_the_first_rolls_back(
    db: Database, settings: Settings, merchant: MerchantAccount
) -> None:
    merchant_id = merchant.merchant.id
    started = asyncio.Event()

    async def second() -> Taken:
        await started.wait()
        async with db.transaction() as session:
            return await take(session, settings, merchant_id, key("rolled-back"))

    waiting = asyncio.create_task(second())
    with pytest.raises(RuntimeError):
        async with db.transaction() as first:
            assert (await take(first, settings, merchant_id, key("rolled-back"))).key_id
            started.set()
            await asyncio.sleep(0.3)
            assert not waiting.done()
            raise RuntimeError("refused: the transaction rolls back")
    taken = await asyncio.wait_for(waiting, 5)
    assert taken.key_id is not None and taken.first is None, "the key was free again"
