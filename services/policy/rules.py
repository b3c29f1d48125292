"""What a merchant may change in its sending policy, and the limits of every value.

A change names only what it changes. A group left out (KEEP) keeps its values; quiet
hours or the marketing cap given as None turn that rule off; inside the breaker and the
validity periods each value may be left out on its own, and a breaker rate of None turns
that check off. Every value has limits: a change with any value outside them is refused
whole, each bad value reported at its path in the mutation's input."""

import re
from dataclasses import dataclass, field
from datetime import time
from enum import Enum

from services.errors import ErrorCode, FieldError, ServiceError
from services.policy.policy import (
    MAX_VALIDITY,
    MIN_VALIDITY,
    Breaker,
    MarketingCap,
    QuietHours,
    SendingPolicy,
    Validity,
)

# Inclusive bounds. A cap over 100 messages is no cap; Meta's own per-person marketing
# limit is counted in days, and a month is the longest a merchant plans a calendar for.
CAP_MESSAGES = (1, 100)
CAP_DAYS = (1, 30)
# Fewer than 10 outcomes say nothing about a sender; over 10,000 the breaker reacts only
# once a large send has already done its damage.
BREAKER_WINDOW = (10, 10_000)
VALIDITY_SECONDS = (MIN_VALIDITY, MAX_VALIDITY)  # Twilio's ValidityPeriod bounds
HH_MM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")

Path = tuple[str, ...]
INPUT: Path = ("input",)


class Keep(Enum):
    """A value left out of a change: the stored one stays."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class QuietHoursChange:
    start: str  # HH:MM
    end: str


@dataclass(frozen=True)
class CapChange:
    messages: int
    days: int


@dataclass(frozen=True)
class BreakerChange:
    failure_rate: float | Keep | None = KEEP
    opt_out_rate: float | Keep | None = KEEP
    limited_rate: float | Keep | None = KEEP
    window: int | Keep = KEEP


@dataclass(frozen=True)
class ValidityChange:
    marketing: int | Keep = KEEP
    utility: int | Keep = KEEP


@dataclass(frozen=True)
class PolicyChanges:
    quiet_hours: QuietHoursChange | Keep | None = KEEP
    marketing_cap: CapChange | Keep | None = KEEP
    breaker: BreakerChange = field(default_factory=BreakerChange)
    validity: ValidityChange = field(default_factory=ValidityChange)


def changed_policy(current: SendingPolicy, changes: PolicyChanges) -> SendingPolicy:
    """The policy with the changes made, or a ServiceError naming every bad value."""
    errors: list[FieldError] = []
    quiet = _quiet_hours(current.quiet_hours, changes.quiet_hours, errors)
    cap = _marketing_cap(current.marketing_cap, changes.marketing_cap, errors)
    breaker = _breaker(current.breaker, changes.breaker, errors)
    validity = _validity(current.validity, changes.validity, errors)
    if errors:
        raise ServiceError(errors)
    return SendingPolicy(quiet, cap, breaker, validity)


def time_of_day(given: str, path: Path, errors: list[FieldError]) -> time | None:
    """A time given as HH:MM (24-hour, 00:00 to 23:59), or None after reporting."""
    match = HH_MM.fullmatch(given)
    if match is None:
        message = f'A time of day is "HH:MM", 00:00 to 23:59 (e.g. "21:00"); {given!r} is not.'
        errors.append(FieldError(ErrorCode.INVALID_TIME, message, path))
        return None
    return time(int(match[1]), int(match[2]))


def _quiet_hours(
    current: QuietHours | None, given: QuietHoursChange | Keep | None, errors: list[FieldError]
) -> QuietHours | None:
    if isinstance(given, Keep):
        return current
    if given is None:
        return None
    path = (*INPUT, "quietHours")
    start = time_of_day(given.start, (*path, "start"), errors)
    end = time_of_day(given.end, (*path, "end"), errors)
    if start is None or end is None:
        return None
    if start == end:
        message = "Quiet hours must end at another time than they start; null turns them off."
        errors.append(FieldError(ErrorCode.EMPTY_QUIET_HOURS, message, (*path, "end")))
        return None
    return QuietHours(start, end)


def _marketing_cap(
    current: MarketingCap | None, given: CapChange | Keep | None, errors: list[FieldError]
) -> MarketingCap | None:
    if isinstance(given, Keep):
        return current
    if given is None:
        return None
    path = (*INPUT, "marketingCap")
    _within(given.messages, CAP_MESSAGES, (*path, "messages"), errors)
    _within(given.days, CAP_DAYS, (*path, "days"), errors)
    return MarketingCap(given.messages, given.days)


def _breaker(current: Breaker, given: BreakerChange, errors: list[FieldError]) -> Breaker:
    path = (*INPUT, "breaker")
    rates: dict[str, float | None] = {}
    for name, key in (
        ("failure_rate", "failureRate"),
        ("opt_out_rate", "optOutRate"),
        ("limited_rate", "limitedRate"),
    ):
        rate: float | Keep | None = getattr(given, name)
        if isinstance(rate, Keep):
            rates[name] = getattr(current, name)
            continue
        if rate is not None and not 0 < rate <= 1:
            message = f"A rate is a share over 0 and at most 1 (0.3 is 30%); {rate} is not."
            errors.append(FieldError(ErrorCode.OUT_OF_RANGE, message, (*path, key)))
        rates[name] = rate
    window = current.window
    if not isinstance(given.window, Keep):
        window = given.window
        _within(window, BREAKER_WINDOW, (*path, "window"), errors)
    return Breaker(**rates, window=window)


def _validity(current: Validity, given: ValidityChange, errors: list[FieldError]) -> Validity:
    path = (*INPUT, "validitySeconds")
    marketing = current.marketing if isinstance(given.marketing, Keep) else given.marketing
    utility = current.utility if isinstance(given.utility, Keep) else given.utility
    if not isinstance(given.marketing, Keep):
        _within(marketing, VALIDITY_SECONDS, (*path, "marketing"), errors)
    if not isinstance(given.utility, Keep):
        _within(utility, VALIDITY_SECONDS, (*path, "utility"), errors)
    return Validity(marketing, utility)


def _within(value: int, bounds: tuple[int, int], path: Path, errors: list[FieldError]) -> None:
    low, high = bounds
    if not low <= value <= high:
        message = f"Must be {low:,} to {high:,}; {value:,} is not."
        errors.append(FieldError(ErrorCode.OUT_OF_RANGE, message, path))
