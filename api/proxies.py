"""The client address the login throttle counts. Which X-Forwarded-For uvicorn believes is decided when the
server starts, from AFTERGLOW_TRUSTED_PROXIES (agent/proxies.py, where the reasons are written down): only a
proxy the operator named may rewrite the address, so by the time a request arrives here its client is the
TCP peer or what a trusted proxy said."""
from __future__ import annotations

from fastapi import Request


def client_address(request: Request) -> str:
    """The client the throttle counts: the TCP peer, or what a trusted proxy said (agent/proxies.py)."""
    return request.client.host if request.client else "unknown"
