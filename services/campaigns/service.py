"""Creating, editing, versioning and archiving campaigns."""

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignAuthorType, CampaignStatus, CampaignType
from db.models import Campaign
from repositories.campaigns import CampaignFilter, CampaignRepository
from repositories.leads import LeadRepository
from repositories.pagination import Page, PageRequest
from repositories.rows import write_pending
from services.campaigns.drafts import CampaignDraft, CompiledDraft, compile_draft
from services.campaigns.placeholders import to_named
from services.errors import ErrorCode, ServiceError, not_found


@dataclass(frozen=True)
class CampaignChanges:
    """Fields to change; None leaves a field as it is. `body` uses named placeholders."""

    name: str | None = None
    body: str | None = None
    language: str | None = None
    campaign_type: CampaignType | None = None
    content_type: str | None = None
    content_context: Any = None
    samples: Any = None


def draft_of(campaign: Campaign) -> CampaignDraft:
    """The draft a stored campaign was compiled from."""
    spec = campaign.content_context.get(campaign.content_type, {})
    context = {key: value for key, value in spec.items() if key != "body"}
    if "actions" in context:
        context["actions"] = [
            {**action, "url": to_named(action["url"], campaign.variables)}
            if "url" in action
            else action
            for action in context["actions"]
        ]
    return CampaignDraft(
        name=campaign.name,
        body=to_named(campaign.body, campaign.variables),
        language=campaign.language,
        campaign_type=campaign.campaign_type,
        content_type=campaign.content_type,
        content_context=context or None,
        samples=dict(campaign.samples) or None,
    )


def _apply(draft: CampaignDraft, changes: CampaignChanges) -> CampaignDraft:
    updates = {key: value for key, value in vars(changes).items() if value is not None}
    return replace(draft, **updates)


def _check_system_customisation(campaign: Campaign, changes: CampaignChanges) -> None:
    """What a merchant may not change in a system template: the code sends it by name,
    and it must stay a service (utility) template."""
    if changes.name is not None and changes.name != campaign.name:
        raise ServiceError.single(
            ErrorCode.SYSTEM_TEMPLATE,
            "A system template keeps its name; create a new campaign instead.",
            ("input", "name"),
        )
    if changes.campaign_type not in (None, CampaignType.SERVICE):
        raise ServiceError.single(
            ErrorCode.SYSTEM_TEMPLATE,
            "A system template stays a service template.",
            ("input", "campaignType"),
        )


def _write(campaign: Campaign, draft: CampaignDraft, compiled: CompiledDraft) -> None:
    campaign.name = draft.name
    campaign.body = compiled.body
    campaign.variables = compiled.variables
    campaign.samples = compiled.samples
    campaign.language = draft.language
    campaign.campaign_type = draft.campaign_type
    campaign.content_type = draft.content_type
    campaign.content_context = compiled.content_context


def _duplicate_name(name: str) -> ServiceError:
    return ServiceError.single(
        ErrorCode.DUPLICATE_NAME,
        f"A campaign named {name!r} already exists; edit it to make a new version.",
        ("input", "name"),
    )


class CampaignService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.campaigns = CampaignRepository(session)
        self.leads = LeadRepository(session)

    async def create(
        self,
        merchant_id: int,
        draft: CampaignDraft,
        author: CampaignAuthorType = CampaignAuthorType.MERCHANT,
    ) -> Campaign:
        compiled = compile_draft(draft)
        if await self.campaigns.head_by_name(merchant_id, draft.name) is not None:
            raise _duplicate_name(draft.name)
        campaign = Campaign(merchant_id=merchant_id, author_type=author, version=1)
        _write(campaign, draft, compiled)
        try:
            await self.campaigns.add_new(campaign)
        except IntegrityError as error:  # a concurrent create won the name
            raise _duplicate_name(draft.name) from error
        return campaign

    async def get(self, merchant_id: int, campaign_id: int) -> Campaign:
        campaign = await self.campaigns.get(merchant_id, campaign_id)
        if campaign is None:
            raise not_found("Campaign")
        return campaign

    async def _head_for_change(self, merchant_id: int, campaign_id: int) -> Campaign:
        # Row lock: two concurrent edits of one head must not both make a "next" version.
        campaign = await self.campaigns.get(merchant_id, campaign_id, lock=True)
        if campaign is None:
            raise not_found("Campaign")
        if campaign.next_campaign_id is not None:
            raise ServiceError.single(
                ErrorCode.NOT_HEAD_VERSION,
                "Only the newest version of a campaign can be changed.",
                ("id",),
            )
        return campaign

    async def update(
        self,
        merchant_id: int,
        campaign_id: int,
        changes: CampaignChanges,
    ) -> Campaign:
        """Edit an unsubmitted campaign in place; otherwise create its next version.

        A system template may be customised (the seed: "can be customized by merchants
        while maintaining their service classification"): it keeps its name and stays a
        service template, and the edited version is the merchant's, so the default
        templates' sync leaves it alone from then on."""
        campaign = await self._head_for_change(merchant_id, campaign_id)
        if campaign.status == CampaignStatus.ARCHIVED:
            raise ServiceError.single(
                ErrorCode.ARCHIVED, "An archived campaign cannot be edited.", ("id",)
            )
        if campaign.author_type == CampaignAuthorType.SYSTEM:
            _check_system_customisation(campaign, changes)
        draft = _apply(draft_of(campaign), changes)
        renamed = draft.name != campaign.name
        if renamed and (campaign.version > 1 or campaign.status != CampaignStatus.UNSUBMITTED):
            raise ServiceError.single(
                ErrorCode.NAME_IMMUTABLE,
                "The name of a submitted template cannot change; create a new campaign.",
                ("input", "name"),
            )
        compiled = compile_draft(draft)
        if campaign.status == CampaignStatus.UNSUBMITTED:
            if renamed and await self.campaigns.names_taken(merchant_id, [draft.name]):
                raise _duplicate_name(draft.name)
            _write(campaign, draft, compiled)
            campaign.author_type = CampaignAuthorType.MERCHANT
            await write_pending(self.session)
            return campaign
        successor = await self._next_version(campaign, draft, compiled)
        successor.author_type = CampaignAuthorType.MERCHANT
        return successor

    async def _next_version(
        self, campaign: Campaign, draft: CampaignDraft, compiled: CompiledDraft
    ) -> Campaign:
        # The old head must stop being head before the new one is inserted (unique head
        # index), so the new id is reserved first; the FK is checked at commit.
        new_id = await self.campaigns.reserve_id()
        campaign.next_campaign_id = new_id
        await write_pending(self.session)
        successor = Campaign(
            id=new_id,
            merchant_id=campaign.merchant_id,
            author_type=campaign.author_type,
            channel=campaign.channel,
            version=campaign.version + 1,
            status=CampaignStatus.UNSUBMITTED,
        )
        _write(successor, draft, compiled)
        await self.campaigns.add(successor)
        await self.leads.carry_forward(campaign.id, successor.id)
        return successor

    async def new_version(
        self, merchant_id: int, campaign_id: int, draft: CampaignDraft
    ) -> Campaign:
        """Replace a head with a new version made from `draft` (used for system templates)."""
        campaign = await self._head_for_change(merchant_id, campaign_id)
        return await self._next_version(campaign, draft, compile_draft(draft))

    async def archive(self, merchant_id: int, campaign_id: int) -> Campaign:
        campaign = await self._head_for_change(merchant_id, campaign_id)
        campaign.status = CampaignStatus.ARCHIVED
        await write_pending(self.session)
        return campaign

    async def page(
        self, merchant_id: int, where: CampaignFilter, request: PageRequest
    ) -> tuple[Page[Campaign], int]:
        """A page of campaigns and the total matching `where`."""
        return await self.campaigns.page(merchant_id, where, request)
