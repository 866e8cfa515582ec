"""Runtime settings from the environment (and an optional .env file)."""
from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: str = Field(default="local", alias="AFTERGLOW_ENV")  # local | production
    database_url: str = Field(default="sqlite:///./var/afterglow.db", alias="DATABASE_URL")
    model: str = Field(default="offline", alias="AFTERGLOW_MODEL")  # offline | provider:model
    model_base_url: str | None = Field(default=None, alias="AFTERGLOW_MODEL_BASE_URL")
    twilio_account_sid: str | None = Field(default=None, alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str | None = Field(default=None, alias="TWILIO_AUTH_TOKEN")
    public_base_url: str = Field(default="http://127.0.0.1:8000", alias="PUBLIC_BASE_URL")
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
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
