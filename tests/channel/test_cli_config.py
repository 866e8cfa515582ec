"""`afterglow outbox` / `afterglow inbound` listings, and the channel's settings."""
from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from agent.channel.inbound import InboundSms, accept
from agent.channel.outbox_worker import OutboxConfig
from agent.clock import FixedClock
from agent.config import Settings
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.worker import Worker
from tests.channel.helpers import inbound_params, phone_of
from tests.conftest import START, PatientFactory


def test_the_outbox_and_inbound_listings_show_state_not_just_text(file_db):
    from agent.cli import app

    clock = FixedClock(START)
    agent = Agent(file_db, clock=clock)
    pid = PatientFactory(file_db, clock)()
    send_touch(agent, pid, "results_checkin")
    accept(file_db, InboundSms.from_params(inbound_params(phone_of(file_db, pid), "Loving it!")), clock.now())
    Worker(agent).step()
    runner = CliRunner()
    listed = runner.invoke(app, ["outbox"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.strip().splitlines()
    assert len(lines) == 2 and all("[dry_run; job done x1]" in line for line in lines)
    assert "touch (1 seg): Hi Maya" in lines[0]
    assert runner.invoke(app, ["outbox", "--status", "failed"]).output.strip() == "no outbound texts"
    inbound = runner.invoke(app, ["inbound"])
    assert inbound.exit_code == 0 and f"patient {pid} [done x1; turn]" in inbound.output
    assert "Loving" not in inbound.output  # the queue listing shows state, not patients' words


def test_a_test_only_api_override_is_refused_in_production():
    with pytest.raises(ValidationError, match="TWILIO_API_BASE"):
        Settings(AFTERGLOW_ENV="production", AFTERGLOW_SECRET_KEY="s3cret", TWILIO_API_BASE="http://127.0.0.1:1")


def test_production_with_twilio_needs_the_public_https_url():
    with pytest.raises(ValidationError, match="PUBLIC_BASE_URL"):
        Settings(AFTERGLOW_ENV="production", AFTERGLOW_SECRET_KEY="s3cret", TWILIO_ACCOUNT_SID="AC1",
                 TWILIO_AUTH_TOKEN="t", PUBLIC_BASE_URL="http://clinic.example.com")


def test_status_callbacks_only_point_where_twilio_can_reach():
    assert OutboxConfig(public_base_url="https://glow.example.com/").status_callback(7) == \
        "https://glow.example.com/webhooks/twilio/status?m=7"
    assert OutboxConfig(public_base_url="http://127.0.0.1:8000").status_callback(7) is None
    assert OutboxConfig().status_callback(7) is None
