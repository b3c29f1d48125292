"""Twilio's error body, `{code, message, more_info, status}`, for every refusal."""

from __future__ import annotations

from starlette.responses import JSONResponse

MESSAGES: dict[int, str] = {
    20001: "Invalid parameter",
    20003: "Authenticate",
    20004: "Method not allowed",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    20503: "Service unavailable",
    21211: "Invalid 'To' Phone Number",
    21212: "Invalid 'From' Phone Number",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21609: "Invalid 'StatusCallback' URL",
    21610: "Attempt to send to unsubscribed recipient",
    21619: "A text message body or media urls must be specified.",
    21655: "The ContentSid is Invalid.",
    21656: "The ContentVariables Parameter is invalid.",
    21624: "Invalid validity period value",
    21910: "Invalid From and To pair. From and To should be of the same channel",
    30001: "Queue overflow",
    30036: "Validity Period Expired",
    63003: "Channel could not find To address",
    63007: "Twilio could not find a Channel with the specified From address",
    63014: "Channel message blocked by user action",
    63016: (
        "Failed to send freeform message because you are outside the allowed window. "
        "If you are using WhatsApp, please use a Message Template."
    ),
    63018: "Rate limit exceeded for Channel",
    63021: "Channel invalid content error",
    63024: "Invalid message recipient",
    63049: "Meta chose not to deliver this WhatsApp marketing message",
}


def more_info(code: int) -> str:
    return f"https://www.twilio.com/docs/errors/{code}"


class TwilioError(Exception):
    """Raised anywhere in a request; the app turns it into Twilio's error body."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str | None = None,
        headers: dict[str, str] | None = None,
        fault: str | None = None,
    ) -> None:
        self.status = status
        self.fault = fault  # set when a fault knob, not the request, caused it
        self.code = code
        self.message = message or MESSAGES.get(code, "Error")
        self.headers = headers or {}
        super().__init__(f"{status} {code} {self.message}")

    def response(self) -> JSONResponse:
        body = {
            "code": self.code,
            "message": self.message,
            "more_info": more_info(self.code),
            "status": self.status,
        }
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def bad_request(code: int, message: str | None = None) -> TwilioError:
    return TwilioError(400, code, message)


def not_found(path: str) -> TwilioError:
    return TwilioError(404, 20404, f"The requested resource {path} was not found")
