"""`afterglow chat`: text the agent as a patient of the demo clinic, in the terminal or as JSON lines."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from sqlmodel import SQLModel

from agent.brains.factory import build_brain
from agent.clock import SystemClock
from agent.config import ModelSettings
from agent.demo import add_patient_with_visit, ensure_demo_clinic
from agent.engine.outbox import drain_dry_run
from agent.engine.result import TurnResult
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.policy.loader import default_policies
from agent.prompts import default_prompts
from agent.store.db import make_engine, session_scope
from agent.types import Disposition, VisitType


@dataclass
class ChatSetup:
    first_name: str = "Maya"
    visit_type: VisitType = VisitType.NEUROMODULATOR
    days: int = 14
    touch: str | None = "results_checkin"
    marketing_consent: bool = True
    treatment: str = "Botox forehead"
    database_url: str = "sqlite://"  # in memory: a chat leaves nothing behind unless asked to
    model: str = "offline"  # offline | provider:model (agent.brains.factory)
    model_base_url: str | None = None  # an OpenAI-compatible server
    model_settings: ModelSettings | None = None  # the model's bounds (default: from the environment)


class ChatSession:
    def __init__(self, setup: ChatSetup, agent_factory=Agent) -> None:  # noqa: ANN001
        self.setup = setup
        db = make_engine(setup.database_url)
        SQLModel.metadata.create_all(db)
        settings = setup.model_settings or ModelSettings()
        if setup.model_base_url:
            settings = settings.model_copy(update={"model_base_url": setup.model_base_url})
        brain = build_brain(settings, spec=setup.model, policies=default_policies(), prompts=default_prompts())
        self.agent = agent_factory(db, clock=SystemClock(), **({"brain": brain} if brain else {}))
        now = self.agent.clock.now()
        with session_scope(db) as session:
            clinic = ensure_demo_clinic(session, now)
            patient, _ = add_patient_with_visit(
                session, clinic, now, first_name=setup.first_name, phone=_chat_phone(session),
                visit_type=setup.visit_type, days_ago=setup.days, treatment=setup.treatment,
                marketing_consent=setup.marketing_consent)
            self.patient_id = patient.id

    def open(self) -> TurnResult | None:
        if not self.setup.touch:
            return None
        return self._drained(send_touch(self.agent, self.patient_id, self.setup.touch))

    def say(self, text: str) -> TurnResult:
        return self._drained(self.agent.handle_inbound(self.patient_id, text))

    def _drained(self, result: TurnResult) -> TurnResult:
        with session_scope(self.agent.db) as session:
            drain_dry_run(session, self.agent.clock.now())
        return result


def _chat_phone(session) -> str:  # noqa: ANN001
    from sqlmodel import func, select

    from agent.store.models import Patient

    count = session.exec(select(func.count()).select_from(Patient)).one()
    return f"+1415555{1000 + count:04d}"


def run_json(chat: ChatSession, lines: Iterable[str], out: TextIO) -> None:
    """One patient message per input line; one JSON object per turn (the opening touch first)."""
    opened = chat.open()
    if opened is not None:
        out.write(json.dumps({"input": None, "touch": chat.setup.touch, **opened.as_json()}) + "\n")
    for line in lines:
        text = line.rstrip("\n")
        if not text.strip():
            continue
        out.write(json.dumps({"input": text, **chat.say(text).as_json()}) + "\n")
        out.flush()


def describe(result: TurnResult) -> list[str]:
    """Human-readable lines for one turn (terminal mode)."""
    lines = []
    if result.intents:
        lines.append("  intents:  " + ", ".join(f"{s.intent.value} {s.confidence:.2f}" for s in result.intents))
    for tool in result.tools:
        status = "ok" if tool["ok"] else f"refused: {tool['error']}"
        lines.append(f"  tool:     {tool['name']}({', '.join(f'{k}={v}' for k, v in tool['args'].items())}) {status}")
    for handoff in result.handoffs:
        lines.append(f"  handoff:  {handoff['queue']} / {handoff['priority']} (thread goes to a person)")
    for reply in result.replies:
        for verdict in reply.verdicts:
            lines.append(f"  guard:    {verdict['policy']} tripped: {verdict.get('reason', '')}")
        label = {Disposition.SEND: "agent", Disposition.REPAIR: "agent (repaired)", Disposition.HOLD: "HELD for staff",
                 Disposition.BLOCK: "BLOCKED"}
        tag = label.get(reply.disposition, reply.disposition.value)
        extra = f"  [asks: {', '.join(reply.asks) or 'none'}; {reply.segments} segment(s)]"
        lines.append(f"{tag}> {reply.body}{extra}" if reply.body else f"{tag}>")
    if result.fell_back:
        lines.append("  model:    failed; the offline brain answered this turn")
    if not result.replies:
        lines.append("  (no reply: " + ("duplicate" if result.duplicate else "silent by policy") + ")")
    return lines
