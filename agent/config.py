"""Runtime settings from the environment (and an optional .env file)."""
from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    environment: str = Field(default="local", alias="AFTERGLOW_ENV")  # local | production
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
    secret_key: str = Field(default="dev-insecure-secret", alias="AFTERGLOW_SECRET_KEY")
    # The API process also runs the worker loop (touches, outbox). Off when workers run separately.
    inprocess_worker: bool = Field(default=True, alias="AFTERGLOW_INPROCESS_WORKER")
    worker_interval_s: float = Field(default=1.0, gt=0, alias="AFTERGLOW_WORKER_INTERVAL")
    demo_api_key: str = Field(default="demo-glow-api-key", alias="AFTERGLOW_DEMO_API_KEY")

    @property
    def dry_run(self) -> bool:
        """No Twilio credentials: outbound texts are recorded, nothing leaves the machine."""
        return not (self.twilio_account_sid and self.twilio_auth_token)

    @model_validator(mode="after")
    def _no_placeholders_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key == "dev-insecure-secret":
            raise ValueError("AFTERGLOW_SECRET_KEY must be set in production")
        if self.environment == "production" and self.twilio_api_base:
            raise ValueError("TWILIO_API_BASE is a test override and must not be set in production")
        if self.environment == "production" and not self.dry_run and not self.public_base_url.startswith("https://"):
            raise ValueError("PUBLIC_BASE_URL must be the https URL Twilio calls (webhook signatures depend on it)")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
