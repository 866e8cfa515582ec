"""The chain end to end: each guard blocks a bad draft, details stay PHI-free, repair behaves."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

import agent.guards as guards
from agent.guards import AskFacts, GuardContext, count_segments, repair, run_guards, smart_encode, tripped
from agent.guards.asks import split_sentences
from agent.guards.chain import ORDER
from agent.policy.loader import load_policies
from agent.policy.schema import ClinicSettings
from agent.types import AskKind, GuardPolicy, Mode, Queue

POLICIES = load_policies()
NOW = datetime(2026, 3, 10, 18, 0)
LINK = "https://g.page/r/glow-aesthetics/review"
OPEN = AskFacts(now=NOW, positive_reply_seen=True, referral_eligible_touch=True, marketing_consent=True)
CLEAN = "That's so good to hear, Maya! Thanks for letting us know."


def ctx(facts: AskFacts = OPEN, **kwargs) -> GuardContext:  # noqa: ANN003
    kwargs.setdefault("settings", ClinicSettings())
    return GuardContext(policies=POLICIES, facts=facts, review_link=LINK, **kwargs)


def bad(text: str, context: GuardContext) -> list[GuardPolicy]:
    return [v.policy for v in tripped(run_guards(text, context))]


def test_public_api() -> None:
    for name in ("run_guards", "tripped", "repair", "detect_asks", "count_segments", "smart_encode",
                 "GuardContext", "AskFacts"):
        assert hasattr(guards, name), name


def test_one_verdict_per_policy_in_fixed_order() -> None:
    verdicts = run_guards(CLEAN, ctx())
    assert [v.policy for v in verdicts] == list(ORDER) == [
        GuardPolicy.OPTED_OUT, GuardPolicy.THREAD_OWNER, GuardPolicy.PHI, GuardPolicy.ONE_ASK,
        GuardPolicy.ASK_CONSENT, GuardPolicy.ASK_TIMING, GuardPolicy.SEGMENTS]
    assert tripped(verdicts) == []
    assert verdicts[-1].detail == {"segments": 1, "encoding": "GSM-7", "budget": 2}


# ------------------------------------------------------------------------------ each guard blocks


def test_opted_out_blocks_all_but_the_confirmation() -> None:
    assert bad(CLEAN, ctx(opted_out=True)) == [GuardPolicy.OPTED_OUT]
    assert bad("Glow: You're unsubscribed. Reply START to resubscribe.",
               ctx(opted_out=True, is_opt_out_confirmation=True)) == []


@pytest.mark.parametrize("mode", [Mode.HUMAN, Mode.CLOSED])
def test_thread_owner_blocks_unless_exempt(mode: Mode) -> None:
    assert bad(CLEAN, ctx(mode=mode)) == [GuardPolicy.THREAD_OWNER]
    assert bad(CLEAN, ctx(mode=mode, human_mode_exempt=True)) == []
    assert bad(CLEAN, ctx(mode=Mode.AGENT)) == []


def test_phi_blocks() -> None:
    assert bad("Hi Maya, how are your lips feeling after the filler?", ctx()) == [GuardPolicy.PHI]


def test_patient_term_blocks() -> None:
    context = ctx(patient_terms=("Signature Glow Lift",))
    assert bad("How is the signature glow lift settling?", context) == [GuardPolicy.PHI]


def test_one_ask_blocks() -> None:
    assert bad("Know anyone who'd love us? And would you leave us a review?", ctx()) == [GuardPolicy.ONE_ASK]


def test_ask_consent_blocks() -> None:
    facts = replace(OPEN, marketing_consent=False)
    assert bad("Know anyone who'd love to try us?", ctx(facts)) == [GuardPolicy.ASK_CONSENT]


def test_ask_timing_blocks() -> None:
    facts = replace(OPEN, last_ask_at={AskKind.REFERRAL: NOW - timedelta(days=10)})
    assert bad("Know anyone who'd love to try us?", ctx(facts)) == [GuardPolicy.ASK_TIMING]
    facts = replace(OPEN, open_handoff_queues=frozenset({Queue.CLINICAL}))
    assert bad("Want to book your next visit?", ctx(facts)) == [GuardPolicy.ASK_TIMING]


def test_segments_block_over_budget() -> None:
    long = "Thanks so much for coming in yesterday, Maya. " * 8
    assert count_segments(long).segments == 3
    assert bad(long, ctx()) == [GuardPolicy.SEGMENTS]
    assert bad(long, ctx(settings=ClinicSettings(segment_budget=3))) == []
    verdict = tripped(run_guards(long, ctx()))[0]
    assert verdict.detail == {"segments": 3, "encoding": "GSM-7", "budget": 2}


def test_several_guards_trip_together() -> None:
    text = "Your Botox looks great! Know anyone who'd love it? Leave us a review! " * 5
    assert bad(text, ctx(replace(OPEN, marketing_consent=False), mode=Mode.HUMAN)) == [
        GuardPolicy.THREAD_OWNER, GuardPolicy.PHI, GuardPolicy.ONE_ASK, GuardPolicy.ASK_CONSENT,
        GuardPolicy.SEGMENTS]


@pytest.mark.parametrize("text", [
    "Your Botox and lip filler look amazing! Leave us a review?",
    "20 units of Dysport in the forehead, how is it?",
    "How is the Ozempic going? Know anyone who'd love us?",
    "B.O.T.O.X update for your crow's feet " * 5,
])
def test_verdict_details_carry_no_phi(text: str) -> None:
    context = ctx(replace(OPEN, marketing_consent=False), patient_terms=("Lip filler",))
    verdicts = run_guards(text, context)
    assert any(v.policy == GuardPolicy.PHI and v.tripped for v in verdicts)
    record = json.dumps([v.as_record() for v in verdicts]).lower()
    for term in ("botox", "b.o.t.o.x", "lip", "filler", "dysport", "forehead", "ozempic", "crow", "units"):
        assert term not in record, term


# ------------------------------------------------------------------------------ repair


def repaired(text: str, context: GuardContext) -> str | None:
    return repair(text, tripped(run_guards(text, context)), context)


def assert_only_removed(original: str, result: str) -> None:
    """Repair never introduces new text: every sentence of the result is one of the original's."""
    source = set(split_sentences(smart_encode(original)))
    assert set(split_sentences(result)) <= source


def test_repair_passes_clean_text_through() -> None:
    assert repair(CLEAN, [], ctx()) == CLEAN
    assert repair(CLEAN, run_guards(CLEAN, ctx()), ctx()) == CLEAN


@pytest.mark.parametrize("context", [ctx(opted_out=True), ctx(mode=Mode.HUMAN), ctx(mode=Mode.CLOSED)])
def test_opted_out_and_thread_owner_are_not_repairable(context: GuardContext) -> None:
    assert repaired(CLEAN, context) is None


def test_segments_repair_smart_encodes_first() -> None:
    text = ("Hi Maya, it’s Glow Aesthetics… we’re so glad you came in yesterday – it was lovely to see you. "
            "We’re here if anything comes up, text us!")
    context = ctx(settings=ClinicSettings(segment_budget=1))
    assert count_segments(text).segments == 3  # UCS-2 because of the curly quotes, dashes and ellipsis
    result = repaired(text, context)
    assert result == smart_encode(text)
    assert count_segments(result).segments == 1
    assert tripped(run_guards(result, context)) == []


def test_segments_repair_drops_trailing_sentences_keeping_the_first() -> None:
    text = ("Hi Maya, it's Glow Aesthetics! Thanks again for coming in yesterday. It was wonderful to see you. "
            "We hope you have a lovely week. Take good care of yourself. Talk soon!")
    context = ctx(settings=ClinicSettings(segment_budget=1))
    result = repaired(text, context)
    assert result is not None and result.startswith("Hi Maya, it's Glow Aesthetics!")
    assert count_segments(result).segments == 1
    assert len(split_sentences(result)) < len(split_sentences(text))
    assert_only_removed(text, result)
    assert tripped(run_guards(result, context)) == []


def test_segments_repair_keeps_essential_sentences() -> None:
    text = ("Maya, please call us right now at +14155550100 so a clinician can help. We hope you feel better "
            "soon and we are thinking of you today. If it feels severe or you have trouble breathing, call 911.")
    context = ctx(settings=ClinicSettings(segment_budget=1))
    result = repaired(text, context)
    assert result is not None
    assert "call 911" in result and "+14155550100" in result
    assert "thinking of you" not in result


def test_segments_repair_gives_up_when_the_first_sentence_is_too_long() -> None:
    text = "Thanks " + "so " * 80 + "much, Maya. See you!"
    assert repaired(text, ctx(settings=ClinicSettings(segment_budget=1))) is None


def test_one_ask_repair_keeps_the_first_allowed_ask() -> None:
    text = "So glad you love it! Know anyone who'd love to try us? Also, would you leave us a review?"
    result = repaired(text, ctx())
    assert result == "So glad you love it! Know anyone who'd love to try us?"
    assert tripped(run_guards(result, ctx())) == []


def test_one_ask_repair_drops_a_first_ask_that_is_not_allowed() -> None:
    text = "So glad you love it! Know anyone who'd love to try us? Also, would you leave us a review?"
    facts = replace(OPEN, referral_declined=True)
    result = repaired(text, ctx(facts))
    assert result == "So glad you love it!"
    assert tripped(run_guards(result, ctx(facts))) == []


def test_ask_timing_repair_drops_only_the_disallowed_ask() -> None:
    text = "Love hearing that, Maya! Would you leave us a quick review? Thanks again for coming in."
    facts = replace(OPEN, last_ask_at={AskKind.REVIEW: NOW - timedelta(days=20)})
    result = repaired(text, ctx(facts))
    assert result == "Love hearing that, Maya! Thanks again for coming in."
    assert tripped(run_guards(result, ctx(facts))) == []


def test_ask_consent_repair_drops_the_ask() -> None:
    text = "That makes our day, Maya! If anyone you know has been curious, send them our way."
    facts = replace(OPEN, marketing_consent=False)
    result = repaired(text, ctx(facts))
    assert result == "That makes our day, Maya!"
    assert tripped(run_guards(result, ctx(facts))) == []


def test_ask_repair_gives_up_when_only_the_ask_was_there() -> None:
    facts = replace(OPEN, marketing_consent=False)
    assert repaired("Know anyone who'd love to try us?", ctx(facts)) is None


def test_phi_repair_drops_phi_sentences_when_the_rest_stands() -> None:
    text = "Thanks for the update, Maya! Your lips should settle in a week. We're here if anything comes up."
    result = repaired(text, ctx())
    assert result == "Thanks for the update, Maya! We're here if anything comes up."
    assert_only_removed(text, result)
    assert tripped(run_guards(result, ctx())) == []


@pytest.mark.parametrize("text", [
    "Hi Maya, it's Glow Aesthetics. How are your lips feeling after the filler?",  # only a greeting is left
    "How is the Botox? Any bruising on the forehead?",  # nothing is left
    "Your Botox is settling. It should look great soon.",  # the rest leans on what was dropped
    "Great! Your Botox is in.",  # too little is left
])
def test_phi_repair_refuses_to_leave_a_fragment(text: str) -> None:
    assert repaired(text, ctx()) is None


def test_repair_combines_fixes_and_the_result_rechecks_clean() -> None:
    facts = replace(OPEN, marketing_consent=False)
    text = ("Thanks so much for the kind words, Maya! Your filler will keep settling over the next two weeks. "
            "Know anyone who'd love to try us? We're always here if anything comes up, so text us anytime. "
            "Have a wonderful rest of your week and enjoy the sunshine!")
    context = ctx(facts, settings=ClinicSettings(segment_budget=1))
    assert set(bad(text, context)) == {GuardPolicy.PHI, GuardPolicy.ASK_CONSENT, GuardPolicy.SEGMENTS}
    result = repaired(text, context)
    assert result is not None
    assert_only_removed(text, result)
    assert tripped(run_guards(result, context)) == []
    assert result.startswith("Thanks so much for the kind words, Maya!")


def test_repair_returns_none_when_nothing_changes() -> None:
    verdicts = tripped(run_guards("Your Botox looks great!", ctx()))
    assert repair("Thanks, Maya! See you soon.", verdicts, ctx()) is None
