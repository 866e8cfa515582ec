"""Staff accounts, console sessions, CSRF tokens, login throttling and personal API keys."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, func, select

from agent.security import digest
from agent.staff.passwords import hash_password, verify_password
from agent.staff.strength import check_password
from agent.staff.roles import StaffRole
from agent.store.models import AuditEvent, Clinic
from agent.store.staff_models import LoginAttempt, Staff, StaffSession, normalise_email
from agent.staff.schemas import StaffCreate

SESSION_ABSOLUTE = timedelta(hours=12)  # a shift; then log in again
SESSION_IDLE = timedelta(hours=2)  # no page view for this long ends the session (polling does not count)
SEEN_RESOLUTION = timedelta(minutes=1)  # last_seen_at is written at most once a minute per session
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 30
STAFF_KEY_PREFIX = "ags_"


class AccountError(ValueError):
    """An account cannot be created or changed as asked (duplicate email, unknown clinic)."""


class Throttled(Exception):
    """Too many failed logins recently; try again later."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__("too many failed logins")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Login:
    staff: Staff
    token: str  # goes in the cookie; only its digest is stored


def audit(session: Session, clinic_id: int | None, actor: str, action: str, subject_type: str,
          subject_id: int | None, now: datetime, **data: object) -> None:
    """Every staff action lands here. `data` holds ids, enums and counts only (PHI-free)."""
    session.add(AuditEvent(clinic_id=clinic_id, actor=actor, action=action, subject_type=subject_type,
                           subject_id=subject_id, data=data, created_at=now))


# ------------------------------------------------------------------ accounts


def create_staff(session: Session, clinic_id: int, payload: StaffCreate, now: datetime, *,
                 actor: str = "system") -> Staff:
    if session.get(Clinic, clinic_id) is None:
        raise AccountError(f"no clinic {clinic_id}")
    email = normalise_email(payload.email)
    if session.exec(select(Staff.id).where(Staff.email == email)).first() is not None:
        raise AccountError("an account with this email already exists")
    staff = Staff(clinic_id=clinic_id, email=email, name=payload.name.strip(), role=payload.role,
                  password_hash=_strong_hash(payload.password, email, payload.name), created_at=now)
    session.add(staff)
    session.flush()
    audit(session, clinic_id, actor, "staff.created", "staff", staff.id, now, role=staff.role.value)
    return staff


def set_active(session: Session, staff: Staff, active: bool, now: datetime, *, actor: str) -> None:
    staff.active = active
    if not active:
        revoke_all(session, staff, now)
        staff.api_key_hash = None
    audit(session, staff.clinic_id, actor, "staff.activated" if active else "staff.deactivated", "staff",
          staff.id, now)


def issue_api_key(session: Session, staff: Staff, now: datetime, *, actor: str) -> str:
    """A personal key for the JSON API (replaces the previous one; shown once)."""
    key = STAFF_KEY_PREFIX + secrets.token_urlsafe(32)
    staff.api_key_hash = digest(key)
    audit(session, staff.clinic_id, actor, "staff.api_key_issued", "staff", staff.id, now)
    return key


def staff_for_key(session: Session, key: str) -> Staff | None:
    if not key.startswith(STAFF_KEY_PREFIX):
        return None
    staff = session.exec(select(Staff).where(Staff.api_key_hash == digest(key))).first()
    return staff if staff is not None and staff.active else None


# ------------------------------------------------------------------ login and throttling


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def check_throttle(session: Session, email: str, ip: str, now: datetime) -> None:
    since = now - THROTTLE_WINDOW
    failed = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.succeeded == False, LoginAttempt.created_at >= since)  # noqa: E712
    by_email = session.exec(failed.where(LoginAttempt.email_digest == _digest(email))).one()
    by_ip = session.exec(failed.where(LoginAttempt.ip_digest == _digest(ip))).one()
    if by_email >= MAX_FAILURES_PER_EMAIL or by_ip >= MAX_FAILURES_PER_IP:
        raise Throttled(int(THROTTLE_WINDOW.total_seconds()))


def authenticate(session: Session, email: str, password: str, ip: str, now: datetime) -> Login | None:
    """Check the password (throttled per email and per client address) and open a session.
    Raises Throttled; returns None on a wrong email or password (the caller cannot tell which)."""
    email = email.strip().lower()
    check_throttle(session, email, ip, now)
    staff = session.exec(select(Staff).where(Staff.email == email)).first()
    ok, new_hash = verify_password(password, staff.password_hash if staff else None)
    ok = ok and staff is not None and staff.active
    session.add(LoginAttempt(email_digest=_digest(email), ip_digest=_digest(ip), succeeded=ok, created_at=now))
    if not ok:
        audit(session, staff.clinic_id if staff else None, "anonymous", "staff.login_failed", "staff",
              staff.id if staff else None, now)
        return None
    if new_hash:
        staff.password_hash = new_hash
    staff.last_login_at = now
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(staff_id=staff.id, clinic_id=staff.clinic_id, token_hash=_digest(token), created_at=now,
                             last_seen_at=now, expires_at=now + SESSION_ABSOLUTE))
    audit(session, staff.clinic_id, f"staff:{staff.id}", "staff.login", "staff", staff.id, now)
    return Login(staff, token)


def _strong_hash(password: str, email: str, name: str) -> str:
    """Checked here as well as in StaffCreate: this is where every password becomes an account's."""
    check_password(password, user_inputs=[email, name])
    return hash_password(password)


def change_password(session: Session, staff: Staff, password: str, now: datetime, *, actor: str,
                    keep_token: str | None = None) -> None:
    """Set a new password (strength-checked) and end every console session but `keep_token`'s."""
    staff.password_hash = _strong_hash(password, staff.email, staff.name)
    revoke_all(session, staff, now, keep_token=keep_token)
    audit(session, staff.clinic_id, actor, "staff.password_changed", "staff", staff.id, now)


def change_own_password(session: Session, staff: Staff, current: str, new: str, ip: str, now: datetime, *,
                        keep_token: str | None = None) -> bool:
    """A staff member's own change: False when `current` is wrong. Wrong guesses count as failed logins
    (an unattended console must not become a way to guess the password). Raises Throttled, WeakPassword."""
    check_password(new, user_inputs=[staff.email, staff.name])  # first: a refusal here reveals nothing
    check_throttle(session, staff.email, ip, now)
    ok, _ = verify_password(current, staff.password_hash)
    session.add(LoginAttempt(email_digest=_digest(staff.email), ip_digest=_digest(ip), succeeded=ok, created_at=now))
    if not ok:
        audit(session, staff.clinic_id, f"staff:{staff.id}", "staff.password_change_refused", "staff", staff.id, now)
        return False
    change_password(session, staff, new, now, actor=f"staff:{staff.id}", keep_token=keep_token)
    return True


# ------------------------------------------------------------------ sessions and CSRF


def session_for_token(session: Session, token: str, now: datetime, *,
                      touch: bool = True) -> tuple[StaffSession, Staff] | None:
    """The live session behind a cookie, or None (unknown, revoked, expired, idle or account disabled).
    `touch=False` for background polling, which must not keep an idle console logged in."""
    if not token:
        return None
    row = session.exec(select(StaffSession).where(StaffSession.token_hash == _digest(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    if _aware(row.expires_at) <= now or _aware(row.last_seen_at) + SESSION_IDLE <= now:
        return None
    staff = session.get(Staff, row.staff_id)
    if staff is None or not staff.active:
        return None
    if touch and now - _aware(row.last_seen_at) >= SEEN_RESOLUTION:
        row.last_seen_at = now
        session.commit()
    return row, staff


def logout(session: Session, row: StaffSession, now: datetime) -> None:
    row.revoked_at = now
    audit(session, row.clinic_id, f"staff:{row.staff_id}", "staff.logout", "staff", row.staff_id, now)


def revoke_all(session: Session, staff: Staff, now: datetime, *, keep_token: str | None = None) -> None:
    keep = _digest(keep_token) if keep_token else None
    for row in session.exec(select(StaffSession).where(StaffSession.staff_id == staff.id,
                                                       StaffSession.revoked_at == None)):  # noqa: E711
        if row.token_hash != keep:
            row.revoked_at = now


def csrf_token(secret_key: str, session_token: str) -> str:
    """Bound to the session (HMAC of its token): nothing to store, useless with any other session."""
    return hmac.new(secret_key.encode("utf-8"), b"csrf:" + session_token.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_ok(secret_key: str, session_token: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(secret_key, session_token), presented or "")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


__all__ = ["AccountError", "Throttled", "Login", "StaffRole", "audit", "create_staff", "set_active", "issue_api_key",
           "staff_for_key", "authenticate", "change_password", "change_own_password", "session_for_token", "logout",
           "revoke_all", "csrf_token", "csrf_ok", "check_throttle"]
