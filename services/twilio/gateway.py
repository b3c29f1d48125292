"""Every call to Twilio goes through here, by the official SDK's async API.

The SDK's HTTP client is ours (services/twilio/http_client.py): it can rewrite every
Twilio host to TWILIO_BASE_URL, keeps Retry-After, and sends the Content API's JSON
bodies as JSON (the SDK's async client form-encodes them: twilio-python#932).
"""

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

import aiohttp
from twilio.base import values
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList
from twilio.rest.content.v1.content.approval_create import ApprovalCreateList

from services.settings import Settings
from services.twilio.approvals import ApprovalReport
from services.twilio.errors import TwilioError, classify
from services.twilio.http_client import AsyncRewritingHttpClient, retry_after_seconds

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class SentMessage:
    sid: str
    status: str
    to: str
    error_code: int | None = None
    error_message: str | None = None
    date_created: datetime | None = None
    body: str | None = None
    date_updated: datetime | None = None  # when Twilio last changed it (its status)


@dataclass(frozen=True)
class MessageRequest:
    to: str  # E.164, without the whatsapp: prefix
    content_sid: str
    content_variables: dict[str, str]
    status_callback: str | None = None
    sender: str | None = None  # whatsapp:+E164 or MG sid; None: the gateway's own sender
    # Twilio's ValidityPeriod (1..36000 s): a message still queued past it is dropped
    # (failed, 30036). None: Twilio's default (36000).
    validity_period: int | None = None


@dataclass(frozen=True)
class TwilioAccountInfo:
    sid: str
    friendly_name: str
    status: str  # active, suspended or closed
    auth_token: str | None = field(default=None, repr=False)  # a new subaccount's only


class TwilioGateway:
    def __init__(self, settings: Settings) -> None:
        if not settings.twilio_account_sid or not settings.twilio_auth_token:
            raise ValueError("TwilioGateway needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        self._setup(
            settings,
            settings.twilio_account_sid,
            settings.twilio_api_key or settings.twilio_account_sid,
            settings.twilio_api_secret or settings.twilio_auth_token,
            settings.platform_sender,
        )

    @classmethod
    def for_account(
        cls, settings: Settings, account_sid: str, username: str, password: str, sender: str
    ) -> "TwilioGateway":
        """A gateway acting in a merchant's own account with its credentials (HTTP Basic
        username and password), sending from `sender` unless a request names another."""
        gateway = cls.__new__(cls)
        gateway._setup(settings, account_sid, username, password, sender)
        return gateway

    def _setup(
        self, settings: Settings, account_sid: str, username: str, password: str, sender: str
    ) -> None:
        self.settings = settings
        self.account_sid = account_sid
        self.default_sender = sender
        self.http = AsyncRewritingHttpClient(
            settings.twilio_base_url, timeout=settings.twilio_timeout
        )
        self.client = Client(
            username=username, password=password, account_sid=account_sid, http_client=self.http
        )
        # The SDK imports each API's (large) modules on first use: do it now, not in the
        # middle of a paced send, where the stall would bunch the first messages.
        _ = self.client.messages, self.client.content.v1.contents

    async def close(self) -> None:
        await self.http.close()

    async def _call(self, call: Callable[[], Awaitable[T]], *, creates: bool = False) -> T:
        """Run one SDK call, turning every failure into a classified TwilioError."""
        try:
            return await call()
        except TwilioRestException as error:
            status, code = error.status, error.code
            raise TwilioError(
                message=str(error.msg),
                status=status,
                code=code,
                retry_after=self.http.retry_after(),
                kind=classify(status, code, creates=creates),
            ) from error
        except TwilioException as error:
            # A list call's pages are checked by the SDK itself, which raises a bare
            # TwilioException("Unable to fetch page", response) on any answer but 200.
            raise _page_error(error) from error
        except aiohttp.ClientConnectorError as error:
            # No connection was made, so nothing was sent: retryable, never in doubt.
            raise TwilioError(
                message=f"Twilio cannot be reached: {error}",
                kind=classify(None, None, creates=False),
            ) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TwilioError(
                message=f"no answer from Twilio: {error!r}",
                kind=classify(None, None, creates=creates),
            ) from error

    # Content API -------------------------------------------------------------------

    async def create_content(
        self, friendly_name: str, language: str, samples: dict[str, str], types: dict[str, Any]
    ) -> str:
        request = ContentList.ContentCreateRequest(
            {
                "friendly_name": friendly_name,
                "language": language,
                "variables": samples,
                "types": types,
            }
        )
        content = await self._call(
            lambda: self.client.content.v1.contents.create_async(request), creates=True
        )
        return str(content.sid)

    async def delete_content(self, sid: str) -> None:
        await self._call(lambda: self.client.content.v1.contents(sid).delete_async())

    async def request_approval(self, sid: str, name: str, category: str) -> ApprovalReport:
        request = ApprovalCreateList.ContentApprovalRequest({"name": name, "category": category})
        approval = await self._call(
            lambda: self.client.content.v1.contents(sid).approval_create.create_async(request),
            creates=True,
        )
        return ApprovalReport(
            status=str(approval.status or "received"),
            rejection_reason=approval.rejection_reason or None,
            category=approval.category,
        )

    async def fetch_approval(self, sid: str) -> ApprovalReport:
        approval = await self._call(
            lambda: self.client.content.v1.contents(sid).approval_fetch().fetch_async()
        )
        whatsapp: dict[str, Any] = approval.whatsapp or {}
        return ApprovalReport(
            status=str(whatsapp.get("status") or "unsubmitted"),
            rejection_reason=whatsapp.get("rejection_reason") or None,
            category=whatsapp.get("category"),
        )

    async def list_content_and_approvals(self, page_size: int = 50) -> dict[str, ApprovalReport]:
        """Every content of the account with its WhatsApp approval, by content sid (the
        SDK follows the absolute next_page_url links)."""
        items = await self._call(
            lambda: self.client.content.v1.content_and_approvals.list_async(page_size=page_size)
        )
        reports: dict[str, ApprovalReport] = {}
        for item in items:
            # Here the approval fields are flat, with no `whatsapp` wrapper.
            approval: dict[str, Any] = item.approval_requests or {}
            reports[str(item.sid)] = ApprovalReport(
                status=str(approval.get("status") or "unsubmitted"),
                rejection_reason=approval.get("rejection_reason") or None,
                category=approval.get("category"),
            )
        return reports

    # Accounts API ------------------------------------------------------------------

    async def create_subaccount(self, friendly_name: str) -> TwilioAccountInfo:
        """A new subaccount of the platform's account, with its own auth token."""
        account = await self._call(
            lambda: self.client.api.v2010.accounts.create_async(friendly_name=friendly_name),
            creates=True,
        )
        return _account(account, with_token=True)

    async def fetch_account(self, account_sid: str, auth_token: str) -> TwilioAccountInfo:
        """The account as its SID and auth token see it: how an existing account is
        verified before it is connected."""
        client = Client(account_sid, auth_token, http_client=self.http)
        account = await self._call(lambda: client.api.v2010.accounts(account_sid).fetch_async())
        return _account(account, with_token=False)

    async def check_api_key(self, account_sid: str, key_sid: str, secret: str) -> None:
        """Raise unless an API key works in the account: one page of one of its messages.
        Not a fetch of the account: a Standard key (the kind Twilio's REST API creates)
        may not read Account resources, and Twilio refuses a key on any other account's
        resources, a subaccount's included, so this answers 200 only for a key of it."""
        client = Client(
            username=key_sid, password=secret, account_sid=account_sid, http_client=self.http
        )
        await self._call(lambda: client.messages.page_async(page_size=1))

    async def close_subaccount(self, account_sid: str) -> None:
        """Close a subaccount made for nothing (its merchant could not be saved)."""
        await self._call(
            lambda: self.client.api.v2010.accounts(account_sid).update_async(status="closed")
        )

    # Messages API ------------------------------------------------------------------

    def _sender(self, sender: str | None) -> dict[str, str]:
        sender = sender or self.default_sender
        if sender.startswith("MG"):
            return {"messaging_service_sid": sender}
        if sender:
            return {"from_": _whatsapp(sender)}
        raise TwilioError("no sender: set TWILIO_WHATSAPP_FROM or TWILIO_MESSAGING_SERVICE_SID")

    async def send_message(self, request: MessageRequest) -> SentMessage:
        extra: dict[str, str] = {}
        if request.status_callback:
            extra["status_callback"] = request.status_callback
        message = await self._call(
            lambda: self.client.messages.create_async(
                to=_whatsapp(request.to),
                content_sid=request.content_sid,
                content_variables=json.dumps(request.content_variables),
                **self._sender(request.sender),
                **extra,
                validity_period=(
                    values.unset if request.validity_period is None else request.validity_period
                ),
            ),
            creates=True,
        )
        return _sent(message)

    async def list_messages(self, to: str, sent_after: date) -> list[SentMessage]:
        """Messages to a number since a day: how an in-doubt send is looked up."""
        messages = await self._call(
            lambda: self.client.messages.list_async(to=_whatsapp(to), date_sent_after=sent_after)
        )
        return [_sent(m) for m in messages]

    async def fetch_message(self, sid: str) -> SentMessage:
        """One message as Twilio has it now: how a status whose callback was lost is
        read again (jobs/status_recheck.py)."""
        message = await self._call(lambda: self.client.messages(sid).fetch_async())
        return _sent(message)


def _page_error(error: TwilioException) -> TwilioError:
    """Classify a paging failure by the answer it carries (status, Twilio's error body,
    Retry-After), like any other Twilio error. Pages are reads: nothing was created."""
    response = error.args[1] if len(error.args) > 1 else None
    status = getattr(response, "status_code", None)
    code, message = None, str(error.args[0] if error.args else error)
    try:
        body = json.loads(getattr(response, "text", "") or "{}")
    except ValueError:
        body = {}
    if isinstance(body, dict):
        code = body.get("code") if isinstance(body.get("code"), int) else None
        message = str(body.get("message") or message)
    return TwilioError(
        message=message,
        status=status if isinstance(status, int) else None,
        code=code,
        retry_after=retry_after_seconds(getattr(response, "headers", None)),
        kind=classify(status, code, creates=False),
    )


def _account(account: Any, *, with_token: bool) -> TwilioAccountInfo:
    return TwilioAccountInfo(
        sid=str(account.sid),
        friendly_name=str(account.friendly_name or ""),
        status=str(account.status or ""),
        auth_token=str(account.auth_token) if with_token and account.auth_token else None,
    )


def _whatsapp(phone: str) -> str:
    return phone if phone.startswith("whatsapp:") else f"whatsapp:{phone}"


def _sent(message: Any) -> SentMessage:
    return SentMessage(
        sid=str(message.sid),
        status=str(message.status),
        to=str(message.to).removeprefix("whatsapp:"),
        error_code=message.error_code,
        error_message=message.error_message,
        date_created=message.date_created,
        body=message.body,
        date_updated=message.date_updated,
    )
