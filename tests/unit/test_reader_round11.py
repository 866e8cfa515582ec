"""Rules added after the fifth blind split's first reading (evals/nlu/heldout5, README "Reading patients").
The texts are written fresh for the kinds that split showed, never copied from it; each pins one outcome of
the full classify() and, next to it, the nearest text that must keep the old one."""
from __future__ import annotations

import pytest

from agent.brains.offline.classify import classify
from agent.policy.loader import default_policies
from agent.types import Intent

POLICIES = default_policies()
CLEARLY_POSITIVE = POLICIES.asks.clearly_positive


def _asks(text: str) -> bool:
    """Would the offline brain make a referral ask on this text (a clearly positive top reading)?"""
    top = classify(text, POLICIES).top
    return top.intent is Intent.POSITIVE and top.confidence >= CLEARLY_POSITIVE


@pytest.mark.parametrize("text", [
    "amazing work y'all, $450 later and my lines look exactly as deep as before... love it",
    "fantastic, 200 bucks later and my forehead is just as wrinkly as before 👍",
    "so great of you to cancel on me an hour before, really stellar service",
    "lovely staff but honestly the price for three syringes was highway robbery",
    "Súper, ahora tengo cara de asustada todo el día, gracias 👏",
    "qué bonito todo, parezco un pato jaja, gracias eh",
    "la verdad no estoy happy con el resultado, no se ve como lo platicamos",
])
def test_praise_wrapped_round_a_complaint_is_unhappy_and_earns_no_ask(text: str) -> None:
    reading = classify(text, POLICIES)
    assert reading.has(Intent.UNHAPPY), reading.intents
    assert not _asks(text)


@pytest.mark.parametrize("text", [
    "love it, my lines look so much softer than before",
    "$450 well spent, I look rested and happy",
    "quedé feliz, no parezco otra persona, me veo como yo pero descansada",
])
def test_praise_with_the_same_words_stays_praise(text: str) -> None:
    assert classify(text, POLICIES).top.intent is Intent.POSITIVE


@pytest.mark.parametrize("text", [
    "thank you but I won't be rebooking",
    "not planning on booking again anytime soon, appreciate it",
    "I will not be scheduling another session, thanks",
    "no voy a reagendar por ahora, gracias",
    "ya no voy a volver, gracias por todo",
])
def test_refusing_to_rebook_is_a_decline_not_a_booking(text: str) -> None:
    reading = classify(text, POLICIES)
    assert reading.top.intent is Intent.DECLINE, reading.intents
    assert not reading.has(Intent.BOOKING)


@pytest.mark.parametrize("text", [
    "can I rebook for next Thursday?",
    "I'd like to book again, same injector please",
    "quiero reagendar mi cita para el lunes",
])
def test_asking_to_rebook_stays_a_booking(text: str) -> None:
    assert classify(text, POLICIES).top.intent is Intent.BOOKING


@pytest.mark.parametrize("text", [
    "who is this",
    "whos texting me??",
    "what number is this",
    "¿quién es?",
    "perdón, ¿quién me escribe? no tengo este número",
])
def test_asking_who_is_texting_is_help(text: str) -> None:
    assert classify(text, POLICIES).top.intent is Intent.HELP


@pytest.mark.parametrize("text", [
    "who is the nurse who did my lips? she was great, want to ask for her again",
    "oye, quién es la doctora que me atendió? quiero volver con ella",
    "who is this? when is my follow up again?",
])
def test_asking_about_someone_at_the_clinic_is_not_help(text: str) -> None:
    assert classify(text, POLICIES).top.intent is not Intent.HELP


@pytest.mark.parametrize("text", [
    "whos texting me??",
    "Mia and Jo are texting you guys today, be nice lol",
    "she'll call you tomorrow about lips",
    "mi prima les va a escribir hoy",
])
def test_asking_who_texts_or_telling_of_others_who_will_is_never_an_opt_out(text: str) -> None:
    assert not classify(text, POLICIES).has(Intent.OPT_OUT)


@pytest.mark.parametrize("text", [
    "¿quién habla? sea quien sea, bórrenme de su lista",
    "who is this? stop texting me",
    "my sister will text you, and please stop texting me",
    "if you text me again I'll block you",
    "si me vuelven a escribir los bloqueo",
])
def test_a_revocation_beside_them_still_opts_out(text: str) -> None:
    assert classify(text, POLICIES).has(Intent.OPT_OUT)


@pytest.mark.parametrize("text", [
    "My grandma very confused after the filler, she doesn't know my name",
    "mi abuela no sabe ni su nombre desde el relleno",
    "tengo unos puntitos y uno tiene pus",
])
def test_confusion_without_a_verb_and_pus_still_escalate(text: str) -> None:
    assert classify(text, POLICIES).has(Intent.URGENT)


@pytest.mark.parametrize("text", [
    "so confused by the bill you sent",
    "no tienen pus ni nada, solo unos puntitos rojos, ¿es normal?",
    "can't talk, in a meeting",
])
def test_a_confusing_bill_denied_pus_and_a_busy_patient_do_not_escalate(text: str) -> None:
    assert not classify(text, POLICIES).has(Intent.URGENT)


@pytest.mark.parametrize("text", [
    "i love it but I wish it was a tad bigger",
    "obsessed tbh, just wish the left side matched the right",
])
def test_praise_with_a_wish_for_more_is_no_ask(text: str) -> None:
    assert not _asks(text)


@pytest.mark.parametrize("text", [
    "loved the facial but ya no quiero recibir más mensajes",
    "I don't want to get these texts anymore, thanks",
    "dinna text me again pal",
])
def test_not_wanting_the_texts_any_more_opts_out(text: str) -> None:
    reading = classify(text, POLICIES)
    assert reading.top.intent is Intent.OPT_OUT, reading.intents


@pytest.mark.parametrize("text", [
    "I stopped them last spring but I'd love to get your texts again",
    "me gustaría recibir sus mensajes otra vez",
])
def test_asking_for_the_texts_again_opts_in(text: str) -> None:
    assert classify(text, POLICIES, opted_out=True).top.intent is Intent.OPT_IN


@pytest.mark.parametrize("text", [
    "cannae catch my breath, just sat here wheezing",
    "no puedo ni tragar el agua, se me atora",
    "no puedo ni respirar bien desde anoche",
])
def test_dialect_and_emphatic_red_flags_escalate(text: str) -> None:
    assert classify(text, POLICIES).has(Intent.URGENT)


@pytest.mark.parametrize("text", [
    "no tengo ni dolor ni nada, todo bien",
    "can't get my wind back after the run lol",
])
def test_emphasis_and_exercise_do_not_escalate(text: str) -> None:
    assert not classify(text, POLICIES).has(Intent.URGENT)


@pytest.mark.parametrize("text", [
    "not planning on a second round, once was plenty",
    "hard pass on any more sessions lol",
    "I think I'll stop at one, thanks",
    "no way I'm doing the next one, sorry",
    "done with injectables, thanks for everything",
    "nobody to send your way sorry",
    "prefiero no seguir con las sesiones, gracias",
    "no creo que vuelva, queda muy lejos",
    "no doy números de mis amigas, perdón",
])
def test_more_ways_of_refusing_more_sessions_or_referrals_are_declines(text: str) -> None:
    assert classify(text, POLICIES).top.intent is Intent.DECLINE


@pytest.mark.parametrize("text", [
    "parked out front, be right in",
    "pulling up now",
    "ya llegué, estoy afuera en el coche",
])
def test_arriving_is_a_booking(text: str) -> None:
    assert classify(text, POLICIES).top.intent is Intent.BOOKING
