"""A merchant's sending policy: whether and when a message may go (quiet hours, the
marketing frequency cap), when a send stops itself (the circuit breaker) and how long
Twilio may hold a message (validity periods)."""
