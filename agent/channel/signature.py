"""X-Twilio-Signature, checked with the SDK's own RequestValidator.

The URL is rebuilt from PUBLIC_BASE_URL (behind a TLS-terminating proxy the URL the app sees is not
the one Twilio signed) plus the path and query exactly as received, and the signature covers every
parameter received, never a filtered model of them: Twilio adds parameters without notice.
"""
from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator


def public_url(base_url: str, path: str, query: str = "") -> str:
    return base_url.rstrip("/") + path + (f"?{query}" if query else "")


def is_valid(auth_token: str | None, url: str, params: Mapping, signature: str | None) -> bool:
    """False for a missing token or signature as well as a wrong one (constant-time comparison)."""
    if not auth_token or not signature:
        return False
    return RequestValidator(auth_token).validate(url, params, signature)
