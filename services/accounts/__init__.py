"""A merchant's own Twilio account (a subaccount the platform made, or an account it
connected) and its WhatsApp senders. Sending through them is not wired yet: every
message still goes through the platform's account and sender (see README)."""
