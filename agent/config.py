"""Runtime settings from the environment (and an optional .env file)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Every value the code tests for; anything else (a typo such as "prod") is refused, not read as local.
Environment = Literal["local", "test", "production"]
INSECURE_SECRET = "dev-insecure-secret"


class ConfigError(Exception):
    """A configuration the service refuses: one line naming the variables, never their values."""


class ModelSettings(BaseSettings):
    """The brain: which model, where, and how each call is bounded (agent.brains.factory reads these).
    On its own so the brain can be built from the environment without the rest of Settings."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    model: str = Field(default="offline", alias="AFTERGLOW_MODEL")  # offline | provider:model
    model_base_url: str | None = Field(default=None, alias="AFTERGLOW_MODEL_BASE_URL")
    # A reply is one SMS and the answer is one small JSON object: a cap stops a rambling model long
    # before the timeout (a self-hosted model with no cap ran 1,000+ tokens into it).
    model_max_tokens: int = Field(default=300, ge=64, le=4096, alias="AFTERGLOW_MODEL_MAX_TOKENS")
    # Low: the answer carries confidences that decide holds, and the same message should read the same.
    model_temperature: float = Field(default=0.1, ge=0.0, le=2.0, alias="AFTERGLOW_MODEL_TEMPERATURE")
    model_timeout_s: float = Field(default=10.0, gt=0, le=120, alias="AFTERGLOW_MODEL_TIMEOUT")


class Settings(ModelSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Environment = Field(default="local", alias="AFTERGLOW_ENV")
    database_url: str = Field(default="sqlite:///./var/afterglow.db", alias="DATABASE_URL")
    twilio_account_sid: str | None = Field(default=None, alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str | None = Field(default=None, alias="TWILIO_AUTH_TOKEN")
    public_base_url: str = Field(default="http://127.0.0.1:8000", alias="PUBLIC_BASE_URL")
    # Optional: send through a Messaging Service (sender pool, Advanced Opt-Out); From stays the clinic number.
    twilio_messaging_service_sid: str | None = Field(default=None, alias="TWILIO_MESSAGING_SERVICE_SID")
    # Tests only: point the SDK at a loopback fake of the Twilio REST API (refused in production).
    twilio_api_base: str | None = Field(default=None, alias="TWILIO_API_BASE")
    twilio_timeout_s: float = Field(default=15.0, gt=0, le=60, alias="AFTERGLOW_TWILIO_TIMEOUT")
    # A worker that holds a send (or an inbound turn) longer than this is presumed dead.
    outbox_lease_s: float = Field(default=120.0, gt=0, alias="AFTERGLOW_OUTBOX_LEASE")
    # An ambiguous send is reconciled against Twilio's message list after this long, never resent blindly.
    outbox_reconcile_after_s: float = Field(default=30.0, ge=0, alias="AFTERGLOW_OUTBOX_RECONCILE_AFTER")
    inbound_lease_s: float = Field(default=300.0, gt=0, alias="AFTERGLOW_INBOUND_LEASE")
    secret_key: str = Field(default=INSECURE_SECRET, alias="AFTERGLOW_SECRET_KEY", repr=False)
    # The API process also runs the worker loop (touches, outbox). Off when workers run separately.
    inprocess_worker: bool = Field(default=True, alias="AFTERGLOW_INPROCESS_WORKER")
    worker_interval_s: float = Field(default=1.0, gt=0, alias="AFTERGLOW_WORKER_INTERVAL")
    demo_api_key: str = Field(default="demo-glow-api-key", alias="AFTERGLOW_DEMO_API_KEY")
    # /dev (unauthenticated transcripts and a fake inbound texter): unset means on only in local mode
    # with no Twilio credential at all; true is refused in production and with live credentials.
    dev_routes: bool | None = Field(default=None, alias="AFTERGLOW_DEV_ROUTES")
    # SQLite: how long a write waits for another writer (a CSV import batch, a worker's turn).
    sqlite_busy_timeout_s: float = Field(default=30.0, gt=0, le=600, alias="AFTERGLOW_SQLITE_BUSY_TIMEOUT")
    # The inbound webhook waits this long for the database, then spools the text and answers 200 anyway.
    webhook_lock_wait_s: float = Field(default=1.0, gt=0, le=10, alias="AFTERGLOW_WEBHOOK_LOCK_WAIT")
    # Where those texts wait (append-only, drained into the inbound queue by the API process).
    spool_dir: Path = Field(default=Path("var/spool"), alias="AFTERGLOW_SPOOL_DIR")

    @property
    def dry_run(self) -> bool:
        """No Twilio credentials: outbound texts are recorded, nothing leaves the machine."""
        return not (self.twilio_account_sid and self.twilio_auth_token)

    @property
    def demo_allowed(self) -> bool:
        """The demo clinic, its public logins and its public API key: local mode without live sending."""
        return self.environment == "local" and self.dry_run

    @property
    def dev_routes_enabled(self) -> bool:
        if self.dev_routes is not None:
            return self.dev_routes  # true was checked below: never in production, never live
        return self.environment == "local" and not (self.twilio_account_sid or self.twilio_auth_token)

    @model_validator(mode="after")
    def _no_placeholders_in_production(self) -> Settings:
        # Messages name the variable, never its value (they reach the terminal and the logs).
        if self.dev_routes and self.environment == "production":
            raise ValueError("AFTERGLOW_DEV_ROUTES must not be on in production")
        if self.dev_routes and not self.dry_run:
            raise ValueError("AFTERGLOW_DEV_ROUTES must not be on with live Twilio credentials")
        if self.environment == "production" and self.secret_key == INSECURE_SECRET:
            raise ValueError("AFTERGLOW_SECRET_KEY must be set in production")
        if self.environment == "production" and self.twilio_api_base:
            raise ValueError("TWILIO_API_BASE is a test override and must not be set in production")
        if self.environment == "production" and not self.dry_run and not self.public_base_url.startswith("https://"):
            raise ValueError("PUBLIC_BASE_URL must be the https URL Twilio calls (webhook signatures depend on it)")
        return self


def load_settings(**values: object) -> Settings:
    """Settings from the environment (values override it), or ConfigError saying what is wrong."""
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    """One line: each offending variable and what it should be. Pydantic's own text quotes the input (a
    secret's tail, a database password), so only the location and message of each error are kept."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False, include_context=False):
        name = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{name}: {message}" if name else message)
    return "invalid configuration: " + "; ".join(problems)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
