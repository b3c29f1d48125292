"""A stateful Twilio emulator (Content API, Messages API, Event Streams, status callbacks)
that the official twilio SDK talks to over real HTTP. See emulator/README.md, and
emulator.outcomes for what each recipient number does.

Run it with `python -m emulator --port 4010` or `campaigns emulator`; embed it with
`emulator.app.create_app(EmulatorConfig(...))`.
"""
