"""Twilio content types we can build, and the WhatsApp template languages.

`content_context` given by a merchant holds the type-specific fields besides the body
(media URLs, buttons); we build the `types` object Twilio's Content API takes from it.
"""

from typing import Any

from services.campaigns.placeholders import to_positional

TEXT = "twilio/text"
MEDIA = "twilio/media"
CALL_TO_ACTION = "twilio/call-to-action"
QUICK_REPLY = "twilio/quick-reply"
SUPPORTED_CONTENT_TYPES = (TEXT, MEDIA, CALL_TO_ACTION, QUICK_REPLY)

# Languages WhatsApp accepts for message templates.
SUPPORTED_LANGUAGES = frozenset(
    (
        "af",
        "sq",
        "ar",
        "az",
        "bn",
        "bg",
        "ca",
        "zh_CN",
        "zh_HK",
        "zh_TW",
        "hr",
        "cs",
        "da",
        "nl",
        "en",
        "en_GB",
        "en_US",
        "et",
        "fil",
        "fi",
        "fr",
        "ka",
        "de",
        "el",
        "gu",
        "ha",
        "he",
        "hi",
        "hu",
        "id",
        "ga",
        "it",
        "ja",
        "kn",
        "kk",
        "rw_RW",
        "ko",
        "ky_KG",
        "lo",
        "lv",
        "lt",
        "mk",
        "ms",
        "ml",
        "mr",
        "nb",
        "fa",
        "pl",
        "pt_BR",
        "pt_PT",
        "pa",
        "ro",
        "ru",
        "sr",
        "sk",
        "sl",
        "es",
        "es_AR",
        "es_ES",
        "es_MX",
        "sw",
        "sv",
        "ta",
        "te",
        "th",
        "tr",
        "uk",
        "ur",
        "uz",
        "vi",
        "zu",
    )
)

MAX_BUTTONS = {CALL_TO_ACTION: 2, QUICK_REPLY: 3}


class ContentContextError(ValueError):
    """The merchant's content context does not fit the content type."""

    def __init__(self, message: str, path: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


def build_types(
    content_type: str, body: str, context: dict[str, Any] | None, variables: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """Twilio's `types` object for a positional body, plus unknown placeholder names.

    Placeholders in button URLs share the body's numbering (`variables` is extended).
    """
    context = dict(context or {})
    context.pop("body", None)
    unknown: list[str] = []
    spec: dict[str, Any] = {"body": body}
    if content_type == MEDIA:
        media = context.pop("media", None)
        if not isinstance(media, list) or not media or not all(_is_url(m) for m in media):
            raise ContentContextError(
                "twilio/media needs `media`: a list of https URLs.", ("media",)
            )
        spec["media"] = media
    elif content_type in (CALL_TO_ACTION, QUICK_REPLY):
        actions = context.pop("actions", None)
        if not isinstance(actions, list) or not 1 <= len(actions) <= MAX_BUTTONS[content_type]:
            raise ContentContextError(
                f"{content_type} needs `actions`: 1 to {MAX_BUTTONS[content_type]} buttons.",
                ("actions",),
            )
        spec["actions"] = [
            _action(content_type, action, index, variables, unknown)
            for index, action in enumerate(actions)
        ]
    if context:
        raise ContentContextError(
            f"Unknown key(s) for {content_type}: {', '.join(sorted(context))}.",
            (sorted(context)[0],),
        )
    return {content_type: spec}, unknown


def _action(
    content_type: str, action: Any, index: int, variables: dict[str, str], unknown: list[str]
) -> dict[str, Any]:
    path = ("actions", str(index))
    if not isinstance(action, dict) or not isinstance(action.get("title"), str):
        raise ContentContextError("Each button needs a `title`.", path)
    title = action["title"]
    if not 1 <= len(title) <= 25:
        raise ContentContextError("A button title has 1 to 25 characters.", (*path, "title"))
    if content_type == QUICK_REPLY:
        reply_id = action.get("id") or title
        return {"title": title, "id": str(reply_id)}
    kind = action.get("type", "URL")
    if kind == "URL":
        url = action.get("url")
        if not isinstance(url, str) or not _is_url(url):
            raise ContentContextError("A URL button needs an https `url`.", (*path, "url"))
        converted = to_positional(url, variables)
        unknown.extend(name for name in converted.unknown if name not in unknown)
        return {"type": "URL", "title": title, "url": converted.text}
    if kind == "PHONE_NUMBER":
        phone = action.get("phone")
        if not isinstance(phone, str) or not phone.startswith("+"):
            raise ContentContextError("A phone button needs an E.164 `phone`.", (*path, "phone"))
        return {"type": "PHONE_NUMBER", "title": title, "phone": phone}
    raise ContentContextError("A button `type` is URL or PHONE_NUMBER.", (*path, "type"))


def _is_url(value: Any) -> bool:
    return (
        isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) < 2000
    )
