"""What every Twilio webhook needs: the URL Twilio called, and refusals with a reason."""

from starlette.requests import Request
from starlette.responses import JSONResponse

from services.settings import Settings


def public_url_of(request: Request, settings: Settings) -> str:
    """The URL as Twilio called it. Behind a proxy the request's own URL differs, so it
    is rebuilt from PUBLIC_URL: Twilio signs the URL it was given, query included."""
    query = request.url.query
    return settings.base_url() + request.url.path + (f"?{query}" if query else "")


def refuse(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)
