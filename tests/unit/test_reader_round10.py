"""Rules added after the second blind split's first reading (evals/nlu/heldout2, README "Reading patients"):
each pins one outcome of the full classify() and, next to it, the nearest text that must keep the old one."""
from __future__ import annotations

import pytest

from agent.brains.offline.classify import classify
from agent.brains.offline.extract import extract_referrals
from agent.keywords import match_keyword
from agent.policy.loader import default_policies
from agent.types import Intent, Keyword

POLICIES = default_policies()


def top(text: str) -> Intent:
    return classify(text, POLICIES).top.intent


@pytest.mark.parametrize("text", [
    "slight headache tonight, took some tylenol and it's easing off",
    "me duele un poquito la cabeza desde ayer, nada fuerte",
    "a little tender where the needle went in, getting better",
])
def test_a_mild_or_easing_effect_is_a_concern_not_an_emergency(text: str) -> None:
    reading = classify(text, POLICIES)
    assert reading.top.intent is Intent.CONCERN and not reading.has(Intent.URGENT), reading.intents


@pytest.mark.parametrize("text", [
    "the pain was mild this morning and now I can barely touch my face",
    "a lo mejor es un moretón pero está manchado y crece y se oscurece",
    "can barely open my right eye its so swollen",
    "slight headache but now my vision is blurry",
])
def test_mild_words_next_to_a_worsening_or_a_red_flag_still_escalate(text: str) -> None:
    assert classify(text, POLICIES).has(Intent.URGENT)


@pytest.mark.parametrize("text", [
    "how do I stop these texts", "how can I turn off these reminders?", "cómo hago para dejar de recibir estos mensajes",
])
def test_asking_how_to_stop_the_texts_opts_out(text: str) -> None:
    assert match_keyword(text, POLICIES.keywords, opted_out=False) is Keyword.OPT_OUT


@pytest.mark.parametrize("text", ["UNSTOP pls", "start again please", "reactivar mensajes"])
def test_asking_for_the_texts_back_opts_in_and_never_out(text: str) -> None:
    assert match_keyword(text, POLICIES.keywords, opted_out=True) is Keyword.OPT_IN
    assert not classify(text, POLICIES, opted_out=True).has(Intent.OPT_OUT)


@pytest.mark.parametrize("text", [
    "running 10 min late sorry!!", "stuck in traffic, be there in 15", "gonna be late, parking is a nightmare",
    "voy tarde como 15 min, ya voy en camino", "ando atorada en el trafico, llego un poquito tarde",
])
def test_late_on_the_way_is_booking(text: str) -> None:
    assert top(text) is Intent.BOOKING


@pytest.mark.parametrize("text", [
    "please don't send me review requests", "Skip the yelp request, I don't do those",
    "I dont do the whole bring a friend thing", "No escribo reviews en Google ni en ningún lado",
])
def test_refusing_the_request_itself_is_a_decline_without_an_ask(text: str) -> None:
    assert top(text) is Intent.DECLINE


def test_a_relative_who_does_not_know_the_day_is_a_red_flag() -> None:
    assert top("she doesn't know what day it is, she was fine before the filler") is Intent.URGENT
    assert top("my mom doesn't recognize me since she got home from the clinic") is Intent.URGENT


def test_a_friends_er_visit_long_ago_is_not_an_emergency_but_the_patients_is() -> None:
    assert top("my friend Leah ended up in urgent care after filler at another place last year, "
               "she wants to come to you now") is Intent.REFERRAL
    assert top("I ended up in urgent care last night after the filler") is Intent.URGENT


def test_someone_elses_nerves_are_not_a_concern_the_patients_are() -> None:
    assert top("can someone call my friend Deb at 555 019 2837 she's nervous but interested") is Intent.REFERRAL
    assert top("I'm nervous about the bruise on my chin, is that normal?") is Intent.CONCERN


@pytest.mark.parametrize(("text", "names"), [
    ("my friend want come also, her number 646 555 8890, name Mei", ["Mei"]),
    ("I told my whole office about you, Nicole and Steph will be calling", ["Nicole", "Steph"]),
    ("le dije a Rocío, a Gaby y a Tere que vayan, esperen su mensaje", ["Rocío", "Gaby", "Tere"]),
])
def test_more_referral_forms_name_the_people(text: str, names: list[str]) -> None:
    assert [m.name for m in extract_referrals(text)] == names


@pytest.mark.parametrize("text", ["le dije a mi mamá que me encantó", "le dije a Carla que el botox me quedó increíble"])
def test_telling_someone_about_the_result_refers_nobody(text: str) -> None:
    assert extract_referrals(text) == []


# After the third blind split's first reading (evals/nlu/heldout3).

def test_how_do_i_make_them_stop_opts_out() -> None:
    assert match_keyword("How do I make these texts stop?", POLICIES.keywords, opted_out=False) is Keyword.OPT_OUT
    assert match_keyword("suscribirme de nuevo", POLICIES.keywords, opted_out=True) is Keyword.OPT_IN


def test_refusing_one_kind_of_text_is_a_decline_not_a_revocation() -> None:
    text = "no me manden lo de las estrellitas en google que no voy a poner nada"
    assert match_keyword(text, POLICIES.keywords, opted_out=False) is None
    assert top(text) is Intent.DECLINE
    assert match_keyword("no me manden mensajes", POLICIES.keywords, opted_out=False) is Keyword.OPT_OUT


@pytest.mark.parametrize(("text", "intent"), [
    ("I won't be doing a testimonial, please don't ask again", Intent.DECLINE),
    ("Don't ask me to rate you, I don't do star ratings", Intent.DECLINE),
    ("I'm not comfortable recommending cosmetic procedures to people", Intent.DECLINE),
    ("yo no recomiendo a nadie, mis tratamientos son cosa privada", Intent.DECLINE),
    ("I wouldn't recommend it to anyone", Intent.UNHAPPY),
    ("10/10 would definitely not recommend the front desk", Intent.UNHAPPY),
    ("no lo recomiendo para nada", Intent.UNHAPPY),
])
def test_not_recommending_anyone_declines_not_recommending_us_complains(text: str, intent: Intent) -> None:
    assert top(text) is intent


@pytest.mark.parametrize(("text", "intent"), [
    ("I was breathless when I saw the before and after pics 😂 so good", Intent.POSITIVE),
    ("My husband passed out on the couch watching football again 😂", Intent.OTHER),
    ("Gonna need to bump my appt, kid's got a recital", Intent.BOOKING),
])
def test_red_flag_and_effect_words_in_everyday_senses(text: str, intent: Intent) -> None:
    assert top(text) is intent


def test_the_same_words_as_symptoms_still_escalate() -> None:
    assert top("I passed out in the kitchen after the filler") is Intent.URGENT
    assert top("I'm breathless and my throat feels tight") is Intent.URGENT


def test_a_greeting_is_not_a_name_and_tell_x_she_will_call_is() -> None:
    assert extract_referrals("Buenas tardes, quisiera agendar mi siguiente cita") == []
    assert [m.name for m in extract_referrals("Tell Jen I sent her! She'll be calling you this week")] == ["Jen"]


# Plain-language opt-outs and their lookalikes, written after the splits (a symptom that stopped is not the texts).

@pytest.mark.parametrize("text", [
    "the bleeding stopped", "the itching stopped overnight", "it finally stopped hurting", "ya no me duele",
    "ya no me pica", "not sore anymore, yay", "no longer swollen at all", "stop worrying me lol, all good",
    "no me dejen de mandar recordatorios",
])
def test_a_symptom_gone_or_a_wish_for_more_texts_never_opts_out(text: str) -> None:
    reading = classify(text, POLICIES)
    assert not reading.has(Intent.OPT_OUT), reading.intents


@pytest.mark.parametrize("text", [
    "unenroll me", "desuscríbanme", "ya no quiero mensajes", "the texts stopped being useful, stop sending them",
    "ya no me escriban", "I no longer want to receive messages from you",
])
def test_revocations_in_plain_words_opt_out(text: str) -> None:
    assert classify(text, POLICIES).has(Intent.OPT_OUT)


# After the fourth blind split's first reading (evals/nlu/heldout4).

@pytest.mark.parametrize(("text", "intent"), [
    ("idk whats going on I keep losing track of what im saying", Intent.URGENT),
    ("deja de mandarme cosas bro", Intent.OPT_OUT),
    ("START po", Intent.OPT_IN),
    ("My friend from nursing school, Destiny, wants to book. Her cell is (615) 555-0143", Intent.REFERRAL),
    ("Priya and Lauren are texting you today", Intent.REFERRAL),
    ("Tell Tiffany I sent her! she should be calling today", Intent.REFERRAL),
    ("can't talk, in a meeting", Intent.NEUTRAL),
    ("reservame la segunda sesion de microneedling x fa", Intent.BOOKING),
])
def test_fourth_split_forms(text: str, intent: Intent) -> None:
    assert classify(text, POLICIES, opted_out=intent is Intent.OPT_IN).top.intent is intent


def test_the_nearest_texts_keep_their_reading() -> None:
    assert top("I'm nursing, is filler safe?") is Intent.CONCERN  # breastfeeding is still a worry in words
    assert top("I can't talk, my words come out slurred") is Intent.URGENT
    assert not classify("no me dejen de mandar los recordatorios", POLICIES).has(Intent.OPT_OUT)
    assert top("tell my mom I said hi") is not Intent.REFERRAL


@pytest.mark.parametrize("text", [
    "how do I get off this list", "what do I text to make this stop", "bórrame", "sáquenme de la lista porfa",
])
def test_more_ways_of_asking_to_be_taken_off(text: str) -> None:
    assert match_keyword(text, POLICIES.keywords, opted_out=False) is Keyword.OPT_OUT


@pytest.mark.parametrize("text", ["how do I stop the bleeding", "what do I do to make the itching stop",
                                  "quítame la duda, puedo tomar ibuprofeno?"])
def test_stopping_a_symptom_or_clearing_a_doubt_is_not_a_revocation(text: str) -> None:
    assert match_keyword(text, POLICIES.keywords, opted_out=False) is None


def test_mixed_up_words_are_a_speech_red_flag_thanks_beyond_words_are_not() -> None:
    assert top("I'm mixing up words, said fork when I meant phone") is Intent.URGENT
    assert not classify("I can't find the right words to thank you", POLICIES).has(Intent.URGENT)


@pytest.mark.parametrize(("text", "names"), [
    ("mi sobrina Valeria quiere hacerse los labios, escríbanle al 310 555 0133", ["Valeria"]),
    ("ask for Brooke when she calls, she's my roommate", ["Brooke"]),
])
def test_the_person_not_the_command_is_named(text: str, names: list[str]) -> None:
    assert [m.name for m in extract_referrals(text)] == names


@pytest.mark.parametrize("text", [
    "perfect, another bill I didn't expect", "great, now I look tired AND I'm broke",
    "now I look surprised all the time lol",
])
def test_praise_words_around_a_new_trouble_earn_no_ask(text: str) -> None:
    reading = classify(text, POLICIES)
    assert reading.top.intent is not Intent.POSITIVE, reading.intents


@pytest.mark.parametrize("text", ["great, now I can finally smile in photos!", "I look less tired, love it"])
def test_praise_with_now_or_tired_in_it_stays_praise(text: str) -> None:
    assert top(text) is Intent.POSITIVE
