"""A clinic's webhook endpoint: set, read (never its secret) and switched off by an admin, audited."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlmodel import Session, select

from agent.store.models import AuditEvent
from agent.store.referral_models import WebhookEndpoint

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    url: str = Field(min_length=10, max_length=500)
    secret: str = Field(min_length=16, max_length=128, description="shared with the receiver; signs every delivery")

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        # Events go over the internet: https only (plain http to this machine, for a local receiver).
        parts = urlsplit(value)
        if not parts.hostname or parts.username or parts.password:
            raise ValueError("an https address with a host and no credentials in it")
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS):
            raise ValueError("an https address with a host and no credentials in it")
        return value


def endpoint_of(session: Session, clinic_id: int) -> WebhookEndpoint | None:
    return session.exec(select(WebhookEndpoint).where(WebhookEndpoint.clinic_id == clinic_id)).first()


def set_endpoint(session: Session, clinic_id: int, data: EndpointIn, now: datetime, actor: str) -> WebhookEndpoint:
    endpoint = endpoint_of(session, clinic_id)
    if endpoint is None:
        endpoint = WebhookEndpoint(clinic_id=clinic_id, url=data.url, secret=data.secret, created_at=now, updated_at=now)
        session.add(endpoint)
    else:
        endpoint.url, endpoint.secret, endpoint.active, endpoint.updated_at = data.url, data.secret, True, now
    session.flush()
    # The host only: a path can carry a token of the receiver's.
    _audit(session, clinic_id, actor, "webhook.configured", endpoint.id, now, host=urlsplit(data.url).hostname)
    return endpoint


def switch_off(session: Session, clinic_id: int, now: datetime, actor: str) -> WebhookEndpoint | None:
    endpoint = endpoint_of(session, clinic_id)
    if endpoint is not None and endpoint.active:
        endpoint.active, endpoint.updated_at = False, now
        _audit(session, clinic_id, actor, "webhook.switched_off", endpoint.id, now)
    return endpoint


def _audit(session: Session, clinic_id: int, actor: str, action: str, endpoint_id: int, now: datetime,
           **data: object) -> None:
    session.add(AuditEvent(clinic_id=clinic_id, actor=actor, action=action, subject_type="webhook_endpoint",
                           subject_id=endpoint_id, data=data, created_at=now))
