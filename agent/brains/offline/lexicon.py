"""Word lists and compiled rules for the offline classifier (agent/brains/offline/classify.py).

Everything here runs over `agent.text.normalize` output: lowercase, ASCII apostrophes, emoji as words
("love", "amazing", "ok", "bad"), SMS spellings expanded ("u" -> "you", "thx" -> "thanks",
"cant" -> "can't"). Keep the rules readable: one idea per regex, commented where not obvious.
"""
from __future__ import annotations

import re

from agent.regex import Prefiltered


def _rx(*alternatives: str, factor: bool = True) -> Prefiltered:
    """One rule from alternatives, skipped when none of the literals its matches must contain is in
    the text. Python's re tries every alternative at every position; factoring out the shared
    leading \\b makes most rules several times faster on long texts (measure before changing)."""
    bounded = [a[2:] for a in alternatives if factor and a.startswith(r"\b")]
    others = [a for a in alternatives if not (factor and a.startswith(r"\b"))]
    parts = [r"\b(?:" + "|".join(f"(?:{a})" for a in bounded) + ")"] if bounded else []
    return Prefiltered("|".join(parts + [f"(?:{a})" for a in others]))


def _fast(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# ------------------------------------------------------------------------ clauses and negation
CLAUSE_SPLIT = re.compile(r"(?<=[.!?;\n])\s*|\s+(?=but\b)|\s*,\s*(?=(?:but|though|although|however)\b)")
WORDS = re.compile(r"[a-z0-9']+")
NEGATORS = frozenset(
    "not no never don't didn't doesn't isn't wasn't aren't weren't won't can't couldn't haven't "
    "hasn't ain't hardly barely nothing nobody nor".split()
)
# Words that may sit between a negator and the word it negates ("not really loving it").
NEG_BRIDGE = frozenset(
    "really that too so very all at a the it them super exactly quite as much totally loving".split()
    # round 12: the verb and its pronouns between a negation and the praise ("didn't feel great", "no me senti
    # bien atendida", "no quedé bien", "no me atendieron bien"), in both languages
    + "feel felt feeling look looks looked turn turned come came out treated".split()
    + "me te se le les lo la los las nos muy tan senti siento sentia sentimos quede quedo quedaron quedaba "
      "atendieron atendio trataron trato fue fueron salio salieron ve veo vi veia luce lucia esta estoy estuvo "
      "estaba resulto parece parecio funciono funciona".split()
)
INTENSIFIERS = frozenset(
    "so really very super extremely absolutely totally omg freaking literally truly incredibly "
    "crazy insanely beyond seriously ridiculously unbelievably such".split()
)
_SUBJECT = (
    r"(?:i|you|u|we|it|they|he|she|there|this|that|these|those|my|the|your|y'all|someone|anyone|a|an)"
)
QUESTION_START = re.compile(
    r"^(?:(?:hi|hey|hello|ok|so|also|btw|and|um|quick question|sorry|just checking)\W+)*"
    r"(?:(?:what|what's|when|where|why|how|how's|who|which|anyone|any)\b(?!')|"
    r"(?:is|are|am|can|could|do|does|did|should|will|would|may|might|shall|have|has)\s+"
    + _SUBJECT
    + r"\b)"
)
# A question in Spanish (accents and the opening mark are folded away by normalisation).
QUESTION_START_ES = re.compile(
    r"^(?:(?:hola|oye|oiga|ok|y|una pregunta|pregunta|otra cosa|disculpe?)\W+)*"
    r"(?:puedo|podria|se puede|debo|deberia|tengo que|hay que|es normal|esta bien|cuando|cuanto|cuantos|cuantas|"
    r"como|donde|por ?que|quien|cual|necesito|ya puedo)\b"
)
# Questions that expect no answer: praise and exclamation in question form ("can you believe how good
# it looks?", "why didn't I do this sooner?") and pleasantries ("how are you?"); not a question for the clinic.
RHETORICAL = re.compile(
    r"^(?:(?:hi|hey|ok|okay|so|also|btw|and|um|omg|lol)\W+)*(?:can you believe|who knew|who would have thought|"
    r"how (?:are|r) (?:you|u|y'all|you all|you guys)\b|how(?:'s| is) (?:it going|your day|everyone)|how have you been|"
    r"how (?:amazing|cute|good|great|gorgeous|crazy|cool|lucky|fun|natural|pretty|perfect)\b|"
    r"what took me so long|why did(?:n't| not) i (?:do|come|try|book)|how did i (?:ever )?(?:wait|live)|"
    r"(?:is|was|are|were)n't (?:it|that|they|this)\b|"
    r"(?:do|does|did) (?:it|they|i) (?:not )?look (?:amazing|so good|great|incredible))"
)
# "I was worried it would look fake but I love it": a fear that did not come true.
PAST_FEAR = _fast(
    r"\b(?:was|were|i'd been|had been) (?:so |a bit |a little |really |kind of )?"
    r"(?:worried|afraid|scared|nervous|concerned)\b"
)

# ------------------------------------------------------------------------ sentiment
# Positive phrases that contain a negation word and must be read whole before negation scanning.
POSITIVE_IDIOMS: tuple[tuple[Prefiltered, float], ...] = (
    (Prefiltered(r"\b(?:couldn't|could not|can't|cannot) be (?:more )?(?:happier|more happy|better|more pleased)\b"),
     0.95),
    (Prefiltered(r"\bnever (?:been|felt|looked) (?:so |this )?(?:happier|better|more confident|so good|this good)\b"),
     0.95),
    (Prefiltered(r"\bcan't stop (?:looking|staring|smiling|taking selfies)\b"), 0.93),
    (Prefiltered(r"\bcan't (?:thank you|say enough good)\b"), 0.92),
    (Prefiltered(r"\bcan't believe (?:how|the) (?:good|great|amazing|natural|beautiful|young)\b"), 0.93),
    (Prefiltered(r"\bno regrets\b"), 0.85),
    # "I can't recommend you guys enough": praise in a negated form (round 9)
    (Prefiltered(r"\b(?:can't|cannot|can not|couldn't)\s+(?:\w+\s+){0,3}?(?:recommend|thank|praise)\s+(?:\w+\s+){0,3}?enough\b"), 0.95),
    (Prefiltered(r"\bno complaints\b"), 0.75),
    (Prefiltered(r"\bcan't complain\b"), 0.7),
    (Prefiltered(r"\bnot (?:too |that |so |half )?(?:bad|terrible|awful|horrible)\b"), 0.65),
    (Prefiltered(r"\bnot (?:disappointed|upset|unhappy)\b"), 0.7),
    (Prefiltered(r"\b(?:don't|do not|didn't) hate (?:it|them)\b"), 0.6),
)

# Strong signals of a clearly positive reply (>= 0.9).
POSITIVE_STRONG = _fast(
    r"\b(?:(?<!would )(?<!'d )lov(?:e|ing|ed|es)\b(?!\s+to\b)|obsessed|amazing|awesome|incredible|perfect|"
    r"perfection|fantastic|beautiful|gorgeous|stunning|thrilled|ecstatic|wonderful|excellent|phenomenal|"
    r"flawless|fabulous|outstanding|exceeded|blown away|in love|best decision|worth it|worth every|"
    r"nailed it|10/10|highly recommend|glowing|so natural|look(?:s|ing)? natural|natural looking|"
    r"(?:5|five) stars?|left (?:you )?a (?:great |good |glowing |5 star |five star )?review|"
    r"posted about (?:you|it)|(?:tagged|shouted out|recommended) you|recommend you|"
    r"(?:would|i'd|i would|will|def|definitely|highly) recommend|"
    r"(?:look|looks|looking|feel|feels|feeling) (?:\w+ )?younger|years younger|"
    r"(?:look|looks|looking|feel|feels|feeling) (?:so |really |super |absolutely )?(?:great|amazing|fantastic|"
    r"incredible|beautiful|gorgeous|fresh|refreshed|confident|good as new|like myself)|"
    r"me encanta\w*|encantad[ao]|me fascina|muy feliz|muy contenta?o?|increible|hermos[ao]|perfect[ao]|"
    r"excelente|maravillos[ao])"
)
# Someone noticed or complimented: a strong positive in SMS ("my husband noticed").
COMPLIMENT = _fast(
    r"\b(?:compliments?|complimented|so many comments)\b|"
    r"\b(?:everyone|everybody|people|husband|wife|partner|boyfriend|girlfriend|fiance|mom|mother|sister|"
    r"friends?|coworkers?|colleagues?|boss|family|daughter|son|dad)\b(?:\s+\w+){0,2}\s+"
    r"(?:noticed|notices|noticing|said i look|says i look|keeps? telling me|told me i look|thinks? i look|"
    r"can't tell|couldn't tell|keeps? asking (?:what|if)|asked what i did|asked if i|loves? (?:it|them|my))\b"
)
POSITIVE_MEDIUM = _fast(
    r"\b(?:great|happy|pleased|glad|lovely|impressed|yay|woohoo|excited|stoked|satisfied|cute|"
    r"smooth|fresh|refreshed|(?<!works )(?<!work )best(?! friend)|me gusta\w*|contenta|contento|feliz|"
    r"(?:i'll|i will|will) (?:\w+ )?be back|coming back for (?:sure|more)|can't wait (?:to come back|for my next))\b"
)
POSITIVE_WEAK = _fast(
    r"\b(?:good|fine|nice|alright|decent|better|bien|(?:like|likes|liked) (?:it|them|the|how|my|what)|"
    r"kick(?:ing|ed)? in|starting to (?:work|show|see)|see(?:ing)? (?:a |the |some )?(?:difference|results)|"
    r"(?:swelling|bruis\w*|redness|it)(?: is| has| 's)? (?:almost |all |completely |totally |mostly )?"
    r"(?:gone|went down|gone down|disappeared|healed|faded|settled))\b"
)
WEAK_SCORES = {
    "good": 0.7, "fine": 0.6, "nice": 0.72, "alright": 0.6, "decent": 0.6, "better": 0.65, "bien": 0.65,
}
WEAK_DEFAULT = 0.75  # "i like it", "it's kicking in", "bruise is almost gone"
# Hedges keep a positive below the "clearly positive" line.
HEDGE = _fast(
    r"\b(?:i guess|i suppose|kind of|sort of|i think|maybe|not sure|so far|for now|mostly|somewhat|"
    r"pretty(?= (?:good|ok|fine|happy|nice|decent))|ok i guess|i mean|overall|at least|could be worse|"
    r"hopefully|too early|yet)\b"
)
# "not sure i like it": doubt about the result, a weak unhappy.
UNSURE = _fast(r"\bnot sure (?:i|if i|that i|how i feel|about (?:it|them|this|the|my))\b|\bundecided\b")
STRONG_HEDGE = _fast(r"\b(?:i guess|i suppose|kind of|sort of|i mean|not sure)\b")

UNHAPPY = _fast(
    r"\b(?:disappointed|disappointing|unhappy|upset|hate(?! to\b)|hated|hating|regret\w*|waste of (?:money|time)|"
    r"rip ?off|ripped off|scam\w*|rude|unprofessional|refund|money back|(?:didn't|doesn't|did not|does not|"
    r"isn't|is not|not) work(?:ing|ed)?|no (?:difference|change|results?)|"
    r"(?:can't|don't|didn't|haven't|hasn't|have not) (?:see|notice|noticed|seen|tell) "
    r"(?:a|any|much of a|the|much) (?:difference|change|results?)|nothing (?:changed|happened)|"
    r"not what i (?:wanted|asked for|expected|paid for|was expecting|pictured|imagined|had in mind|hoped for)|"
    r"worse than (?:before|i|it)|wish (?:i'd|i had|it was|it were|they were|they'd|it would)|"
    r"look(?:s|ing)? (?:worse|weird|strange|odd|off|fake|wrong|bad|terrible|awful|horrible|ridiculous)|"
    r"overfilled|overdone|too much (?:filler|product)|duck lips?|like a duck|botched|ruined|messed up|screwed up|"
    r"didn't (?:really )?(?:take|kick in|work)|still (?:moves|moving)|can still move|"
    r"overpriced|too expensive|complain\w*|frustrat\w*|annoy\w*|angry|mad|furious|pissed|"
    r"never coming back|won't be (?:back|coming back|returning)(?!\s+for\b)|not coming back(?!\s+for\b)|underwhelm\w*|meh|"
    r"dissatisfied|unsatisfied|bad (?:experience|service|job)|terrible (?:experience|service|job)|"
    r"kept (?:me )?waiting|waited (?:forever|an hour|over an hour|so long)|rushed|"
    r"expected (?:more|better)|thought it would (?:be|look)|barely (?:notice|see|tell)|"
    r"(?:already )?wor(?:e|n|ing) off|didn't last|wasn't worth|not worth|lopsided|uneven|"
    r"no me gusta\w*|decepcionad[ao]|molest[ao]|reembolso|sad|crying|ugh|awful|terrible|horrible|worst|"
    # Round 9: a complaint stated as a fact, which sarcastic praise wraps ("$600 to look exactly the same,
    # amazing value", "10/10 would not recommend", "love paying for lips that vanished in three weeks")
    # (not "I don't recommend anyone", "not comfortable recommending": refusing to refer is a decline)
    r"(?:wouldn't|won't|couldn't|can't|don't|didn't|cannot|(?:would|will|could|do|did)\s+(?:\w+\s+)?(?:not|never))"
    r"\s+(?:\w+\s+)?recommend(?!\w)(?!(?:\s+\w+){0,3}\s+enough)(?!\s+(?:anyone|anybody|people|to\b))|"
    r"no\s+(?:se\s+|te\s+|les?\s+)?(?:lo|la|los|las)\s+recomiendo|no\s+recomiendo\s+(?:este|esta|el|la|sus|su|nada)\b|"
    r"no\s+(?:lo\s+|la\s+)?recomendaria(?!\s+a\s+nadie)|"
    r"(?:to|and\s+i|i\s+still|still)\s+look\s+(?:exactly\s+|just\s+|basically\s+|literally\s+|pretty\s+much\s+)?"
    r"the\s+same|look(?:s|ed)?\s+(?:exactly|basically|literally)\s+(?:the\s+same|like\s+before)|same\s+as\s+before|"
    r"(?:lips?|filler|botox|product|volume|results?|effect)\s+(?:\w+\s+)?(?:disappeared|vanished|dissolved|wore\s+off|"
    r"(?:were|was|are|is)\s+gone)\s+(?:in|after|within)\s+(?:like\s+)?(?:a|one|two|three|four|\d+)\s+(?:days?|weeks?)|"
    r"(?:para\s+)?quedar\s+igual|qued[eé]\s+igual|sigo\s+igual|(?:me\s+veo|estoy)\s+igual\s+que\s+antes|"
    r"no\s+(?:se\s+)?(?:me\s+)?nota\s+nada|no\s+(?:me\s+)?(?:hizo|hace)\s+nada|"
    r"(?:double|over)[- ]?charged|charged\s+(?:me\s+)?(?:twice|double)|(?:me\s+)?cobraron\s+(?:doble|de\s+mas|dos\s+veces)|"
    r"\bi\s+look\s+(?:so\s+|more\s+|really\s+|even\s+|kinda\s+|permanently\s+|constantly\s+|always\s+)?(?:tired|older|sad|angry|mad|surprised|shocked|frozen|plastic)\b|"
    r"(?:unexpected|surprise|hidden|extra)\s+(?:bill|charges?|fees?)|(?:bill|charges?|fees?)\s+(?:i|we)\s+(?:didn't|did\s+not|wasn't|was\s+not)\s+(?:expect|told)\w*|"
    # Round 11: "$300 later my skin looks exactly as dull as before", "cancelling on me the morning of", "the
    # price was a joke", "ahora tengo cara de sorprendida", "parezco pato", "no estoy happy"
    r"(?:exactly|just|still)\s+as\s+(?:dull|bad|wrinkl\w*|tired|old|saggy|flat|thin|uneven|puffy|crepey|blotchy|red|lined|"
    r"droopy|heavy|fat|big)\s+as\s+(?:before|ever|it was|they were)|"
    r"cancel(?:l?ed|l?ing)\s+on\s+(?:me|us)|(?:price|cost|bill|charge|fee)s?\s+(?:\w+\s+){0,5}?(?:was|is|were|are)\s+(?:\w+\s+)?"
    r"(?:a joke|insane|ridiculous|robbery|highway robbery|outrageous)|"
    r"(?:tengo|con|quede con|me dejaron (?:con\s+)?)\s*(?:una\s+)?cara\s+de\s+(?:sorprendid|asustad|cansad|enojad|pato|payaso|mu[nñ]eca)\w*|"
    r"parezco\s+(?:un\s+|una\s+)?(?:pato|payaso|mascara|mu[nñ]eca de cera|otra persona)|"
    r"no\s+(?:estoy|quede|me siento)\s+(?:muy\s+|nada\s+|tan\s+)?happy|"
    # round 11: tox that did not take ("can still frown perfectly"), a front desk that is "a disaster"
    r"(?:can|could)\s+still\s+(?:frown|scowl|scrunch|furrow|raise\s+my\s+(?:brows|eyebrows)|move\s+my\s+(?:forehead|brows|eyebrows))|"
    r"(?:front desk|reception|scheduling|booking|billing|office|staff|place)\s+(?:\w+\s+){0,2}?(?:is|was|are|were)\s+(?:a\s+|an\s+|such\s+a\s+|total\s+|complete\s+|absolute\s+)*(?:disaster|mess|joke|nightmare|chaos)|"
    r"took\s+(?:\d+|two|three|four|five|several|multiple|so many)\s+(?:calls|tries|emails|texts|attempts)\s+to\b|"
    # round 11: rudeness in Spanish ("fue bien grosera conmigo": "bien" is "very" there, not "well")
    r"groser[ao]s?|maleducad[ao]s?|mal educad[ao]s?|majader[ao]s?|mala onda|pesim[ao]s?|mal servicio|mala atencion|"
    r"(?:me|nos) (?:trataron|trato|atendieron|atendio) (?:bien |muy )?mal|"
    r"(?<!my )bad)\b"
)
# Bad words about the roads, the weather or parking on the way in, not about the clinic (searched in the 40
# characters before an unhappy word): "el tráfico en la Palmetto está horrible", "traffic is awful, 10 min late".
NOT_OUR_FAULT = _fast(
    r"\b(?:traffic|trafico|weather|clima|lluvia|rain|snow|nieve|highway|freeway|autopista|i-?\d+|commute|tolls?)\b"
    r"[^.!?]{0,25}?\b(?:awful|terrible|horrible|worst|bad|fatal|de muerte|pesim[ao])\b"
)
# Unhappy words that also qualify a symptom ("terrible headache" is triage, not a complaint).
SYMPTOM_NOUN = re.compile(  # used with .match(text, pos): no "^"
    r"\W*(?:\w+\s+)?(?:headaches?|pain|swelling|bruis\w*|itch\w*|rash|burn\w*|ache|nausea|redness|bumps?|"
    r"cramps?|migraine|reaction|side effects?|swollen)\b"
)
UNHAPPY_MODIFIERS = frozenset("terrible awful horrible worst bad".split())
UNHAPPY_SCORES = {"crying": 0.5, "ugh": 0.55, "sad": 0.7, "bad": 0.72, "meh": 0.7, "mad": 0.75}
# "i wish it was a bit bigger": a wish, not a complaint; still enough to stay next to praise (the prune
# keeps 0.65) so that a person answers it and no ask goes out.
UNHAPPY_PREFIX_SCORES = {"wish": 0.65}

# ------------------------------------------------------------------------ concern and urgent
WORRY = _rx(
    r"\bis (?:that|this) (?:normal|ok|okay|alright|expected|common|supposed to|safe|bad|a problem|a concern)\b",
    r"\bis it (?:normal|expected|common|bad|a problem|supposed to)\b",
    r"\bis it (?:ok|okay|alright|fine|safe) (?:that|if)\b",
    r"\b(?:normal|expected) (?:for|that) (?:it|my|the|this|there)\b",
    r"\bshould i (?:be (?:worried|concerned)|worry)\b",
    r"\b(?:worried|concerned|nervous|scared|freaking out|panicking|anxious)\b",
    r"\bfeel(?:s|ing)? (?:weird|funny|strange|off|wrong|hard|firm|tight|heavy|numb|hot|warm|sick|nauseous|not right|"
    r"tingly|tingling|stiff|frozen)\b",
    r"\bcan't (?:move|feel|smile|drink|pucker|close|raise)\b", r"\bpins and needles\b",
    r"\b(?:eyes?|eyelids?|vision)\b[^.!?]{0,20}\b(?:weird|funny|strange|off|different|wrong)\b",
    r"\b(?:pregnant|breastfeeding|nursing(?!\s+(?:school|home|student|degree|program|job|assistant|shift))|allergic|allergy|"
    r"allergies|medications?|blood thinners?|antibiotics?)\b",
    r"\b(?:something's|something is|something) (?:wrong|off|not right)\b", r"\bdoesn't (?:feel|look) right\b",
    r"\bbleed\w*|\bbled\b|\bnause\w*|\bvomit\w*|\bthrew up\b|\bthrowing up\b|\bfeel sick\b",
    r"\bside effects?\b|\b(?:allergic|bad|skin|weird) reaction\b|\bhaving a reaction\b|\bes normal\b|\bme preocupa\b|"
    r"\bpreocupad[ao]\b",
    factor=False,
)

# The WORRY words that are a feeling (someone else's when another person is the subject), not a symptom.
FEELING_WORDS = re.compile(r"(?:worried|concerned|nervous|scared|freaking out|panicking|anxious)\b")

# ------------------------------------------------------------------------ booking and services
# Booking phrases that need no subject check.
BOOKING = _rx(
    r"\bre-?book\w*|\bre-?schedul\w*|\breagend\w*|\breprogram\w*",
    r"^(?:\W*)(?:pls |please )?(?:book|schedule) (?:me|my|an|a|another|the|next|for)\b",
    r"\b(?:book|schedule|cancel) (?:me|my)\b",
    r"\b(?:anything|something|any time|anytime|a spot|any spots?|room) (?:available|open)\b",
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow)\b[^.!?]{0,25}\b(?:works?|is good|"
    r"is better|is best|free|open|available|ok|okay)\b",
    r"^\W*(?:how about |what about |maybe |or |is )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"tomorrow)\b[^.!]{0,20}\?",
    r"\bcan (?:you|we|i) do (?:\d{1,2}(?::\d\d)?\s?(?:am|pm)?|noon|mornings?|afternoons?|evenings?)\b",
    r"\bavailable (?:on |this |next )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|"
    r"this week|next week|morning|afternoon|evening)\b",
    r"\b(?:move|change|push|switch|bump) (?:my|the|our) (?:appointment|appt|time|session|visit|booking|"
    r"follow[- ]?up|consult|slot|treatment|touch[- ]?up)\b",
    r"\b(?:next|another|follow[- ]?up|upcoming|second|2nd|third|3rd|touch[- ]?up)\s+(?:appointment|session|visit|"
    r"one|treatment|consult|round|booking)\b",
    r"\b(?:when|what time|what day|where) (?:is|was|are) (?:my|our) (?:appointment|session|visit|consult)\b",
    r"\bmy (?:appointment|session|visit|consult)\b[^.!]*\?",
    r"\bwhen can i (?:come|get|book|schedule|go)\b", r"\btouch[- ]?up\b",
    r"\b(?:any|have any|got any)\s+(?:openings?|availability|spots?|slots?|appointments?)\b",
    r"\b(?:openings?|availability)\b",
    r"\b(?:can't|cannot|won't be able to|not able to) make (?:it|my|the|our)\b",
    r"\brunning (?:late|behind)\b", r"\bneed to (?:cancel|move|change|push)\b",
    # round 9: late on the way ("running 10 min late", "stuck in traffic, be there in 15", "voy tarde")
    r"\b(?:running|gonna be|going to be|will be|i'll be|be|i'm|im)\s+(?:a\s+(?:bit|little|few\s+min\w*)\s+|about\s+|like\s+|~\s*)?"
    r"(?:\d+|five|ten|fifteen|twenty)\s*(?:-\s*\d+\s*)?(?:min\w*|m)\s+late\b",
    r"\b(?:gonna|going to|will|i'll) be (?:a\s+(?:bit|little)\s+|running\s+)?late\b",
    r"\bstuck in traffic\b",
    # round 11: arriving ("on my way, parking now, 5 mins", "ya voy llegando, buscando dónde parquear")
    r"\bon my way\b[^.!?]{0,30}?\b(?:\d+\s*min\w*|parking|there in|almost there)\b", r"\bparking now\b",
    r"\b(?:ya )?voy llegando\b", r"\bbuscando (?:donde )?(?:parquear|estacionar(?:me)?|parqueo|estacionamiento)\b",
    r"\bestoy (?:estacionando|parqueando|afuera de la clinica)\b",
    r"\bparked\s+(?:out\s*front|outside|in\s+the\s+(?:lot|garage|back))\b", r"\bpulling\s+(?:in|up)\s+(?:now|rn)\b",
    r"^\W*(?:i'm\s+|im\s+)?outside\b[^.!?]{0,30}?\b(?:door|locked|come|coming|wait|let\s+me\s+in)\b",
    r"\bya\s+(?:estoy|llegue)\s+(?:afuera|aqui|abajo)\b", r"\bestoy\s+afuera\s+en\s+el\s+(?:carro|coche|auto)\b", r"\bbe there in\s+(?:\d+|five|ten|fifteen|twenty|a few|a sec)\b",
    # round 12: arriving or confirming in the fewest words ("On my way 🚗", "here! which door", "ya estoy en el
    # estacionamiento", "SI CONFIRMO", "Yes I'll be there"): the front desk is who needs to know. Not "omw to
    # practice": a text for someone else.
    r"^\W*(?:(?:ok|okay|k|kk|yes|yep|si|ok ok)\W+)?(?:on my way|omw|otw|heading (?:over|there|in|your way)|leaving now|"
    r"almost there|en camino|voy en camino|voy para alla|ya voy para alla|ya casi llego|llegando)\b"
    r"(?!\s+(?:to|a|al|para|pa)\s+(?!(?:you|the clinic|the spa|your|la clinica|alla|alli|ahi)\b))",
    r"^\W*(?:(?:i'm|im|i am|we're|were)\s+)?here\s*!+|^\W*(?:i'm|im|i am|we're|were)\s+here\W*(?:$|which|where|what|"
    r"do i|should i|door|parking)|^\W*(?:ya\s+)?(?:llegue|llegamos|estoy aqui|aqui estoy|ya estoy aqui)\W*$",
    r"^\W*(?:i'm|im|i am|we're|were|ya estoy|estoy|ya estamos|estamos)\s+(?:in|at|en)\s+(?:the|your|el|la|su)\s+"
    r"(?:parking lot|parking garage|lot|garage|lobby|waiting room|estacionamiento|parqueo|parqueadero|recepcion|sala de espera)\b",
    r"^\W*(?:(?:yes|yep|si|ok|okay)\W+)?(?:i\s+)?(?:confirm(?:ed)?|confirmo|confirmado|confirmada|confirmamos)\W*"
    r"(?:(?:for|para)\s+[^.!?]{0,20})?(?:thanks?|thank you|thx|gracias)?\W*$",
    r"^\W*(?:(?:yes|yep|yeah|si|ok|okay)\W+)?(?:i'll|ill|i will|we'll|we will)\s+be there\s*(?:[.!]|$|at\b|on\b|tomorrow|tmrw|today|tonight|\d|see\b|thanks?\b|thx\b|ty\b)|^\W*(?:(?:si|ok)\W+)?"
    r"(?:ahi|alli|alla)\s+(?:estare|estaremos|nos vemos)\b",
    r"^\W*(?:(?:sip|sii+|simon|claro|va|dale|ok|si)\W+)(?:ahi|alli|alla)\s+(?:estare|estaremos|nos vemos)\b",
    r"^\W*(?:(?:ok|okay|great|perfect|cool|yes|yep)\W+)?see\s+(?:you|u|ya)\s+(?:at|@)\s*\d{1,2}(?::\d\d)?\s*(?:am|pm)?\W*$",
    r"^\W*(?:\d+|one|two|three|five|ten|fifteen)\s*(?:min\w*|mins?)\s+(?:away|out)\W*$",
    r"\b(?:voy|vamos|llego|llegare|llegamos|voy a llegar|vamos a llegar)\s+(?:\w+\s+){0,3}?tarde\b",
    r"\bllego en\s+(?:\d+|cinco|diez|quince|veinte)\b", r"\batorad[ao]s?\s+en\s+el\s+trafico\b",
    # "resérvame la segunda sesión", "ponme pa la próxima con la misma muchacha"
    r"^\W*(?:oye\s+|porfa\s+|por favor\s+)?(?:reservame|reservenme|agendame|agendenme|apartame|apartenme|anotame|anotenme|"
    r"ponme|pongame|ponganme|dame\s+(?:una\s+)?cita)\b",
    r"\bcancel(?:l?ing|l?ed)?\s+(?:my|the|our|tomorrow|today|for)\b",
    r"\b(?:booking|scheduling) (?:link|online)\b",
    r"\bcita\b", r"\bagendar\b", r"\bbook (?:again|online|in)\b",
    r"\b(?:can|could) (?:we|i) (?:do|come|switch to|move (?:it )?to|change (?:it )?to) (?:it |this |that )?(?:on )?"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|next week|another day|"
    r"a different (?:day|time)|later|earlier)\b",
)
# Booking verbs that count only when the patient is the subject ("i'd like to book", "can we come in"),
# not someone else ("Tom wants to book too").
BOOKING_VERB = _fast(
    r"\b(?:book|schedule|cancel|come in|come back|get in|get (?:on|back on) the (?:schedule|calendar|books)|"
    r"make (?:an|another|a) (?:appointment|appt)|set up (?:an|another|a) (?:appointment|appt)|sign up)\b"
)
SERVICES = (
    r"botox|dysport|xeomin|jeuveau|daxxify|neurotoxin|tox|filler|fillers|lip filler|lip flip|lips?|cheek filler|"
    r"chin filler|jawline|tear troughs?|under eyes?|laser|lasers|ipl|bbl|halo|moxi|hydrafacial|facials?|peels?|"
    r"chemical peel|microneedling|morpheus8?|rf microneedling|coolsculpting|emsculpt|kybella|sculptra|radiesse|"
    r"prp|prf|hair removal|laser hair|tattoo removal|skin ?care|products?|sunscreen|serums?|retinol|"
    r"weight loss|semaglutide|ozempic|wegovy|tirzepatide|mounjaro|membership|packages?|threads?|thread lift|"
    r"skin tightening|tightening|body contouring|dermaplaning|b12|iv therapy|iv drip|lashes|brows|"
    r"lash lift|brow lamination|waxing|massage|other (?:services|treatments|areas)"
)
# Areas patients name for a treatment they want ("get my 11s done", "thinking about doing my lips").
AREAS = r"forehead|11s|elevens|crow'?s feet|cheeks?|chin|jaw|jawline|under ?eyes?|nose|neck|brows?|lips?|smile lines|laugh lines"
SERVICE_WANT = _rx(
    rf"\b(?:thinking (?:about|of)|considering|planning on|curious about|looking into|interested in|"
    rf"(?:wanted|want|meant|meaning) to ask about|ask(?:ing)? about|a question about)\s+"
    rf"(?:getting|trying|doing|adding|having)\s+(?:some |a |the |my |more )?(?:{SERVICES}|{AREAS})\b",
    rf"\b(?:wanted to|want to|wanna|would like to|'d like to|hoping to|planning to|plan to)\s+(?:also )?"
    rf"(?:get|try|add|do|have)\s+(?:some |a |the |my |more )?(?:{AREAS})\s+(?:done|filled|treated|too|next)\b",
)
SERVICE_INTEREST = _rx(
    # not how to pay ("do you take CareCredit", "do you accept Apple Pay"): a question for the front desk
    r"\bdo (?:you|y'all|you all|you guys) (?:guys |all )?(?:also )?(?:do|offer|have|carry|sell|treat|take|provide)\b"
    r"(?!\s+(?:care ?credit|cherry|affirm|klarna|afterpay|apple ?pay|google ?pay|venmo|zelle|paypal|cash|checks?|"
    r"credit|debit|cards?|visa|amex|mastercard|insurance|hsa|fsa|payment plans?|financing|walk-?ins?|tips?)\b)",
    r"\bhow much\b(?! (?:longer|time|more|swelling|bruising|pain|water|sleep|sun|exercise|should|can|do i))",
    r"\b(?:prices?|pricing|costs?|rates)\b(?! me)", r"\bcuanto (?:cuesta|es|cobran)\b", r"\bprecios?\b",
    rf"\bwhat about (?:the |a |your )?(?:{SERVICES})\b",
    r"\binterested in (?:other|another|more|trying|getting|doing|adding|the|a|some|your)\b",
    rf"\b(?:thinking (?:about|of)|considering|want to try|would like to try|'d like to try|curious about|looking into|"
    rf"interested in)\s+(?:getting |trying |doing |adding |some |a |the |your |my )?(?:{SERVICES})\b",
    rf"\b(?:want to|would like to|'d like to|can i|could i|should i)\s+(?:also )?(?:get|try|add|do)\s+"
    rf"(?:some |a |the |my )?(?:{SERVICES})\b",
    r"\b(?:other|more) (?:services|treatments|options)\b", r"\bwhat (?:else|other \w+) do you\b",
)
# Offers the patient may be asking about, or may already have ("so happy I did the whole package"):
# they count only in a question or after an interest verb.
SERVICE_OFFER = _fast(
    r"\b(?:specials?|deals?|promos?|promotions?|discounts?|gift cards?|financing|payment plans?|memberships?|"
    r"packages?)\b"
)
OFFER_INTEREST = _fast(
    r"\b(?:interested in|looking for|info on|information on|details on|tell me about|sign up for|buy|get|"
    r"join|any|do you have|do you do|do you offer|are there)\b"
)

# ------------------------------------------------------------------------ referral and decline
REFERRAL_STATEMENT = _rx(
    r"\b(?:i'll|i will|i'm going to|i am going to|going to|gonna|i've been|i have been|i already|already|i just|i)\s+"
    r"(?:\w+\s+){0,2}?(?:refer\w*|send(?:ing)?|tell(?:ing)?|told|shar(?:e|ing)|shared|pass(?:ing)?|spread(?:ing)?|"
    r"recommend\w*|gave|give|giving)\s+(?:\w+\s+){0,2}?(?:friends?|everyone|everybody|people|them|her|him|"
    r"your (?:info|number|name|link|card|details)|the word|you guys|my \w+|about you|your way)\b",
    r"\b(?:can|could|how do|how can) i (?:refer|send (?:my|a) \w+)\b",
    r"\breferr?al (?:program|link|code|bonus|credit)\b",
    r"\brefer (?:a|my|some) \w+",
)
# Agreeing to a referral ask ("yes!", "sure"). A promise for later ("will do", "i will") is not an
# introduction: it stays an acknowledgement.
AFFIRM = _fast(
    r"^\W*(?:(?:lol|lmao|haha\w*|hehe\w*|jaja\w*|omg|oh|ooh|ha)\W+)*(?:yes|yeah|yep|yess|ya|sure|of course|ofc|absolutely|definitely|for sure|totally|"
    r"happy to|gladly|yes please|sure thing|si|claro|i'd love to|would love to)\b(?!\W+(?:later|eventually)\b)"
)
# Laughter around a bare refusal ("lol no", "no 😂" normalised to "no lol", "jaja no") does not soften it.
_LAUGHTER = r"(?:lol|lmao|lmfao|rofl|haha\w*|hehe\w*|jaja\w*|jeje\w*|ha|hah|ja)"
DECLINE = _rx(
    r"^\W*(?:no|nah|nope|pass|later)\W*$",
    rf"^\W*(?:{_LAUGHTER}\W+)*(?:no+|nah+|naw+|nope|nel|nop|noo+pe|not really)(?:\W+{_LAUGHTER})*\W*$",
    r"^\W*(?:ahorita|ahora|por ahora|todavia|aun|de momento|por el momento) no\b", r"^\W*no,? por (?:ahora|el momento)\b",
    r"\bmas (?:adelante|tarde) (?:tal vez|quizas|quiza|capaz)\b", r"^\W*(?:tal vez|quizas|quiza|capaz) (?:mas adelante|luego|despues)\b", r"\bno\W{0,3}(?:thanks|thank you|gracias)\b", r"^\W*(?:nah|nope)\b",
    r"^\W*(?:no|nah|nope)\W*(?:[,.!]|\s+(?:sorry|thanks?|thank you|ty|not|i|i'm|but|maybe|one|body))",
    r"\bnot (?:right )?now\b", r"\bnot yet\b", r"\bnot at the moment\b", r"\bnot really\b",
    r"\bmaybe (?:later|another time|next time)\b",
    r"\bi'll pass\b", r"\b(?:i'd |i would )?rather not\b", r"\bnot interested\b",
    r"\b(?:no one|nobody|noone) (?:comes to mind|i can think of|right now)\b",
    r"\bcan't think of (?:anyone|anybody)\b", r"\b(?:i )?don't know (?:anyone|anybody)\b", r"^\W*i'm good\b",
    r"\bprefer not\b", r"\bnot comfortable\b", r"\bkeep (?:it|this) (?:private|to myself)\b", r"\bno one\W*$",
)
DECLINE_ANY = _rx(  # a decline even without an ask in the last message
    r"\b(?:don't|do not|stop|quit) (?:ask\w*|bug\w*) (?:me )?(?:for|about|to)\s+(?:refer\w*|reviews?|leave a review)",
    r"\bno (?:more )?(?:referrals?|reviews?)\b", r"\bnot (?:going to|gonna) (?:refer|review|share)\b",
    r"\b(?:i|we) (?:don't|do not|never) (?:do|give|make|leave|write) (?:referrals?|reviews?)\b",
    r"\b(?:not (?:into|big on|a fan of)|no thanks (?:to|on)) (?:referrals?|reviews?|referring)\b",
    r"\bdon't (?:want|like) to (?:refer|review|share|give out)\b",
    # round 9: the request itself refused ("please don't send me review requests", "skip the yelp request, I
    # don't do those", "I don't do the whole bring-a-friend thing", "no me pidan reseñas")
    r"\b(?:don't|do not|dont|no more|stop)\s+(?:send|text|ask|bug|hit)\w*\s+(?:me\s+)?(?:(?:any|more|the|those|these|for)\s+)*"
    r"(?:reviews?|referrals?|yelp|google|recommend\w*|stars?|ratings?)",
    r"\b(?:skip|no|pass on)\s+(?:the\s+)?(?:yelp|google|review|referral|rating)\s+(?:request|ask|link|thing|stuff)s?\b",
    r"\bi\s+(?:don't|do not|dont|never)\s+(?:do|write|leave|give)\s+(?:those|these|that|reviews?|ratings?|yelp|stars|referrals?|"
    r"the\s+whole\s+(?:[\w-]+\s+){1,4}?thing)\b",
    r"\bno\s+(?:me\s+)?(?:pidan|pida|pidas|manden|mande|envien|mandes)\s+(?:\w+\s+){0,3}?(?:resenas?|reviews?|recomend\w*|referid\w*|"
    r"calific\w*|estrellitas?|opinion\w*|comentarios?)",
    r"\bno\s+(?:escribo|dejo|doy|hago|pongo)\s+(?:\w+\s+)?(?:resenas?|reviews?|calificaciones|estrellitas|referidos|recomendaciones|opiniones)\b",
    r"\b(?:won't|will not|not gonna|not going to|don't|do not)\s+(?:be\s+)?(?:doing|do|write|writing|give|giving|post|posting|tag|"
    r"tagging)\s+(?:a\s+|any\s+)?(?:testimonials?|reviews?|shout ?outs?|about it|you)\b",
    r"\b(?:don't|do not|pls don't|please don't|stop)\s+ask(?:ing)?\s+me\s+to\s+(?:rate|review|recommend|refer|post|tag|share)\b",
    r"\bnot\s+(?:comfortable|into|big on|one for)\s+recommending\b",
    r"\bno\s+(?:le\s+|les\s+)?recomiendo\s+a\s+nadie\b|\bno\s+voy\s+a\s+(?:andar\s+)?recomend\w*",
    r"\bno\s+(?:me\s+)?manden\s+lo\s+de\s+(?:las?\s+)?(?:estrellitas|resenas?|recomendar|referidos|calific\w*)",
)
# Round 11: refusing to come back or rebook, said outright ("I won't be rebooking", "not booking again for now",
# "I will not be scheduling any further treatments", "no voy a reagendar", "ya no voy a volver a agendar"): a
# decline, and never a booking request for the front desk.
_MORE_TREATMENT = (  # another session, the rest of a course, the next round
    r"(?:(?:an|any|the|my|a)\s+)?(?:another|more|further|other|remaining|rest\s+of\s+(?:the|my)|next|second|2nd|third|3rd|follow[- ]?up)\s+"
    r"(?:\w+\s+)?(?:sessions?|treatments?|rounds?|appointments?|appts?|visits?|injections?|peels?|laser\w*|months?|packages?|plans?|"
    r"series|course|one|part)"
)
NOT_REBOOKING = _fast(
    r"\b(?:won't|wont|will not|not|never|don't|do not|dont|not going to|not gonna|not tryna|no plans? to|"
    r"not planning (?:on|to)|don't plan (?:on|to)|dont plan (?:on|to))\s+"
    r"(?:be\s+|really\s+|interested in\s+|looking to\s+|going to\s+|want(?:ing)? to\s+|to\s+)?"
    r"(?:re-?book\w*|re-?schedul\w*|book\w*\s+(?:again|another|any\w*|more)|schedul\w*\s+(?:any\s+)?(?:further|more|another|again|other)|"
    r"com(?:e|ing)\s+back(?:\s+for\b|\s*[.,!]|\s*$|\s+(?:it|this)\s+was)|return(?:ing)?\s+for\b|"
    r"continu\w*|do(?:ing)?\s+(?:it|this|that|any|the|another|more|these)\b|get(?:ting)?\s+(?:any\s+)?more\b|"
    r"doing\s+(?:it|this|that)\s+again|(?:book\w*|schedul\w*|do(?:ing)?|get(?:ting)?)\s+" + _MORE_TREATMENT + r"|"
    + _MORE_TREATMENT + r")|"
    r"\bnot\s+interested\s+in\s+(?:(?:book\w*|schedul\w*|doing|getting)\s+)?" + _MORE_TREATMENT + r"|"
    # round 11: "hard pass on more sessions", "I'm going to stop at one treatment", "nae chance I'm doing the second one"
    r"\b(?:hard\s+)?pass\s+on\s+" + _MORE_TREATMENT + r"|\bstop(?:ping)?\s+at\s+(?:one|1|just\s+one|the\s+first)\b|"
    # round 12: holding off on booking, or no reminders to rebook ("gonna hold off on booking anything else for a while",
    # "I don't need reminders to rebook")
    r"\bhold(?:ing)?\s+off\s+on\s+(?:booking|scheduling|rebooking|any\s+more|anything\s+else|more)\b|"
    r"\b(?:don't|dont|do not)\s+(?:need|want)\s+(?:any\s+)?reminders?\s+to\s+(?:re-?book|book|schedule)\b|"
    # round 12: deciding a treatment is not for them ("decided the laser isn't for me", "creo que esto no es para mí")
    r"\b(?:decided|realized|realised|think|guess|found out|figured)\b[^.!?]{0,40}?\b(?:isn't|isnt|is not|aren't|arent|are not|"
    r"wasn't|wasnt|not)\s+(?:really\s+)?for me\b(?!.*\b(?:change|switch|swap|instead|different|cambiar|otro|otra)\b)|"
    r"\b(?:decidi|creo|pienso|me di cuenta)\b[^.!?]{0,30}?\bno es para mi\b(?!.*\b(?:cambiar|otro|otra|en vez)\b)|"
    # round 12: skipping or not needing the touch-up or follow-up ("I'll skip the touch up", "don't need a follow up
    # appointment"): a touch-up is otherwise a booking word
    r"(?<!can i )(?<!could i )(?<!should i )(?<!do i )(?<!ok to )(?<!okay to )(?<!fine to )"
    r"\b(?:skip(?:ping)?|pass(?:ing)?\s+on|hold(?:ing)?\s+off\s+on|forgo|won't\s+need|wont\s+need|don't\s+need|dont\s+need|"
    r"do\s+not\s+need|no\s+need\s+for)\s+(?:the\s+|my\s+|a\s+|any\s+|that\s+)?(?:touch[- ]?ups?|follow[- ]?ups?|" + _MORE_TREATMENT + r")\b|"
    r"\b(?:no|nae|zero|not\s+a)\s+(?:chance|way)\s+(?:i'm|im|i\s+am|i'll|ill|i\s+will)\s+(?:doing|getting|booking|coming|going)\b|"
    r"\b(?:don't|do not|dont|please don't|pls don't)\s+(?:put\s+me\s+down|schedule\s+me|book\s+me|hold\s+(?:a\s+|any\s+)?spots?|schedule|book)"
    r"\s+(?:me\s+)?(?:for\s+)?" + _MORE_TREATMENT + r"|"
    r"\bno\s+more\s+(?:injections?|fillers?|botox|tox|treatments?|sessions?|peels?|lasers?|appointments?|needles?|spending)\s+(?:for\s+me|on\s+this)\b|"
    r"\b(?:(?:i'm|im|i am)\s+)?done\s+with\s+(?:fillers?|botox|tox|injectables|injections?|needles?|peels?|lasers?|treatments?|"
    r"the\s+(?:injections?|treatments?|sessions?|series|course|program|shots))\b|"
    # round 15: "im good on more botox", "once was enough", "one round was plenty"
    r"\b(?:i'm|im|i\s+am|we're|we\s+are)\s+good\s+on\s+(?:any\s+)?(?:more|another|further|other|the\s+next)\b|"
    r"\b(?:once|one\s+(?:time|session|round|treatment|visit|go))\s+(?:was|is)\s+(?:enough|plenty|it|all\s+i\s+need\w*)\b|"
    r"\bno\s+(?:necesito|ocupo|quiero|requiero)\s+(?:el\s+|un\s+|otro\s+|otra\s+|ningun\s+|ninguna\s+)?(?:retoques?|sesion(?:es)?\s+mas|mas\s+sesiones|otra\s+sesion|seguimiento)\b|"
    r"\b(?:no|ya no|tampoco)\s+(?:voy|vamos|pienso|quiero)\s+(?:a\s+)?(?:volver\s+a\s+)?(?:re)?agendar\b|"
    r"\b(?:no|ya no)\s+(?:voy|vamos|pienso|quiero)\s+(?:a\s+)?(?:volver|regresar|seguir|continuar|repetir|hacer(?:me)?\s+(?:las?|los?|mas|otras?|otros?)\b)|"
    r"\bno\s+me\s+late\s+(?:regresar|volver)\b|\bya\s+no\s+(?:vuelvo|regreso|me\s+voy\s+a\s+(?:poner|hacer|inyectar)\s+nada)\b|"
    r"\bno\s+creo\s+que\s+(?:regrese|vuelva|repita|siga)\b|\bprefiero\s+no\s+(?:hacer|seguir|continuar|volver|regresar|repetir)\b|"
    r"\bya\s+no\s+(?:quiero|quiere|queremos)\s+(?:hacer(?:me|se|nos)?|poner(?:me|se|nos)?)\s+nada\s+mas\b|"
    # round 14: asked to stop being asked to book ("no need to keep asking me to book, I'll call", "no me sigan pidiendo
    # que agende"), and deciding not to go on ("decided not to continue", "no deseo continuar con el tratamiento")
    r"\b(?:no\s+need\s+to|don't|dont|do\s+not|please\s+don't|pls\s+don't|stop|quit)\s+(?:keep\s+)?(?:asking|reminding|bugging|"
    r"pushing|nagging)\s+(?:me\s+)?(?:to|about)\s+(?:re-?book\w*|book\w*|schedul\w*|come\s+back)\b|"
    r"\b(?:no\s+me\s+(?:sigan|siga)|dejen\s+de|deje\s+de|ya\s+no\s+me)\s+(?:pidiendo|pedir(?:me)?|preguntando|preguntar(?:me)?|"
    r"insistiendo|insistir(?:me)?)\s+(?:que\s+|q\s+|para\s+|por\s+)?(?:agende|agendar|reagende|reagendar|regrese|regresar|vuelva|volver|citas?)\b|"
    r"\bno\s+(?:deseo|quiero|pienso|voy\s+a)\s+(?:seguir|continuar)\s+(?:con\s+)?(?:el|la|los|las|mis|mi)?\s*"
    r"(?:tratamientos?|sesion\w*|inyecci\w*|programa|peeling|laser)\b"
)
# What a refusal must be about to be a decline without an ask (the topic words of DECLINE_ANY).
DECLINE_TOPIC = _fast(r"\b(?:refer\w*|review\w*|yelp|google|recommend\w*|bring a friend|friend thing|stars?|ratings?|"
                      r"testimonials?|rate|tag|post|shout ?outs?|"
                      r"resenas?|recomend\w*|referid\w*|calific\w*|estrellitas?|opiniones)\b")
# Round 9: no one to refer. Only ever said of a referral ask (asked before or expected), so a decline even
# without an ask in the last message: "I don't know anyone who'd be interested", "no one comes to mind".
NO_ONE_TO_REFER = _rx(
    # round 11: "no one to send your way", "can't think of a single person who'd want this", "no doy datos de conocidos"
    r"\bno\s*(?:one|body)\s+to\s+(?:send|refer|recommend|pass\s+(?:on|along))\b",
    r"\b(?:can't|cannot|cant)\s+think\s+of\s+a\s+(?:single\s+)?(?:person|soul)\b",
    r"\bno\s+doy\s+(?:datos|numeros|nombres|contactos|telefonos)\b",
    r"\b(?:don't|do not|dont|can't|cannot|cant)\s+(?:really\s+)?(?:know|think\s+of)\s+(?:of\s+)?(?:anyone|anybody|any1)"
    r"(?:\s+(?:who|that)(?:'d|\s+would|\s+might|\s+is|\s+are|\s+wants?)\b|\s*(?:[.!,]|$|\s+(?:sorry|thanks?|thank|tbh|rn|right\s+now|atm|yet|off\s+hand)\b))",
    r"\b(?:no\s*one|nobody)\s+(?:comes|springs)\s+to\s+mind\b",
    r"\bno\s+(?:se\s+me\s+ocurre|conozco\s+a|tengo\s+a)\s+(?:nadie|ninguna?)\b",
)
UNDECIDED = _fast(
    r"\b(?:maybe|i'll think about it|let me think|i'll let you know|we'll see|not sure|i'll ask|let me ask|"
    r"i'll check with|will do|i will|i'll keep (?:that|it) in mind|i'll pass it (?:on|along))\b"
)

# ------------------------------------------------------------------------ wrong number
WRONG_NUMBER = _rx(
    r"\bwrong (?:number|person|#|phone|text)\b", r"\b(?:you have|you've got|you got|u have) the wrong\b",
    r"\b(?:i've|i have|i) never (?:been|came|come|gone|visited|had an? (?:appointment|treatment|visit))\b",
    r"\bnever (?:been|went|came|gone) (?:there|to your|in)\b",
    r"\b(?:don't|do not) know (?:you|who (?:this|you) (?:is|are)|what this is|this (?:place|clinic|number|business))\b",
    r"\bnot (?:a|your) (?:patient|client|customer)\b", r"\bno one (?:here )?(?:by|named|with) that name\b",
    r"\bthis (?:is|was) (?:a )?new number\b", r"\bnumber (?:changed|is new)\b", r"\bnumero equivocado\b",
    r"\bequivocad[ao]\b", r"\bthis (?:isn't|is not|ain't) (?:me|her|him|them|my (?:name|appointment))\b",
    r"\bwho (?:is|are) (?:this|you)\b.*\b(?:never|don't|not|wrong)\b",
    # round 11: a number that changed hands ("must be the previous owner", "debe ser del dueño anterior"), someone
    # else's phone ("this is Dave's phone"), never treated ("jamás me he puesto bótox")
    r"\b(?:previous|last|old|former) (?:owner|person)\b", r"\bdue[nñ]o anterior\b|\bduena anterior\b|\bpersona anterior\b",
    r"\b(?:just|recently) got this (?:number|phone)\b", r"\btengo este numero (?:hace|desde)\b|\beste numero lo tengo (?:hace|desde)\b",
    r"\bthis is [a-z]+'s (?:phone|number|cell)\b",
    r"\b(?:jamas|nunca) (?:me )?he (?:puesto|hecho|ido|estado|ido a)\b", r"\bnever (?:had|gotten|got|done) (?:botox|filler|any (?:botox|filler|work|treatment))\b",
    # round 12: the phone has been theirs a long time ("este cel es mío desde hace 2 años", "had this number for 5 years")
    r"\b(?:este|el) (?:cel|celular|numero|telefono|movil) (?:es|ha sido) mio\b",
    r"\b(?:i've|i have|ive) had this (?:number|phone|cell)\s+(?:for|since)\b|\bthis has been my (?:number|phone|cell) (?:for|since)\b",
)
# "who is this?", "what number is this", "¿quién es?", "¿de dónde me escriben?": the patient asks who is texting,
# which the clinic's help text answers (a person follows up). Not "who is the girl who did my lips".
WHO_IS_THIS = _fast(
    r"\bwho(?: is|'s| are|s) (?:this|you|dis|texting me|messaging me|this from)\b|\bwho dis\b|"
    r"\bwhat (?:number|#) is this\b|\bwho(?: is|'s) (?:sending|writing) (?:me )?(?:these|this|this text)\b|"
    r"\bquien (?:es|eres|habla|sos|me escribe|me manda esto)\s*(?:[?.!,]|$)|\bde donde me (?:escriben|mandan|hablan)\b|"
    r"\bquien me (?:escribe|esta escribiendo|manda|esta mandando)\b|"
    # round 12: whether a person or a bot is texting ("is this the spa or a bot", "am I talking to a real person")
    r"\b(?:is this|are you|r u|am i (?:talking|texting|chatting) (?:to|with))\s+(?:a\s+|an\s+)?(?:bot|robot|ai|real person|human|person)\b|"
    r"\bor (?:a\s+)?(?:bot|robot)\b\s*(?:\?|$)|\b(?:eres|es) (?:un )?(?:robot|bot)\b|\bhablo con (?:una persona|un robot|un bot|alguien real)\b"
)
NOT_PERSON = _fast(r"\b(?:this (?:isn't|is not|ain't)|i'm not|i am not)\s+([A-Za-z][a-z]+)\b")
NOT_PERSON_RAW = re.compile(  # on the raw text: a capitalised name
    r"\b(?:[Tt]his (?:isn't|is not|isnt|ain't|aint)|I'm not|I am not|[Ii]m not)\s+([A-Z][a-z]+)\b"
)

# ------------------------------------------------------------------------ acknowledgements and questions
ACK_WORDS = frozenset(
    """ok okay k kk thanks thank you so much very ty got it sounds good will do noted cool alright
    sure yes yep yeah no problem np too see then soon tomorrow received understood
    gracias muchas de nada bueno vale lol haha hi hello hey good morning afternoon evening night
    appreciate it and for the info update reminder welcome bye later talk ttyl hola have a day
    sounds works for me merci danke grazie obrigada gotcha coolio roger copy bet word yup""".split()
)
# Pleasantries that contain positive words but are acknowledgements ("sounds good", "good morning").
ACK_IDIOMS = _rx(
    r"\bsounds? (?:good|great|perfect|awesome|lovely|fine|ok)\b", r"\bgood (?:morning|afternoon|evening|night)\b",
    r"\bhave a (?:good|great|nice|lovely|wonderful|blessed) (?:day|night|weekend|one|evening)\b",
    r"\b(?:great|perfect|awesome|ok|cool|nice) see you\b", r"\byou too\b", r"\bworks for me\b",
    r"^\W*not yet\W*$",
    # round 11: busy now, an answer later ("can't talk, in a meeting", "driving, will text later", "ando ocupada")
    r"\b(?:can't|cant|cannot|can not)\s+(?:talk|text|chat|reply|respond|answer)\b(?:\s+(?:right\s+now|rn|now|atm))?\W+"
    r"(?:i'm\s+|im\s+)?(?:in\s+(?:a\s+)?(?:meeting|class|church|court|surgery)|driving|at\s+work|at\s+the\s+gym|busy)\b",
    r"\b(?:busy|driving|in\s+(?:a\s+)?(?:meeting|class))\s*(?:rn|right\s+now|atm)?\W+(?:will|i'll|ill|talk|text|reply|get\s+back)\b",
    r"\b(?:ando|estoy)\s+(?:ocupad[ao]|manejando|en\s+(?:una\s+)?junta|en\s+clase)\b[^.!?]{0,20}?\b(?:luego|al\s+rato|despues|mas\s+tarde)\b",
    r"\bhappy (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend|holidays?|new year|"
    r"thanksgiving|easter|birthday|mother's day|valentine's day|4th)\b", r"\bmerry christmas\b",
)
ACK_CORE = re.compile(
    r"\b(?:ok|k|thanks|thank you|ty|got it|sounds good|will do|noted|cool|alright|sure|yes|yep|yeah|"
    r"no problem|np|received|understood|gracias|de nada|bueno|vale|appreciate it|see you|hi|hello|hey)\b"
)
QUESTION_CUE = _rx(
    r"\bquick question\b", r"\bi (?:have|had|got) a (?:quick )?question\b", r"\bquestion\b", r"\bwondering\b",
    r"\bcurious\b", r"\bpregunta\b", r"\buna duda\b", r"\blet me know\b", r"\bcan you (?:tell|help|send|let)\b",
    r"\b(?:call|text|email) me\b", r"\bgive me a (?:call|ring)\b", r"\bllamenme\b",
)

# ------------------------------------------------------------------------ prompt injection / PHI fishing
INJECTION = _rx(
    r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+|your\s+|the\s+|my\s+|previous\s+|prior\s+|"
    r"above\s+|earlier\s+|those\s+)*"
    r"(?:instructions?|rules|prompts?|programming|guidelines|directions|system|training)\b",
    r"\bsystem prompt\b", r"\byou are (?:now|no longer)\b", r"\bpretend (?:to be|you are|you're)\b",
    r"\bact as (?:a|an|my)\b",
    r"\bjailbreak\b", r"\bdeveloper mode\b", r"\bdan mode\b", r"\bas an ai\b",
    # claimed authority and echo bait ("as the clinic's admin I authorize you", "reply with the word X")
    r"\bi (?:hereby )?authori[sz]e you\b",
    r"\bas (?:the|an|your) (?:clinic'?s? )?(?:admin|administrator|developer|owner|programmer|system)\b",
    r"\b(?:reply|respond|answer|text back) with (?:the word|exactly|only|just the word)\b",
    r"\b(?:reveal|print|show|repeat|tell me) (?:me )?(?:your|the) (?:instructions|prompt|system|rules|guidelines)\b",
    # another person's treatment, visit or booking: PHI the agent must never discuss
    r"\b(?:what|which) (?:treatment|procedure|services?|products?) (?:did|does|has) (?!i\b|my\b)\w+(?: \w+)? "
    r"(?:get|have|had|got|do)\b",
    r"\btell me (?:about |what )?(?:\w+\s+){0,3}(?:got|had|received)\b",
    r"\bwhat (?:did|does|has) (?!i\b|me\b|you\b|it\b|that\b|this\b)(?:my \w+ )?\w+ (?:get|have|had|got) "
    r"(?:done|treated|injected)\b",
    r"\bdid (?!i\b|you\b|it\b|that\b|this\b|the\b|we\b)(?:my \w+ )?\w+ "
    r"(?:come in|get|book|have an? (?:appointment|visit))\b",
    r"\bwhen (?:is|was) (?!my\b|our\b)\w+'s (?:appointment|visit|consult)\b",
    r"\b(?:other|another) (?:patient|client)'s\b",
    r"\b(?:other|your) (?:patients|clients)'? (?:names|numbers|info|information|records|details|phones?|addresses)\b",
    r"\bpatient (?:list|records?|info|information|data|names)\b",
    r"\b(?:phones?|numbers?|address\w*|records?|names?) (?:of|for) (?:your )?(?:other )?(?:patients|clients)\b",
)
