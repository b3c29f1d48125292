"""A merchant's sending policy as the API shows it (services/policy)."""

from datetime import time

import strawberry

from services.policy import policy as values
from services.policy.policy import DEFAULT_POLICY
from services.policy.rules import BREAKER_WINDOW, CAP_DAYS, CAP_MESSAGES, VALIDITY_SECONDS

_BREAKER = DEFAULT_POLICY.breaker
_VALIDITY = DEFAULT_POLICY.validity


def _bounds(bounds: tuple[int, int]) -> str:
    return f"{bounds[0]:,} to {bounds[1]:,}"


def hh_mm(moment: time) -> str:
    return moment.strftime("%H:%M")


@strawberry.type(
    description="No campaign message reaches a person between `start` and `end` of the "
    "person's own clock (the contact's `localTimeZone`). An `end` before `start` spans "
    "midnight (21:00 to 08:00)."
)
class QuietHours:
    start: str = strawberry.field(description='"HH:MM" (24-hour), the recipient\'s local time.')
    end: str = strawberry.field(description='"HH:MM" (24-hour), the recipient\'s local time.')


@strawberry.type(
    description="At most `messages` marketing messages to one person in `days` days, across "
    "the merchant's campaigns; utility (transactional) messages are exempt."
)
class MarketingCap:
    messages: int = strawberry.field(description=f"{_bounds(CAP_MESSAGES)}.")
    days: int = strawberry.field(description=f"{_bounds(CAP_DAYS)}.")


@strawberry.type(
    description="A send pauses itself when, over its last `window` messages with an "
    "outcome, the share that failed, opted out or was limited by Meta (error 63049) passes "
    "its rate; it is judged once `window` messages have an outcome. A null rate: that "
    "check is off."
)
class CircuitBreaker:
    failure_rate: float | None = strawberry.field(
        description=f"Over 0, at most 1; default {_BREAKER.failure_rate}."
    )
    opt_out_rate: float | None = strawberry.field(
        description=f"Over 0, at most 1; default {_BREAKER.opt_out_rate}."
    )
    limited_rate: float | None = strawberry.field(
        description=f"Over 0, at most 1; default {_BREAKER.limited_rate}."
    )
    window: int = strawberry.field(
        description=f"Messages, {_bounds(BREAKER_WINDOW)}; default {_BREAKER.window}."
    )


@strawberry.type(
    description="How long Twilio may hold a message it could not yet deliver (its "
    "ValidityPeriod), by template category: past it the message fails (30036) rather "
    "than arrive late. A template Meta approved as MARKETING counts as marketing."
)
class ValiditySeconds:
    marketing: int = strawberry.field(
        description=f"Seconds, {_bounds(VALIDITY_SECONDS)}; default {_VALIDITY.marketing:,}."
    )
    utility: int = strawberry.field(
        description=f"Seconds, {_bounds(VALIDITY_SECONDS)}; default {_VALIDITY.utility:,}."
    )


@strawberry.type(
    description="What the merchant's sends hold to: when a message may reach a person, how "
    "many marketing messages a person gets, when a send stops itself and how long a "
    "message may wait. A merchant that never set one has the defaults given per field."
)
class SendingPolicy:
    quiet_hours: QuietHours | None = strawberry.field(description="Null: off (the default).")
    marketing_cap: MarketingCap | None = strawberry.field(description="Null: off (the default).")
    breaker: CircuitBreaker = strawberry.field(
        description="On by default, with the defaults given per field."
    )
    validity_seconds: ValiditySeconds = strawberry.field(
        description="Always set: the defaults until the merchant changes them."
    )

    @classmethod
    def of(cls, policy: values.SendingPolicy) -> "SendingPolicy":
        quiet, cap, breaker = policy.quiet_hours, policy.marketing_cap, policy.breaker
        return cls(
            quiet_hours=QuietHours(start=hh_mm(quiet.start), end=hh_mm(quiet.end))
            if quiet
            else None,
            marketing_cap=MarketingCap(messages=cap.messages, days=cap.days) if cap else None,
            breaker=CircuitBreaker(
                failure_rate=breaker.failure_rate,
                opt_out_rate=breaker.opt_out_rate,
                limited_rate=breaker.limited_rate,
                window=breaker.window,
            ),
            validity_seconds=ValiditySeconds(
                marketing=policy.validity.marketing, utility=policy.validity.utility
            ),
        )
