"""Console and staff API fixtures: the real app over a SQLite file, a fixed clock, two clinics and their staff."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from agent.clock import FixedClock
from agent.config import Settings
from agent.demo import add_patient_with_visit, ensure_demo_clinic
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.security import set_api_key
from agent.staff.accounts import create_staff
from agent.store.db import make_engine, session_scope
from agent.store.models import AuditEvent
from agent.staff.schemas import StaffCreate
from agent.types import VisitType
from api.app import create_app
from tests.conftest import START

PASSWORD = "correct-horse-battery"
CLINIC_B_PHONE = "+13105550100"


@dataclass
class Env:
    app: object
    agent: Agent
    clock: FixedClock
    clinics: dict[str, int] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    phones: int = 0

    @property
    def engine(self):  # noqa: ANN201
        return self.agent.db

    def patient(self, clinic: str = "a", *, first_name: str = "Maya", treatment: str = "Botox forehead",
                marketing_consent: bool = True, touch: bool = True) -> int:
        self.phones += 1
        with session_scope(self.engine) as session:
            phone = CLINIC_B_PHONE if clinic == "b" else "+14155550100"
            owner = ensure_demo_clinic(session, self.clock.now(), phone=phone,
                                       name="Glow Aesthetics" if clinic == "a" else "Luma Skin")
            patient, _ = add_patient_with_visit(session, owner, self.clock.now(), first_name=first_name,
                                                phone=f"+1415555{4000 + self.phones:04d}",
                                                visit_type=VisitType.NEUROMODULATOR, days_ago=14,
                                                treatment=treatment, provider="Dr. Rivera",
                                                marketing_consent=marketing_consent)
            patient_id = patient.id
        if touch:
            send_touch(self.agent, patient_id, "results_checkin")
        return patient_id

    def says(self, patient_id: int, text: str):  # noqa: ANN201
        return self.agent.handle_inbound(patient_id, text)

    def audit(self, action: str | None = None) -> list[AuditEvent]:
        with Session(self.engine) as session:
            query = select(AuditEvent).order_by(AuditEvent.id)
            if action:
                query = query.where(AuditEvent.action == action)
            return list(session.exec(query))


@pytest.fixture
def env(tmp_path) -> Iterator[Env]:  # noqa: ANN001
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path}/console.db", AFTERGLOW_ENV="local",
                        AFTERGLOW_INPROCESS_WORKER=False, AFTERGLOW_SECRET_KEY="console-test-secret")
    clock = FixedClock(START)
    agent = Agent(make_engine(settings.database_url), clock=clock)
    app = create_app(settings, agent=agent, seed=False)
    e = Env(app=app, agent=agent, clock=clock)
    with TestClient(app):  # runs the lifespan: migrations
        pass
    with session_scope(agent.db) as session:
        for name, phone, label in (("a", "+14155550100", "Glow Aesthetics"), ("b", CLINIC_B_PHONE, "Luma Skin")):
            clinic = ensure_demo_clinic(session, START, phone=phone, name=label)
            e.clinics[name] = clinic.id
            e.keys[name] = set_api_key(clinic)
            for role in ("front_desk", "clinical", "manager", "admin"):
                staff = create_staff(session, clinic.id, StaffCreate(
                    email=f"{role}@{name}.test", name=f"{role.title()} {name.upper()}", role=role,
                    password=PASSWORD), START)
                e.staff[f"{role}@{name}"] = staff.id
    yield e
    agent.db.dispose()


def client(env: Env) -> TestClient:
    return TestClient(env.app, base_url="http://testserver")


def login(c: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token (as the pages carry it)."""
    form = c.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    r = c.post("/console/login", data={"email": email, "password": password, "csrf_token": token},
               follow_redirects=False)
    assert r.status_code == 303, r.text[:200]
    return csrf_of(c)


def csrf_of(c: TestClient) -> str:
    page = c.get("/console/inbox")
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


@pytest.fixture
def as_user(env: Env):  # noqa: ANN201
    """as_user("front_desk@a") -> (client, csrf)."""
    clients = []

    def make(who: str) -> tuple[TestClient, str]:
        c = client(env)
        clients.append(c)
        role, clinic = who.split("@")
        return c, login(c, f"{role}@{clinic}.test")

    yield make
    for c in clients:
        c.close()
