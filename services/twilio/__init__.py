"""Talking to Twilio through the official SDK. `http_client` points the SDK at a base URL
(Twilio itself when none is set, an emulator in tests and local runs)."""

from services.twilio.http_client import AsyncRewritingHttpClient, RewritingHttpClient, rewrite_url

__all__ = ["AsyncRewritingHttpClient", "RewritingHttpClient", "rewrite_url"]
