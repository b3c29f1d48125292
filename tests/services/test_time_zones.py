"""A person's zone from their phone number, and when their quiet hours end."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.policy.policy import QuietHours
from services.policy.zones import quiet_until, zone_name_of, zone_of


@pytest.mark.parametrize(
    ("phone", "zone"),
    [
        ("+919812345678", "Asia/Calcutta"),  # one zone for the whole country
        ("+12125550143", "America/New_York"),  # a Manhattan area code
        ("+14155238886", "America/Los_Angeles"),
        ("+447911123456", "Europe/London"),  # a mobile range libphonenumber spreads over
        ("+15550001111", "America/Chicago"),  # +1 with no area: the zone of most ranges
        ("+34612345678", "Europe/Madrid"),  # a mobile: the mainland, not the Canaries
        ("+5511987654321", "America/Sao_Paulo"),
    ],
)
def test_a_numbers_zone(phone: str, zone: str) -> None:
    assert zone_name_of(phone) == zone


def test_a_contacts_own_zone_wins_and_a_bad_one_falls_back_to_the_number() -> None:
    assert zone_of("+919812345678", "Europe/Lisbon") == ZoneInfo("Europe/Lisbon")
    assert zone_of("+919812345678", "Mars/Olympus") == ZoneInfo("Asia/Calcutta")


WINDOW = QuietHours(time(21), time(8))


@pytest.mark.parametrize(
    ("now", "until"),
    [
        # 23:10 in Lisbon (UTC in winter): quiet until 08:00 the next morning.
        (datetime(2026, 12, 4, 23, 10, tzinfo=UTC), datetime(2026, 12, 5, 8, 0, tzinfo=UTC)),
        # 03:00: quiet until 08:00 the same morning.
        (datetime(2026, 12, 5, 3, 0, tzinfo=UTC), datetime(2026, 12, 5, 8, 0, tzinfo=UTC)),
        # 08:00 sharp and 20:59: not quiet.
        (datetime(2026, 12, 5, 8, 0, tzinfo=UTC), None),
        (datetime(2026, 12, 5, 20, 59, tzinfo=UTC), None),
        # 21:00 sharp: quiet.
        (datetime(2026, 12, 5, 21, 0, tzinfo=UTC), datetime(2026, 12, 6, 8, 0, tzinfo=UTC)),
        # Summer time: 22:30 local is 21:30 UTC, and 08:00 local is 07:00 UTC.
        (datetime(2026, 7, 1, 21, 30, tzinfo=UTC), datetime(2026, 7, 2, 7, 0, tzinfo=UTC)),
    ],
)
def test_quiet_hours_across_midnight(now: datetime, until: datetime | None) -> None:
    assert quiet_until(WINDOW, ZoneInfo("Europe/Lisbon"), now) == until


def test_quiet_hours_within_one_day() -> None:
    lunch = QuietHours(time(12), time(14))
    zone = ZoneInfo("Asia/Tokyo")  # UTC+9, no daylight saving
    assert quiet_until(lunch, zone, datetime(2026, 12, 4, 4, 0, tzinfo=UTC)) == datetime(
        2026, 12, 4, 5, 0, tzinfo=UTC
    )
    assert quiet_until(lunch, zone, datetime(2026, 12, 4, 5, 0, tzinfo=UTC)) is None
