"""WhatsApp messages after they leave the send engine: Twilio's status callbacks, applied
monotonically, and inbound messages (replies, STOP/START keywords)."""
