"""Referral extraction in the forms patients use, in English and Spanish (issue 11, item 4).

Each row is one patient text and the exact people it introduces: (name, E.164 phone, canonical
relationship). Relationship values are English whatever the language of the text.
"""
from __future__ import annotations

import pytest

from agent.brains.offline.extract import ReferralMention, extract_bare_referral, extract_referrals

M = ReferralMention
P1, P2, P3 = "+14155550101", "+14155550102", "+14155550134"

COMMANDS = [
    ("tell Jordan about you guys, he wants the same", [M("Jordan", None, None)]),
    ("tell jordan about u", [M("Jordan", None, None)]),
    ("Tell my friend Priya about y'all", [M("Priya", None, "friend")]),
    ("text my cousin ana 415-555-0101", [M("Ana", P1, "cousin")]),
    ("call my mom, she wants in", [M(None, None, "mother")]),
    ("you should text Priya", [M("Priya", None, None)]),
    ("text priya pls she wants in", [M("Priya", None, None)]),
    ("reach out to my friend Tasha (415) 555-0134", [M("Tasha", P3, "friend")]),
    ("can you call my sister dana at 415 555 0101? she wants a consult", [M("Dana", P1, "sister")]),
    ("pls hit up my coworker Bree, she's dying to come in", [M("Bree", None, "coworker")]),
    ("give my bff Nina a call 415-555-0101", [M("Nina", P1, "best friend")]),
    ("text Marco 4155550101 he wants lips too", [M("Marco", P1, None)]),
    ("Can you reach out to Jess? She wants to book", [M("Jess", None, None)]),
    ("I'll have my sister call you tomorrow", [M(None, None, "sister")]),
    ("tell my mother-in-law about you, she'd love it", [M(None, None, "mother-in-law")]),
    ("tell my stepmom Rhonda about y'all", [M("Rhonda", None, "stepmother")]),
    ("text my neighbor at 415-555-0134, her name is Gail", [M("Gail", P3, "neighbor")]),
    ("call mom she wants in too", [M(None, None, "mother")]),
    ("tell Dana and Kim about you", [M("Dana", None, None), M("Kim", None, None)]),
]

NUMBERS = [
    ("Kim 415.555.0134", [M("Kim", P3, None)]),
    ("+14155550134 is my sister Dana", [M("Dana", P3, "sister")]),
    ("my friend wants in, her # is 415 555 0134", [M(None, P3, "friend")]),
    ("her # is 415 555 0134", [M(None, P3, None)]),
    ("Kim's number is 415-555-0134, she wants to come", [M("Kim", P3, None)]),
    ("Sarah: (415) 555-0134", [M("Sarah", P3, None)]),
    ("415-555-0134 - Kim, she wants botox too", [M("Kim", P3, None)]),
    ("Dana at 415 555 0101 wants in", [M("Dana", P1, None)]),
    ("my mom 415-555-0101 wants to come", [M(None, P1, "mother")]),
    ("my sister Dana 415-555-0101 and my friend Kim 415-555-0102 both want to come",
     [M("Dana", P1, "sister"), M("Kim", P2, "friend")]),
    ("Dana 415-555-0101 and Kim 415-555-0102 want in", [M("Dana", P1, None), M("Kim", P2, None)]),
    ("1 (415) 555-0134 is my coworker Jen", [M("Jen", P3, "coworker")]),
]

SEVERAL = [
    ("my sister Dana and my friend Kim both want to come", [M("Dana", None, "sister"), M("Kim", None, "friend")]),
    ("Dana, Kim and Lou want in", [M("Dana", None, None), M("Kim", None, None), M("Lou", None, None)]),
    ("mis amigas Sofi y Carmen", [M("Sofi", None, "friend"), M("Carmen", None, "friend")]),
    ("Dana and Kim want to book too", [M("Dana", None, None), M("Kim", None, None)]),
    ("my friends Jess and Amy are interested", [M("Jess", None, "friend"), M("Amy", None, "friend")]),
    ("Dana y Carmen quieren venir", [M("Dana", None, None), M("Carmen", None, None)]),
    ("my sisters Ana, Bea and Cleo want to come",
     [M("Ana", None, "sister"), M("Bea", None, "sister"), M("Cleo", None, "sister")]),
    ("my mom and my aunt want to come too", [M(None, None, "mother"), M(None, None, "aunt")]),
    ("Mi prima Ana y mi tía Rosa quieren cita", [M("Ana", None, "cousin"), M("Rosa", None, "aunt")]),
    ("my sister Dana and Kim want in", [M("Dana", None, "sister"), M("Kim", None, None)]),
    ("so happy!! Dana and Kim want to come", [M("Dana", None, None), M("Kim", None, None)]),
]

RELATIVES = [
    ("my mother-in-law Linda wants to come", [M("Linda", None, "mother-in-law")]),
    ("my sister in law Jen is interested", [M("Jen", None, "sister-in-law")]),
    ("my stepdad wants botox lol", [M(None, None, "stepfather")]),
    ("my step mom wants to come", [M(None, None, "stepmother")]),
    ("my bestie Kayla is dying to come", [M("Kayla", None, "best friend")]),
    ("my bff wants to come too", [M(None, None, "best friend")]),
    ("my coworker Tom asked where I went", [M("Tom", None, "coworker")]),
    ("my roommate Zoe wants in", [M("Zoe", None, "roommate")]),
    ("my neighbor Gail keeps asking about you guys", [M("Gail", None, "neighbor")]),
    ("my boss wants your number lol", [M(None, None, "boss")]),
    ("my fiancé Marco wants to come with me", [M("Marco", None, "fiance")]),
    ("my fiancee wants to book", [M(None, None, "fiance")]),
    ("my partner Sam wants in", [M("Sam", None, "partner")]),
    ("my hubby wants the same thing", [M(None, None, "husband")]),
    ("my wife Ana would love to come", [M("Ana", None, "wife")]),
    ("my father-in-law wants to try it", [M(None, None, "father-in-law")]),
    ("my brother in law Rick wants to come", [M("Rick", None, "brother-in-law")]),
    ("my MIL wants in", [M(None, None, "mother-in-law")]),
    ("my friend Tia wants to come", [M("Tia", None, "friend")]),
]

SPANISH = [
    ("mi hermana Lucia quiere venir, su numero es 415 555 0177", [M("Lucia", "+14155550177", "sister")]),
    ("dile a mi prima Ana", [M("Ana", None, "cousin")]),
    ("mi suegra tambien quiere", [M(None, None, "mother-in-law")]),
    ("Lucia (mi hermana) quiere cita", [M("Lucia", None, "sister")]),
    ("mi amiga quiere venir, se llama Lucia", [M("Lucia", None, "friend")]),
    ("se llama Lucia", [M("Lucia", None, None)]),
    ("le pasé su número a mi amiga Carla", [M("Carla", None, "friend")]),
    ("mi hermano Diego quiere botox", [M("Diego", None, "brother")]),
    ("mi mamá quiere una cita", [M(None, None, "mother")]),
    ("mi papá también quiere venir", [M(None, None, "father")]),
    ("mi suegro Raúl quiere info", [M("Raúl", None, "father-in-law")]),
    ("mi cuñada Paty quiere venir", [M("Paty", None, "sister-in-law")]),
    ("mi cuñado quiere saber precios", [M(None, None, "brother-in-law")]),
    ("mi tía Rosa quiere venir", [M("Rosa", None, "aunt")]),
    ("mi tio quiere una consulta", [M(None, None, "uncle")]),
    ("mi amigo Beto quiere ir", [M("Beto", None, "friend")]),
    ("mi vecina Lupe pregunta por ustedes", [M("Lupe", None, "neighbor")]),
    ("mi compañera de trabajo Karla quiere cita", [M("Karla", None, "coworker")]),
    ("mi esposo quiere probar", [M(None, None, "husband")]),
    ("mi esposa Ana quiere venir conmigo", [M("Ana", None, "wife")]),
    ("mi novia quiere hacerse los labios", [M(None, None, "girlfriend")]),
    ("mi novio Luis tambien quiere", [M("Luis", None, "boyfriend")]),
    ("mi hija quiere venir", [M(None, None, "daughter")]),
    ("mi hijo Mateo quiere info", [M("Mateo", None, "son")]),
    ("mi nuera Vero quiere una cita", [M("Vero", None, "daughter-in-law")]),
    ("mi prima ana 415 555 0101 quiere venir", [M("Ana", P1, "cousin")]),
    ("mi mama quiere venir", [M(None, None, "mother")]),
    ("mi primo Toño quiere ir, su cel es 415-555-0134", [M("Toño", P3, "cousin")]),
    ("llama a mi hermana, quiere cita", [M(None, None, "sister")]),
    ("escríbele a Carla al 415 555 0134", [M("Carla", P3, None)]),
    ("mándale mensaje a mi amiga Sofi 4155550101", [M("Sofi", P1, "friend")]),
    ("el número de mi hermana es 415 555 0134", [M(None, P3, "sister")]),
    ("mi hermana y mi prima quieren venir", [M(None, None, "sister"), M(None, None, "cousin")]),
    ("quiere venir mi hermana Lucia", [M("Lucia", None, "sister")]),
    ("mi mejor amiga Dani quiere cita", [M("Dani", None, "best friend")]),
    ("my prima Ana wants to come", [M("Ana", None, "cousin")]),
    ("mi sister quiere venir", [M(None, None, "sister")]),
    ("le conté a mi amiga Vane de ustedes", [M("Vane", None, "friend")]),
    ("puedo llevar a mi mamá la próxima vez?", [M(None, None, "mother")]),
    ("mi hermana menor Sofía también quiere ir", [M("Sofía", None, "sister")]),
    ("MI HERMANA QUIERE VENIR", [M(None, None, "sister")]),
    ("dile a ana que me encanto", [M("Ana", None, None)]),
]

# Someone else's relative, relationships said after the name, lowercase names where a name must be.
PIECES = [
    ("my coworker's mom wants to come in", [M(None, None, None)]),
    ("my bfs sister wants botox", [M(None, None, None)]),
    ("my friend's sister wants in, her name is Mia", [M("Mia", None, None)]),
    ("la mamá de mi novio quiere venir", [M(None, None, None)]),
    ("la esposa de mi primo quiere info, se llama Leti", [M("Leti", None, None)]),
    ("my cousin Kara and her sister want to book", [M("Kara", None, "cousin"), M(None, None, None)]),
    ("tasha wants in, shes my bff", [M("Tasha", None, "best friend")]),
    ("dile a Marisa q es amiga mia", [M("Marisa", None, "friend")]),
    ("Jenny (310) 555-0140 wants to come, she's my coworker", [M("Jenny", "+13105550140", "coworker")]),
    ("jordan wants the same thing i got", [M("Jordan", None, None)]),
    ("lol megan wants to book too", [M("Megan", None, None)]),
    ("lucy, mara and jo all want a girls day", [M("Lucy", None, None), M("Mara", None, None), M("Jo", None, None)]),
    ("referral: hannah lee 415-555-0101", [M("Hannah Lee", P1, None)]),
    ("friend referral - jasmine, 415-555-0101", [M("Jasmine", P1, None)]),
    ("heres my friends info: ruby, 415-555-0101", [M("Ruby", P1, "friend")]),
    ("mom's number: 415-555-0101, she wants to book", [M(None, P1, "mother")]),
    ("my moms number is 415-555-0101", [M(None, P1, "mother")]),
    ("heres my sisters number 415-555-0101", [M(None, P1, "sister")]),
    ("415-555-0101 is my sister, she wants an appt", [M(None, P1, "sister")]),
    ("a friend of mine wants to book", [M(None, None, "friend")]),
    ("can i bring a friend next time", [M(None, None, "friend")]),
    ("my sister dana and friend kim both want some", [M("Dana", None, "sister"), M("Kim", None, "friend")]),
    ("my cousins lily and grace want to come", [M("Lily", None, "cousin"), M("Grace", None, "cousin")]),
    ("my friend from Texas wants to come", [M(None, None, "friend")]),
    ("mi hermana la de Dallas quiere q le den cita", [M(None, None, "sister")]),
    ("mi prima Ana Lucia les va a llamar", [M("Ana Lucia", None, "cousin")]),
    ("mi amiga del trabajo, Ingrid, quiere info", [M("Ingrid", None, "coworker")]),
    ("Dana mi compañera quiere agendar", [M("Dana", None, "coworker")]),
    ("les va a llamar una amiga, Rosy, de parte de Mayra", [M("Rosy", None, "friend")]),
    ("ya le conté a mi tía, va a ir", [M(None, None, "aunt")]),
    ("mi mamá vio mis fotos y dice q quiere lo mismo", [M(None, None, "mother")]),
    ("my mom wants in, and can u text my mom at 415-555-0101", [M(None, P1, "mother")]),
    ("i gave my coworker ur number, she wants lips", [M(None, None, "coworker")]),
    ("my friend from work, shes at 415-555-0101, wants a consult", [M(None, P1, "coworker")]),
    ("my sister is gonna text you, her name is dana", [M("Dana", None, "sister")]),
    ("my twin sister wants to come", [M(None, None, "sister")]),
    ("yes please book me and my sister for friday", [M(None, None, "sister")]),
    ("Mercedes wants to come, she's my aunt", [M("Mercedes", None, "aunt")]),
    ("Rosa quiere venir, es mi vecina", [M("Rosa", None, "neighbor")]),
]

SELF_AND_NOISE = [
    ("i'm Maya, my friend Kim wants to come", [M("Kim", None, "friend")]),
    ("This is Maya, my sister Dana wants in", [M("Dana", None, "sister")]),
    ("my name's Maya, my mom wants to come", [M(None, None, "mother")]),
    ("me llamo Maya y mi prima Ana quiere venir", [M("Ana", None, "cousin")]),
    ("soy Maya! mi amiga Carla quiere cita", [M("Carla", None, "friend")]),
]

NOTHING = [
    "my name is Maya and I love it",
    "my name's Maya",
    "this is Maya, thanks so much!",
    "hi it's Maya from tuesday",
    "Maya here, all good",
    "soy Maya, me encantó",
    "me llamo Maya",
    "mi nombre es Maya",
    "call me back please",
    "text me tomorrow",
    "call tmrw?",
    "tell Jessica thank you so much!!",
    "tell everyone i said hi",
    "call monday?",
    "can you text the address",
    "send pics pls",
    "tell him about you guys",
    "my sister loves her botox",
    "mi mamá dice que me veo bien",
    "mi hermana vio mis labios",
    "Monday and Friday work for me",
    "April and May want in",
    "Lips and Filler want",
    "Botox, Filler and Lips want in",
    "ella quiere venir",
    "quiero venir el martes",
    "mi número nuevo es 415 555 0134",
    "my new number is 415 555 0134",
    "text back anytime",
    "llámame al 415 555 0134",
    "dile a ella que gracias",
    "thanks!! -Maya",
    "gracias, saludos a la doctora",
    "msg received",
    "how do i change my text settings",
    "do msg rates apply",
    "take me off your contact list",
    "my ring light and i are thrilled",
    "this is my cell not my sisters, wrong number",
    "my friends aren't into this stuff",
    "my coworker paid way less for her lips",
    "como se llamaba la chica que me atendio?",
    "puedo besar a mi novio jaja",
    "my husband asked if i looked tired lol",
    "not into the refer a friend thing",
    "my words are coming out funny",
    "as a mom i want to look fresh",
    "a friend told me about you",
    "this is my daughters phone, stop texting",
    "my friend referred me to you guys",
    "my sister is bringing me to my appt",
    "my husband and i both loved it",
    "mi esposo y yo estamos felices",
    "mi hermana vino conmigo",
    "mi esposo me va a llevar",
    "me recomendaron con ustedes",
    "my friend recommended you",
    "my mom sent her love",
    "my sister gave me your number",
    "tell Ashley about the swelling",
    "tell Ashley she's amazing",
    "have Jessica call me back",
    "I'll call tomorrow to reschedule",
    "Kayla was amazing, tell her thanks",
    "can Kayla text me about aftercare",
    "Can you let Lisa know I'm running late",
    "mi hermana me acompañó y le encantó",
    "mi mamá me llevó a la cita",
    "Hi this is Kim, is my appt still on?",
    "April wants to know if you have openings",
]


def _rows(*groups):
    return [row for group in groups for row in group]


@pytest.mark.parametrize(
    ("text", "expected"), _rows(COMMANDS, NUMBERS, SEVERAL, RELATIVES, SPANISH, PIECES, SELF_AND_NOISE)
)
def test_forms(text: str, expected: list[ReferralMention]) -> None:
    assert extract_referrals(text) == expected


@pytest.mark.parametrize("text", NOTHING)
def test_nobody_introduced(text: str) -> None:
    assert extract_referrals(text) == []


def test_known_names_are_ignored() -> None:
    """The patient's own name and the clinic's words, when the caller knows them."""
    assert extract_referrals("Maya wants to book again", ignore={"Maya"}) == []
    assert extract_referrals("Glow wants to book", ignore={"glow"}) == []
    assert extract_referrals("Kim wants to book") == [M("Kim", None, None)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mi hermana Lucia", M("Lucia", None, "sister")),
        ("Lucia 415 555 0177", M("Lucia", "+14155550177", None)),
        ("si! mi prima", M(None, None, "cousin")),
        ("claro, Ana", M("Ana", None, None)),
        ("se llama Ana", M("Ana", None, None)),
        ("mi suegra", M(None, None, "mother-in-law")),
        ("sure, my stepdad", M(None, None, "stepfather")),
        ("Kim 415.555.0134", M("Kim", P3, None)),
        ("my bestie!!", M(None, None, "best friend")),
        ("no gracias", None),
        ("claro que no", None),
        ("Maya", M("Maya", None, None)),
        ("es mi prima Ana", M("Ana", None, "cousin")),
    ],
)
def test_bare_answers(text: str, expected: ReferralMention | None) -> None:
    assert extract_bare_referral(text) == expected

