"""Password hashing: argon2id through pwdlib (the hash string carries its own parameters)."""
from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))
_dummy: str | None = None


def use_hasher(hasher: PasswordHash) -> None:
    """Swap the hasher (tests use cheap argon2 parameters; existing hashes keep verifying)."""
    global _hasher, _dummy
    _hasher, _dummy = hasher, None


def _dummy_hash() -> str:
    """Verified against when no account matches, so a wrong email costs as long as a wrong password."""
    global _dummy
    if _dummy is None:
        _dummy = _hasher.hash("afterglow-timing-equaliser")
    return _dummy


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """(matches, a re-hash when the stored parameters are outdated)."""
    if not password_hash:
        _hasher.verify(password, _dummy_hash())
        return False, None
    try:
        return _hasher.verify_and_update(password, password_hash)
    except Exception:  # noqa: BLE001 - a malformed stored hash is a failed login, never a 500
        return False, None
