"""updateSendingPolicy: change the merchant's sending policy, group by group."""

from typing import Any

import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.types.common import UserError
from gql.types.policy import SendingPolicy
from services.policy.rules import (
    BREAKER_WINDOW,
    CAP_DAYS,
    CAP_MESSAGES,
    KEEP,
    VALIDITY_SECONDS,
    BreakerChange,
    CapChange,
    PolicyChanges,
    QuietHoursChange,
    ValidityChange,
)
from services.policy.service import update_policy

_TIME = '"HH:MM", 00:00 to 23:59, the recipient\'s local time.'
_RATE = "Over 0, at most 1 (0.3: 30%). Left out: kept; null: this check off."


def _kept(bounds: tuple[int, int]) -> str:
    return f"{bounds[0]:,} to {bounds[1]:,}. Left out (or null): kept."


@strawberry.input(description='Quiet hours, e.g. {start: "21:00", end: "08:00"}.')
class QuietHoursInput:
    start: str = strawberry.field(description=_TIME)
    end: str = strawberry.field(description=f"{_TIME} Not the same as `start`.")


@strawberry.input
class MarketingCapInput:
    messages: int = strawberry.field(description=f"{CAP_MESSAGES[0]} to {CAP_MESSAGES[1]}.")
    days: int = strawberry.field(description=f"{CAP_DAYS[0]} to {CAP_DAYS[1]}.")


@strawberry.input(description="The circuit breaker's values; each one left out is kept.")
class CircuitBreakerInput:
    failure_rate: float | None = strawberry.field(default=strawberry.UNSET, description=_RATE)
    opt_out_rate: float | None = strawberry.field(default=strawberry.UNSET, description=_RATE)
    limited_rate: float | None = strawberry.field(default=strawberry.UNSET, description=_RATE)
    window: int | None = strawberry.field(
        default=strawberry.UNSET, description=f"Messages, {_kept(BREAKER_WINDOW)}"
    )


@strawberry.input(description="Validity periods in seconds; each one left out is kept.")
class ValiditySecondsInput:
    marketing: int | None = strawberry.field(
        default=strawberry.UNSET, description=_kept(VALIDITY_SECONDS)
    )
    utility: int | None = strawberry.field(
        default=strawberry.UNSET, description=_kept(VALIDITY_SECONDS)
    )


@strawberry.input(description="The groups to change; a group left out keeps its values.")
class UpdateSendingPolicyInput:
    quiet_hours: QuietHoursInput | None = strawberry.field(
        default=strawberry.UNSET, description="Left out: kept; null: quiet hours off."
    )
    marketing_cap: MarketingCapInput | None = strawberry.field(
        default=strawberry.UNSET, description="Left out: kept; null: the cap off."
    )
    breaker: CircuitBreakerInput | None = strawberry.field(
        default=strawberry.UNSET, description="Left out (or null): kept."
    )
    validity_seconds: ValiditySecondsInput | None = strawberry.field(
        default=strawberry.UNSET, description="Left out (or null): kept."
    )


@strawberry.type
class UpdateSendingPolicyPayload:
    sending_policy: SendingPolicy | None = strawberry.field(
        description="The whole policy after the change; null when refused."
    )
    errors: list[UserError]


def _given(value: Any, null_keeps: bool = False) -> Any:
    """KEEP for a value left out (or, where null means nothing, null)."""
    if value is strawberry.UNSET or (value is None and null_keeps):
        return KEEP
    return value


def _changes(given: UpdateSendingPolicyInput) -> PolicyChanges:
    quiet, cap = given.quiet_hours, given.marketing_cap
    breaker = given.breaker or CircuitBreakerInput()
    validity = given.validity_seconds or ValiditySecondsInput()
    return PolicyChanges(
        quiet_hours=QuietHoursChange(quiet.start, quiet.end) if quiet else _given(quiet),
        marketing_cap=CapChange(cap.messages, cap.days) if cap else _given(cap),
        breaker=BreakerChange(
            failure_rate=_given(breaker.failure_rate),
            opt_out_rate=_given(breaker.opt_out_rate),
            limited_rate=_given(breaker.limited_rate),
            window=_given(breaker.window, null_keeps=True),
        ),
        validity=ValidityChange(
            marketing=_given(validity.marketing, null_keeps=True),
            utility=_given(validity.utility, null_keeps=True),
        ),
    )


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Change the merchant's sending policy: a group left out keeps its values, "
    "`quietHours: null` and `marketingCap: null` turn that rule off. Nothing is stored "
    "when any value is refused; each refused value is in `errors` with its path. Codes: "
    "INVALID_TIME (not HH:MM), EMPTY_QUIET_HOURS (start = end), OUT_OF_RANGE.",
)
async def update_sending_policy(
    info: Info, input: UpdateSendingPolicyInput
) -> UpdateSendingPolicyPayload:
    merchant_id = info.context.merchant_id
    changes = _changes(input)
    policy = await in_transaction(
        info.context, lambda session: update_policy(session, merchant_id, changes)
    )
    return UpdateSendingPolicyPayload(sending_policy=SendingPolicy.of(policy), errors=[])
