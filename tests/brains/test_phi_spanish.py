"""The PHI guard in both languages: a model told to reply in the patient's language must not leak PHI in
Spanish either, and ordinary Spanish clinic texts (the reviewed Spanish templates included) pass."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from agent.brains.llm import LLMBrain
from agent.engine.touches import send_touch
from agent.engine.turn import Agent
from agent.guards.context import AskFacts, GuardContext
from agent.guards.phi import check_phi, find_phi
from agent.policy.loader import default_policies
from agent.policy.schema import ClinicSettings
from agent.prompts import PromptLibrary, default_prompts
from agent.types import VisitType
from tests.brains.fakes import ScriptedChatModel, answer, rewrite

POLICIES = default_policies()
CTX = GuardContext(policies=POLICIES, settings=ClinicSettings(), facts=AskFacts(now=datetime(2026, 3, 10, 18)))


def categories(text: str) -> set[str]:
    return set(find_phi(text, CTX))


@pytest.mark.parametrize(("text", "category"), [
    ("¿Cómo siente los labios hoy?", "area"),
    ("¿Cómo van los labios?", "area"),
    ("Su relleno se va a asentar en unos días.", "procedure"),
    ("¿Qué tal los rellenos?", "procedure"),
    ("La toxina tarda unos 14 días en hacer efecto.", "procedure"),
    ("¿Qué tal el bótox?", "product"),
    ("¿Qué tal el botox?", "product"),
    ("El ácido hialurónico se absorbe poco a poco.", "medication"),
    ("El acido hialuronico se absorbe poco a poco.", "medication"),
    ("Las arrugas de la frente se ven suavizadas.", "condition"),
    ("Las arrugas de la frente se ven suavizadas.", "area"),
    ("¡Sus patas de gallo se ven increíbles!", "area"),
    ("Las ojeras se notan menos.", "condition"),
    ("La papada se verá mejor en unas semanas.", "area"),
    ("¿Cómo le fue con la depilación láser?", "procedure"),
    ("¿Cómo le fue con la depilacion laser?", "procedure"),
    ("Esperamos que el peeling haya ido bien.", "procedure"),
    ("¿Cómo va el acné?", "condition"),
    ("Las cicatrices mejoran con el tiempo.", "condition"),
    ("¿Sigue usando la tretinoína?", "medication"),
    ("Le pusimos 20 unidades.", "dose"),
    ("Fueron dos jeringas.", "dose"),
    ("Usamos media jeringa.", "dose"),
    ("Le aplicamos 1,5 ml.", "dose"),
    ("LABIOS", "area"),
    ("l4bios", "area"),
    ("b-ó-t-o-x", "product"),
])
def test_spanish_phi_is_caught_with_and_without_accents(text: str, category: str) -> None:
    verdict = check_phi(text, CTX)
    assert verdict.tripped and category in verdict.detail["categories"], (text, verdict.detail)
    assert "labio" not in verdict.reason and "relleno" not in verdict.reason  # categories, never terms


@pytest.mark.parametrize("category", ["procedure", "area", "condition", "medication"])
def test_the_lexicon_holds_both_languages(category: str) -> None:
    terms = POLICIES.phi.categories[category]
    english = {"procedure": "filler", "area": "lip", "condition": "wrinkle", "medication": "hyaluronic acid"}
    spanish = {"procedure": "relleno", "area": "labio", "condition": "arruga", "medication": "ácido hialurónico"}
    assert english[category] in terms and spanish[category] in terms


ORDINARY_SPANISH = [
    "¡Qué gusto leer eso, Maya! Gracias por contarnos.",
    "Gracias, Maya. Quedamos atentos por si surge cualquier cosa.",
    "Hola Maya, somos Glow Aesthetics. ¿Cómo se siente después de su visita?",
    "¿Cómo van sus resultados? Estamos para ayudarle.",
    "No se preocupe, Maya: está en buenas manos y la recibimos con los brazos abiertos.",
    "Si algún amigo tiene curiosidad, recomiéndenos de boca en boca o responda con su nombre.",
    "Nos vemos pronto. Llame al 911 si es grave; nuestro número es +1 (415) 555-0100.",
    "Cara, gracias por escribirnos. Una disculpa por la demora.",
    "¡Feliz año nuevo lunar! Esperamos verle pronto.",
    "Un saludo de todo el equipo. ¿Tiene alguna pregunta sobre su cita?",
    "I'll text 2 u later. No se preocupe, Maya.",
]


@pytest.mark.parametrize("text", ORDINARY_SPANISH)
def test_ordinary_spanish_clinic_texts_pass(text: str) -> None:
    assert find_phi(text, CTX) == []


def test_no_reviewed_template_in_any_language_carries_phi() -> None:
    library = PromptLibrary()
    names = sorted(str(p.relative_to(library.root))[:-3] for p in Path(library.root).glob("replies/**/*.j2"))
    assert any(n.startswith("replies/es/") for n in names)  # the Spanish templates are scanned too
    leaks = []
    for name in names:
        for variant in (0, 1):
            for referral_name in (None, "Dana"):
                text = library.render_sms(name, first_name="Maya", clinic_name="Glow Aesthetics",
                                          clinic_phone="+14155550100", sender="Glow Aesthetics", variant=variant,
                                          referral_name=referral_name, help_text=ClinicSettings().help_text)
                if find_phi(text, CTX):
                    leaks.append(name)
    assert leaks == []


def test_a_model_replying_in_spanish_cannot_name_the_treatment(db, clock, make_patient):
    """Told to reply in the patient's language, a model that names the filler in Spanish is stopped like
    one that names it in English; the reviewed template goes out instead."""
    patient_id = make_patient(visit_type=VisitType.DERMAL_FILLER, treatment="Juvederm lips")
    model = ScriptedChatModel(script=[answer("¡Sus labios se ven increíbles con el relleno, Maya!"),
                                      rewrite("El ácido hialurónico se asienta en unos días.")])
    agent = Agent(db, brain=LLMBrain(model, POLICIES, default_prompts(), name="scripted"), clock=clock)
    send_touch(agent, patient_id, "results_checkin")
    result = agent.handle_inbound(patient_id, "¡Me encantan mis resultados, gracias!")

    reply = result.replies[0]
    assert not find_phi(reply.body, CTX)
    for word in ("labio", "relleno", "hialur"):
        assert word not in reply.body.lower()
    assert "phi (it named: area, procedure)" in model.seen(1)  # the repair named the categories, in any language
