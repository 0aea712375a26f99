"""Sessions, anti-forgery tokens and response headers of the SSI portal.

- The session cookie holds a random token (only its SHA-256 is stored); it is HttpOnly,
  SameSite=Strict, limited to /ssi, and Secure when the portal is reached over HTTPS.
- Every form carries a CSRF token: for a signed-in person an HMAC of the session token;
  on the sign-in form (no session yet) a random value also set in a cookie (double submit).
  A POST without the right token is refused with 403 before anything else happens.
- Every page is sent with a strict Content-Security-Policy (no inline script or style),
  no framing, and `Cache-Control: no-store` (pages show personal data).
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "gbdsp_session"
SIGN_IN_COOKIE = "gbdsp_signin"
COOKIE_PATH = "/ssi"
CSRF_FIELD = "csrf_token"

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure(request),
        path=COOKIE_PATH,
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)


def sign_in_token(request: Request) -> str:
    """The double-submit token of the sign-in form (reused while the cookie lasts)."""
    return request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(24)


def set_sign_in_token(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure(request),
        path=COOKIE_PATH,
        max_age=3600,
    )


def sign_in_token_ok(request: Request, given: str) -> bool:
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    return bool(expected) and hmac.compare_digest(expected, given)
