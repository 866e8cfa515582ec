"""A tiny fake of Twilio's Messages REST API on 127.0.0.1, for worker subprocesses respx cannot reach.

It speaks Twilio's JSON (create and list), records every create it receives before answering, and can
hold one create open (after recording it: the text "went out") so a test can kill the worker waiting
for the answer.
"""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.channel.helpers import list_json, message_json, sid

_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json$")


class FakeTwilio:
    def __init__(self, *, hang_on: int | None = None, delay_s: float = 0.0) -> None:
        self.sent: list[dict] = []  # every create, in arrival order
        self.lists = 0
        self.hang_on = hang_on  # the n-th create (1-based) is recorded, then held until `release`
        self.delay_s = delay_s
        self.hung = threading.Event()
        self.hung_body: str | None = None
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeTwilio:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def _create(self, form: dict[str, str]) -> tuple[dict, bool]:
        with self.lock:
            record = {"sid": sid(), "to": form.get("To", ""), "from": form.get("From", ""),
                      "body": form.get("Body", ""), "at": time.time()}
            self.sent.append(record)
            hang = self.hang_on is not None and len(self.sent) == self.hang_on
            if hang:
                self.hung_body = record["body"]
        return record, hang

    def _list(self, query: dict[str, str]) -> list[dict]:
        with self.lock:
            self.lists += 1
            rows = [r for r in self.sent if r["to"] == query.get("To") and
                    (not query.get("From") or r["from"] == query["From"])]
        size = int(query.get("PageSize") or 50)
        return [message_json(r["sid"], to=r["to"], body=r["body"], from_=r["from"]) for r in reversed(rows)][:size]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in separate writes

            def log_message(self, *args: object) -> None:  # quiet
                return

            def _answer(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self) -> bool:
                path = urlsplit(self.path).path
                if not _MESSAGES.match(path) or not self.headers.get("Authorization", "").startswith("Basic "):
                    self._answer(404, {"code": 20404, "message": "not found", "status": 404})
                    return False
                return True

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if not self._route():
                    return
                record, hang = fake._create(form)
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                if hang:
                    fake.hung.set()
                    fake.release.wait(30)
                try:
                    self._answer(201, message_json(record["sid"], to=record["to"], body=record["body"],
                                                   from_=record["from"]))
                except OSError:
                    pass  # the worker waiting for this answer was killed

            def do_GET(self) -> None:  # noqa: N802
                if not self._route():
                    return
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                self._answer(200, list_json(fake._list(query)))

        return Handler
