"""The global invariants catch what they promise, on message sequences and through a misbehaving brain."""
from __future__ import annotations

from agent.policy.loader import default_policies
from agent.policy.schema import ClinicSettings
from agent.types import Direction, MessageKind
from evals.invariants import InvariantChecker, Msg, treatment_terms

IN, OUT = Direction.INBOUND, Direction.OUTBOUND


def checker(**kw) -> InvariantChecker:  # noqa: ANN003
    settings = ClinicSettings(sender_name="Glow Aesthetics", **kw.pop("settings", {}))
    return InvariantChecker(default_policies(), settings, clinic_name="Glow Aesthetics",
                            review_link="https://g.page/r/glow-aesthetics-demo/review", **kw)


def said(text: str, *intents: tuple[str, float], conversation: int = 1) -> Msg:
    return Msg(IN, text, conversation, MessageKind.PATIENT, tuple(intents))


def sent(text: str, kind: MessageKind = MessageKind.REPLY, conversation: int = 1) -> Msg:
    return Msg(OUT, text, conversation, kind)


def broken(check: InvariantChecker, *msgs: Msg) -> list[str]:
    return [v.invariant for m in msgs for v in check.feed(m)]


ASK = "So glad to hear it, Maya! If a friend ever asks where you go, feel free to send them our way."


def test_clean_conversation_breaks_nothing():
    c = checker(treatment="Botox forehead", first_name="Maya")
    assert broken(c, sent("Hi Maya, it's Glow Aesthetics! How are you liking your results?", MessageKind.TOUCH),
                  said("Loving it!", ("positive", 0.95)), sent(ASK)) == []
    assert c.checked["phi"] == 2


def test_phi_lexicon_treatment_words_and_obfuscation():
    c = checker(treatment="Sculptra butt lift")
    assert broken(c, sent("Your Botox looks great!")) == ["phi"]
    assert broken(c, sent("How is the lift healing?")) == ["phi"]  # the case's own treatment word
    assert broken(c, sent("how is the b0t0x?")) == ["phi"]
    assert broken(c, sent("Glow Aesthetics: thanks for the update!")) == []  # the clinic's own name is fine


def test_phi_clinic_extra_terms():
    c = checker(settings={"phi_extra_terms": ["Glow Sculpt"]})
    assert broken(c, sent("How was your Glow Sculpt session?")) == ["phi"]


def test_patient_first_name_is_not_phi_but_the_area_is():
    c = checker(first_name="Chin", treatment="Juvederm chin")
    assert broken(c, sent("Hi Chin, how are you feeling?")) == []
    assert broken(c, sent("Hi Chin, how is your chin?")) == ["phi"]


def test_treatment_terms_skip_generic_words():
    assert treatment_terms("Botox forehead") == ("Botox forehead", "Botox", "forehead")
    assert treatment_terms("Consultation") == ("Consultation",)
    assert treatment_terms("") == ()


def test_one_ask():
    c = checker()
    two = "Glad you love it! Send your friends our way, and could you leave us a Google review?"
    assert broken(c, said("love it", ("positive", 0.95)), sent(two)) == ["one_ask"]


def test_segment_budget():
    assert broken(checker(), sent("word " * 70)) == ["segments"]  # 350 characters: 3 segments
    assert broken(checker(settings={"segment_budget": 4}), sent("word " * 70)) == []
    assert broken(checker(settings={"segment_budget": 1}), sent("Hi Zoë! " + "x" * 70)) == ["segments"]


def test_the_red_flag_safety_reply_may_exceed_the_budget_but_nothing_else():
    c = checker(settings={"segment_budget": 1})
    safety = "Zoë, please call us right now at (415) 555-0100 so a clinician can help. Call 911 if severe."
    assert broken(c, said("my lip went white", ("urgent", 1.0)), sent(safety)) == []
    assert c.checked["segments"] == 0
    assert broken(c, sent(safety, MessageKind.TOUCH)) == ["segments"]
    assert broken(c, said("thanks", ("neutral", 0.9)), sent(safety)) == ["segments"]


def test_opt_out_allows_one_confirmation_until_opt_in():
    c = checker()
    confirm = sent("Glow Aesthetics: You're unsubscribed. Reply START to resubscribe.", MessageKind.CONFIRMATION)
    assert broken(c, said("STOP", ("opt_out", 1.0)), confirm) == []
    assert broken(c, said("STOP", ("opt_out", 1.0)), confirm) == ["opt_out"]  # a second confirmation
    assert broken(c, sent("Hi Maya, checking in!", MessageKind.TOUCH)) == ["opt_out"]
    assert broken(c, said("START", ("opt_in", 1.0)), sent("You're subscribed again.", MessageKind.CONFIRMATION),
                  sent("Hi Maya, checking in!", MessageKind.TOUCH)) == []


def test_opt_out_is_read_from_the_words_even_if_mislabelled():
    c = checker()
    assert broken(c, said("STOP", ("positive", 0.9)), sent("That's so good to hear!")) == ["opt_out"]


def test_yes_only_opts_in_when_opted_out():
    c = checker()
    assert broken(c, said("yes", ("positive", 0.9)), sent("Great!")) == []
    assert broken(c, said("stop", ("opt_out", 1.0)), sent("unsubscribed", MessageKind.CONFIRMATION),
                  said("yes"), sent("You're subscribed again.", MessageKind.CONFIRMATION)) == []


def test_referral_ask_needs_a_clearly_positive_reply_in_this_conversation():
    c = checker()
    assert broken(c, sent(ASK)) == ["referral_timing"]
    assert broken(c, said("it's fine", ("positive", 0.6)), sent(ASK)) == ["referral_timing"]
    assert broken(c, said("love it", ("positive", 0.95)), sent(ASK)) == []
    assert broken(c, sent(ASK, conversation=2)) == ["referral_timing"]  # a new thread needs its own


def test_no_referral_ask_after_a_decline_ever():
    c = checker()
    assert broken(c, said("love it", ("positive", 0.95)), said("no thanks", ("decline", 0.9))) == []
    assert broken(c, said("still love it", ("positive", 0.95), conversation=2), sent(ASK, conversation=2)) == \
        ["referral_timing"]
