"""Scalars whose input the services can use as it is.

DateTime: strawberry's own parses any ISO 8601 text, a naive one included; a naive
datetime cannot be compared with the aware ones the services use (comparing raised a
TypeError in sendCampaign). Converting to UTC here also refuses, as a coercion error, a
time that only exists in its own offset (9999-12-31T23:59:59-14:00 is year 10000 in UTC),
which the database driver could not encode. Same name, description and output as
strawberry's, so the schema does not change.
"""

from datetime import UTC, datetime
from operator import methodcaller

from strawberry.schema.types.base_scalars import wrap_parser
from strawberry.types.scalar import ScalarDefinition


def parse_aware_datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.utcoffset() is None:
        raise ValueError("A time zone is required, e.g. 2030-01-31T09:00:00Z or +02:00.")
    try:
        return parsed.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("Out of range once converted to UTC.") from error


DateTimeDefinition = ScalarDefinition(
    name="DateTime",
    description="Date with time (isoformat)",
    specified_by_url=None,
    serialize=methodcaller("isoformat"),
    parse_value=wrap_parser(parse_aware_datetime, "DateTime", (ValueError, OverflowError)),
    parse_literal=None,
    origin=datetime,
)

SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {datetime: DateTimeDefinition}
