"""The sending policy's values and their defaults.

Quiet hours and the frequency cap are off until a merchant sets them: both hold
messages back, and only the merchant knows its audience's habits. The circuit breaker
and the validity periods are on: a sender whose messages fail or get reported should
stop before Meta stops it, and an offer should not arrive a day late."""

from dataclasses import dataclass, field
from datetime import time

from db.enums import CampaignType
from db.models import Campaign

# Twilio's ValidityPeriod bounds, in seconds (its default is the maximum).
MIN_VALIDITY, MAX_VALIDITY = 1, 36_000


@dataclass(frozen=True)
class QuietHours:
    """No bulk message reaches a person between `start` and `end` of the person's own
    clock; `end` before `start` spans midnight (21:00-08:00)."""

    start: time
    end: time

    def covers(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True)
class MarketingCap:
    """At most `messages` marketing messages to one person in `days` days, across the
    merchant's campaigns; service (transactional) messages are exempt."""

    messages: int
    days: int


@dataclass(frozen=True)
class Breaker:
    """A send pauses itself when, over its last `window` messages with an outcome, the
    share that failed, opted out or was limited by Meta (63049) passes its rate (None: that
    check is off). Judged once `window` messages have an outcome."""

    failure_rate: float | None = 0.3
    opt_out_rate: float | None = 0.05
    limited_rate: float | None = 0.3
    window: int = 200


@dataclass(frozen=True)
class Validity:
    """Twilio's ValidityPeriod per category, in seconds: a message still queued past it
    is dropped (failed, 30036) rather than delivered late."""

    marketing: int = 14_400  # 4 h: an offer that cannot arrive the same evening is stale
    utility: int = MAX_VALIDITY  # an order update is still worth having hours later

    def of(self, campaign: Campaign) -> int:
        """A template Meta approved as MARKETING is marketing whatever we call it."""
        if is_marketing(campaign):
            return self.marketing
        return self.utility


@dataclass(frozen=True)
class SendingPolicy:
    quiet_hours: QuietHours | None = None
    marketing_cap: MarketingCap | None = None
    breaker: Breaker = field(default_factory=Breaker)
    validity: Validity = field(default_factory=Validity)


DEFAULT_POLICY = SendingPolicy()


def is_marketing(campaign: Campaign) -> bool:
    """Marketing by our type or by Meta's category: what the frequency cap counts and
    what takes the marketing validity period."""
    return (
        campaign.campaign_type is CampaignType.MARKETING
        or (campaign.category or "").upper() == "MARKETING"
    )
