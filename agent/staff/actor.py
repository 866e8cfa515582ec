"""Who is acting: a staff member (console session or personal API key) or a clinic's read-only API key."""
from __future__ import annotations

from dataclasses import dataclass

from agent.staff.roles import PERMISSIONS, QUEUES, Permission, StaffRole, can, can_work
from agent.types import Queue


class NotFound(LookupError):
    """No such record in the caller's clinic (another clinic's record looks exactly like a missing one)."""


class Forbidden(PermissionError):
    """The caller's role may not do this."""


class Conflict(ValueError):
    """The record is not in a state that allows this (already decided, resolved, claimed by someone else)."""


@dataclass(frozen=True)
class Actor:
    clinic_id: int
    staff_id: int | None  # None: the clinic's integration key, which may only read
    role: StaffRole | None
    name: str
    via: str  # "session" | "staff_key" | "clinic_key"

    @property
    def label(self) -> str:
        """The audit log's actor: "staff:<id>" or "clinic_key:<clinic id>"."""
        return f"staff:{self.staff_id}" if self.staff_id is not None else f"clinic_key:{self.clinic_id}"

    def can(self, permission: Permission) -> bool:
        if self.staff_id is None:
            return permission == Permission.VIEW
        return can(self.role, permission)

    def can_work(self, queue: Queue) -> bool:
        return self.staff_id is not None and can_work(self.role, queue)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Forbidden(self._no(permission.value.replace("_", " ")))

    def require_queue(self, queue: Queue) -> None:
        if not self.can_work(queue):
            raise Forbidden(self._no(f"work the {queue.value.replace('_', ' ')} queue"))

    def _no(self, what: str) -> str:
        if self.staff_id is None:
            return "the clinic API key is read-only; act with a staff login or a staff API key"
        return f"a {self.role.value.replace('_', ' ')} account may not {what}"

    @property
    def permissions(self) -> list[str]:
        if self.staff_id is None:
            return [Permission.VIEW.value]
        return sorted(p.value for p in PERMISSIONS[self.role])

    @property
    def queues(self) -> list[Queue]:
        if self.staff_id is None:
            return []
        return sorted(QUEUES[self.role])
