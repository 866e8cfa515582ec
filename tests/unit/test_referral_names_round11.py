"""Referral names, round 11: the failure kinds seen on split 5 (read once, now dev data), in new wordings.

Each kind is a family of phrasings; these texts are written fresh (none is a split text) in English and
Spanish where the kind applies, with negatives that must name no one. Read with extract_referrals alone.
"""
from __future__ import annotations

import time

import pytest

from agent.brains.offline.extract import extract_referrals


def names(text: str) -> list[str]:
    return [m.name for m in extract_referrals(text) if m.name]


CASES: list[tuple[str, list[str]]] = [
    # 1. a name that is also a word, subject of "is gonna / will call you"
    ("Hope is going to text you guys, she's my coworker", ["Hope"]),
    ("Will is gonna reach out to y'all about lip filler", ["Will"]),
    ("Rose will call you tomorrow, she's my aunt", ["Rose"]),
    ("Grace is going to contact you about the peel", ["Grace"]),
    ("Luz les va a llamar, es mi vecina", ["Luz"]),
    # 2. every name in a list after the clinic's details were passed on
    ("I gave your number to Kim, Lori and Denise", ["Kim", "Lori", "Denise"]),
    ("passed ur info to Jada and Monique from church, they'll call", ["Jada", "Monique"]),
    ("shared your insta with Priya, Nadia & Zoe", ["Priya", "Nadia", "Zoe"]),
    ("Le di tu número a Marta, Lupe y Chela", ["Marta", "Lupe", "Chela"]),
    ("les pasé su info a Rocío y a Tere", ["Rocío", "Tere"]),
    # 3. relationship + Name's (is), "me" for "my", "mate" for friend
    ("My cousin Dara's keen to try the hydrafacial", ["Dara"]),
    ("me sister Aoife's after some botox, I'll give her your number", ["Aoife"]),
    ("My mate Kylie's wanting lip filler, text her", ["Kylie"]),
    ("me mate Ciaran's interested in the laser", ["Ciaran"]),
    # 4. hyphenated names; names before "my friends"
    ("Mary-Kate and Ashley-Ann my cousins want to come in", ["Mary-Kate", "Ashley-Ann"]),
    ("Hye-jin and Soo-ah, my coworkers, want botox", ["Hye-jin", "Soo-ah"]),
    ("Jean-Luc my neighbor wants to book, text him", ["Jean-Luc"]),
    ("Jin-ho y Min-ji mis amigos quieren ir juntos", ["Jin-ho", "Min-ji"]),
    # 5. someone else's relative named ("grandson's wife"), "would like information about"
    ("My daughter's husband Terrence would like info about the laser", ["Terrence"]),
    ("My son's girlfriend Kayleigh would like information on botox", ["Kayleigh"]),
    ("My sister's friend Odette would like info about filler, her number is 555-201-3344", ["Odette"]),
    ("La esposa de mi hijo, Yuridia, quiere información del peeling", ["Yuridia"]),
    # 6. languages and nationalities are never names
    ("Please call Ingrid, she's Swedish and wants filler", ["Ingrid"]),
    ("My friend Mei wants to come, she speaks Mandarin and a little English", ["Mei"]),
    ("Mi amiga Lucía quiere ir, habla Español e Inglés", ["Lucía"]),
    ("Can you text Tomas? Brazilian friend, Portuguese is his first language, wants botox", ["Tomas"]),
    # 7. French / Haitian Creole relationships
    ("Ma soeur Nadège want to come for botox, I give her your number", ["Nadège"]),
    ("Mon cousin Jean-Robert wants the laser too", ["Jean-Robert"]),
    ("Ma tante Guerline want the facial, call her", ["Guerline"]),
    ("Mon frère Wilner would like information about botox", ["Wilner"]),
    ("Manman Roselène want to come too", ["Roselène"]),
    # 8. "expect X and Y", "X and Y will be in touch", "watch out for X"
    ("Told the girls at church about you. Expect Marlene and Gloria soon", ["Marlene", "Gloria"]),
    ("Winnie and Bea will be in touch this week", ["Winnie", "Bea"]),
    ("Watch out for Tamsin, she wants to book next week", ["Tamsin"]),
    ("Yadira y Nancy se van a comunicar con ustedes", ["Yadira", "Nancy"]),
    ("Esperen una llamada de Marisa y Chayo esta semana", ["Marisa", "Chayo"]),
    ("keep an eye out for Bree and Kasey, they want lips", ["Bree", "Kasey"]),
    # 9. number words are never names
    ("Passed ur number to two girls from the gym: Kendra and Jo", ["Kendra", "Jo"]),
    ("Le di su número a dos vecinas: Marisol y Lupita", ["Marisol", "Lupita"]),
    ("Tres de mis primas quieren ir: Itzel, Dulce y Noemí", ["Itzel", "Dulce", "Noemí"]),
    ("Both of my sisters want in, Tara and Jen", ["Tara", "Jen"]),
    # 10. interjections that open a text are never names
    ("Che, la Vicky y la Romi quieren hacerse botox", ["Vicky", "Romi"]),
    ("Güey, Fer y Toño quieren ir al láser", ["Fer", "Toño"]),
    ("Boludo, la Caro quiere ir", ["Caro"]),
    ("Parce, Yeni quiere hacerse el peeling", ["Yeni"]),
    ("Mana, mi hermana Dayana quiere cita", ["Dayana"]),
    # 11. a bare name as its own sentence next to a number, after a referral
    ("My coworker wants lip filler. Deja. 555-212-3434", ["Deja"]),
    ("Mi vecina quiere botox. Graciela. 555 301 2020", ["Graciela"]),
    ("A friend of mine is interested in the peel. Tori. 555-014-7788", ["Tori"]),
    # 12. the writer's own family framing is not a referral
    ("I'm Gloria's daughter, my aunt Trish wants to book too", ["Trish"]),
    ("Soy el hijo de don Ramón, mi esposa Liliana quiere una cita", ["Liliana"]),
    ("Soy nieta de la señora Carmen, mi prima Yaz quiere ir", ["Yaz"]),
    # 13. a relationship group, then the names after a comma
    ("mis dos sobrinas quieren ir al láser, Dulce y Noemí, ¿les pueden escribir?", ["Dulce", "Noemí"]),
    ("Tengo tres amigas que quieren botox, Sara, Elena y Pili, les paso su número?", ["Sara", "Elena", "Pili"]),
    ("Tengo dos vecinas que quieren venir, Maritza y Olga", ["Maritza", "Olga"]),
    ("I have two coworkers who want to come, Jade and Brooke, can I give them your number?", ["Jade", "Brooke"]),
    # 14. already read: keep
    ("Les recomendé con Ana Lucía y con Mercedes, las dos quieren cita", ["Ana Lucía", "Mercedes"]),
]

NEGATIVES: list[str] = [
    "Will you text her?",
    "Will you call me back tomorrow?",
    "I'm Rosa's daughter and I want to book",
    "Soy la hija de doña Rosa y quiero una cita",
    "Expect delays lol",
    "English isn't my first language",
    "Hablo Español, no Inglés",
    "two of my friends want to come",
    "Dos amigas quieren ir",
    "Both want to come",
    "Che, quiero una cita",
    "Hope you guys are well",
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[t[:40] for t, _ in CASES])
def test_round11_names(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize("text", NEGATIVES)
def test_round11_no_names(text: str) -> None:
    assert names(text) == []


def test_round11_long_text_stays_fast() -> None:
    text = ("my friend Jo wants in, gave ur number to Kim, Lori and Denise. Expect Bea and Gloria. " * 20)[:1500]
    start = time.perf_counter()
    extract_referrals(text)
    assert time.perf_counter() - start < 0.5
