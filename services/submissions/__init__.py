"""Submitting a campaign's template to Twilio: the claim, what Twilio is sent (its links
tracked) and the record of Twilio's answer. Above campaigns, links and twilio, which it
combines; none of them imports it."""
