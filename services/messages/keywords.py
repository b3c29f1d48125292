"""The opt-out and opt-in keywords of an inbound message.

Matching: the whole message must be the keyword, compared case-insensitively after
trimming and collapsing runs of whitespace ("  stop\n" and "Stop Promotions" match,
"please stop sending" does not, like Twilio's own keyword handling). Opt-outs also
match with surrounding punctuation ("Stop." / "STOP!!"): missing a person's refusal is
the costly mistake. Opt-ins do not ("Yes!" answering an order question must not
re-subscribe anyone): wrongly messaging a person who refused is the costlier one.
"""

import string
from enum import StrEnum


class Keyword(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"


# Twilio's standard opt-out words (OPTOUT and REVOKE since 2025), and WhatsApp's
# "STOP PROMOTIONS" quick reply to marketing templates.
OPT_OUT_WORDS = frozenset(
    {
        "stop",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "optout",
        "revoke",
        "stop promotions",
    }
)
OPT_IN_WORDS = frozenset({"start", "unstop", "yes"})


def keyword_of(body: str) -> Keyword | None:
    text = " ".join(body.split()).casefold()
    if text in OPT_IN_WORDS:
        return Keyword.OPT_IN
    if text.strip(string.punctuation + " ") in OPT_OUT_WORDS:
        return Keyword.OPT_OUT
    return None
