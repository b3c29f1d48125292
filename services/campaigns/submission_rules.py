"""What a campaign is submitted to Twilio as: its WhatsApp name, category and samples,
and what WhatsApp's rules find wrong with it (services/submissions/ submits it)."""

from db.enums import CampaignType
from db.models import Campaign
from services.campaigns.rendering import SAMPLES
from services.campaigns.whatsapp_rules import check_template
from services.errors import FieldError

CATEGORY = {CampaignType.MARKETING: "MARKETING", CampaignType.SERVICE: "UTILITY"}


def whatsapp_name(campaign: Campaign) -> str:
    """Template names are unique per Twilio account, which every merchant shares, and a
    deleted name is blocked for 30 days: each version of each merchant's template gets
    its own name."""
    suffix = f"_m{campaign.merchant_id}_v{campaign.version}"
    return campaign.name[: 512 - len(suffix)] + suffix


def samples_by_type(campaign: Campaign) -> dict[str, str]:
    """A sample for each variable the template uses: the merchant's own, else ours."""
    return {
        name: str(campaign.samples.get(name) or SAMPLES[name])
        for name in campaign.variables.values()
    }


def submission_problems(campaign: Campaign) -> list[FieldError]:
    """What WhatsApp's rules find wrong with the campaign's body, with the samples it would
    be submitted with: exactly what `submit` refuses it for. Needs nothing but the row, so
    a list of campaigns can show it without a query per campaign."""
    return check_template(campaign.body, campaign.variables, samples_by_type(campaign), prefix=())
