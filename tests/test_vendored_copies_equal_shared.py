"""What the repository keeps of the reference material (Twilio's OpenAPI specs, the
frontend's contract) is byte for byte what the reference folder beside the checkout
holds, when that folder exists. The product and the other tests read only the copies."""

from pathlib import Path

import pytest

from emulator.config import BUNDLED_SPECS

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared"

COPIES = {
    "twilio-oai/twilio_api_v2010.json": BUNDLED_SPECS / "twilio_api_v2010.json",
    "twilio-oai/twilio_content_v1.json": BUNDLED_SPECS / "twilio_content_v1.json",
    "twilio-oai/twilio_events_v1.json": BUNDLED_SPECS / "twilio_events_v1.json",
    "twilio-oai/LICENSE": BUNDLED_SPECS / "LICENSE",
    "contract/operations.graphql": ROOT / "tests" / "contract" / "operations.graphql",
}


@pytest.mark.parametrize("reference", sorted(COPIES))
def test_copy_equals_the_reference(reference: str) -> None:
    original = REFERENCE / reference
    if not REFERENCE.is_dir():
        pytest.skip(f"no reference folder at {REFERENCE} (a clone on its own)")
    assert original.is_file(), f"{original} is gone: drop or replace its copy"
    assert COPIES[reference].read_bytes() == original.read_bytes(), (
        f"{COPIES[reference].relative_to(ROOT)} differs from {original}: copy it again"
    )


def test_every_reference_spec_is_kept() -> None:
    if not REFERENCE.is_dir():
        pytest.skip(f"no reference folder at {REFERENCE} (a clone on its own)")
    kept = {name for name in COPIES if name.startswith("twilio-oai/")}
    present = {f"twilio-oai/{p.name}" for p in (REFERENCE / "twilio-oai").iterdir()}
    assert present <= kept, f"not copied into the repository: {sorted(present - kept)}"
