"""An httpx transport for the real twilio SDK, so tests can mock Twilio's REST API with respx.

The stock TwilioHttpClient uses `requests`, which respx cannot see. This client also never logs a
request (the SDK's log_request would write phone numbers from query strings into the log), and it
can be pointed at a loopback fake of the REST API (`base_url`, tests only).
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

import httpx
from twilio.http import HttpClient
from twilio.http.response import Response

log = logging.getLogger("afterglow.channel.http")
# httpx logs every request URL at INFO; a Messages list URL carries the patient's number (To=...).
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)

CONNECT_TIMEOUT_S = 5.0


class HttpxTwilioClient(HttpClient):
    def __init__(self, *, timeout_s: float = 15.0, base_url: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(log, is_async=False, timeout=timeout_s)
        self._timeout = httpx.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s))
        self._client = httpx.Client(timeout=self._timeout, follow_redirects=False, transport=transport)
        self._base = urlsplit(base_url.rstrip("/")) if base_url else None

    def request(self, method: str, uri: str, params: dict | None = None, data: dict | None = None,
                headers: dict | None = None, auth: tuple[str, str] | None = None, timeout: float | None = None,
                allow_redirects: bool = False) -> Response:
        body: dict = {}
        if headers and headers.get("Content-Type", "").endswith("json"):
            body["json"] = data
        else:
            body["data"] = data
        response = self._client.request(
            method.upper(), self._rebase(uri), params=params, headers=headers, auth=auth,
            timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT_S, timeout)) if timeout else self._timeout,
            follow_redirects=allow_redirects, **body)
        return Response(response.status_code, response.text, response.headers)

    def _rebase(self, uri: str) -> str:
        if self._base is None:
            return uri
        parts = urlsplit(uri)
        return urlunsplit((self._base.scheme, self._base.netloc, self._base.path + parts.path, parts.query, ""))

    def close(self) -> None:
        self._client.close()
