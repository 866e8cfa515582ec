"""A shipped reply template's wording, rendered as the product renders it (PromptLibrary.render_sms), for
tests that check what a patient was sent without copying the wording a clinic may change."""
from __future__ import annotations

from agent.policy.schema import ClinicSettings
from agent.prompts import default_prompts

DEFAULTS = {"first_name": "Maya", "clinic_name": "Glow Aesthetics", "clinic_phone": "(415) 555-0100",
            "sender": "Glow Aesthetics", "variant": 0, "referral_name": None,
            "help_text": ClinicSettings().help_text}


def reply_text(name: str, *, language: str = "en", **context: object) -> str:
    """replies/<name> in `language` as one SMS, with the demo patient and clinic unless told otherwise."""
    return default_prompts().render_sms(f"replies/{name}", language=language, **{**DEFAULTS, **context})
