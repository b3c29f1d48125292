"""Values of settings that are more than a number or a word: browser origins, lists of
delays. Parsed and checked here, so that a bad value stops the server at start with the
setting's name (pydantic reports it), rather than failing where it is used."""

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator
from pydantic_settings import NoDecode

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_RETRY_DELAYS = 5
# CAMPAIGNS_LIMITED_RETRY_DELAYS: a message Meta limited (63049) is tried again after 6 h,
# then 24 h (services/sends/limited.py).
LIMITED_RETRY_DELAYS = (6 * 3600.0, 24 * 3600.0)


def origin_of(value: str) -> str:
    """An allowed origin as browsers send it in `Origin`, or `*`: scheme://host, and the
    port unless it is the scheme's default."""
    value = value.strip().rstrip("/")
    if value == "*":
        return value
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        port = -1
    scheme, host = parts.scheme.lower(), parts.hostname
    extra = parts.path or parts.query or parts.fragment or parts.username
    if scheme not in DEFAULT_PORTS or not host or port == -1 or extra:
        raise ValueError(
            f"{value!r} is not an origin: write scheme://host[:port], e.g. https://app.example.com"
        )
    host = f"[{host}]" if ":" in host else host
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _split_delays(value: object) -> object:
    """The environment's "21600, 86400" (or one number); a list is taken as it is."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, int | float):
        return [value]
    return value


def _check_delays(delays: tuple[float, ...]) -> tuple[float, ...]:
    if len(delays) > MAX_RETRY_DELAYS:
        raise ValueError(f"at most {MAX_RETRY_DELAYS} delays, not {len(delays)}")
    if any(delay < 1 for delay in delays):
        raise ValueError("every delay is at least 1 second")
    return delays


# Seconds, comma-separated in the environment ("21600,86400"); empty: no retry.
RetryDelays = Annotated[
    tuple[float, ...], NoDecode, BeforeValidator(_split_delays), AfterValidator(_check_delays)
]
