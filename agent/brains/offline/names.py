"""Word lists for telling people's names apart from ordinary words in an SMS (English and Spanish).

Two lists, used differently:
- STOP_NAMES are never names, capitalised or not: sentence starters ("Honestly", "Btw"), pronouns,
  days, months, clinic and product words, in both languages.
- COMMON_WORDS are ordinary lowercase words. A lowercase word is only taken as a name when it is not
  one of them ("my coworker jen" -> Jen, "my sister wants" -> no name, "mi prima quiere" -> no name);
  a capitalised word at the start of a clause is refused too when it is one ("Will you text her?").

Relationship words map to one canonical English value whatever the language, so the front desk reads
"sister" for "sis", "hermana" and "my big sister" alike.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from agent.text import SMS_SPELLINGS

__all__ = [
    "RELATIONSHIPS", "PLURAL_TO_ONE", "ARTICLE_RELATIONSHIPS", "BARE_TITLES", "STOP_NAMES", "COMMON_WORDS",
    "NAMES_ENDING_LIKE_WORDS", "WORDS_THAT_ARE_NAMES", "OPENING_INTERJECTIONS", "fold", "misspelt_relationship",
    "NotReferred", "NOT_REFERRED", "load_not_referred",
]


def fold(word: str) -> str:
    """Lowercase without accents: "Mamá" -> "mama"."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Relationship words -> the canonical relationship we record.
_ENGLISH: dict[str, str] = {
    "best friend": "best friend", "bestie": "best friend", "bff": "best friend", "bestfriend": "best friend",
    "friend": "friend", "friends": "friends", "girlfriend": "girlfriend", "gf": "girlfriend",
    "girlfriends": "friends", "boyfriend": "boyfriend", "bf": "boyfriend", "partner": "partner",
    "law partner": "business partner", "business partner": "business partner", "work partner": "business partner",
    "husband": "husband", "hubby": "husband", "hubs": "husband", "wife": "wife", "wifey": "wife",
    "fiance": "fiance", "fiancee": "fiance", "fiancé": "fiance", "fiancée": "fiance",
    "sister-in-law": "sister-in-law", "sister in law": "sister-in-law", "sil": "sister-in-law",
    "mother-in-law": "mother-in-law", "mother in law": "mother-in-law", "mil": "mother-in-law",
    "father-in-law": "father-in-law", "father in law": "father-in-law",
    "brother-in-law": "brother-in-law", "brother in law": "brother-in-law",
    "daughter-in-law": "daughter-in-law", "daughter in law": "daughter-in-law",
    "son-in-law": "son-in-law", "son in law": "son-in-law",
    "sister": "sister", "sis": "sister", "sisters": "sisters", "brother": "brother", "bro": "brother",
    "brothers": "brothers", "mom": "mother", "mum": "mother", "mother": "mother", "mama": "mother",
    "momma": "mother", "mommy": "mother", "stepmom": "stepmother", "step mom": "stepmother",
    "step-mom": "stepmother", "stepmother": "stepmother", "stepmum": "stepmother", "dad": "father",
    "father": "father", "daddy": "father", "stepdad": "stepfather", "step dad": "stepfather",
    "step-dad": "stepfather", "stepfather": "stepfather", "stepsister": "stepsister",
    "step sister": "stepsister", "step-sister": "stepsister", "stepbrother": "stepbrother",
    "step brother": "stepbrother", "step-brother": "stepbrother",
    "daughter": "daughter", "daughters": "daughters", "son": "son", "sons": "sons", "kids": "children",
    "cousin": "cousin", "cousins": "cousins", "aunt": "aunt", "auntie": "aunt", "aunty": "aunt",
    "aunts": "aunts", "uncle": "uncle", "niece": "niece", "nephew": "nephew", "nieces": "nieces", "nephews": "nephews", "grandma": "grandmother",
    "grandmother": "grandmother", "granny": "grandmother", "nana": "grandmother",
    "grandpa": "grandfather", "grandfather": "grandfather", "granddaughter": "granddaughter",
    "grandson": "grandson", "granddaughters": "granddaughters", "grandsons": "grandsons",
    "grandkids": "grandchildren", "grandchildren": "grandchildren",
    "coworker": "coworker", "co-worker": "coworker", "co worker": "coworker", "coworkers": "coworkers",
    "co-workers": "coworkers", "colleague": "coworker", "colleagues": "coworkers", "workmate": "coworker",
    "work friend": "coworker", "boss": "boss", "manager": "boss", "supervisor": "boss",
    "neighbor": "neighbor", "neighbour": "neighbor", "neighbors": "neighbors", "neighbours": "neighbors",
    "roommate": "roommate", "roomie": "roommate", "roommates": "roommates", "flatmate": "roommate",
    "client": "client", "hairdresser": "hairdresser", "hairstylist": "hairdresser", "stylist": "hairdresser",
    "trainer": "trainer", "bridesmaid": "bridesmaid", "bridesmaids": "bridesmaids",
    "gym buddy": "friend", "buddy": "friend", "pal": "friend", "family": "family",
    "stepdaughter": "stepdaughter", "step daughter": "stepdaughter", "step-daughter": "stepdaughter", "stepson": "stepson",
    "step son": "stepson", "step-son": "stepson",
    "aunties": "aunts", "twin": "twin", "ex": "ex", "landlord": "landlord", "landlady": "landlord",
    "housemate": "roommate", "godmother": "godmother", "godfather": "godfather", "goddaughter": "goddaughter",
    "godson": "godson", "nail tech": "nail tech", "babysitter": "babysitter", "nanny": "nanny",
    "teammate": "teammate", "classmate": "classmate", "instructor": "instructor", "teacher": "teacher",
    "friend from work": "coworker", "work wife": "coworker", "work husband": "coworker", "work bestie": "coworker",
    "sorority sister": "friend", "guy friend": "friend", "girl friend": "friend",
    "cuz": "cousin", "cuzzo": "cousin", "cuzin": "cousin", "homegirl": "friend", "home girl": "friend",
    "homie": "friend", "homeboy": "friend", "besties": "best friends", "bffs": "best friends",
    # British, Irish and Australian: "my mate Sheree's keen"
    "mate": "friend", "mates": "friends", "best mate": "best friend", "best mates": "best friends",
    # Jamaican: "my bredren Kemar", "Bredren name Kemar wan come"
    "bredren": "friend", "bredrin": "friend",
}
# French and Haitian Creole, written by patients who mix them into English: "Ma cousine Widlyne want come",
# "mon frère Wilner", "manman Roselène". Their owners ("ma", "mon", "mes") are in extract.py's _OWNERS.
_FRENCH: dict[str, str] = {
    "cousine": "cousin", "cousines": "cousins", "soeur": "sister", "sœur": "sister", "soeurs": "sisters",
    "sœurs": "sisters", "frère": "brother", "frères": "brothers", "tante": "aunt", "tantes": "aunts",
    "manman": "mother", "maman": "mother", "papa": "father", "fille": "daughter", "fils": "son",
    "belle-soeur": "sister-in-law", "belle-sœur": "sister-in-law", "belle-mère": "mother-in-law",
    "voisine": "neighbor", "voisin": "neighbor", "copine": "friend",
    "nièce": "niece", "neveu": "nephew", "grand-mère": "grandmother",
}
_SPANISH: dict[str, str] = {
    "hermana": "sister", "hermanita": "sister", "hermanas": "sisters", "hermano": "brother",
    "hermanito": "brother", "hermanos": "brothers",
    "prima": "cousin", "primo": "cousin", "primita": "cousin", "primas": "cousins", "primos": "cousins",
    "mamá": "mother", "mami": "mother", "madre": "mother", "mamita": "mother",
    "papá": "father", "papi": "father", "padre": "father",
    "suegra": "mother-in-law", "suegro": "father-in-law", "cuñada": "sister-in-law",
    "cuñado": "brother-in-law", "nuera": "daughter-in-law", "yerno": "son-in-law",
    "tía": "aunt", "tias": "aunts", "tías": "aunts", "tío": "uncle",
    "sobrina": "niece", "sobrino": "nephew", "abuela": "grandmother", "abuelita": "grandmother",
    "abuelo": "grandfather", "nieta": "granddaughter", "nieto": "grandson",
    "hija": "daughter", "hijas": "daughters", "hijo": "son", "hijos": "children",
    "amiga": "friend", "amigo": "friend", "amiguita": "friend", "comadre": "friend", "amigas": "friends",
    "amigos": "friends", "mejor amiga": "best friend", "mejor amigo": "best friend",
    "vecina": "neighbor", "vecino": "neighbor", "vecinas": "neighbors", "vecinos": "neighbors",
    "compañera de trabajo": "coworker", "compañero de trabajo": "coworker",
    "compañeras de trabajo": "coworkers", "compañeros de trabajo": "coworkers", "colega": "coworker",
    "compañera de cuarto": "roommate", "compañero de cuarto": "roommate",
    "esposo": "husband", "marido": "husband", "esposa": "wife", "mujer": "wife",
    "novia": "girlfriend", "novio": "boyfriend", "prometida": "fiance", "prometido": "fiance",
    "pareja": "partner", "jefa": "boss", "jefe": "boss", "clienta": "client", "estilista": "hairdresser",
    "familia": "family", "compañera": "coworker", "compañero": "coworker",
    "compañera del trabajo": "coworker", "compañero del trabajo": "coworker", "amiga del trabajo": "coworker",
    "amigo del trabajo": "coworker", "compa": "friend", "cuate": "friend", "pana": "friend", "compadre": "friend",
    "chava": "girlfriend", "ahijada": "goddaughter", "ahijado": "godson", "madrina": "godmother",
    "padrino": "godfather", "sobrinas": "nieces", "sobrinos": "nephews", "cuñi": "sister-in-law",
    "grupo de amigas": "friends", "grupo de amigos": "friends", "concuña": "sister-in-law",
    "concuño": "brother-in-law", "socia": "partner", "socio": "partner",
    "compañeras": "coworkers", "compañeros": "coworkers", "compañeras del trabajo": "coworkers",
    "compañeros del trabajo": "coworkers", "amigas del trabajo": "coworkers",
    "comadres": "friends", "compadres": "friends", "cuñadas": "sisters-in-law", "cuñados": "brothers-in-law",
}
# "tía" is also written "tia" (and so on): every accented key gets its folded spelling too.
RELATIONSHIPS: dict[str, str] = {**_FRENCH, **_ENGLISH, **_SPANISH}
RELATIONSHIPS.update({fold(k): v for k, v in list(RELATIONSHIPS.items()) if fold(k) not in RELATIONSHIPS})

# "my friends Jess and Amy": each of them is a friend.
PLURAL_TO_ONE: dict[str, str] = {
    "friends": "friend", "sisters": "sister", "brothers": "brother", "daughters": "daughter", "sons": "son",
    "children": "child", "cousins": "cousin", "aunts": "aunt", "coworkers": "coworker",
    "neighbors": "neighbor", "roommates": "roommate", "bridesmaids": "bridesmaid", "nieces": "niece",
    "nephews": "nephew", "best friends": "best friend", "sisters-in-law": "sister-in-law",
    "brothers-in-law": "brother-in-law", "granddaughters": "granddaughter", "grandsons": "grandson",
    "grandchildren": "grandchild",
}
# Relationships that may follow "a"/"una" and still introduce someone: "a friend of mine wants in",
# "una amiga quiere venir" (not "as a mom I want to ...").
ARTICLE_RELATIONSHIPS: frozenset[str] = frozenset(
    "friend coworker co-worker colleague neighbor neighbour client amiga amigo compañera compañero vecina "
    "vecino colega clienta buddy pal mate".split()
)

# Relatives named without "my": "call mom", "text bestie".
BARE_TITLES: frozenset[str] = frozenset(
    "mom mum mama momma mommy dad daddy grandma grandpa granny nana hubby hubs wifey bestie bff sis "
    "mami papi mamá mama papá papa abuela abuelita manman maman bredren bredrin".split()
)
# Relationship words that are also given names: never refused as a name ("my friend Tia").
_NAME_LIKE = frozenset({"tia", "nana"})

_STOP = """
honestly love loved loving thanks thank she he they them we you i im i'm it its it's also btw
omg ok okay yes yeah yep yup no nope nah hi hey hello lol haha wow sure please maybe hope well
oh ah actually definitely absolutely totally really seriously literally anyway anyways but and
or so just then now my your our her his their the a an this that these those who what when
where why how can could would will should do does did is are was were have has had great good
amazing awesome perfect obsessed wait plus today tomorrow yesterday tonight everyone everybody
someone somebody nobody anyone anybody people guys girls ladies folks team staff dear sir madam
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri
sat sun january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec christmas easter thanksgiving halloween
botox dysport xeomin jeuveau daxxify juvederm restylane rha versa radiesse sculptra kybella
filler fillers laser lasers ipl bbl halo moxi morpheus morpheus8 microneedling hydrafacial
facial facials peel peels coolsculpting emsculpt ozempic wegovy semaglutide tirzepatide
mounjaro zepbound clinic spa medspa med dr doctor nurse np pa injector provider appointment
appt lips lip cheeks chin jaw forehead skin face glow afterglow instagram insta facebook tiktok
google yelp god lord jesus stop start help info unsubscribe cancel end quit yes
mrs mr ms miss mx hers him me us mine yours not never none nothing everything something
sorry hmm hm ugh yay woo woohoo cool nice fine
y'all yall ya u ur lmao lmfao smh tbh imo idk ngl fr bday birthday
yo tú tu él el ellos ellas usted ustedes nosotros nosotras vos le les lo la los las se me te nos
mi mis su sus nuestra nuestro hola buenas buenos gracias saludos oye mira pues bueno claro sí si
lunes martes miércoles miercoles jueves viernes sábado sabado domingo enero febrero marzo abril mayo
junio julio agosto septiembre setiembre octubre noviembre diciembre navidad
bótox relleno rellenos labios labio cara piel frente arrugas cachetes mejillas barbilla papada ojeras
láser tratamiento clínica clinica doctora enfermera cita consulta señora señor sra sr srta dra
dios nadie alguien todos todas nada algo doña
naw nahh naa nel nop nopes nomas ahorita luego jaja jajaja jeje haha hehe
"""
# Number words ("gave your number to two girls", "a tres amigas") count people, they never name them.
_NUMBERS = """
one two three four five six seven eight nine ten both
uno una dos tres cuatro cinco seis siete ocho nueve diez ambas ambos
"""
# Languages and nationalities ("Portuguese friend, speaks ok English") are capitalised but never names.
# Not those that are also given names: "German" / "Germán", "Frances" / "Francés".
_LANGUAGES = """
english spanish portuguese french italian russian polish dutch swedish norwegian danish finnish greek
turkish arabic hebrew persian farsi hindi urdu bengali punjabi tagalog filipino filipina vietnamese thai
korean japanese chinese mandarin cantonese creole kreyol haitian brazilian mexican cuban dominican
colombian venezuelan peruvian chilean argentinian argentine salvadoran guatemalan honduran nicaraguan
puerto rican american canadian british irish scottish welsh australian indian pakistani nigerian
ukrainian jamaican
español inglés ingles portugués portugues italiano italiana ruso rusa chino china coreano coreana
japonés japones japonesa árabe arabe mexicano mexicana cubano cubana dominicano dominicana colombiano
colombiana venezolano venezolana peruano peruana chileno chilena argentino argentina salvadoreño
salvadoreña guatemalteco guatemalteca hondureño hondureña boricua americano americana gringo gringa
brasileño brasileña
"""
STOP_NAMES: frozenset[str] = (
    frozenset(_STOP.split()) | (frozenset(RELATIONSHIPS) - _NAME_LIKE) | frozenset(_NUMBERS.split())
    | frozenset(_LANGUAGES.split())
)
# Vocatives and interjections that open a text ("Bo, la Paz y la Flor quieren ...", "Che, ...", "wey,"):
# the patient calling the clinic "dude", not a person. Only there: "Lia and Bo" are names. "Mae" is Costa
# Rican "dude"; "hermano", "brother", "mija" address the reader the same way ("Hermano, mi esposa ...").
OPENING_INTERJECTIONS: frozenset[str] = frozenset(
    "bo che boludo boluda wey güey guey mana mano manito manita parce parcero parcera bro dude mate "
    "chamo chama pana loco loca mae maje brother brotha broder hermano hermana mija mijo compa "
    "oiga oigan oye mire mira fijate fíjese disculpe perdon perdón".split()
)

_COMMON = """
a about above after again against all almost already also always am an and another any anyone
anything are around as at away back bad be because been before being below best better between
both but by came can cannot come comes coming could day days def definitely did didn't do does
doesn't doing don't done down during each either else even ever every everyone everything for
from get gets getting give given gives go goes going gone got gotten had has have having he her
here hers herself him himself his how i if in into is isn't it its itself just keep keeps kept
know knows knew last later least less let lets like likes liked little lot lots made make makes
making many may maybe me might mine more most much must my myself need needs needed never new
next no nor not now of off often oh ok on once one only or other our out over own please pretty
quite rather really right said same saw say says see seen she should since so some soon still
such sure take takes taken tell tells than that the their them then there these they thing
things think thinks this those though thought through to today together too took totally try
tried tries trying under until up us very want wants wanted wanting wanna was wasn't way we well
went were what when where which while who whom why will with without won't would wouldn't yes
yet you your yours asked asking asks ask loved loves love loving noticed notices noticing saw
seeing looks look looked looking wants came tried booked book books booking called calls texted
texts texting heard hears said says told tells telling agrees agreed agree thinks thought lives
lived works worked working goes went comes came heard wondering wondered wonders curious
interested keen dying excited exciting jealous obsessed impressed happy also too though really
def totally honestly literally actually seriously probably prob maybe already again just even
still always never ever here there now today tonight tomorrow yesterday week weekend month year
time times both all each either neither every some any none who whoever someone anybody nobody
girl girls guy guys lady ladies woman women man men people person family friend friends sister
brother mom dad husband wife at as by for from in into of on onto to up with about via per
referral refer refers referred referring number numbers phone cell contact info details name
names called named appointment appt consult consultation treatment visit session spa clinic
place office location there here where results result done work job
years year months month weeks week days hours minutes ages forever life lately recently ago while
text call ring message messages email mail dm ping reach hit send sent bring brought brings invite
invited meet met show showed shows help helped swear swears rave raves recommend recommended
anytime whenever asap instead directly ahead first second third last soon sometime sometimes
reminder reminders confirmation confirmations update updates alert alerts notification
notifications pic pics photo photos picture pictures selfie video address directions link
details price prices pricing cost costs deal deals special specials promo code coupon gift card
mobile home tel ph cel whatsapp landline voicemail vm line
tho thru cuz bc abt rn tmrw tmr pls plz ty thx lmk omw btw idk nvm wyd hbu jk irl asap
sounds sound yay ugh oops hmm um uh hun hon babe dear girlie girly
so very super mega totally kind sort bit lil little tiny big huge
good great nice fine okay ok cool awesome sweet lovely gorgeous beautiful stunning perfect
over under out inside outside near far right left
also really
que quien quién cual cuál como cómo cuando cuándo donde dónde porque por para pero y e o u ni
con sin sobre entre hasta desde hacia según durante mientras tambien también tampoco igual ya
aún aun todavía todavia muy mas más menos poco mucho mucha muchos muchas tanto tanta bien mal
mejor peor aquí aqui ahí ahi allá alla ahora ahorita luego después despues antes hoy mañana manana
ayer siempre nunca casi solo sólo nomás nomas otra otro otras otros esta este esto estas estos
esa ese eso esas esos aquella aquel un una unos unas al del de en a es son era eran fue fueron
soy eres somos está esta están estan estaba estoy estamos ser estar hay había habia ha han he
tiene tienen tengo tenía quiere quieren quiero quería queria quisiera quisieran puede pueden puedo
podría podria va van voy vamos viene vienen vengo venir ir fui dice dicen dijo dije digo dile
pregunta preguntan preguntó pregunto preguntando vio ve ven vi veo nota notó noto notaron encanta
encantó encanto encantaron gusta gustó gusto gustaría gustaria ama amo interesa interesada
interesado interesadas interesados llama llamo llamó llamar llamen llámale llamale escribe
escríbele escribele escríbanle escribanle escríbale escribale llámenle llamenle márquenle marquenle mándenle mandenle
escribir mensaje mensajes texto numero número teléfono telefono celular
whats info información informacion precio precios cita citas agendar reservar probar hacer
hacerse ponerse también cuenta cuentas conmigo contigo ella ellas pasa pasó paso pasé pase
trabajo casa sí claro bueno buena buenas buenos gracias muchas porfa porfavor favor tardes noches dias días
verdad seguro segura obvio nada algo todo toda todos todas cada mismo misma mismos
súper super bien feliz contenta contento encantada encantado lindo bonita bonito
use used pay paid buy bought spend spent show need feel felt leave left wear wore drive drove meet met
put read sit sat stand win won lose lost run ran walk talk speak spoke eat ate drink sleep slept play
move stay plan hate miss cry laugh smile kiss hug check change finish open close wait hold mean meant
turn travel watch learn teach understand remember forget forgot believe wish guess bet suppose decide
choose chose join sign pick grab save charge owe earn argue complain schedule reschedule confirm
suggest mention notice compliment brag stalk follow share post hear listen answer reply respond shop
test apply accept admit afraid scared nervous shy busy free ready able glad sad mad upset tired sick
pregnant married single older younger old young cute hot live across along behind beside beyond
toward towards upon within whose than received receive list settings setting service services rates
rate light thread chain group chat convo conversation account app website site page portal form
forms survey review reviews stars star feedback doc derm dermatologist pcp obgyn gyno dentist vet
insurance body baby everyone's someone's nobody's sometime whatever whichever however wherever
tmb tb tbn tmbn q k xq pq porq porfa plis bn ntp ps pa pal xfa dnd ke aki orita oigan oye
anda andaba trabaja vive vino vinieron estuvo opina piensa cree comenta necesita busca ocupa sabe
conoce recomienda cumple pide pidió pidio manda habla queda quedó quedo ama vió noto notó
es está esta muy tan gente cualquiera nuevo nueva mío mio wa ella
llámame llamame escríbeme escribeme márcame marcame mándame mandame avísame avisame háblame hablame
textéame texteame contáctame contactame
entonces osea neta welp fyi news ahh ahhh klk
add squeeze fit include treat cover register enroll remind welcome greet tag forward hook sneak type double triple
gave ate began bit blew broke brought built bought caught chose drew drank drove fed fought found flew
froze grew hung hid held hurt knew laid led lent lay rode rang rose sold shook shot shut sang sank slid
stole stuck swore swam taught tore threw understood woke wrote
"""
# Given names that look like verb forms or adverbs ("Kimberly", "Mohammed"): still names.
NAMES_ENDING_LIKE_WORDS: frozenset[str] = frozenset(
    "shelly beverly kimberly everly ashly annaly mohammed muhammed mehmed sterling irving channing "
    "aaron sharon fernando armando orlando rolando hernando mildred alfred wilfred winifred".split()
)
# Given names that are also stop or common words ("my husband Will", "my daughter April", "mi hijo
# Jesús"): names only when capitalised right where a name is expected, never "will" or "Hope you ...".
WORDS_THAT_ARE_NAMES: frozenset[str] = frozenset(
    # "Jojo" is Spanish laughter too ("jojo q bonito"); "jun" and "jan" are month abbreviations too ("my son Jun", "call Jan at ..."), and "Thu" a Vietnamese
    # given name ("my wife Anh Thu", "Thu Trang") as well as Thursday
    "hope will may june april august jesus julio abril rose star guy mar al jun jan thu jojo".split()
)
COMMON_WORDS: frozenset[str] = (
    frozenset(_COMMON.split()) | STOP_NAMES | frozenset(SMS_SPELLINGS) | frozenset(fold(w) for w in _COMMON.split())
)


# ------------------------------------------------------------------------------ misspelt relationships
# Patients type fast: "my sistr kayla", "my freind jess", "mi hermnaa sandra". A word right after "my"/"mi"
# one edit (or one swap of neighbours) away from a relationship word of five letters or more, with the
# same first letter, is read as that word. Shorter words ("son", "tia", "mom") have too many neighbours.
_TYPO_MIN = 5
_NOT_TYPOS = frozenset("sitter compra prime primer primera".split())  # real words one edit from a relationship
_DELETES: dict[str, set[str]] = {}
for _key in RELATIONSHIPS:
    _k = fold(_key)
    if len(_k) >= _TYPO_MIN and _k.isalpha():
        for _variant in {_k} | {_k[:i] + _k[i + 1:] for i in range(len(_k))}:
            _DELETES.setdefault(_variant, set()).add(_key)


def _one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:] or (a[i:i + 2] == b[i:i + 2][::-1] and a[i + 2:] == b[i + 2:])
    return a[i + (len(a) > len(b)):] == b[i + (len(b) > len(a)):]


def misspelt_relationship(word: str) -> str | None:
    """The relationship word a misspelling stands for ("sistr" -> "sister"), or None."""
    low = fold(word)
    if len(low) < _TYPO_MIN - 1 or low in RELATIONSHIPS or low in COMMON_WORDS or low in _NOT_TYPOS:
        return None
    keys = set(_DELETES.get(low, ()))
    for i in range(len(low)):
        keys |= _DELETES.get(low[:i] + low[i + 1:], set())
    keys = {k for k in keys if fold(k)[0] == low[0] and _one_edit(low, fold(k))}
    meanings = {PLURAL_TO_ONE.get(RELATIONSHIPS[k], RELATIONSHIPS[k]) for k in keys}
    if len(meanings) != 1:
        return None  # none, or ambiguous
    return min(keys, key=len)  # "sisterr": "sister" rather than "sisters"


# ------------------------------------------------------------------------------ people not referred
_NOT_REFERRED_FILE = Path(__file__).with_name("not_referred.yaml")


@dataclass(frozen=True)
class NotReferred:
    """Cues that the people a text names are not referred (not_referred.yaml): pets, voice assistants,
    someone who cannot come. Phrases are lowercase; `emoji` are matched on the raw text."""

    pet_words: tuple[str, ...]
    pet_emoji: tuple[str, ...]
    pet_people: tuple[str, ...]
    assistants: tuple[str, ...]
    not_coming: tuple[str, ...]


def _phrases(raw: object, where: str, *, words: bool = True, relationships_ok: bool = False) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}: a non-empty list is needed")
    out: list[str] = []
    for item in raw:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"{where}: {item!r} is not a word or phrase")
        if words:
            if item != " ".join(item.lower().split()):
                raise ValueError(f"{where}: {item!r} must be lowercase and single-spaced")
            if not relationships_ok and (item in RELATIONSHIPS or fold(item) in RELATIONSHIPS):
                raise ValueError(f"{where}: {item!r} is a relationship word, never a sign of no referral")
        if item in out:
            raise ValueError(f"{where}: {item!r} is listed twice")
        out.append(item)
    return tuple(out)


def load_not_referred(path: Path = _NOT_REFERRED_FILE) -> NotReferred:
    """Read and check not_referred.yaml; a malformed file raises ValueError (at import)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or set(raw) != {"pets", "assistants", "not_coming"}:
        raise ValueError(f"{path.name}: exactly the keys pets, assistants and not_coming are needed")
    pets = raw["pets"]
    if not isinstance(pets, dict) or set(pets) != {"words", "emoji", "people"}:
        raise ValueError(f"{path.name}: pets needs exactly words, emoji and people")
    emoji = _phrases(pets["emoji"], f"{path.name} pets.emoji", words=False)
    if any(ch.isalnum() for e in emoji for ch in e):
        raise ValueError(f"{path.name} pets.emoji: only emoji, no letters or digits")
    return NotReferred(
        pet_words=_phrases(pets["words"], f"{path.name} pets.words"),
        pet_emoji=emoji,
        pet_people=_phrases(pets["people"], f"{path.name} pets.people", relationships_ok=True),
        assistants=_phrases(raw["assistants"], f"{path.name} assistants"),
        not_coming=_phrases(raw["not_coming"], f"{path.name} not_coming"),
    )


NOT_REFERRED: NotReferred = load_not_referred()
