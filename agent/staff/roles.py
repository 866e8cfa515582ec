"""Roles and what each may do. One table, read by the console and the JSON API alike.

| permission            | front_desk | clinical | manager | admin |
|-----------------------|:----------:|:--------:|:-------:|:-----:|
| view (inbox, queue, referrals, conversations, dashboard) | x | x | x | x |
| decide drafts (approve, edit, reject)                     | x | x | x | x |
| override the PHI guard on a staff text (audited)          |   | x | x | x |
| update referral status                                    | x |   | x | x |
| take over a handoff a colleague claimed                   |   |   | x | x |
| read the audit log                                        |   |   | x | x |
| manage staff accounts and personal API keys               |   |   |   | x |
| set up clinics: settings, on-call numbers, a new clinic   |   |   |   | x |

Handoff queues a role may claim, reply in and resolve:
front_desk -> front_desk; clinical -> clinical, front_desk; manager and admin -> every queue.
Once claimed, a handoff is its claimer's alone: a colleague may not reply in it or resolve it; a manager or
admin takes it over first (a claim, audited with whom it was taken from).
Everyone may *see* every handoff of their own clinic (an urgent one must be impossible to miss).
"""
from __future__ import annotations

from enum import StrEnum

from agent.types import Queue, StaffRole

__all__ = ["PERMISSIONS", "QUEUES", "Permission", "StaffRole"]


class Permission(StrEnum):
    VIEW = "view"
    DECIDE_DRAFTS = "decide_drafts"
    OVERRIDE_PHI = "override_phi"
    UPDATE_REFERRALS = "update_referrals"
    TAKE_OVER_HANDOFFS = "take_over_handoffs"
    VIEW_AUDIT = "view_audit"
    MANAGE_STAFF = "manage_staff"
    MANAGE_CLINIC = "manage_clinic"


_ALL = frozenset(Permission)

PERMISSIONS: dict[StaffRole, frozenset[Permission]] = {
    StaffRole.FRONT_DESK: frozenset({Permission.VIEW, Permission.DECIDE_DRAFTS, Permission.UPDATE_REFERRALS}),
    StaffRole.CLINICAL: frozenset({Permission.VIEW, Permission.DECIDE_DRAFTS, Permission.OVERRIDE_PHI}),
    StaffRole.MANAGER: _ALL - {Permission.MANAGE_STAFF, Permission.MANAGE_CLINIC},
    StaffRole.ADMIN: _ALL,
}

QUEUES: dict[StaffRole, frozenset[Queue]] = {
    StaffRole.FRONT_DESK: frozenset({Queue.FRONT_DESK}),
    StaffRole.CLINICAL: frozenset({Queue.CLINICAL, Queue.FRONT_DESK}),
    StaffRole.MANAGER: frozenset(Queue),
    StaffRole.ADMIN: frozenset(Queue),
}


def can(role: StaffRole | None, permission: Permission) -> bool:
    return role is not None and permission in PERMISSIONS[role]


def can_work(role: StaffRole | None, queue: Queue) -> bool:
    """May this role claim, reply in and resolve a handoff of `queue`?"""
    return role is not None and queue in QUEUES[role]
