"""services.phones.normalize_e164, faster for numbers already written as +digits.

An import's phones are mostly in E.164 already. phonenumbers.parse spends about half of
a number's ~30 µs finding the digits in free text (punctuation, letters, extensions,
"tel:" forms); for "+" and digits only, those steps change nothing, and what is left is
done here with the very same library functions, in parse's order: the country code, the
national prefix strip (kept only when the rest still has a possible length), Italian
leading zeros, then the same validity check and formatting. Anything else goes to
normalize_e164 itself. tests/gql/imports/test_fast_phones.py checks both agree.
"""

import re

from phonenumbers import (
    PhoneMetadata,
    PhoneNumber,
    PhoneNumberFormat,
    format_number,
    is_valid_number,
    region_code_for_country_code,
)
from phonenumbers.phonenumberutil import (
    COUNTRY_CODE_TO_REGION_CODE,
    ValidationResult,
    _maybe_strip_national_prefix_carrier_code,
    _set_italian_leading_zeros_for_phone_number,
    _test_number_length,
)

from services.phones import normalize_e164

_CANONICAL = re.compile(r"\+[1-9][0-9]{2,16}")
_NOT_POSSIBLE = (
    ValidationResult.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH,
)
_MIN_NSN, _MAX_NSN = 2, 17  # phonenumbers' own bounds on a national number's digits


def e164(raw: str) -> str | None:
    """As normalize_e164(raw)."""
    text = raw.strip()
    if _CANONICAL.fullmatch(text) is None:
        return normalize_e164(raw)
    digits = text[1:]
    for size in (1, 2, 3):
        country_code = int(digits[:size])
        if country_code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None  # parse: INVALID_COUNTRY_CODE
    national = digits[size:]
    if len(national) < _MIN_NSN:
        return None
    region = region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return normalize_e164(raw)
    _, stripped, _ = _maybe_strip_national_prefix_carrier_code(national, metadata)
    if _test_number_length(stripped, metadata) not in _NOT_POSSIBLE:
        national = stripped
    if not _MIN_NSN <= len(national) <= _MAX_NSN:
        return None
    number = PhoneNumber(country_code=country_code)
    _set_italian_leading_zeros_for_phone_number(national, number)
    number.national_number = int(national)
    if not is_valid_number(number):
        return None
    return str(format_number(number, PhoneNumberFormat.E164))
