"""Hydrating a template for one lead: which value each placeholder gets, and what is wrong.

Precedence: the lead's custom variables, then the contact's attributes (a key named like
a variable type, e.g. `coupon_code`), then lead data (name, phone), then merchant data.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from db.enums import CampaignVariableType as V
from services.campaigns.placeholders import VARIABLE_TYPES, substitute
from services.errors import ErrorCode, FieldError

MAX_RENDERED_BODY = 1024  # WhatsApp's limit after substitution (Twilio error 63021)
# WhatsApp refuses values with newlines, tabs or more than 4 consecutive spaces (21656).
_BAD_VALUE = re.compile(r"[\n\r\t]| {5,}")

# Shown to Meta's reviewers when the merchant gave no sample of their own.
SAMPLES: dict[str, str] = {
    V.MERCHANT_NAME: "Acme Store",
    V.MERCHANT_USER_NAME: "Maria",
    V.LEAD_NAME: "Ana",
    V.LEAD_PHONE: "+14155550123",
    V.ORDER_ID: "10234",
    V.ORDER_TOTAL: "$42.50",
    V.ORDER_STATUS: "processing",
    V.ORDER_URL: "orders/10234",
    V.RECEIPT_URL: "receipts/10234",
    V.PAYMENT_AMOUNT: "$42.50",
    V.PAYMENT_URL: "pay/10234",
    V.PAYMENT_DUE_DATE: "March 3",
    V.PRODUCT_NAME: "Cotton T-shirt",
    V.SKU_NAME: "Cotton T-shirt, blue, M",
    V.STOCK_QUANTITY: "12",
    V.OLD_PRICE: "$25.00",
    V.NEW_PRICE: "$19.90",
    V.SHIPPING_FEE: "$4.99",
    V.DELIVERY_ADDRESS: "221B Baker Street, London",
    V.DELIVERY_ETA: "today between 2 and 4 pm",
    V.TRACKING_URL: "track/10234",
    V.DRIVER_NAME: "Carlos",
    V.DRIVER_PHONE: "+14155550188",
    V.PICKUP_ADDRESS: "12 Market Street, Springfield",
    V.QUESTION_TEXT: "Do you ship abroad?",
    V.ANSWER_TEXT: "Yes, to 30 countries.",
    V.COUPON_CODE: "WELCOME10",
    V.CUSTOMER_NAME: "Ana",
    V.CUSTOMER_PHONE: "+14155550123",
    V.REQUEST_TEXT: "I need to change my delivery address",
    V.CONVERSATION_URL: "inbox/5521",
    V.FAILURE_REASON: "the payment was declined",
}
assert set(SAMPLES) == {v.value for v in V}, "every variable type needs a sample"


@dataclass(frozen=True)
class LeadData:
    """What we know about the recipient and the sender, before custom variables."""

    merchant_name: str
    lead_name: str | None
    lead_phone: str


@dataclass
class Rendered:
    body: str
    content_variables: dict[str, str]
    problems: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def values_for(
    lead: LeadData,
    custom_variables: Mapping[str, object],
    attributes: Mapping[str, object] | None = None,
) -> dict[str, str]:
    """Every value known for a lead, by variable type (see the module's precedence).
    Attributes that name no variable are left out; a boolean reads `true` / `false`."""
    values: dict[str, str] = {V.MERCHANT_NAME: lead.merchant_name, V.LEAD_PHONE: lead.lead_phone}
    if lead.lead_name is not None:
        values[V.LEAD_NAME] = lead.lead_name
    if attributes:  # most contacts have none: the send's hot path pays nothing then
        for key, value in attributes.items():
            if value is not None and key in VARIABLE_TYPES:
                values[key] = _attribute_text(value)
    for key, value in custom_variables.items():
        if value is not None:
            values[key] = str(value)
    return values


def _attribute_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render(body: str, variables: Mapping[str, str], values: Mapping[str, str]) -> Rendered:
    """Fill a positional body; report missing, empty or malformed values and the length."""
    content_variables: dict[str, str] = {}
    problems: list[FieldError] = []
    for key in sorted(variables, key=int):
        name = variables[key]
        value = values.get(name)
        path = ("variables", name)
        if value is None:
            problems.append(FieldError(ErrorCode.MISSING_VARIABLE, f"No value for {name}.", path))
            continue
        if not value.strip():
            problems.append(FieldError(ErrorCode.EMPTY_VARIABLE, f"{name} is empty.", path))
        elif _BAD_VALUE.search(value):
            problems.append(
                FieldError(
                    ErrorCode.INVALID_VARIABLE_VALUE,
                    f"{name} has a newline, a tab or more than 4 spaces in a row.",
                    path,
                )
            )
        content_variables[key] = value
    rendered = substitute(body, content_variables)
    if len(rendered) > MAX_RENDERED_BODY:
        problems.append(
            FieldError(
                ErrorCode.BODY_TOO_LONG,
                f"The message has {len(rendered)} characters; WhatsApp allows {MAX_RENDERED_BODY}.",
                ("body",),
            )
        )
    return Rendered(rendered, content_variables, problems)
