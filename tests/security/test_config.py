"""Issue 13, item 10: a bad configuration is one clear line naming the variable, never its value.

The attack run started with AFTERGLOW_ENV=prod (read as local: the insecure default secret, demo logins)
and, in production, got a 49-line traceback quoting the tail of AFTERGLOW_SECRET_KEY."""
from __future__ import annotations

import subprocess
import sys

import pytest

from agent.config import INSECURE_SECRET, ConfigError, load_settings
from tests.security.server import env_for, run_cli

SECRET = "s3cret-9f1c-TAILVALUE"
LIVE = {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "live-token-TOKENTAIL"}


def _refused(result: subprocess.CompletedProcess, variable: str, *secrets: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, output  # one line, no traceback
    assert variable in lines[0] and "Traceback" not in output
    for secret in secrets:
        assert secret not in output and secret[-6:] not in output
    return lines[0]


def test_a_typo_in_the_environment_name_stops_the_service_in_one_line(tmp_path):
    line = _refused(run_cli(["serve"], env_for(tmp_path, 8000, AFTERGLOW_ENV="prod"), tmp_path), "AFTERGLOW_ENV")
    assert "'local', 'test' or 'production'" in line and "prod'" not in line.split("should be")[0]


def test_production_with_the_default_secret_fails_without_echoing_it(tmp_path):
    env = env_for(tmp_path, 8000, AFTERGLOW_ENV="production")
    line = _refused(run_cli(["serve"], env, tmp_path), "AFTERGLOW_SECRET_KEY", INSECURE_SECRET)
    assert line == "afterglow: invalid configuration: AFTERGLOW_SECRET_KEY must be set in production"


def test_other_production_errors_do_not_quote_the_secret_or_the_token(tmp_path):
    env = env_for(tmp_path, 8000, AFTERGLOW_ENV="production", AFTERGLOW_SECRET_KEY=SECRET,
                  PUBLIC_BASE_URL="http://sms.glow.example", **LIVE)
    _refused(run_cli(["worker"], env, tmp_path), "PUBLIC_BASE_URL", SECRET, LIVE["TWILIO_AUTH_TOKEN"])


def test_uvicorn_with_the_app_factory_refuses_the_same_way(tmp_path):
    """The production recipe runs `uvicorn api.app:create_app --factory`, not the CLI."""
    env = env_for(tmp_path, 8000, AFTERGLOW_ENV="prod", AFTERGLOW_SECRET_KEY=SECRET)
    result = subprocess.run([sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port", "0"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    assert "afterglow: invalid configuration: AFTERGLOW_ENV" in output and SECRET[-9:] not in output


@pytest.mark.parametrize("values, variable", [
    ({"AFTERGLOW_ENV": "prod"}, "AFTERGLOW_ENV"),
    ({"AFTERGLOW_ENV": "production", "AFTERGLOW_SECRET_KEY": INSECURE_SECRET}, "AFTERGLOW_SECRET_KEY"),
    ({"AFTERGLOW_MODEL_MAX_TOKENS": SECRET}, "AFTERGLOW_MODEL_MAX_TOKENS"),
    ({"AFTERGLOW_DEV_ROUTES": "true", **LIVE}, "AFTERGLOW_DEV_ROUTES"),
    ({"AFTERGLOW_DEV_ROUTES": "true", "AFTERGLOW_ENV": "production", "AFTERGLOW_SECRET_KEY": SECRET},
     "AFTERGLOW_DEV_ROUTES"),
])
def test_each_refusal_names_the_variable_and_quotes_no_value(values, variable):
    with pytest.raises(ConfigError) as caught:
        load_settings(**{"AFTERGLOW_SECRET_KEY": SECRET, **values})
    message = str(caught.value)
    assert variable in message and "\n" not in message
    for value in (SECRET, "TAILVALUE", INSECURE_SECRET, LIVE["TWILIO_AUTH_TOKEN"], "prod'", "input_value"):
        assert value not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # no pydantic text behind it


def test_the_three_environments_the_code_knows_are_accepted():
    assert [load_settings(AFTERGLOW_ENV=env, AFTERGLOW_SECRET_KEY=SECRET).environment
            for env in ("local", "test", "production")] == ["local", "test", "production"]
    assert SECRET not in repr(load_settings(AFTERGLOW_SECRET_KEY=SECRET))  # nor in a debug print
