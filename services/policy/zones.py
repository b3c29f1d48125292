"""A person's time zone and the quiet hours in it.

The zone is the contact's own (timeZone, set by the merchant) or the one libphonenumber
gives the phone number. A number it places in several zones takes the zone of its
geographical lookup when that is one, else the first: the override is for numbers
libphonenumber cannot place (non-geographic, mobile ranges spanning zones). A number it
cannot place at all falls back to its country's zones, then to UTC."""

from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from phonenumbers import timezone as phone_zones

from services.policy.policy import QuietHours

_UNKNOWN = phone_zones.UNKNOWN_TIMEZONE


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_zone(name: str) -> bool:
    """An IANA zone name this server can compute with (what a contact's timeZone may be)."""
    return name in known_zones()


@lru_cache(maxsize=65_536)
def zone_name_of(phone: str) -> str:
    """The IANA zone libphonenumber places a phone number (E.164) in."""
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return "UTC"
    zones = [z for z in phone_zones.time_zones_for_number(number) if z != _UNKNOWN]
    if not zones:
        zones = [
            z for z in phone_zones._country_level_time_zones_for_number(number) if z != _UNKNOWN
        ]
    if len(zones) > 1:
        geographical = phone_zones.time_zones_for_geographical_number(number)
        if len(geographical) == 1 and geographical[0] != _UNKNOWN:
            return str(geographical[0])
    return str(zones[0]) if zones else "UTC"


def zone_of(phone: str, override: str | None) -> tzinfo:
    """The person's zone: their own if set, else their phone number's."""
    for name in (override, zone_name_of(phone)):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return UTC


def quiet_until(quiet: QuietHours, zone: tzinfo, now: datetime) -> datetime | None:
    """When the person's quiet hours end (UTC), or None when it is not quiet for them now."""
    local = now.astimezone(zone)
    if not quiet.covers(local.time().replace(tzinfo=None)):
        return None
    end = local.replace(
        hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0, fold=0
    )
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), quiet.end, tzinfo=zone)
    return end.astimezone(UTC)
