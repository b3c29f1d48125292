"""The contact filter of `contacts(filter:)` and of segments: its input, and its typed output
(a segment's `filter`), campaign ids as global ids both ways."""

from typing import Any

import strawberry
from strawberry.scalars import JSON

from gql.ids import decode_pk, encode_id
from repositories.contact_queries import ContactEvent
from services.contacts.filters import (
    MAX_ATTRIBUTES,
    MAX_BEHAVIOUR_CLAUSES,
    MAX_TAGS,
    BehaviourInput,
    ContactFilter,
)
from services.contacts.filters import ContactFilterInput as FilterSpec

strawberry.enum(
    ContactEvent,
    description="What happened to a person with a campaign (any of its versions). RECEIVED: "
    "a message of the campaign was delivered or read; READ: it was read; CLICKED: a tracked "
    "link of the message was clicked; REPLIED: the person sent a message after the "
    "campaign's message; FAILED: the message failed or was undelivered.",
)

WITHIN_DAYS = (
    "Only if it happened in the last N days (1 to 365), counted from the event's own time: "
    "delivery (RECEIVED), reading (READ), the last click (CLICKED), the reply (REPLIED), the "
    "failure (FAILED). Null: at any time."
)


@strawberry.input(description="One behaviour clause: what happened with one campaign.")
class ContactBehaviourInput:
    campaign_id: strawberry.ID = strawberry.field(description="Any version of the campaign.")
    event: ContactEvent
    within_days: int | None = strawberry.field(default=None, description=WITHIN_DAYS)
    negate: bool = strawberry.field(
        default=False, description="True: the person must NOT show this behaviour."
    )


@strawberry.input(
    name="ContactFilterInput",
    description="Which contacts: every criterion given must hold; none given, everyone.",
)
class ContactFilterArgs:
    tags: list[str] | None = strawberry.field(
        default=None, description=f"Has every one of these tags (at most {MAX_TAGS})."
    )
    any_tags: list[str] | None = strawberry.field(
        default=None, description=f"Has at least one of these tags (at most {MAX_TAGS})."
    )
    attributes: JSON | None = strawberry.field(
        default=None,
        description="Equal on each key: a JSON object of strings, numbers or booleans, e.g. "
        f'{{"city": "Lisbon"}} (at most {MAX_ATTRIBUTES} keys; strings up to 1,024 characters).',
    )
    opted_out: bool | None = strawberry.field(
        default=None, description="True: only opted-out contacts; false: only those not."
    )
    behaviour: list[ContactBehaviourInput] | None = strawberry.field(
        default=None,
        description=f"All of these clauses must hold (at most {MAX_BEHAVIOUR_CLAUSES}).",
    )

    def to_service(self) -> FilterSpec:
        return FilterSpec(
            tags=self.tags,
            any_tags=self.any_tags,
            attributes=self.attributes,
            opted_out=self.opted_out,
            behaviour=[
                BehaviourInput(
                    decode_pk(clause.campaign_id, "Campaign"),
                    clause.event,
                    clause.within_days,
                    clause.negate,
                )
                for clause in self.behaviour or ()
            ],
        )


@strawberry.type(description="One behaviour clause of a filter.")
class ContactBehaviour:
    campaign_id: strawberry.ID
    event: ContactEvent
    within_days: int | None
    negate: bool


@strawberry.type(name="ContactFilter", description="A segment's filter, as given.")
class ContactFilterOutput:
    tags: list[str]
    any_tags: list[str]
    attributes: JSON
    opted_out: bool | None
    behaviour: list[ContactBehaviour]

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> "ContactFilterOutput":
        loaded = ContactFilter.from_json(stored)
        return cls(
            tags=list(loaded.tags),
            any_tags=list(loaded.any_tags),
            attributes=JSON(dict(loaded.attributes)),
            opted_out=loaded.opted_out,
            behaviour=[
                ContactBehaviour(
                    campaign_id=strawberry.ID(encode_id("Campaign", clause.campaign_id)),
                    event=clause.event,
                    within_days=clause.within_days,
                    negate=clause.negate,
                )
                for clause in loaded.behaviour
            ],
        )
