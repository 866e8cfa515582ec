"""Issue 13, item 2: /dev (transcripts, no login) and the demo's public logins and API key never sit beside
live Twilio credentials. The attack run found AFTERGLOW_ENV defaulting to local with real credentials:
/dev/patients/*/transcript answered anyone and the demo logins and key were seeded."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from agent.config import ConfigError, Settings, get_settings, load_settings
from agent.store.db import make_engine
from agent.store.models import Clinic
from agent.store.staff_models import Staff
from api.app import create_app

LIVE = {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "live-token", "PUBLIC_BASE_URL": "https://x.example"}


def _started(tmp_path, **values) -> tuple[dict[str, int], int, int]:  # noqa: ANN001
    """Start the app (lifespan: migrations, seeding) and probe it as an outsider would."""
    url = f"sqlite:///{tmp_path}/dev.db"
    settings = Settings(DATABASE_URL=url, AFTERGLOW_INPROCESS_WORKER=False,
                        AFTERGLOW_SPOOL_DIR=str(tmp_path / "spool"), **values)
    with TestClient(create_app(settings)) as client:
        codes = {path: client.get(path).status_code for path in ("/dev/patients", "/dev/patients/1/transcript")}
        demo_key = client.get("/api/conversations", headers={"X-API-Key": settings.demo_api_key}).status_code
    engine = make_engine(url)
    with Session(engine) as session:
        staff = len(session.exec(select(Staff)).all())
        clinics = len(session.exec(select(Clinic)).all())
    engine.dispose()
    return codes, demo_key, staff + 100 * clinics


def test_local_mode_with_live_credentials_has_no_dev_routes_and_no_demo(tmp_path):
    codes, demo_key, seeded = _started(tmp_path, AFTERGLOW_ENV="local", **LIVE)
    assert set(codes.values()) == {404}
    assert demo_key == 401 and seeded == 0  # no demo clinic, no public logins, no public key


def test_an_explicit_seed_request_is_refused_with_live_credentials(tmp_path):
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path}/s.db", AFTERGLOW_INPROCESS_WORKER=False,
                        AFTERGLOW_SPOOL_DIR=str(tmp_path / "spool"), **LIVE)
    with TestClient(create_app(settings, seed=True)) as client:
        assert client.get("/api/conversations", headers={"X-API-Key": settings.demo_api_key}).status_code == 401


def test_the_demo_keeps_its_dev_routes(tmp_path):
    """`make run`: local, no Twilio credential at all: /dev, the demo logins and key, as documented."""
    codes, demo_key, seeded = _started(tmp_path, AFTERGLOW_ENV="local")
    assert codes["/dev/patients"] == 200 and demo_key == 200 and seeded == 103


def test_a_webhook_token_alone_turns_dev_routes_off(tmp_path):
    """With only the Auth Token real texts can arrive (signed webhooks): no unauthenticated transcripts."""
    codes, _, _ = _started(tmp_path, AFTERGLOW_ENV="local", TWILIO_AUTH_TOKEN="token")
    assert set(codes.values()) == {404}


def test_dev_routes_are_opt_in_elsewhere_and_refused_where_they_would_expose_patients(tmp_path):
    codes, _, _ = _started(tmp_path, AFTERGLOW_ENV="test", AFTERGLOW_DEV_ROUTES=True)
    assert codes["/dev/patients"] == 200
    assert not load_settings(AFTERGLOW_ENV="test").dev_routes_enabled
    assert not load_settings(AFTERGLOW_ENV="local", AFTERGLOW_DEV_ROUTES=False).dev_routes_enabled
    for values in (LIVE, {"AFTERGLOW_ENV": "production", "AFTERGLOW_SECRET_KEY": "k"}):
        with pytest.raises(ConfigError, match="AFTERGLOW_DEV_ROUTES"):
            load_settings(AFTERGLOW_DEV_ROUTES=True, **values)


def test_seed_demo_command_adds_no_public_logins_with_live_credentials(tmp_path, monkeypatch):
    from agent.cli import app as cli

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    for name, value in LIVE.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["seed-demo"])
        assert result.exit_code == 0, result.output
        engine = make_engine(f"sqlite:///{tmp_path}/cli.db")
        with Session(engine) as session:
            assert session.exec(select(Staff)).all() == []
        engine.dispose()
    finally:
        get_settings.cache_clear()


def test_dev_routes_refuse_ids_no_row_can_have(tmp_path):
    """Found after item 7's fix: the dev routes took any integer, and 2**63 reached SQLite as a 500."""
    url = f"sqlite:///{tmp_path}/ids.db"
    settings = Settings(DATABASE_URL=url, AFTERGLOW_INPROCESS_WORKER=False, AFTERGLOW_ENV="local",
                        AFTERGLOW_SPOOL_DIR=str(tmp_path / "spool"))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for n in (2**63, 2**31, 0):
            assert client.get(f"/dev/patients/{n}/transcript").status_code == 422
        for n in (2**63, 2**31):
            assert client.post(f"/dev/patients/{n}/messages", json={"body": "hi"}).status_code == 422
