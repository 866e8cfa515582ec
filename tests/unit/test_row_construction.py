"""Row's constructor leaves a table row exactly as SQLModel's own would: the same attributes in the same
order, the same pydantic bookkeeping, the same SQLAlchemy history, and the same row once flushed."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel
from sqlmodel._compat import sqlmodel_init

from agent.store import columns, models
from agent.store.db import make_engine
from agent.types import DeliveryStatus, Direction, Disposition, MessageKind, Priority, Queue, VisitType

NOW = datetime(2026, 3, 10, 18, tzinfo=UTC)
TABLES = sorted((c for c in models.Row.__subclasses__() if hasattr(c, "__table__")), key=lambda c: c.__name__)


def _cases() -> list[tuple[type, dict]]:
    given = {
        models.Message: dict(clinic_id=1, conversation_id=2, patient_id=3, direction=Direction.INBOUND,
                             kind=MessageKind.PATIENT, body="hi", twilio_sid=None,
                             delivery_status=DeliveryStatus.RECEIVED, created_at=NOW),
        models.Turn: dict(clinic_id=1, conversation_id=2, brain="offline", disposition=Disposition.SILENT, created_at=NOW),
        models.Handoff: dict(clinic_id=1, conversation_id=2, patient_id=3, queue=Queue.FRONT_DESK,
                             priority=Priority.NORMAL, reason="referral", summary="s", context={"a": 1}),
        models.Visit: dict(clinic_id=1, patient_id=3, visit_type=VisitType.NEUROMODULATOR, occurred_at=NOW),
        models.AuditEvent: dict(clinic_id=1, actor="agent", action="x", subject_type="turn", subject_id=4,
                                data={"n": 1}, created_at=NOW),
    }
    return [(table, {}) for table in TABLES] + list(given.items())


def _sqlmodels(monkeypatch: pytest.MonkeyPatch, table: type, values: dict) -> object:
    with monkeypatch.context() as patch:
        patch.setattr(columns, "_construct", lambda row, data: sqlmodel_init(self=row, data=data))
        return table(**dict(values))


def _view(row: object) -> dict:
    state = sa.inspect(row)
    return {
        "dict": [(k, v) for k, v in row.__dict__.items() if k != "_sa_instance_state" and k not in ("created_at",
                                                                                                   "updated_at",
                                                                                                   "available_at")],
        "stamped": sorted(k for k in ("created_at", "updated_at", "available_at") if k in row.__dict__),
        "fields_set": row.__pydantic_fields_set__, "extra": row.__pydantic_extra__,
        "private": row.__pydantic_private__, "committed": sorted(state.committed_state),
        "modified": state.modified,
        "history": {a.key: (list(a.history.added), list(a.history.deleted)) for a in state.attrs
                    if a.key not in ("created_at", "updated_at", "available_at")},
    }


def test_every_table_is_a_row():
    assert len(TABLES) >= 13
    assert {t.__tablename__ for t in TABLES} >= {"message", "turn", "handoff", "outboxjob", "auditevent"}


@pytest.mark.parametrize(("table", "values"), _cases(), ids=lambda x: getattr(x, "__name__", None) or "given")
def test_a_row_is_built_as_sqlmodel_builds_it(monkeypatch, table, values):
    ours, theirs = table(**dict(values)), _sqlmodels(monkeypatch, table, values)
    assert _view(ours) == _view(theirs)
    for key in ("intents", "asks", "verdicts", "tool_calls", "settings", "hours", "last_asks", "context", "data"):
        if key in ours.__dict__ and key not in values:
            assert getattr(ours, key) is not getattr(theirs, key)  # a fresh container each
            assert getattr(ours, key) is not getattr(table(**dict(values)), key)


def test_relationships_and_the_flushed_rows_match(monkeypatch, tmp_path):
    db = make_engine(f"sqlite:///{tmp_path}/rows.db")
    SQLModel.metadata.create_all(db)
    with Session(db) as session:
        clinic = models.Clinic(name="C", phone="+14155550100", created_at=NOW)
        session.add(clinic)
        session.flush()
        patient = models.Patient(clinic_id=clinic.id, phone="+14155550101", first_name="Maya", created_at=NOW)
        session.add(patient)
        session.flush()
        conversation = models.Conversation(clinic_id=clinic.id, patient_id=patient.id, created_at=NOW, updated_at=NOW)
        session.add(conversation)
        session.flush()
        rows = []
        for build in (lambda **kw: models.Turn(**kw), lambda **kw: _sqlmodels(monkeypatch, models.Turn, kw)):
            turn = build(clinic_id=clinic.id, conversation_id=conversation.id, brain="b", disposition=Disposition.SEND,
                         created_at=NOW)
            message = models.Message(clinic_id=clinic.id, conversation_id=conversation.id, patient_id=patient.id,
                                     direction=Direction.OUTBOUND, kind=MessageKind.REPLY, body="hello", turn=turn,
                                     created_at=NOW)
            job = models.OutboxJob(clinic_id=clinic.id, message=message, conversation_id=conversation.id,
                                   available_at=NOW, created_at=NOW)
            session.add_all((turn, message, job))
            session.flush()
            assert message.turn_id == turn.id and job.message_id == message.id
            rows.append({k: v for k, v in message.model_dump().items() if k not in ("id", "turn_id")})
        assert rows[0] == rows[1]
