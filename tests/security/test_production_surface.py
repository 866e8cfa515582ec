"""Item 11: what a production deployment exposes, and whose address the login throttle counts.

- In production the interactive docs and the OpenAPI document are not served (they map every endpoint and
  model for whoever asks); locally they stay at /docs.
- The per-address login limit (30 failures in 15 minutes) held only while nobody sent X-Forwarded-For:
  uvicorn, as `afterglow serve` started it, believed that header from any loopback peer (its default
  forwarded-allow-ips), so each attempt could claim a new address. The test drives the app wrapped exactly
  as the server `afterglow serve` configures wraps it.
"""
from __future__ import annotations

import re

import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from agent.cli import app as cli
from agent.clock import FixedClock
from agent.config import Settings, get_settings
from agent.engine.turn import Agent
from agent.staff.accounts import MAX_FAILURES_PER_IP
from agent.store.db import make_engine
from api.app import create_app
from tests.conftest import START
from tests.console.conftest import env  # noqa: F401 - fixture

DOC_PATHS = ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect")


def _app(tmp_path, environment: str):  # noqa: ANN001, ANN202
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path}/{environment}.db", AFTERGLOW_ENV=environment,
                        AFTERGLOW_INPROCESS_WORKER=False, AFTERGLOW_SECRET_KEY="production-surface-secret-0123")
    return create_app(settings, agent=Agent(make_engine(settings.database_url), clock=FixedClock(START)), seed=False)


def test_production_serves_no_docs_and_no_openapi(tmp_path):  # noqa: ANN001
    with TestClient(_app(tmp_path, "production"), base_url="https://testserver") as c:
        for path in DOC_PATHS:
            assert c.get(path).status_code == 404, path
        assert c.get("/health").status_code == 200


def test_local_keeps_the_docs(tmp_path):  # noqa: ANN001
    with TestClient(_app(tmp_path, "local")) as c:
        assert c.get("/docs").status_code == 200
        assert "/api/handoffs" in c.get("/openapi.json").json()["paths"]


# ------------------------------------------------------------------ the login throttle behind the server


@pytest.fixture
def serve_options(monkeypatch, tmp_path):  # noqa: ANN001, ANN201
    """The proxy options `afterglow serve` hands uvicorn, for the environment the test sets."""
    def options() -> dict:
        captured: dict = {}
        monkeypatch.setattr(uvicorn, "run", lambda *a, **k: captured.update(k))
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/serve.db")
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(cli, ["serve"])
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        return {k: v for k, v in captured.items() if k in ("proxy_headers", "forwarded_allow_ips")}

    return options


def _served(app, options: dict, peer: str) -> TestClient:  # noqa: ANN001
    """The app behind uvicorn's own middleware stack, as configured by `options`, reached from `peer`."""
    config = uvicorn.Config(app, log_config=None, **options)
    config.load()
    return TestClient(config.loaded_app, client=(peer, 43210))


def _fail_login(c: TestClient, email: str, forwarded_for: str) -> int:
    form = c.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    r = c.post("/console/login", data={"email": email, "password": "not-the-password", "csrf_token": token},
               headers={"X-Forwarded-For": forwarded_for}, follow_redirects=False)
    return r.status_code


def test_x_forwarded_for_from_loopback_does_not_reset_the_limit(env, serve_options, monkeypatch):  # noqa: ANN001
    monkeypatch.delenv("AFTERGLOW_TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    c = _served(env.app, serve_options(), "127.0.0.1")
    codes = [_fail_login(c, f"nobody{i}@a.test", f"198.51.100.{i + 1}") for i in range(MAX_FAILURES_PER_IP)]
    assert set(codes) == {401}
    # A new claimed address and a new email: still the same client on the wire, so it is throttled.
    assert _fail_login(c, "someone-else@a.test", "203.0.113.77") == 429


def test_a_configured_proxy_is_believed(env, serve_options, monkeypatch):  # noqa: ANN001
    monkeypatch.setenv("AFTERGLOW_TRUSTED_PROXIES", "127.0.0.1")
    c = _served(env.app, serve_options(), "127.0.0.1")
    for i in range(MAX_FAILURES_PER_IP):
        assert _fail_login(c, f"nobody{i}@a.test", "198.51.100.9") == 401
    assert _fail_login(c, "another@a.test", "198.51.100.9") == 429  # that client is throttled
    assert _fail_login(c, "another@a.test", "203.0.113.5") == 401  # a different client behind the proxy is not
    # ...and a client cannot pick its address by prepending one: the proxy's own entry (the last) is used.
    assert _fail_login(c, "third@a.test", "203.0.113.5, 198.51.100.9") == 429
