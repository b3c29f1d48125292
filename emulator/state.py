"""What the emulator holds: accounts, contents with their approval, messages, webhook
deliveries and the requests it received. Plain data; the API modules change it, the admin
API shows it."""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

CONTENT_HOST = "https://content.twilio.com"
API_HOST = "https://api.twilio.com"


def now() -> datetime:
    return datetime.now(UTC)


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def iso(moment: datetime) -> str:
    """Content API dates: ISO 8601, whole seconds, Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc2822(moment: datetime | None) -> str | None:
    """2010 API dates: 'Fri, 24 May 2019 17:44:46 +0000'."""
    if moment is None:
        return None
    return format_datetime(moment.astimezone(UTC))


# An account's `subresource_uris`, as the spec's example lists them (only messages is served).
ACCOUNT_SUBRESOURCES = {
    "available_phone_numbers": "AvailablePhoneNumbers", "calls": "Calls",
    "conferences": "Conferences", "incoming_phone_numbers": "IncomingPhoneNumbers",
    "notifications": "Notifications", "outgoing_caller_ids": "OutgoingCallerIds",
    "recordings": "Recordings", "transcriptions": "Transcriptions", "addresses": "Addresses",
    "signing_keys": "SigningKeys", "connect_apps": "ConnectApps", "sip": "SIP",
    "authorized_connect_apps": "AuthorizedConnectApps", "usage": "Usage", "keys": "Keys",
    "applications": "Applications", "short_codes": "SMS/ShortCodes", "queues": "Queues",
    "messages": "Messages", "balance": "Balance",
}  # fmt: skip


@dataclass
class Account:
    """The main account (--account-sid, --auth-token) or one of its subaccounts. Each owns
    its messages and contents, and its auth token signs their webhooks."""

    sid: str
    auth_token: str
    friendly_name: str
    owner_account_sid: str  # the main account's own sid for the main account, as on Twilio
    status: str = "active"  # active, suspended or closed
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)

    @property
    def is_main(self) -> bool:
        return self.owner_account_sid == self.sid

    def resource(self) -> dict[str, Any]:
        base = f"/2010-04-01/Accounts/{self.sid}"
        return {
            "auth_token": self.auth_token,
            "date_created": rfc2822(self.date_created),
            "date_updated": rfc2822(self.date_updated),
            "friendly_name": self.friendly_name,
            "owner_account_sid": self.owner_account_sid,
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {k: f"{base}/{v}.json" for k, v in ACCOUNT_SUBRESOURCES.items()},
            "type": "Full",
            "uri": f"{base}.json",
        }


@dataclass
class ApiKey:
    """A Standard API key of one account (`/2010-04-01/Accounts/{Sid}/Keys`): HTTP Basic
    with its sid and secret authenticates as that account (emulator.auth)."""

    sid: str
    secret: str
    account_sid: str
    friendly_name: str
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)

    def resource(self, *, with_secret: bool = False) -> dict[str, Any]:
        """As Twilio shows it: the secret only in the answer to its creation."""
        shown = {
            "sid": self.sid,
            "friendly_name": self.friendly_name,
            "date_created": rfc2822(self.date_created),
            "date_updated": rfc2822(self.date_updated),
        }
        return {**shown, "secret": self.secret} if with_secret else shown


@dataclass
class Approval:
    name: str
    category: str
    content_type: str
    status: str = "received"
    rejection_reason: str = ""
    allow_category_change: bool = True
    # The final status the lifecycle will reach: set from the WhatsApp rules at submission,
    # or forced through the admin API.
    outcome: str = "approved"
    outcome_reason: str = ""

    def flat(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "category": self.category,
            "content_type": self.content_type,
            "status": self.status,
            "rejection_reason": self.rejection_reason,
            "allow_category_change": self.allow_category_change,
        }


UNSUBMITTED: dict[str, Any] = {
    "name": "",
    "category": "",
    "content_type": "",
    "status": "unsubmitted",
    "rejection_reason": "",
    "allow_category_change": True,
}


@dataclass
class Content:
    sid: str
    account_sid: str
    friendly_name: str
    language: str
    variables: dict[str, str]
    types: dict[str, Any]
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)
    approval: Approval | None = None
    # Set by the admin API before submission: the outcome the submission will get.
    forced_outcome: tuple[str, str] | None = None

    @property
    def url(self) -> str:
        return f"{CONTENT_HOST}/v1/Content/{self.sid}"

    def body(self) -> str | None:
        """The text Meta reviews: the first type that has a body."""
        for value in self.types.values():
            if isinstance(value, dict) and isinstance(value.get("body"), str):
                return str(value["body"])
        return None

    def resource(self) -> dict[str, Any]:
        return {
            "date_created": iso(self.date_created),
            "date_updated": iso(self.date_updated),
            "sid": self.sid,
            "account_sid": self.account_sid,
            "friendly_name": self.friendly_name,
            "language": self.language,
            "variables": self.variables,
            "types": self.types,
            "url": self.url,
            "links": {
                "approval_create": f"{self.url}/ApprovalRequests/whatsapp",
                "approval_fetch": f"{self.url}/ApprovalRequests",
            },
        }

    def with_approvals(self) -> dict[str, Any]:
        """The ContentAndApprovals shape: approval fields flat, no `whatsapp` wrapper."""
        item = self.resource()
        del item["url"], item["links"]
        item["approval_requests"] = self.approval.flat() if self.approval else dict(UNSUBMITTED)
        return item

    def approval_fetch(self) -> dict[str, Any]:
        whatsapp = self.approval.flat() if self.approval else dict(UNSUBMITTED)
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "whatsapp": {"type": "whatsapp", **whatsapp},
            "url": f"{self.url}/ApprovalRequests",
        }


@dataclass
class Message:
    sid: str
    account_sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    content_sid: str | None
    status_callback: str | None
    status: str
    sender: str  # the From, or the Messaging Service: what the per-sender cap counts
    # Seconds the message may wait in the queue from its creation (ValidityPeriod); past
    # them it fails with 30036 instead of being sent.
    validity_period: int = 36000
    error_code: int | None = None
    error_message: str | None = None
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)
    date_sent: datetime | None = None
    history: list[str] = field(default_factory=list)
    # Set once a status is given through the admin API: from then on statuses come from
    # there, and the automatic progression stops.
    scripted: bool = False

    @property
    def uri(self) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/Messages/{self.sid}.json"

    def resource(self) -> dict[str, Any]:
        base = self.uri.removesuffix(".json")
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": self.body,
            "date_created": rfc2822(self.date_created),
            "date_sent": rfc2822(self.date_sent),
            "date_updated": rfc2822(self.date_updated),
            "direction": "outbound-api",
            "error_code": self.error_code,
            "error_message": self.error_message,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {
                "media": f"{base}/Media.json",
                "feedback": f"{base}/Feedback.json",
            },
            "to": self.to,
            "uri": self.uri,
        }


@dataclass
class Delivery:
    """One webhook POST the emulator made (or is making): a status callback or an event."""

    id: int
    kind: str  # "status_callback" or "event"
    url: str
    body: str
    headers: dict[str, str]
    status: str = "pending"  # pending, delivered, failed
    attempts: int = 0
    http_status: int | None = None
    error: str | None = None
    created_at: datetime = field(default_factory=now)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "url": self.url,
            "body": self.body,
            "headers": self.headers,
            "status": self.status,
            "attempts": self.attempts,
            "http_status": self.http_status,
            "error": self.error,
            "created_at": iso(self.created_at),
        }


@dataclass
class ReceivedRequest:
    method: str
    path: str
    query: str
    status: int
    fault: str | None = None  # latency faults are not listed; 5xx, 429, timeout, drop are


@dataclass
class State:
    accounts: dict[str, Account] = field(default_factory=dict)  # the main account first
    keys: dict[str, ApiKey] = field(default_factory=dict)  # by key sid, in creation order
    contents: dict[str, Content] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    requests: list[ReceivedRequest] = field(default_factory=list)
    # (account sid, template name): blocked for 30 days, in the account that deleted it
    deleted_names: dict[tuple[str, str], datetime] = field(default_factory=dict)
    # (account sid, sender): loop time of the sender's next free slot
    sender_next_slot: dict[tuple[str, str], float] = field(default_factory=dict)
    lifecycles: dict[str, asyncio.Task[None]] = field(default_factory=dict)  # by content sid
    # person (To, "whatsapp:" stripped): loop times at which a MARKETING template was
    # delivered to them, within the cap's window (emulator.meta)
    marketing_delivered: dict[str, deque[float]] = field(default_factory=dict)
    # (account sid, operation class): the last second's Content API calls
    content_calls: dict[tuple[str, str], deque[float]] = field(default_factory=dict)

    def new_delivery(self, kind: str, url: str, body: str, headers: dict[str, str]) -> Delivery:
        delivery = Delivery(len(self.deliveries) + 1, kind, url, body, headers)
        self.deliveries.append(delivery)
        return delivery
