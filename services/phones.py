"""Phone numbers in E.164, the only form Twilio's WhatsApp channel takes."""

import phonenumbers


def normalize_e164(raw: str) -> str | None:
    """'+1 (415) 555-0123' or 'whatsapp:+14155550123' -> '+14155550123'; None if invalid.

    A number must carry its country code: we never guess a region for a merchant.
    """
    text = raw.strip().removeprefix("whatsapp:").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        return None
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
