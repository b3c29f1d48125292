"""Text from Twilio made storable."""


def storable(text: str) -> str:
    """PostgreSQL text cannot hold NUL characters (the INSERT would fail); no person or
    Twilio error message means one, so they are dropped."""
    return text.replace("\x00", "")
