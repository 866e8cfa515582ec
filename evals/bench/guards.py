"""Micro-benchmark: microseconds per message for the full guard chain (run_guards).

    .venv/bin/afterglow bench --only guards      (or: .venv/bin/python -m evals.bench.guards [--rounds N])

Runs ~50 varied drafts (clean replies, PHI in many disguises, asks, long and emoji texts) through
run_guards with the shipped lexicon and prints per-message figures. The budget is 200 us/message.
It prints figures; it is not a timed test.
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timedelta

from agent.guards import AskFacts, GuardContext, repair, run_guards, tripped
from agent.policy.loader import load_policies
from agent.policy.schema import ClinicSettings
from agent.types import AskKind, Queue

BUDGET_US = 200.0

DRAFTS = [
    # ordinary replies
    "That's so good to hear, Maya! Thanks for letting us know.",
    "Love hearing that, Maya! Thank you for the update.",
    "Thanks, Maya. We're here if anything comes up.",
    "No problem at all, Maya. Thanks for letting us know!",
    "Happy to help, Maya! Someone from our front desk will text you shortly to find a time that works.",
    "Good question, Maya. I've passed it to our team and someone will text you back shortly.",
    "Thanks for telling us, Maya. I've passed this to our clinical team and someone will text you soon. "
    "If it gets worse, call us at +14155550100.",
    "Maya, please call us right now at +14155550100 so a clinician can help. If it feels severe or you have "
    "trouble breathing, call 911.",
    "I'm really sorry, Maya. That's not the experience we want for you. I've asked our manager to reach out "
    "to you personally today.",
    "Sorry about that! We'll update our records and won't text this number again.",
    "Glow Aesthetics: You're unsubscribed and won't get more texts from us. Reply START to resubscribe.",
    "Glow Aesthetics: Questions? Call us at +14155550100. Reply STOP to opt out. Msg & data rates may apply. "
    "Msg frequency varies.",
    "Hi Maya, it's Glow Aesthetics. Just checking in after your visit yesterday. How is everything feeling?",
    "Hi Maya, it's Glow Aesthetics! It's been about two weeks since your visit. How are you liking your results?",
    "Hi Maya, just making sure you saw our last text. No need to reply unless you'd like to. We're here if you "
    "need anything!",
    "Hi Maya, it's Glow Aesthetics. How is everything going so far? We'd love to hear how you're feeling.",
    "Your skin is going to love the results! Let us know if anything comes up, we're always here for you.",
    "We've got a great machine for appointment reminders, so no need to flip through emails.",
    "Thanks for the appeal, Maya. Follow us on the web whenever you like. Have a wonderful weekend!",
    "So glad you're happy, Maya 😊 Have a lovely week!",
    "“Thanks so much” – we’re thrilled… see you soon!",
    # asks
    "So glad to hear it, Maya! If a friend ever asks where you go, feel free to send them our way or reply "
    "with their name.",
    "That makes our day, Maya! If anyone you know has been curious, send them our way or just reply with "
    "their name.",
    "Thank you, Maya! Would you mind leaving us a quick Google review? https://g.page/r/glow/review",
    "So happy for you! Know anyone who'd love to try us? And would you leave us a review?",
    "Want to book your next visit? We have openings next week.",
    "Love hearing that! We'd love to see you again soon. Reply with a friend's name and we'll reach out.",
    # PHI, plain and disguised
    "Hi Maya, how are your lips feeling after the filler?",
    "Your Botox should fully kick in within two weeks.",
    "Hope the B0tox is settling in nicely!",
    "How are the b.o.t.o.x results looking?",
    "Just checking on your b o t o x from last week.",
    "Thanks! Your BOTOX® touch-up is on us.",
    "How's the bo-tox?",
    "We used 20 units in your forehead.",
    "Your Juvéderm Voluma should settle in 2 weeks.",
    "Any bruising under-eye is normal after tear trough work.",
    "Your crow's feet should soften soon.",
    "Keep using the tretinoin nightly and skip it before your peel.",
    "How is the Ozempic going? Any nausea?",
    "Your acne scars will look better after a few sessions of microneedling.",
    "Remember to avoid the sun after your IPL and Morpheus 8.",
    "Your lip flip should settle in a week, Maya.",
    "Hi Maya! Just checking in on your CoolSculpting results. Let us know how your abdomen feels.",
    "Your HydraFacial is booked for Friday.",
    "Sculptra takes a few months to build collagen in the cheeks.",
    "We'll check your melasma at the next visit.",
    "Hope the Воtох (Cyrillic) is ok.",
    # long texts
    "Hi Maya, it's Glow Aesthetics! We just wanted to say thank you again for coming in yesterday. It was "
    "wonderful to see you. If anything comes up at all, please text us here or call +14155550100. We're "
    "always happy to help. Have a lovely rest of your week, and take good care of yourself!",
    "Hi Maya 🌸 thank you so much for visiting us yesterday! We hope you're feeling wonderful. If you have "
    "any questions at all, just reply here and our team will get back to you right away. Take care!",
    "Hi Maya, it's Glow Aesthetics. We hope you're well. " * 6,
]


def context(policies) -> GuardContext:  # noqa: ANN001
    now = datetime(2026, 3, 10, 18, 0)
    facts = AskFacts(now=now, positive_reply_seen=True, referral_eligible_touch=True, marketing_consent=True,
                     open_handoff_queues=frozenset({Queue.FRONT_DESK}),
                     last_ask_at={AskKind.REVIEW: now - timedelta(days=30)})
    settings = ClinicSettings(sender_name="Glow Aesthetics", phi_extra_terms=["Glow Signature Lift", "Aqua Peel Deluxe"])
    return GuardContext(policies=policies, settings=settings, facts=facts,
                        patient_terms=("Lip filler", "Juvederm Ultra"), review_link="https://g.page/r/glow/review")


def measure(rounds: int = 200) -> dict:
    policies = load_policies()
    ctx = context(policies)
    for draft in DRAFTS:  # warm up: compile the lexicon and the ask patterns once
        run_guards(draft, ctx)
    per_round = []
    for _ in range(rounds):
        start = time.perf_counter()
        for draft in DRAFTS:
            run_guards(draft, ctx)
        per_round.append((time.perf_counter() - start) / len(DRAFTS) * 1e6)
    worst = 0.0
    for draft in DRAFTS:
        start = time.perf_counter()
        for _ in range(50):
            run_guards(draft, ctx)
        worst = max(worst, (time.perf_counter() - start) / 50 * 1e6)
    tripped_drafts = [d for d in DRAFTS if tripped(run_guards(d, ctx))]
    repairable = sum(1 for d in tripped_drafts if repair(d, tripped(run_guards(d, ctx)), ctx))
    return {"drafts": len(DRAFTS), "rounds": rounds, "tripped": len(tripped_drafts), "repairable": repairable,
            "median_us": round(statistics.median(per_round), 1), "best_us": round(min(per_round), 1),
            "slowest_draft_us": round(worst, 1), "budget_us": BUDGET_US}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    figures = measure(args.rounds)
    print(f"drafts: {figures['drafts']}  rounds: {figures['rounds']}  tripped: {figures['tripped']}  "
          f"repairable: {figures['repairable']}")
    print(f"run_guards: median {figures['median_us']:.1f} us/message, best {figures['best_us']:.1f}, "
          f"slowest draft {figures['slowest_draft_us']:.1f} us")
    verdict = "within" if figures["median_us"] <= BUDGET_US else "OVER"
    print(f"budget {BUDGET_US:.0f} us/message: {verdict}")


if __name__ == "__main__":
    main()
