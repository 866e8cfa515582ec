"""Which X-Forwarded-For the server believes: only one written by a proxy the operator named.

The login throttle counts failures per client address (agent/staff/accounts.py). uvicorn rewrites that
address from X-Forwarded-For whenever the connecting peer is in its forwarded-allow-ips, which defaults to
loopback: anything reaching the server over 127.0.0.1 could then claim a fresh address on every attempt
and never meet the per-address limit. So the server trusts the header from the proxies listed in
AFTERGLOW_TRUSTED_PROXIES (comma-separated addresses or networks, e.g. "127.0.0.1" for nginx on the same
host) and from nobody when it is unset. Behind a trusted proxy, uvicorn takes the right-most address not
itself a trusted proxy, so a client cannot choose its address by prepending one to the header.

`afterglow serve` passes `server_options()` to uvicorn (this module sits in agent/ because the command
line, which lives here, builds the server's options; api/proxies.py reads the request's address); started by hand, the same is
`uvicorn ... --forwarded-allow-ips "$AFTERGLOW_TRUSTED_PROXIES"` or, with no proxy, `--no-proxy-headers`.
"""
from __future__ import annotations

import os

TRUSTED_PROXIES_ENV = "AFTERGLOW_TRUSTED_PROXIES"


def trusted_proxies() -> list[str]:
    raw = os.environ.get(TRUSTED_PROXIES_ENV, "")
    return [item.strip() for item in raw.split(",") if item.strip()]


def server_options() -> dict[str, object]:
    """uvicorn.run() keyword arguments: proxy headers off unless a proxy is configured, then only from it."""
    trusted = trusted_proxies()
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(trusted)}
