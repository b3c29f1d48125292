"""The import's fast path for +digits phones answers as services.phones does."""

import random

import phonenumbers
from phonenumbers import PhoneNumberType

from services.imports.fast_phones import e164
from services.phones import normalize_e164

# Country codes with national prefixes, Italian leading zeros, shared codes (+1, +7, +44)
# and lengths around every bound.
SAMPLES = [
    "+14155550123",
    "+114155550123",
    "+4407911123456",
    "+447911123456",
    "+390612345678",
    "+39312345678",
    "+79161234567",
    "+861012345678",
    "+5491123456789",
    "+54 9 11 2345 6789",
    "+0123456",
    "+999123456",
    "+12",
    "+123",
    "+1415555012",
    "+441234",
    "+2250712345678",
    "+22507123456",
    "+6421234567",
    "+64021234567",
    "+80012345678",
    "+88213100000",
    " +14155550123 ",
    "whatsapp:+14155550123",
    "0014155550123",
    "4155550123",
]


def test_the_samples_agree() -> None:
    for raw in SAMPLES:
        assert e164(raw) == normalize_e164(raw), raw


def test_random_numbers_agree() -> None:
    rng = random.Random(11)
    for _ in range(30_000):
        length = rng.randint(3, 17)
        raw = (
            "+"
            + str(rng.randint(1, 9))
            + "".join(rng.choice("0123456789") for _ in range(length - 1))
        )
        assert e164(raw) == normalize_e164(raw), raw


def test_numbers_near_every_regions_examples_agree() -> None:
    """Valid numbers of every region and type, changed a little: some stay valid, some
    gain a national prefix after the country code, some get too long or short."""
    rng = random.Random(12)
    checked = valid = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.TOLL_FREE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            code = str(example.country_code)
            national = phonenumbers.national_significant_number(example)
            for variant in _variants(rng, national):
                raw = f"+{code}{variant}"
                expected = normalize_e164(raw)
                assert e164(raw) == expected, raw
                checked += 1
                valid += expected is not None
    assert checked > 2_000 and valid > 1_000, (checked, valid)


def _variants(rng: random.Random, national: str) -> list[str]:
    def tail() -> str:
        return "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 3)))

    return [
        national,
        national[:-2] + tail()[:2].ljust(2, "0"),
        "0" + national,
        "1" + national,
        national + tail(),
        national[:-1],
    ]
