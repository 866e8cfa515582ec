"""Which language a patient writes in: Spanish ("es") or English ("en"), from one SMS.

Word evidence, not a model: each word that belongs to one language only adds to that language's score
(function words count double, because in Spanglish the language that carries the grammar is the one
the patient reads in), and Spanish spelling marks (accents, ñ, ¿, ¡) add to Spanish. Words both
languages use ("no", "me", "a", "ok", "STOP", "son", "come", "tan") count for neither, so "ok" or an
emoji says nothing and the conversation's earlier texts decide.

Deterministic, no download, a few microseconds per text. English is the default: Spanish must win.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["SPANISH", "ENGLISH", "detect_language", "language_evidence", "conversation_language"]

SPANISH = "es"
ENGLISH = "en"

FUNCTION = 2.0  # grammar words: articles, pronouns, prepositions, conjunctions, auxiliaries
CONTENT = 1.0  # everyday words patients text, each used by one language only
MARK = 1.0  # one Spanish spelling mark (á é í ó ú ñ ¿ ¡), counted up to MAX_MARKS
MAX_MARKS = 3  # "café" in an English text must not outweigh the English around it

# Accents fold away before lookup ("está" = "esta"); apostrophes vanish ("don't" = "dont"). A few
# str.replace calls: str.translate with a table is several times slower on short texts.
_FOLD = (("á", "a"), ("é", "e"), ("í", "i"), ("ó", "o"), ("ú", "u"), ("ü", "u"), ("ñ", "n"),
         ("à", "a"), ("è", "e"), ("ì", "i"), ("ò", "o"), ("ù", "u"), ("'", ""), ("\u2019", ""))
_MARKS = re.compile("[áéíóúñ¿¡]")
_TOKEN = re.compile("[a-z]+")
_RUN = re.compile(r"([a-z])\1\1+")  # "holaaaa", "graciasss", "soooo": letters stretched for feeling
_LAUGH_ES = ("jaja", "jeje", "jsjs")  # Spanish laughter ("jajaja"): English writes "haha"

# Words both languages use, or slang both write, are deliberately absent: a, no, me, ok, u, he, has,
# ha, son, come, era, once, sale, pie, ten, tan, van, dime, solo, total, normal, final, doctor,
# hospital, color, plan, mama, ya ("see ya"), toy, pa, lol, haha, omg, k, x, d.
_ES_FUNCTION = """
el la los las lo le les un una unos unas al del de en con por para sin sobre entre hasta desde hacia
y e o pero porque pues que q ke xq pq porq xk cuando donde como cual cuales quien quienes cuanto
cuanta cuantos cuantas yo tu usted ustedes ella ellos ellas nosotros nosotras mi mis su sus tus nuestro
nuestra nuestros nuestras te se nos les esto esta este estos estas eso esa ese esos esas aqui ahi alli
es estoy esta estan estaba estuvo soy eres fue fueron ser estar hay habia han hemos tengo
tiene tienen tenia tuve muy mas tambien tmb tb tampoco todavia aun nunca siempre nada algo alguien
nadie todo toda todos todas otro otra otros otras mucho mucha muchos muchas poco poca
""".split()
_ES_CONTENT = """
hola buenas buenos dias tardes noches gracias grax grx grasias graciass muchas porfa porfavor xfa xfavor
favor bien bn mal bueno buena malo mala mejor peor si claro vale perfecto genial excelente
encanta encanto encantan encantaron gusta gusto gustan gustaron quiero quiere queria quisiera puedo
puede podria necesito necesita sabe se siento siente senti veo ve vi hice hizo hacer tener venir vengo
viene ir voy va vamos llamar llamo llame llamen escriban escribir manden mandar envien enviar mensajes
mensaje msj cel celular numero telefono cita citas agendar reservar cambiar cancelar pregunta preguntar
hoy ayer manana ahora luego despues antes semana mes contenta contento feliz felices encantada
encantado hermosa hermoso bonita bonito linda lindo increible maravilloso maravillosa resultado
resultados cara labios labio ojo ojos vista borrosa borroso dolor duele duelen hinchado hinchada
hinchazon morado morada rojo roja moretones moreton fiebre calor caliente respirar sangre piel
hermana hermano amiga amigo amigas amigos prima primo tia tio suegra esposo esposa novio novia hija
hijo mami papi senora senor ntp tqm dnd nd baja alto parar ayuda quieren tambien preocupes preocupa
numero equivocado nombre todavia sigue igual verdad ojala
""".split()
_EN_FUNCTION = """
the an and but or of to for with from about into onto at on in by as than then if so because
i im ive id ill you youre your yours ur u r it its itll we were weve our they theyre their them she
her hers him his this that these those there here what whats when where who whom why how which
is are was be been being am do does did dont doesnt didnt cant cannot wont wouldnt shouldnt couldnt
isnt arent wasnt havent hasnt will would should could can have has had just not very really also too
still some any all more much every my mine myself
""".split()
_EN_CONTENT = """
hi hello hey thanks thank thx ty tysm please pls plz yes yeah yep yup nope sure okay great good
bad better best love loved loving like liked looks look looking looked happy glad sad amazing awesome
perfect beautiful feel feeling feels felt want wants wanted need needs know think get got see saw
text texts texting message messages call number wrong book booking appointment schedule reschedule
cancel question today tomorrow yesterday week now later since after before still swollen swelling
bruise bruised bruising pain hurts hurt sore red itchy blurry vision breathe breathing fever face lips
friend sister brother mom mother dad wife husband daughter cousin aunt boyfriend girlfriend
results result help sorry everything nothing something anyone someone guys thing things right day
""".split()


def _lexicon() -> dict[str, float]:
    """One signed weight per word: positive is Spanish, negative English. A word listed for both
    languages (a mistake worth catching) would cancel out rather than tip either way."""
    weights: dict[str, float] = {}
    for words, weight in ((_ES_CONTENT, CONTENT), (_ES_FUNCTION, FUNCTION),
                          (_EN_CONTENT, -CONTENT), (_EN_FUNCTION, -FUNCTION)):
        for word in words:
            previous = weights.get(word, 0.0)
            # Within one language the higher tier wins; across languages the word becomes neutral.
            if previous == 0.0 or (previous > 0) == (weight > 0):
                weights[word] = weight if abs(weight) >= abs(previous) else previous
            else:
                weights[word] = 0.0
    return {w: v for w, v in weights.items() if v}


_WEIGHTS = _lexicon()


def _score(text: str) -> float:
    """Spanish evidence minus English evidence (0.0: none, or a perfect tie)."""
    lower = text.lower()
    if lower.isascii():  # most texts: no marks to count, only apostrophes to drop (cheaper than translate)
        score = 0.0
        folded = lower.replace("'", "") if "'" in lower else lower
    else:
        score = MARK * min(len(_MARKS.findall(lower)), MAX_MARKS)
        folded = lower
        for mark, plain in _FOLD:
            if mark in folded:
                folded = folded.replace(mark, plain)
    if _RUN.search(folded):
        folded = _RUN.sub(r"\1", folded)
    if "j" in folded and any(laugh in folded for laugh in _LAUGH_ES):
        score += CONTENT
    get = _WEIGHTS.get
    for token in _TOKEN.findall(folded):
        score += get(token, 0.0)
    return score


def language_evidence(text: str) -> str | None:
    """Which way the text leans: "es", "en", or None when it says nothing ("ok", "STOP", an emoji)."""
    if not text:
        return None
    score = _score(text)
    if score > 0:
        return SPANISH
    if score < 0:
        return ENGLISH
    return None


def detect_language(text: str) -> str:
    """The language to answer one text in: "es" only when Spanish evidence wins, otherwise "en"."""
    return language_evidence(text) or ENGLISH


def conversation_language(latest: str, earlier: Iterable[str]) -> str:
    """The language to answer in: the latest patient text when it says anything, else the most recent
    earlier patient text (oldest first in `earlier`) that does, else English."""
    found = language_evidence(latest)
    if found is not None:
        return found
    for text in reversed(list(earlier)):
        found = language_evidence(text)
        if found is not None:
            return found
    return ENGLISH
