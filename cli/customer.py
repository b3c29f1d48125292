"""`campaigns sandbox reply | status`: play the customer against a running sandbox.

The running `campaigns serve` (another terminal) wrote where its emulator listens to the
data directory (cli.sandbox); these commands ask that emulator, through its admin API, to
send the webhook Twilio would send: an incoming message to the server's inbound webhook,
or a status callback for a message. The admin API asks for the sandbox's account SID and
auth token (HTTP Basic), which the same file holds. Each prints one line and exits
non-zero when it did not get through."""

import sys
from typing import Any

import httpx

from cli.sandbox import read_sandbox_file, sandbox_file
from services.phones import normalize_e164
from services.settings import Settings

_CREDENTIALS = ("account_sid", "auth_token")  # sandbox.json's, for HTTP Basic


class CustomerError(Exception):
    pass


def reply_command(settings: Settings, phone: str, text: str, name: str) -> int:
    running = _running_sandbox(settings)
    customer = _phone(phone)
    sender, account = _last_sender_to(running, customer)
    body = {"from": customer, "to": sender, "body": text, "profile_name": name}
    if account is not None:
        body["account_sid"] = account
    answer = _admin(running, "POST", "/_emulator/inbound", body)
    delivery = answer["delivery"]
    return _report(delivery, f"reply {text!r} from {customer} to {sender}")


def _last_sender_to(running: dict[str, Any], customer: str) -> tuple[str, str | None]:
    """The person answers the last message they got: its sender, in its account (each
    merchant sends from its own number in its own subaccount); the sandbox's number when
    they got none."""
    messages = _admin(running, "GET", "/_emulator/messages", params={"to": customer})
    if not messages:
        return str(running["sender"]), None
    last = messages[-1]
    sender = last.get("from")
    if not isinstance(sender, str) or not sender.startswith("whatsapp:"):
        sender = running["sender"]  # sent through a Messaging Service: no number known
    return str(sender), last.get("account_sid")


def status_command(settings: Settings, target: str, status: str, error_code: int | None) -> int:
    running = _running_sandbox(settings)
    sid = target if target.startswith(("SM", "MM")) else _latest_message_to(running, target)
    body = {"status": status, "error_code": error_code}
    answer = _admin(running, "POST", f"/_emulator/messages/{sid}/status", body)
    delivery = answer["delivery"]
    if delivery is None:
        print(f"{sid} is now {status}; it asked for no status callback, none sent")
        return 0
    code = f" (error {error_code})" if error_code is not None else ""
    return _report(delivery, f"{sid} {status}{code}")


def _running_sandbox(settings: Settings) -> dict[str, Any]:
    saved = read_sandbox_file(settings.data_dir)
    if not saved or not all(saved.get(key) for key in ("emulator_url", *_CREDENTIALS)):
        raise CustomerError(_not_running(settings))
    url = f"{saved['emulator_url']}/_emulator/health"
    try:
        response = httpx.get(url, auth=_credentials(saved), timeout=2)
    except httpx.HTTPError:
        raise CustomerError(_not_running(settings)) from None
    if response.status_code == 401:
        # Another emulator on that port, or the file rewritten since: not this sandbox.
        raise CustomerError(
            f"the emulator at {saved['emulator_url']} refused the account in "
            f"{sandbox_file(settings.data_dir)}; restart `campaigns serve` for this data directory"
        )
    if response.status_code != 200:
        raise CustomerError(_not_running(settings))
    return saved


def _credentials(running: dict[str, Any]) -> tuple[str, str]:
    return str(running["account_sid"]), str(running["auth_token"])


def _not_running(settings: Settings) -> str:
    return (
        f"no sandbox is running for the data directory {settings.data_dir} "
        "(start one with `campaigns serve`, without Twilio credentials)"
    )


def _phone(raw: str) -> str:
    phone = normalize_e164(raw.removeprefix("whatsapp:"))
    if phone is None:
        raise CustomerError(f"{raw!r} is not a phone number (E.164, e.g. +14155550101)")
    return f"whatsapp:{phone}"


def _latest_message_to(running: dict[str, Any], raw: str) -> str:
    messages = _admin(running, "GET", "/_emulator/messages", params={"to": _phone(raw)})
    if not messages:
        raise CustomerError(f"the sandbox sent no message to {raw}")
    sid: str = messages[-1]["sid"]
    return sid


def _admin(
    running: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
) -> Any:
    url = running["emulator_url"] + path
    try:
        response = httpx.request(
            method, url, json=body, params=params, auth=_credentials(running), timeout=30
        )
    except httpx.HTTPError as error:
        raise CustomerError(f"the sandbox's emulator did not answer: {error}") from None
    try:
        answer = response.json()
    except ValueError:
        answer = {"error": response.text.strip() or f"HTTP {response.status_code}"}
    if response.status_code >= 400:
        # The admin API's own refusals say "error"; a Twilio-style one (401) says "message".
        reason = (
            answer.get("error") or answer.get("message", response.text)
            if isinstance(answer, dict)
            else answer
        )
        raise CustomerError(f"the sandbox refused: {reason}")
    return answer


def _report(delivery: dict[str, Any], what: str) -> int:
    target, status = delivery["url"].split("?")[0], delivery["http_status"]
    if status is not None and 200 <= status < 300:
        print(f"{what}: delivered to {target} (HTTP {status})")
        return 0
    reason = delivery["error"] or f"HTTP {status}"
    print(f"campaigns: {what}: not delivered to {target}: {reason}", file=sys.stderr)
    return 1
