"""A person's time zone and the quiet hours in it.

The zone is the contact's own (timeZone, set by the merchant) or the one libphonenumber
gives the phone number. A number it places in several zones (a mobile range spanning a
country, a non-geographic number) takes the one of them libphonenumber gives most of the
country's number ranges (max() keeps the first of equals); the override is for the
numbers that guess gets wrong. A number it cannot place at all falls back to its
country's zones, then to UTC."""

from collections import Counter
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from phonenumbers import timezone as phone_zones
from phonenumbers.tzdata import TIMEZONE_DATA

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
        return _likeliest(number, [str(z) for z in zones])
    return str(zones[0]) if zones else "UTC"


def _likeliest(number: phonenumbers.PhoneNumber, zones: list[str]) -> str:
    """Of a number's zones, the one libphonenumber gives most of its country's number
    ranges: Chicago for +1 (at most two hours off in the contiguous US), London for +44,
    Brisbane for +61 (Sydney's offset outside daylight saving)."""
    ranges = _ranges_per_zone(number.country_code or 0)
    return max(zones, key=lambda zone: ranges.get(zone, 0))


@lru_cache(maxsize=256)
def _ranges_per_zone(country_code: int) -> dict[str, int]:
    """How many of a country's number ranges libphonenumber places in one zone, by zone."""
    prefix = str(country_code)
    counts: Counter[str] = Counter()
    for ranges, zones in TIMEZONE_DATA.items():
        if ranges.startswith(prefix) and len(zones) == 1:
            counts[zones[0]] += 1
    return dict(counts)


def zone_of(phone: str, override: str | None) -> tzinfo:
    """The person's zone: their own if set, else their phone number's."""
    for name in (override, zone_name_of(phone)):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return UTC


def zone_key(phone: str, override: str | None) -> str:
    """The IANA name of the person's zone (zone_of's), "UTC" for its fallback."""
    return str(getattr(zone_of(phone, override), "key", None) or "UTC")


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
