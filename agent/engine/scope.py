"""The one place a turn's `ToolScope` is built, with what the engine does on a tool's behalf: tools sit below
the engine, so the urgent alert and the opt-out reach them as callbacks instead of imports."""
from __future__ import annotations

from agent.engine.alerts import alert_opened
from agent.engine.consent import apply_opt_out
from agent.engine.situation import Situation
from agent.store.models import Handoff
from agent.tools import ToolScope


def tool_scope(sit: Situation, *, share_open_handoffs: bool = True) -> ToolScope:
    """This patient's scope. `share_open_handoffs`: tools look in (and add to) the situation's open
    handoffs instead of querying; off where the caller has not read them."""
    return ToolScope(session=sit.session, clinic=sit.clinic, patient=sit.patient, conversation=sit.conversation,
                     visit=sit.visit, now=sit.now, days_since_visit=sit.days_since_visit,
                     alert_urgent=_alert_urgent, opt_out=_opt_out,
                     open_handoffs=sit.open_handoffs() if share_open_handoffs else None)


def _alert_urgent(scope: ToolScope, handoff: Handoff) -> None:
    alert_opened(scope.session, scope.clinic, handoff, scope.now)


def _opt_out(scope: ToolScope) -> None:
    apply_opt_out(scope.session, scope.patient, scope.conversation, scope.now, actor="agent")
