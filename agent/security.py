"""Per-clinic API keys: only a SHA-256 digest is stored; the key itself is shown once."""
from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session, select

from agent.store.models import Clinic

KEY_PREFIX = "ag_"


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def set_api_key(clinic: Clinic, key: str | None = None) -> str:
    key = key or new_api_key()
    clinic.api_key_hash = digest(key)
    return key


def clinic_for_key(session: Session, key: str) -> Clinic | None:
    if not key:
        return None
    return session.exec(select(Clinic).where(Clinic.api_key_hash == digest(key))).first()
