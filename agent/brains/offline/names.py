"""Word lists for telling people's names apart from ordinary words in an SMS.

Two lists, used differently:
- STOP_NAMES are never names, capitalised or not: sentence starters ("Honestly", "Btw"), pronouns,
  days, months, clinic and product words.
- COMMON_WORDS are ordinary lowercase English words. A lowercase word is only taken as a name when it
  is not one of them ("my coworker jen" -> Jen, "my sister wants" -> no name); a capitalised word at
  the start of a clause is refused too when it is one ("Will you text her?").
"""
from __future__ import annotations

# Relationship words -> the canonical relationship we record.
RELATIONSHIPS: dict[str, str] = {
    "best friend": "best friend", "bestie": "best friend", "bff": "best friend",
    "friend": "friend", "friends": "friends", "girlfriend": "girlfriend", "gf": "girlfriend",
    "boyfriend": "boyfriend", "bf": "boyfriend", "partner": "partner", "husband": "husband",
    "hubby": "husband", "hubs": "husband", "wife": "wife", "wifey": "wife", "fiance": "fiance",
    "fiancee": "fiance", "sister-in-law": "sister-in-law", "sister in law": "sister-in-law",
    "mother-in-law": "mother-in-law", "mother in law": "mother-in-law",
    "sister": "sister", "sis": "sister", "sisters": "sisters", "brother": "brother", "bro": "brother",
    "mom": "mother", "mum": "mother", "mother": "mother", "mama": "mother", "momma": "mother",
    "mommy": "mother", "stepmom": "stepmother", "dad": "father", "father": "father",
    "daughter": "daughter", "daughters": "daughters", "son": "son", "cousin": "cousin",
    "cousins": "cousins", "aunt": "aunt", "auntie": "aunt", "aunty": "aunt", "uncle": "uncle",
    "niece": "niece", "nephew": "nephew", "grandma": "grandmother", "grandmother": "grandmother",
    "coworker": "coworker", "co-worker": "coworker", "coworkers": "coworkers",
    "co-workers": "coworkers", "colleague": "coworker", "colleagues": "coworkers",
    "work friend": "coworker", "boss": "boss", "neighbor": "neighbor", "neighbour": "neighbor",
    "neighbors": "neighbors", "roommate": "roommate", "roomie": "roommate", "client": "client",
    "hairdresser": "hairdresser", "hairstylist": "hairdresser", "stylist": "hairdresser",
    "trainer": "trainer", "bridesmaid": "bridesmaid", "bridesmaids": "bridesmaids",
    "gym buddy": "friend", "buddy": "friend", "pal": "friend", "family": "family",
}

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
"""
STOP_NAMES: frozenset[str] = frozenset(_STOP.split()) | frozenset(RELATIONSHIPS)

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
"""
COMMON_WORDS: frozenset[str] = frozenset(_COMMON.split()) | STOP_NAMES
