"""Outbound webhooks: an admin sets the clinic's endpoint; referral events are queued in the transaction of
their change and delivered by the worker, signed (HMAC-SHA256 over timestamp and body), retried with
backoff under the same event id, given up after the last attempt. Outbound HTTP is mocked with respx."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import httpx
import pytest
import respx
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from agent.referrals import webhook_delivery
from agent.referrals.webhook_delivery import WebhookDeliverer, backoff
from agent.store.referral_models import WebhookDelivery
from agent.types import DeliveryState
from tests.referrals.conftest import fill_friend_page, make_code

HOOK = "https://pms.example/hooks/afterglow"
SECRET = "whsec-0123456789abcdef"


def deliveries(env) -> list[WebhookDelivery]:  # noqa: ANN001
    with Session(env.engine) as session:
        return list(session.exec(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def set_hook(as_user, url: str = HOOK) -> object:  # noqa: ANN001
    admin, csrf = as_user("admin@a")
    return admin.put("/api/clinic/webhook", json={"url": url, "secret": SECRET}, headers={"X-CSRF-Token": csrf})


def verify(request: httpx.Request, secret: str = SECRET) -> dict:
    """What a receiver does (the README's snippet): recompute the signature, compare in constant time."""
    timestamp = request.headers["x-afterglow-timestamp"]
    body = request.content.decode()
    expected = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, request.headers["x-afterglow-signature"])
    return json.loads(body)


def test_only_an_admin_sets_an_https_endpoint_and_its_secret_is_never_shown(env, as_user):
    desk, csrf = as_user("front_desk@a")
    assert desk.put("/api/clinic/webhook", json={"url": HOOK, "secret": SECRET},
                    headers={"X-CSRF-Token": csrf}).status_code == 403
    admin, admin_csrf = as_user("admin@a")
    bad = admin.put("/api/clinic/webhook", json={"url": "http://pms.example/hook", "secret": SECRET},
                    headers={"X-CSRF-Token": admin_csrf})
    assert bad.status_code == 422 and SECRET not in bad.text
    assert admin.put("/api/clinic/webhook", json={"url": HOOK, "secret": "short"},
                     headers={"X-CSRF-Token": admin_csrf}).status_code == 422
    assert admin.get("/api/clinic/webhook").status_code == 404
    assert set_hook(as_user).status_code == 200
    shown = admin.get("/api/clinic/webhook")
    assert shown.json()["url"] == HOOK and shown.json()["active"] and SECRET not in shown.text
    assert env.audit("webhook.configured")[-1].data == {"host": "pms.example"}


def test_events_are_signed_carry_no_phi_and_are_delivered_once(env, as_user):
    code = make_code(env, env.patient(first_name="Maya", touch=False))
    with TestClient(env.app) as c:
        fill_friend_page(c, env, code)  # before the endpoint exists: no event is queued for nobody
    assert deliveries(env) == []
    set_hook(as_user)
    with TestClient(env.app) as c:
        fill_friend_page(c, env, code, first_name="Kim", phone="(415) 555-7002")
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(HOOK).respond(204)
        report = WebhookDeliverer(env.engine, env.clock).drain()
        assert (report.delivered, report.retrying, report.failed) == (1, 0, 0)
        assert WebhookDeliverer(env.engine, env.clock).drain().delivered == 0  # delivered rows stay delivered
    request = route.calls.last.request
    event = verify(request)
    assert event["type"] == "referral.created" and event["id"] == request.headers["x-afterglow-event-id"]
    assert event["data"]["status"] == "new" and event["data"]["source"] == "friend_page"
    assert set(event["data"]) == {"referral_id", "referrer_patient_id", "friend_patient_id", "status", "source", "flag"}
    assert "Kim" not in request.content.decode() and "555" not in request.content.decode()
    [row] = deliveries(env)
    assert (row.status, row.attempts, row.last_status_code) == (DeliveryState.DELIVERED, 1, 204)


def one_event_queued(env, as_user) -> str:  # noqa: ANN001
    """An endpoint, and a friend's sign-up whose referral.created waits for it; returns the code."""
    set_hook(as_user)
    code = make_code(env, env.patient(touch=False))
    with TestClient(env.app) as c:
        fill_friend_page(c, env, code)
    return code


def test_a_failing_endpoint_is_retried_with_backoff_under_the_same_event_id(env, as_user):
    one_event_queued(env, as_user)
    deliverer = WebhookDeliverer(env.engine, env.clock)
    with respx.mock() as mock:
        route = mock.post(HOOK).mock(side_effect=[httpx.Response(500), httpx.ConnectError("refused"),
                                                  httpx.Response(200)])
        assert deliverer.drain().retrying == 1
        assert deliverer.drain().retrying == 0  # not due yet: a minute of backoff
        env.clock.advance(backoff(1))
        assert deliverer.drain().retrying == 1
        assert deliveries(env)[0].last_error == "ConnectError"
        env.clock.advance(backoff(2))
        assert deliverer.drain().delivered == 1
    ids = {call.request.headers["x-afterglow-event-id"] for call in route.calls}
    bodies = {call.request.content for call in route.calls}
    assert len(route.calls) == 3 and len(ids) == 1 and len(bodies) == 1
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert backoff(30) == webhook_delivery.MAX_DELAY


def test_an_endpoint_that_never_answers_is_given_up_and_a_switched_off_one_gets_nothing(env, as_user, monkeypatch):
    monkeypatch.setattr(webhook_delivery, "MAX_ATTEMPTS", 2)
    code = one_event_queued(env, as_user)
    deliverer = WebhookDeliverer(env.engine, env.clock)
    with respx.mock() as mock:
        mock.post(HOOK).respond(503)
        deliverer.drain()
        env.clock.advance(timedelta(hours=1))
        assert deliverer.drain().failed == 1
        env.clock.advance(timedelta(days=1))
        assert not deliverer.drain().busy
    assert deliveries(env)[0].status == DeliveryState.FAILED
    admin, csrf = as_user("admin@a")
    assert admin.delete("/api/clinic/webhook", headers={"X-CSRF-Token": csrf}).status_code == 204
    with TestClient(env.app) as c:
        fill_friend_page(c, env, code, phone="(415) 555-7003")
    assert len(deliveries(env)) == 1


@pytest.mark.parametrize("url", ["https://user:pw@pms.example/h", "ftp://pms.example/h", "https:///nohost"])
def test_endpoint_addresses_are_checked(url):
    from pydantic import ValidationError

    from agent.referrals.endpoints import EndpointIn

    with pytest.raises(ValidationError):
        EndpointIn(url=url, secret=SECRET)
    assert EndpointIn(url="http://127.0.0.1:9000/hook", secret=SECRET).url.startswith("http://127")
