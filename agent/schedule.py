"""Local-time arithmetic for touches: "day 14 at 11:00" means the clinic's day and hour, not UTC's."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agent.policy.schema import ClinicSettings, TimingPolicy
from agent.types import VisitType


def local_moment(moment: datetime, hour: int, timezone: str, *, days_later: int = 0) -> datetime:
    """`hour`:00 local, `days_later` local days after the local date of `moment`, as aware UTC.
    Calendar days, not 24-hour steps, so a daylight-saving change never shifts a touch's day."""
    tz = ZoneInfo(timezone)
    day = moment.astimezone(tz).date() + timedelta(days=days_later)
    return datetime.combine(day, time(hour), tz).astimezone(UTC)


def due_times(visit_type: VisitType, occurred_at: datetime, timezone: str,
              timing: TimingPolicy) -> list[tuple[str, datetime]]:
    """(touch name, due UTC) for every touch of a visit type, from the visit's local date."""
    return [(spec.name, local_moment(occurred_at, spec.hour, timezone, days_later=spec.day))
            for spec in timing.visit_types[visit_type].touches]


def in_quiet_hours(moment: datetime, timezone: str, settings: ClinicSettings) -> bool:
    hour = moment.astimezone(ZoneInfo(timezone)).hour
    start, end = settings.quiet_start, settings.quiet_end  # quiet from `start` until `end`, e.g. 20 -> 9
    if start > end:
        return hour >= start or hour < end
    return start <= hour < end


def next_allowed(moment: datetime, timezone: str, settings: ClinicSettings) -> datetime:
    """The first moment at or after `moment` outside quiet hours (top of the hour quiet hours end)."""
    if not in_quiet_hours(moment, timezone, settings):
        return moment
    candidate = local_moment(moment, settings.quiet_end, timezone)
    if candidate <= moment:
        candidate = local_moment(moment, settings.quiet_end, timezone, days_later=1)
    return candidate
