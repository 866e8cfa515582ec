"""The inbox shows what the patient wrote, marks texts that came in after the handoff opened, and puts
the thread the patient wrote in last first (within priority, unclaimed before claimed)."""
from __future__ import annotations

from datetime import timedelta


def test_the_inbox_shows_the_patients_words_marks_new_texts_and_orders_by_activity(env, as_user):  # noqa: ANN001
    first = env.patient(first_name="Maya")
    env.says(first, "can I book my next one for early May?")
    env.clock.advance(timedelta(minutes=5))
    second = env.patient(first_name="Jordan")
    env.says(second, "how much is a lip flip?")
    env.clock.advance(timedelta(minutes=5))
    env.says(first, "actually any Saturday works, mornings best")  # Maya writes again: her thread is newest
    admin, _ = as_user("admin@a")
    items = admin.get("/api/handoffs").json()
    assert [h["patient"]["first_name"] for h in items] == ["Maya", "Jordan"]
    maya, jordan = items
    assert maya["latest_text"] == "actually any Saturday works, mornings best" and maya["new_texts"] == 1
    assert jordan["latest_text"] == "how much is a lip flip?" and jordan["new_texts"] == 0
    page = admin.get("/console").text
    assert "actually any Saturday works, mornings best" in page and 'data-new-texts="1"' in page
    assert page.index("actually any Saturday") < page.index("how much is a lip flip?")
