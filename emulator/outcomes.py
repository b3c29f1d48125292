"""What happens to a message, chosen by the last five digits of its number.

=================  ==========================================================================
number ends in     outcome
=================  ==========================================================================
To ...21211        refused at create: HTTP 400, code 21211 (invalid 'To' number)
To ...21610        refused at create: HTTP 400, code 21610 (recipient opted out, STOP)
To ...63024        201 queued, then ``failed`` with ErrorCode 63024 (not a WhatsApp user)
To ...63003        201 queued, then ``failed`` with ErrorCode 63003 (unknown address)
To ...63016        201 queued, then ``failed`` with ErrorCode 63016 (outside the 24 h window)
To ...63018        201 queued, then ``failed`` with ErrorCode 63018 (sender over its rate/tier)
To ...63014        201 queued, then ``failed`` with ErrorCode 63014 (the person blocked the
                   sender; `block_rate` does the same to a share of people, emulator.meta)
To ...63049        201 queued, ``sent``, then ``undelivered`` with ErrorCode 63049 (Meta's
                   per-user marketing cap)
From or To ...63007  201 queued, then ``failed`` with ErrorCode 63007 (no WhatsApp channel for
                   the From address; the To form lets a test keep one sender)
any other number   201 queued, then ``sent``, ``delivered``, ``read``
=================  ==========================================================================

Other outcomes come from the message itself, whatever the number: a ContentSid whose
template is not approved (never submitted, pending, rejected, paused, disabled) or a Body
without ContentSid fails with 63016, as a business-initiated WhatsApp message outside the
24 h window does; a body over 1,024 characters after substitution fails with 63021; a
message that would wait over ``max_queue_seconds`` behind its sender's messages-per-second
cap fails with 30001 (queue overflow), and one still queued when its ``ValidityPeriod``
(seconds from its creation, 1..36000, default 36000; out of range: 400 / 21624) runs out
fails with 30036 then, without using a slot. A message that would be delivered may still
not be: emulator.meta (blocks, Meta's per-person marketing cap, US marketing). With a
MessagingServiceSid the create answer says ``accepted`` and a ``queued`` callback follows.
No callback is sent for the status in the create answer, as on Twilio.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from emulator.errors import MESSAGES

Kind = Literal["refuse", "fail", "undeliver", "deliver"]


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    code: int | None = None

    @property
    def message(self) -> str | None:
        return None if self.code is None else MESSAGES[self.code]


DELIVER = Outcome("deliver")
_BY_TO: dict[str, Outcome] = {
    "21211": Outcome("refuse", 21211),
    "21610": Outcome("refuse", 21610),
    "63024": Outcome("fail", 63024),
    "63003": Outcome("fail", 63003),
    "63016": Outcome("fail", 63016),
    "63018": Outcome("fail", 63018),
    "63014": Outcome("fail", 63014),
    "63007": Outcome("fail", 63007),
    "63049": Outcome("undeliver", 63049),
}


def outcome_for(to: str, from_: str | None) -> Outcome:
    if from_ is not None and from_.endswith("63007"):
        return Outcome("fail", 63007)
    return _BY_TO.get(to[-5:], DELIVER)
