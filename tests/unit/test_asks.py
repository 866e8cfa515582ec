"""Ask detection, one ask per message, and every timing and consent rule both ways."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from agent.guards.asks import (allowed_asks, ask_violations, check_ask_consent, check_ask_timing, check_asks,
                               check_one_ask, detect_asks, split_sentences)
from agent.guards.context import AskFacts, GuardContext
from agent.policy.loader import load_policies
from agent.policy.schema import ClinicSettings
from tests.unit.templates import render_all
from agent.types import AskKind, GuardPolicy, Queue

POLICIES = load_policies()
ASKS = POLICIES.asks
NOW = datetime(2026, 3, 10, 18, 0)
REVIEW_LINK = "https://g.page/r/glow-aesthetics/review"
R, V, B = AskKind.REFERRAL, AskKind.REVIEW, AskKind.BOOKING

# Every rule satisfied: a referral, a review and a booking ask would all be allowed.
OPEN = AskFacts(now=NOW, positive_reply_seen=True, referral_eligible_touch=True, marketing_consent=True)


def ctx(facts: AskFacts = OPEN) -> GuardContext:
    return GuardContext(policies=POLICIES, settings=ClinicSettings(), facts=facts, review_link=REVIEW_LINK)


# ------------------------------------------------------------------------------ detection


@pytest.mark.parametrize(("text", "kind"), [
    ("Know anyone who'd love to try us?", R),
    ("If a friend ever asks, send them our way!", R),
    ("We'd love to meet your friends.", R),
    ("Just reply with their name.", R),
    ("Do you have friends who might be interested?", R),
    ("Our referral program gives you $50.", R),
    ("Feel free to pass along our number.", R),
    ("Bring a friend next time!", R),
    ("Would you mind leaving us a quick Google review?", V),
    ("Could you leave us a review?", V),
    ("Would you review us online?", V),
    ("A 5-star rating would mean the world.", V),
    (f"It only takes a minute: {REVIEW_LINK}", V),
    ("Find us on Instagram!", V),
    ("Want to book your next visit?", B),
    ("Book your next appointment today.", B),
    ("Ready to schedule a follow-up?", B),
    ("We have openings next week.", B),
    ("We'd love to see you again soon.", B),
])
def test_detects_each_kind(text: str, kind: AskKind) -> None:
    assert detect_asks(text, ASKS, REVIEW_LINK) == [kind]


def test_review_link_counts_even_without_the_url_pattern() -> None:
    bare = "g.page/r/glow/review"
    assert detect_asks(f"Here you go: {bare}", ASKS) == []
    assert detect_asks(f"Here you go: {bare}", ASKS, bare) == [V]


def test_case_insensitive_and_curly_quotes() -> None:
    assert detect_asks("KNOW ANYONE WHO WOULD LOVE US?", ASKS) == [R]
    assert detect_asks("Just reply with a friend’s name.", ASKS) == [R]


def test_order_of_appearance_and_once_per_sentence() -> None:
    assert detect_asks("Want to book again? Also, leave us a review!", ASKS) == [B, V]
    assert detect_asks("Leave us a review! Want to book again?", ASKS) == [V, B]
    assert detect_asks("Leave us a review, and know anyone who'd love us?", ASKS) == [V, R]
    assert detect_asks("Refer a friend, or refer your sister, or refer your mom!", ASKS) == [R]
    assert detect_asks("Refer a friend! Know anyone else?", ASKS) == [R, R]


@pytest.mark.parametrize("text", [
    "Thanks, Maya. We're here if anything comes up.",
    "Our nurse will review your message and text you back.",
    "Someone from our front desk will text you shortly to find a time that works.",
    "Someone from our team would love to help with that.",
    "You're a star, how are you feeling?",
    "Thanks for letting us know! Our front desk will text you shortly to help your friend get set up.",
    "I've passed Jane's details to our front desk and they'll reach out soon.",
])
def test_ordinary_replies_are_not_asks(text: str) -> None:
    assert detect_asks(text, ASKS, REVIEW_LINK) == []


def test_sentence_split() -> None:
    assert split_sentences("Hi Maya! Dr. Lee says hi.  How are you?\nTalk soon") == \
        ["Hi Maya!", "Dr. Lee says hi.", "How are you?", "Talk soon"]
    assert split_sentences("  ") == []


def _rendered() -> list[tuple[str, str]]:
    return render_all(variants=(0, 1, 2, 3))


def test_only_the_ask_templates_carry_an_ask() -> None:
    rendered = _rendered()
    names = {name for name, _ in rendered}
    assert "replies/positive_ask" in names and len(names) >= 15
    for name, text in rendered:
        kinds = detect_asks(text, ASKS, REVIEW_LINK)
        if name == POLICIES.intents.positive_ask_reply:
            assert kinds and set(kinds) == {R}, text
        elif name == POLICIES.timing.review.template:  # the review ask's own touch
            assert kinds and set(kinds) == {V}, text
        else:
            assert kinds == [], f"{name}: {text}"


# ------------------------------------------------------------------------------ ONE_ASK


def test_one_ask_trips_on_two_kinds() -> None:
    verdict = check_one_ask([R, V], ASKS)
    assert verdict.policy == GuardPolicy.ONE_ASK and verdict.tripped
    assert verdict.detail["asks"] == ["referral", "review"]
    assert "2 different asks" in verdict.reason


def test_one_ask_passes_one_kind_even_repeated() -> None:
    assert not check_one_ask([R], ASKS).tripped
    assert not check_one_ask([R, R], ASKS).tripped
    assert not check_one_ask([], ASKS).tripped


def test_zero_asks_allowed_policy() -> None:
    none_allowed = ASKS.model_copy(update={"max_asks_per_message": 0})
    assert check_one_ask([B], none_allowed).tripped
    assert not check_one_ask([], none_allowed).tripped


# ------------------------------------------------------------------------------ timing and consent rules


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


# (kind, facts that break exactly one rule, facts that satisfy it, guard, rule name)
RULES = [
    (R, replace(OPEN, marketing_consent=False), OPEN, GuardPolicy.ASK_CONSENT, "consent"),
    (V, replace(OPEN, marketing_consent=False), OPEN, GuardPolicy.ASK_CONSENT, "consent"),
    (B, replace(OPEN, marketing_consent=False), OPEN, GuardPolicy.ASK_CONSENT, "consent"),
    (R, replace(OPEN, positive_reply_seen=False), OPEN, GuardPolicy.ASK_TIMING, "requires_positive_reply"),
    (V, replace(OPEN, positive_reply_seen=False), OPEN, GuardPolicy.ASK_TIMING, "requires_positive_reply"),
    (R, replace(OPEN, referral_eligible_touch=False), OPEN, GuardPolicy.ASK_TIMING,
     "requires_referral_eligible_touch"),
    (R, replace(OPEN, open_handoff_queues=frozenset({Queue.CLINICAL})),
     replace(OPEN, open_handoff_queues=frozenset({Queue.FRONT_DESK})), GuardPolicy.ASK_TIMING,
     "blocked_by_open_handoff"),
    (V, replace(OPEN, open_handoff_queues=frozenset({Queue.MANAGER})),
     replace(OPEN, open_handoff_queues=frozenset({Queue.FRONT_DESK})), GuardPolicy.ASK_TIMING,
     "blocked_by_open_handoff"),
    (B, replace(OPEN, open_handoff_queues=frozenset({Queue.CLINICAL})), OPEN, GuardPolicy.ASK_TIMING,
     "blocked_by_open_handoff"),
    (R, replace(OPEN, referral_declined=True), OPEN, GuardPolicy.ASK_TIMING, "blocked_after_decline"),
    (R, replace(OPEN, last_ask_at={R: days_ago(30)}), replace(OPEN, last_ask_at={R: days_ago(91)}),
     GuardPolicy.ASK_TIMING, "cooldown_days"),
    (R, replace(OPEN, last_ask_at={R: days_ago(89.9)}), replace(OPEN, last_ask_at={R: days_ago(90)}),
     GuardPolicy.ASK_TIMING, "cooldown_days"),
    (V, replace(OPEN, last_ask_at={V: days_ago(100)}), replace(OPEN, last_ask_at={V: days_ago(181)}),
     GuardPolicy.ASK_TIMING, "cooldown_days"),
    (R, replace(OPEN, last_ask_at={V: days_ago(1)}), replace(OPEN, last_ask_at={V: days_ago(3)}),
     GuardPolicy.ASK_TIMING, "spacing_days"),
    (V, replace(OPEN, last_ask_at={R: days_ago(1)}), replace(OPEN, last_ask_at={R: days_ago(3)}),
     GuardPolicy.ASK_TIMING, "spacing_days"),
]


@pytest.mark.parametrize(("kind", "bad", "good", "guard", "rule"), RULES,
                         ids=[f"{k.value}-{r}-{i}" for i, (k, _, _, _, r) in enumerate(RULES)])
def test_rule_trips_and_passes(kind: AskKind, bad: AskFacts, good: AskFacts, guard: GuardPolicy, rule: str) -> None:
    check = check_ask_consent if guard == GuardPolicy.ASK_CONSENT else check_ask_timing
    tripped = check([kind], ctx(bad))
    assert tripped.policy == guard and tripped.tripped
    assert f"{kind.value}.{rule}" in tripped.detail["rules"]
    assert kind.value in tripped.reason
    assert [v.rule for v in ask_violations(kind, bad, ASKS)] == [rule]
    passed = check([kind], ctx(good))
    assert not passed.tripped
    assert ask_violations(kind, good, ASKS) == []


def test_decline_blocks_referral_but_not_review() -> None:
    declined = replace(OPEN, referral_declined=True)
    assert check_ask_timing([R], ctx(declined)).tripped
    assert not check_ask_timing([V], ctx(declined)).tripped


def test_booking_has_no_cooldown_and_no_positive_reply_rule() -> None:
    facts = replace(OPEN, positive_reply_seen=False, referral_eligible_touch=False, last_ask_at={B: NOW})
    assert not check_ask_timing([B], ctx(facts)).tripped


def test_no_asks_never_trip_the_rules() -> None:
    closed = AskFacts(now=NOW, referral_declined=True, open_handoff_queues=frozenset(Queue))
    assert not check_ask_consent([], ctx(closed)).tripped
    assert not check_ask_timing([], ctx(closed)).tripped


def test_consent_and_timing_are_separate_guards() -> None:
    facts = replace(OPEN, marketing_consent=False, positive_reply_seen=False)
    verdicts = check_asks("Would you leave us a review?", ctx(facts))
    assert [(v.policy, v.tripped) for v in verdicts] == [
        (GuardPolicy.ONE_ASK, False), (GuardPolicy.ASK_CONSENT, True), (GuardPolicy.ASK_TIMING, True)]
    assert "marketing consent" in verdicts[1].reason
    assert "positive reply" in verdicts[2].reason


def test_timezone_aware_and_naive_times_mix() -> None:
    aware = replace(OPEN, now=NOW.replace(tzinfo=timezone.utc), last_ask_at={R: days_ago(10)})
    assert check_ask_timing([R], ctx(aware)).tripped
    naive_now = replace(OPEN, last_ask_at={R: days_ago(100).replace(tzinfo=timezone.utc)})
    assert not check_ask_timing([R], ctx(naive_now)).tripped


def test_ask_in_the_future_counts_as_recent() -> None:
    assert check_ask_timing([R], ctx(replace(OPEN, last_ask_at={R: NOW + timedelta(days=1)}))).tripped


def test_allowed_asks() -> None:
    assert allowed_asks(OPEN, ASKS) == frozenset(AskKind)
    assert allowed_asks(replace(OPEN, marketing_consent=False), ASKS) == frozenset()
    assert allowed_asks(replace(OPEN, referral_eligible_touch=False), ASKS) == {V, B}
    assert allowed_asks(replace(OPEN, positive_reply_seen=False), ASKS) == {B}
