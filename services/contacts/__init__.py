"""A merchant's contacts: the people (conversation users) it messages."""
