"""Tracked links: URL buttons and body links of a template go through our redirect
`/r/<token>`, which counts a click on the ledger row and forwards to the real target.

- rewrite.py: the Content API `types` with tracked URLs replaced, computed at submission
- tokens.py: short, signed tokens naming (ledger row, link)
- secret.py: the signing key, shared by every server process through `app_secrets`
- tracking.py: what submission and the send engine call
- redirect.py: what a click does
"""
