"""The WhatsApp approval lifecycle: received -> pending -> approved | rejected, one
`approval_delay` per step, an Event Streams event for every change after submission.
Later changes (paused, disabled, a new category) come from the admin API, as Meta's do."""

from __future__ import annotations

import asyncio

from emulator.core import Emulator
from emulator.rules import rejection_reason
from emulator.state import Approval, Content, now
from emulator.webhooks import template_event

FINAL = ("approved", "rejected")
IN_REVIEW = ("received", "pending")
STATUSES = ("received", "pending", "approved", "rejected", "paused", "disabled")


def submit(emulator: Emulator, content: Content, name: str, category: str) -> Approval:
    # Template names are unique per account (each has its own WhatsApp Business Account):
    # two accounts may each have a template of the same name.
    account = content.account_sid
    names_in_use = {
        c.approval.name
        for c in emulator.state.contents.values()
        if c.approval and c is not content and c.account_sid == account
    }
    deleted = {n: at for (a, n), at in emulator.state.deleted_names.items() if a == account}
    reason = rejection_reason(name, content.body(), content.variables, names_in_use, deleted, now())
    approval = Approval(name, category, content_type=next(iter(content.types), ""))
    if content.forced_outcome is not None:
        approval.outcome, approval.outcome_reason = content.forced_outcome
    elif reason:
        approval.outcome, approval.outcome_reason = "rejected", reason
    content.approval = approval
    content.date_updated = now()
    emulator.content_changed(content)
    _start_lifecycle(emulator, content)
    return approval


def resume(emulator: Emulator) -> None:
    """After a restart with a state file: reviews in progress go on where they were."""
    for content in emulator.state.contents.values():
        approval = content.approval
        in_review = approval is not None and approval.status in IN_REVIEW
        if in_review and content.sid not in emulator.state.lifecycles:
            _start_lifecycle(emulator, content)


def _start_lifecycle(emulator: Emulator, content: Content) -> None:
    task = emulator.spawn(_lifecycle(emulator, content))
    emulator.state.lifecycles[content.sid] = task
    task.add_done_callback(lambda _: emulator.state.lifecycles.pop(content.sid, None))


async def _lifecycle(emulator: Emulator, content: Content) -> None:
    approval = content.approval
    assert approval is not None
    if approval.status == "received":
        await asyncio.sleep(_rest_of_step(emulator, content))
        set_status(emulator, content, "pending")
    await asyncio.sleep(_rest_of_step(emulator, content))
    set_status(emulator, content, approval.outcome, approval.outcome_reason)


def _rest_of_step(emulator: Emulator, content: Content) -> float:
    """A step lasts `approval_delay` from the last change, a restart's downtime included."""
    elapsed = (now() - content.date_updated).total_seconds()
    return max(0.0, emulator.knobs.approval_delay - elapsed)


def set_status(emulator: Emulator, content: Content, status: str, reason: str = "") -> None:
    approval = content.approval
    assert approval is not None
    previous = approval.status
    approval.status = status
    approval.rejection_reason = reason if status == "rejected" else ""
    content.date_updated = now()
    emulator.content_changed(content)
    if previous != status:
        extra = {"name": approval.name, "language": content.language}
        if status == "rejected":
            extra["rejectionReason"] = approval.rejection_reason
        emulator.webhooks.emit_event(
            template_event(
                content.account_sid, content.sid, "status_update", previous, status, extra
            )
        )


def set_category(emulator: Emulator, content: Content, category: str) -> None:
    approval = content.approval
    assert approval is not None
    previous, approval.category = approval.category, category
    content.date_updated = now()
    emulator.content_changed(content)
    if previous != category:
        emulator.webhooks.emit_event(
            template_event(
                content.account_sid,
                content.sid,
                "category_update",
                previous,
                category,
                {"name": approval.name, "language": content.language},
            )
        )


def force(
    emulator: Emulator,
    content: Content,
    status: str | None,
    reason: str,
    category: str | None,
    immediately: bool,
) -> str:
    """The admin's word on a template. Returns "planned" when the outcome waits for the end
    of the lifecycle (or for the submission), "applied" when it took effect now."""
    approval = content.approval
    if approval is None:
        if status not in FINAL or immediately or category is not None:
            raise ValueError("the content has not been submitted for approval")
        content.forced_outcome = (status, reason)
        emulator.content_changed(content)
        return "planned"
    running = content.sid in emulator.state.lifecycles
    if category is not None:
        set_category(emulator, content, category)
    if status is None:
        return "applied"
    if running and status in FINAL and not immediately:
        approval.outcome, approval.outcome_reason = status, reason
        emulator.content_changed(content)
        return "planned"
    if running:
        emulator.state.lifecycles.pop(content.sid).cancel()
    set_status(emulator, content, status, reason)
    return "applied"
