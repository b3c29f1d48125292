"""What Meta decides about a message Twilio hands it: a message that would be delivered
(its number has no rule in emulator.outcomes, its template is approved) may still not be.
Checked in this order, at dispatch (when the message leaves its sender's queue):

- **Blocked** (`block_rate`, 0..1): that share of (account, sender, person) pairs are
  people who blocked the sender; every message of that sender to them is ``failed`` with
  63014 ("Channel message blocked by user action": Twilio's code for a recipient who
  blocked the sender on WhatsApp; the facts sheet names no code for it). Which pairs is
  fixed by a hash of the pair and ``--seed``, not by the fault dice: the same person stays
  blocked on every send, whatever the order or concurrency of the sends, and 0 and 1 block
  no one and everyone. The number rule To ...63014 blocks one person exactly.
- **US numbers** (`us_marketing_blocked`, default off so that the +1 test numbers keep
  their outcomes): as the facts sheet says, Meta has delivered no MARKETING template to a
  +1 number since April 2025; such a message is ``sent``, then ``undelivered`` with 63049.
- **Per-person marketing cap** (`marketing_cap_per_person` N, `marketing_cap_window` W
  seconds, default 24 h): Meta lets at most N MARKETING template messages reach one person
  (the To number, from any sender of any account here) in any W seconds; the next one is
  ``sent``, then ``undelivered`` with 63049, like the To ...63049 rule. Only messages that
  get through count, from the moment they leave the queue (so two messages dispatched
  together are counted in order); UTILITY and AUTHENTICATION templates are never capped
  and never counted. Messages are counted while a cap is set, in memory: `POST
  /_emulator/reset` and a restart clear the count.

The category is the template's approval category at dispatch (an admin `category`
change applies to the messages still queued).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque

from emulator.core import Emulator
from emulator.outcomes import Outcome
from emulator.state import Message

MARKETING = "MARKETING"
BLOCKED = Outcome("fail", 63014)
NOT_DELIVERED = Outcome("undeliver", 63049)


def judge(emulator: Emulator, message: Message, category: str) -> Outcome | None:
    """The outcome Meta gives a deliverable message, or None when it delivers it."""
    if _blocked(emulator, message):
        return BLOCKED
    if category != MARKETING:
        return None
    if emulator.knobs.us_marketing_blocked and _person(message).startswith("+1"):
        return NOT_DELIVERED
    if not _within_cap(emulator, _person(message)):
        return NOT_DELIVERED
    return None


def _person(message: Message) -> str:
    return message.to.removeprefix("whatsapp:")


def _blocked(emulator: Emulator, message: Message) -> bool:
    rate = emulator.knobs.block_rate
    if rate <= 0:
        return False
    pair = f"{emulator.config.seed}|{message.account_sid}|{message.sender}|{_person(message)}"
    digest = hashlib.blake2b(pair.encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64 < rate


def _within_cap(emulator: Emulator, person: str) -> bool:
    """Whether one more marketing message may reach `person`; if so it is counted."""
    cap = emulator.knobs.marketing_cap_per_person
    if cap is None:
        return True
    clock = asyncio.get_running_loop().time()
    delivered = emulator.state.marketing_delivered.setdefault(person, deque())
    while delivered and clock - delivered[0] >= emulator.knobs.marketing_cap_window:
        delivered.popleft()
    if len(delivered) >= cap:
        return False
    delivered.append(clock)
    return True
