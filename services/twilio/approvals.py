"""What Twilio answers about a template's approval, as the gateway returns it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ApprovalReport:
    """What Twilio says of a template's WhatsApp approval, as it said it."""

    status: str
    rejection_reason: str | None = None
    category: str | None = None
