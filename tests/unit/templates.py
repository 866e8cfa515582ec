"""Every shipped reply and touch template rendered with realistic values, for tests that scan them all."""
from __future__ import annotations

from pathlib import Path

from agent.policy.schema import ClinicSettings
from agent.prompts import PromptLibrary

REVIEW_LINK = "https://g.page/r/glow-aesthetics-demo/review"


def render_all(variants: tuple[int, ...] = (0, 1)) -> list[tuple[str, str]]:
    lib = PromptLibrary()
    out = []
    for path in sorted(Path(lib.root).glob("*/*.j2")):
        name = str(path.relative_to(lib.root))[:-3]
        if not name.startswith(("replies/", "touches/")):
            continue
        for variant in variants:
            for referral_name in (None, "Jane"):
                out.append((name, lib.render_sms(
                    name, first_name="Maya", clinic_name="Glow Aesthetics", clinic_phone="+14155550100",
                    sender="Glow Aesthetics", variant=variant, referral_name=referral_name, when="yesterday",
                    when_weeks="two weeks", help_text=ClinicSettings().help_text, review_link=REVIEW_LINK)))
    return out
