"""Combine the rules' intents with the statistical reader's probabilities (policies/reader.yaml).

- Safety is a union: the model's P(urgent) or P(opt_out) over its threshold adds that intent whatever
  the rules said; between the two opt-out thresholds the text is a *possible* opt-out (held, touches
  paused), never silently answered.
- The rules keep what they read exactly: carrier keywords, triage phrases, a named referral, a wrong
  number, prompt injection, and what a reply means after our own ask ("no thanks" after a referral ask
  is a decline; the model does not see the ask). Everything else is the model's reading when it is
  sure enough (it generalises over typos, slang, paraphrase and Spanish; the phrase lists do not), and
  the rules' reading when the model is unsure. Precedence (intents.yaml) then decides the turn.
- Without an outstanding ask, a refusal is a decline (recorded for good) only when it is about
  referring ("I don't do referrals"); a bare "no thanks" to a check-in is neutral.
- Happiness must be real to unlock an ask: a positive reading is capped below "clearly positive" when
  the model doubts it (negation, mixed feelings) or the text is sarcastic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from agent.brains.offline.lexicon import PAST_FEAR
from agent.nlu.reader import Reading
from agent.policy.schema import ReaderPolicy
from agent.types import Intent

# Intents with thresholds of their own (safety), never adopted as an ordinary reading.
_SAFETY = frozenset({Intent.URGENT, Intent.OPT_OUT})
_ANSWERS = frozenset({Intent.REFERRAL, Intent.DECLINE, Intent.NEUTRAL})
# Readings that contradict praise; the model's probability of positive is low for any other reason too
# ("loving it, can I book?" is mostly booking), which doubts nothing.
_CONTRARY = frozenset({Intent.UNHAPPY, Intent.CONCERN, Intent.NEUTRAL, Intent.OTHER, Intent.DECLINE})
# Below "clearly positive": a positive reading that is not to be trusted for an ask.
DOUBTFUL_POSITIVE = 0.7
ADOPTED_FLOOR = 0.6  # an adopted reading decides without being held for low confidence
FRAGMENT_WORDS = 3
NEGATED_BAR = 0.9  # the model overrides symptoms the rules saw negated only at this confidence
UNSURE = 0.5  # below policies/approval.yaml min_confidence: the reply is held for staff
POLARITY_BAR = 0.9  # the model's unhappy overrules the rules' praise only this sure
RULES_POSITIVE = 0.6
RULES_SURE = 0.9  # a rules reading this confident stands unless the model is confident otherwise
CONFIDENT_OTHERWISE = 0.95  # ...this confident: the model's top reading
MODEL_DISAGREES = 0.02  # ...and the rules' reading this unlikely to the model
_ROUTING = (Intent.BOOKING, Intent.SERVICE_INTEREST)  # readings that only route the text to the front desk
OFF_TOPIC = 0.35  # a confident off-topic reading: as sure as the rules' own OTHER, below min_confidence


@dataclass(frozen=True)
class Blended:
    scores: dict[Intent, float]
    model_urgent: bool  # the model alone reads a red flag
    possible_opt_out: bool
    sarcastic: bool


@lru_cache(maxsize=8)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def matches(patterns: list[str], norm: str) -> bool:
    rx = _compiled(tuple(patterns))
    return bool(rx and rx.search(norm))


def blend(rules: dict[Intent, float], exact: frozenset[Intent], reading: Reading, policy: ReaderPolicy, norm: str,
          *, opted_out: bool = False, negated_only: bool = False, mild_only: bool = False, asked: bool = False,
          not_revoking: bool = False, effects_only: bool = False) -> Blended:
    """The turn's intents (intent -> confidence) from the rules' full reading, the subset of it the rules
    read exactly, and the model's probabilities. `not_revoking`: the text's words of a revocation ask who is
    texting or tell of others who will text us, and nothing else in it revokes (classify._contact_not_revoked)."""
    model = _model_reading(reading, policy, norm, opted_out=opted_out, negated_only=negated_only, asked=asked)
    if not model:
        scores = dict(rules)
    else:
        # Both layers have a reading: an intent both read takes the higher confidence; a sure rules
        # reading stands; next to one, the model's other readings join only when confident.
        sure = {i for i, c in rules.items() if c >= RULES_SURE and i is not Intent.OTHER} | set(exact)
        scores = {i: c for i, c in model.items()
                  if not sure or i in rules or reading.p(i) >= policy.join_threshold}
        for intent, confidence in rules.items():
            if intent in model or intent in sure:
                scores[intent] = max(scores.get(intent, 0.0), confidence)
    if reading.top[0] is Intent.QUESTION and reading.top[1] >= CONFIDENT_OTHERWISE:
        # "Do I pay the balance at the next visit or now?", "when can i go back to hot yoga": a booking or
        # service word inside a question the model is sure of; the rules' routing reading does not outrank it.
        for intent in _ROUTING:
            if intent in scores and intent not in exact and reading.p(intent) < MODEL_DISAGREES:
                del scores[intent]
    for intent in exact:
        scores[intent] = max(scores.get(intent, 0.0), rules[intent])

    def add(intent: Intent, confidence: float) -> None:
        scores[intent] = round(max(scores.get(intent, 0.0), confidence), 2)

    p_opt_out = reading.p(Intent.OPT_OUT)
    # "no trouble breathing at all": the rules saw the symptom and saw it negated; only a confident
    # model reading overrides them.
    model_says_urgent = reads_red_flag(reading, policy, norm, negated_only=negated_only or mild_only,
                                       effects_only=effects_only)
    model_urgent = model_says_urgent and Intent.URGENT not in rules
    if model_says_urgent:
        add(Intent.URGENT, max(0.9, reading.red_flag))
    # Evidence is looked for only when the model's P(opt_out) makes it matter (most texts: never).
    evidence = p_opt_out >= policy.possible_opt_out_threshold and (
        p_opt_out >= policy.model_alone or matches(policy.opt_out_evidence, norm))
    if evidence and matches(policy.symptom_gone, norm) and not matches(policy.messages_named, norm):
        evidence = False  # "ya no me pica", "the itching stopped": a symptom gone, not the texts
    # "please don't stop texting me lol": the words of a revocation, the opposite wish. The model is not
    # trusted either way: a person decides (held, touches paused) before anything else is sent.
    keep_texting = evidence and matches(policy.keep_texting, norm)
    # "who's texting me??", "Priya and Lauren are texting you today" name the texts as revocations do; unless
    # the model is sure, a person decides (nothing is sent on its own, touches wait) instead of the patient
    # losing the texts for a question or a referral.
    keep_texting = keep_texting or (evidence and not_revoking and p_opt_out < policy.model_alone)
    # A carrier opt-in keyword ("UNSTOP pls") is exact: the model's reading of the STOP inside it is not a revocation.
    opting_in = Intent.OPT_IN in exact
    if p_opt_out >= policy.opt_out_threshold and evidence and not keep_texting and not opting_in:
        add(Intent.OPT_OUT, max(0.9, p_opt_out))
    possible = Intent.OPT_OUT not in scores and evidence and not opting_in

    sarcastic = (Intent.POSITIVE in scores or Intent.POSITIVE in rules) and matches(policy.sarcasm, norm)
    if (not sarcastic and rules.get(Intent.POSITIVE, 0.0) >= RULES_POSITIVE and Intent.UNHAPPY not in rules
            and Intent.UNHAPPY in scores and reading.p(Intent.UNHAPPY) < POLARITY_BAR):
        # Praise the rules read against a model that hears a complaint. Strong praise words may be sarcasm:
        # a person decides (the complaint decides at low confidence, so the manager sees it and the reply
        # waits for staff); a fear that did not come true ("I was worried it would look fake but I love
        # it") is praise. Mild praise ("not bad", "I don't hate it", "I was worried, but I love it") is
        # litotes the rules parse and the model misreads: answered as mild praise. No ask either way.
        if rules[Intent.POSITIVE] >= RULES_SURE and not PAST_FEAR.search(norm):
            scores[Intent.UNHAPPY] = min(scores[Intent.UNHAPPY], UNSURE)
        else:
            del scores[Intent.UNHAPPY]
        scores[Intent.POSITIVE] = min(max(scores.get(Intent.POSITIVE, 0.0), rules[Intent.POSITIVE]), DOUBTFUL_POSITIVE)
    if (Intent.UNHAPPY in rules and Intent.UNHAPPY not in scores and Intent.POSITIVE in scores
            and reading.p(Intent.UNHAPPY) + reading.p(Intent.CONCERN) >= policy.positive_veto):
        # Mixed feelings the rules read and the model's praise outvoted though it hears them too ("I love it but
        # I wish it was a bit bigger", not "wish I'd found you years ago"): the complaint stays beside the
        # praise, so a person sees it and no ask goes out.
        scores[Intent.UNHAPPY] = rules[Intent.UNHAPPY]
        scores[Intent.POSITIVE] = min(scores[Intent.POSITIVE], DOUBTFUL_POSITIVE)
    positive = scores.get(Intent.POSITIVE, 0.0)
    if positive:
        doubted = reading.top[0] in _CONTRARY and reading.p(Intent.POSITIVE) < policy.positive_veto
        if sarcastic or doubted:
            scores[Intent.POSITIVE] = min(positive, DOUBTFUL_POSITIVE)
        if sarcastic and Intent.UNHAPPY not in scores:
            add(Intent.UNHAPPY, max(0.7, reading.p(Intent.UNHAPPY)))
    return Blended(scores, model_urgent=model_urgent, possible_opt_out=possible, sarcastic=sarcastic)


def reads_red_flag(reading: Reading, policy: ReaderPolicy, norm: str, *, negated_only: bool = False,
                   effects_only: bool = False) -> bool:
    """The model's red flag: its P(red flag) (Reading.red_flag) over the threshold, with evidence in the text below
    `model_alone`, and confidently when the rules saw the symptom only negated (or only as a mild effect).
    `effects_only`: the rules read expected effects and no red flag; if the model itself finds concern likelier
    than urgent ("bruising bigger than I expected, like a purple thumbprint", "brows feel heavy and kinda
    droopy"), its P(red flag) must reach `model_alone` too. The text still goes to the clinical queue as a concern."""
    p_urgent = reading.red_flag
    bar = max(policy.urgent_threshold, NEGATED_BAR) if negated_only else policy.urgent_threshold
    alone = policy.model_alone if policy.red_flag_alone is None else policy.red_flag_alone
    if p_urgent < alone and not matches(policy.red_flag_evidence, norm):
        bar = max(bar, alone)
    if effects_only and reading.p(Intent.CONCERN) > reading.p(Intent.URGENT):
        bar = max(bar, policy.model_alone)
    return p_urgent >= bar


def _model_reading(reading: Reading, policy: ReaderPolicy, norm: str, *, opted_out: bool,
                   negated_only: bool, asked: bool) -> dict[Intent, float]:
    """The intents the model is sure enough of (empty when it is unsure: the rules decide)."""
    ranked = [(i, p) for i, p in reading.ranked() if i not in _SAFETY]
    out: dict[Intent, float] = {}
    for n, (intent, p) in enumerate(ranked):
        if not (p >= policy.join_threshold or (n == 0 and p >= policy.adopt_threshold)):
            continue
        if intent is Intent.OPT_IN and not opted_out and len(norm.split()) <= FRAGMENT_WORDS:
            continue  # "yes" from a subscribed patient answers something else; only STOP-ped patients opt in
        if intent is Intent.HELP and p < policy.join_threshold:
            continue
        if asked and intent in _ANSWERS:
            continue  # the answer to our own ask is the rules' to read: the model does not see the ask
        if intent is Intent.DECLINE and not asked and not matches(policy.decline_topic, norm):
            intent = Intent.NEUTRAL  # "no thanks" to a check-in declines nothing for good
        if intent is Intent.CONCERN and (negated_only or not matches(policy.clinical_words, norm)) \
                and p < NEGATED_BAR:
            continue  # a concern about nothing the text names, or only about symptoms it denies
        confidence = max(min(p, 0.95), ADOPTED_FLOOR)
        if intent is Intent.POSITIVE and p < policy.model_positive:
            confidence = min(confidence, DOUBTFUL_POSITIVE)
        out[intent] = round(max(out.get(intent, 0.0), confidence), 2)
    if set(out) == {Intent.OTHER}:
        if reading.p(Intent.OTHER) >= policy.join_threshold:
            # Confidently off-topic (an errand, news, a text meant for family): the rules' weaker guesses
            # (a question mark, a name, "ok") do not decide it, their sure readings still do. Low
            # confidence all the same, so a person looks before anything is sent.
            return {Intent.OTHER: OFF_TOPIC}
        return {}  # "I don't know what this is": let the rules try
    return out


def without(patterns: list[str], norm: str) -> str:
    """`norm` with every match of `patterns` blanked out."""
    rx = _compiled(tuple(patterns))
    return rx.sub(" ", norm) if rx else norm


def mild_effect_only(effects: bool, red_flags: bool, policy: ReaderPolicy, norm: str) -> bool:
    """The rules read only expected effects, said to be mild or easing ("slight headache, easing off", "un pelín
    más llena"): the model alone escalates such a text only when it is sure, as for a denied symptom."""
    return effects and not red_flags and matches(policy.mild_effect, norm) and not matches(policy.not_mild, norm)


def unsure_is_clinical(reading: Reading, policy: ReaderPolicy, norm: str, words: int) -> bool:
    """An unsure text that may be about the body, a symptom or the visit belongs with a clinician. A
    fragment of a few words ("about my lips") waits for the rest of the thought: it is held."""
    if reading.p(Intent.CONCERN) + reading.p(Intent.URGENT) >= policy.unsure_clinical:
        return True
    return words > FRAGMENT_WORDS and matches(policy.clinical_words, norm)
