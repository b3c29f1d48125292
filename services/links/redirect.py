"""A click on a tracked link: check the token, count the click, find the target.

The target is built only from the campaign's stored link and the ledger row's values,
never from the request, so the redirect cannot be pointed anywhere else."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from repositories import links as links_repository
from services.campaigns.placeholders import PLACEHOLDER, substitute
from services.links.secret import signing_key
from services.links.tokens import read_token


async def follow_link(session: AsyncSession, token: str, *, count: bool = True) -> str | None:
    """The URL a token leads to (its click counted unless `count` is False), or None for
    a token we did not sign, a deleted ledger row or a link that cannot be built."""
    ref = read_token(await signing_key(session), token)
    if ref is None:
        return None
    source = await links_repository.link_source(session, ref.ledger_id)
    if source is None:
        return None
    context, links = source
    link = links.get(str(ref.link_key))
    if not isinstance(link, dict) or not isinstance(link.get("url"), str):
        return None
    target = target_url(link["url"], context or {})
    if target is None or not count:
        return target
    counted = await links_repository.count_click(session, ref.ledger_id)
    return target if counted else None


def target_url(template: str, values: Mapping[str, Any]) -> str | None:
    """`template` with the values as sent substituted, or None when a value is missing or
    the result would leave the template's own scheme and host."""
    strings = {str(key): str(value) for key, value in values.items() if value is not None}
    if any(key not in strings for key in PLACEHOLDER.findall(template)):
        return None
    target = substitute(template, strings)
    try:
        wanted, got = urlsplit(template), urlsplit(target)
    except ValueError:
        return None
    if got.scheme.lower() not in ("http", "https") or not got.netloc:
        return None
    if (got.scheme, got.netloc) != (wanted.scheme, wanted.netloc):
        return None
    return target
