"""Browser tests: Debian's Chromium driven by Playwright against a real uvicorn server on 127.0.0.1.

The server runs in a thread of the test process on a free port, over a SQLite file, with the in-process
worker delivering the dry-run outbox; the test seeds data through the same engine (SQLite WAL lets both
read and write). Locally the tests skip when Chromium is absent; in CI (CI=true) they fail instead.
Set AFTERGLOW_SCREENSHOTS=<dir> to save the console screenshots used in docs/README-console.md.
"""
from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
import uvicorn

from agent.clock import SystemClock
from agent.config import Settings
from agent.demo import add_patient_with_visit, ensure_demo_clinic
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.staff.accounts import create_staff
from agent.store.db import make_engine, session_scope
from agent.staff.schemas import StaffCreate
from agent.types import VisitType
from api.app import create_app

CHROMIUM = os.environ.get("AFTERGLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
IN_CI = os.environ.get("CI") == "true"
PASSWORD = "browser-test-password"
TWILIO_TOKEN = "browser-test-twilio-token"  # signs the webhooks; no account SID, so sending stays dry-run
SCREENSHOTS = os.environ.get("AFTERGLOW_SCREENSHOTS")


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if IN_CI:
        pytest.fail(f"Chromium is required in CI but {CHROMIUM} is missing (apt-get install -y chromium)")
    pytest.skip(f"no Chromium at {CHROMIUM}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Live:
    url: str
    agent: Agent
    engine: sa.Engine
    clinic_id: int
    count: int = 0

    def patient(self, first_name: str, *, treatment: str = "Botox forehead", days_ago: int = 14,
                visit_type: VisitType = VisitType.NEUROMODULATOR) -> int:
        """A patient of the clinic with a check-in already sent (an open conversation)."""
        self.count += 1
        with session_scope(self.engine) as session:
            clinic = ensure_demo_clinic(session, self.agent.clock.now())
            patient, _ = add_patient_with_visit(session, clinic, self.agent.clock.now(), first_name=first_name,
                                                phone=f"+1415555{3000 + self.count:04d}",
                                                visit_type=visit_type, days_ago=days_ago,
                                                treatment=treatment, provider="Dr. Rivera")
            patient_id = patient.id
        send_touch(self.agent, patient_id, "results_checkin")
        return patient_id

    def says(self, patient_id: int, text: str) -> None:
        self.agent.handle_inbound(patient_id, text)

    def texts_in(self, sender: str, to: str, body: str) -> None:
        """A patient's text as Twilio delivers it: a signed webhook; the in-process worker takes the turn."""
        import httpx

        from tests.channel.helpers import inbound_params, sign

        url = f"{self.url}/webhooks/twilio/sms"
        params = inbound_params(sender, body, to=to)
        r = httpx.post(url, data=params, headers={"X-Twilio-Signature": sign(url, params, TWILIO_TOKEN)}, timeout=30)
        assert r.status_code == 200, r.status_code


@pytest.fixture(scope="package")  # stopped once the browser tests are done: no server idling under the rest
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    _require_chromium()
    db = tmp_path_factory.mktemp("browser") / "console.db"
    port = _free_port()
    settings = Settings(DATABASE_URL=f"sqlite:///{db}", AFTERGLOW_ENV="local", AFTERGLOW_WORKER_INTERVAL=0.2,
                        AFTERGLOW_SECRET_KEY="browser-test-secret", TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
                        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
    engine = make_engine(settings.database_url)
    agent = Agent(engine, clock=SystemClock())
    app = create_app(settings, agent=agent, seed=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the console server did not start")
        time.sleep(0.05)
    with session_scope(engine) as session:
        clinic = ensure_demo_clinic(session, agent.clock.now())
        for email, name, role in (("admin@glow.test", "Avery Admin", "admin"),
                                  ("nurse@glow.test", "Nia Nurse", "clinical")):
            create_staff(session, clinic.id, StaffCreate(email=email, name=name, role=role, password=PASSWORD),
                         agent.clock.now())
        clinic_id = clinic.id
    yield Live(url=f"http://127.0.0.1:{port}", agent=agent, engine=engine, clinic_id=clinic_id)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="package")
def browser(live: Live) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live: Live):  # noqa: ANN001, ANN201
    context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(8000)
    pg = context.new_page()
    yield pg
    context.close()


def login(page, email: str = "admin@glow.test") -> None:  # noqa: ANN001
    page.goto("/console/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/inbox")


def horizontal_overflow(page) -> str | None:  # noqa: ANN001
    """None when the page fits its viewport's width; else the widths and the elements sticking out."""
    # After a click that navigates, the old document can be torn down under the script (a null
    # documentElement on a loaded machine): measure the page that has finished loading.
    from playwright.sync_api import Error as PlaywrightError

    page.wait_for_load_state("load")
    try:
        return _overflow(page)
    except PlaywrightError:  # the document was replaced while the script ran: measure the new one
        page.wait_for_load_state("load")
        return _overflow(page)


def _overflow(page) -> str | None:  # noqa: ANN001
    found = page.evaluate("""() => {
        const width = window.innerWidth, doc = document.documentElement.scrollWidth;
        if (doc <= width) return null;
        const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1)
            .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
        return `scrollWidth ${doc} > innerWidth ${width}: ${wide.join(', ')}`;
    }""")
    return found


def shot(page, name: str) -> None:  # noqa: ANN001
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)
