"""What the rest of the system calls: submission gets the rewritten `types`, the send
engine gets the token of each tracked link for one ledger row."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Campaign
from services.links.rewrite import track_links
from services.links.secret import signing_key
from services.links.tokens import make_token

REDIRECT_PATH = "/r/"
# Ledger ids start at 1: a sample token names no row, so a reviewer's click is a 404.
SAMPLE_LEDGER_ID = 0


@dataclass(frozen=True)
class TrackedSubmission:
    types: dict[str, Any]  # the Content API `types` to send instead of content_context
    samples: dict[str, str]  # link key -> sample token, added to the template's samples
    links: dict[str, dict[str, Any]]  # what Campaign.tracked_links stores


async def tracked_submission(
    session: AsyncSession, campaign: Campaign, public_url: str, samples: Mapping[str, str]
) -> TrackedSubmission:
    """The template as Twilio must receive it, its links through `<public_url>/r/{{k}}`.
    `samples` maps variable types to samples. The campaign itself is not changed."""
    key = await signing_key(session)
    tracked = track_links(
        campaign.content_type,
        campaign.content_context,
        campaign.body,
        campaign.variables,
        samples,
        public_url.rstrip("/") + REDIRECT_PATH,
        lambda link_key: make_token(key, SAMPLE_LEDGER_ID, link_key),
    )
    links = {link_key: link.stored() for link_key, link in tracked.links.items()}
    return TrackedSubmission(tracked.types, tracked.samples, links)


async def link_variables(
    session: AsyncSession, campaign: Campaign, ledger_id: int
) -> dict[str, str]:
    """The ContentVariables to add for one ledger row: {link key: token}, e.g.
    {"3": "AQOx…"}; empty for a campaign without tracked links."""
    if not campaign.tracked_links:
        return {}
    key = await signing_key(session)
    return {
        link_key: make_token(key, ledger_id, int(link_key))
        for link_key in sorted(campaign.tracked_links, key=int)
    }
