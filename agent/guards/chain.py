"""The guard chain: runs in code on every outbound SMS, whatever the brain proposed.

Each guard returns a typed verdict (tripped or not); the engine decides what to do with them.
The order is fixed and every guard always runs, so a record shows every policy's judgement:
OPTED_OUT, THREAD_OWNER, PHI, ONE_ASK, ASK_CONSENT, ASK_TIMING, SEGMENTS.
"""
from __future__ import annotations

from agent.guards.asks import check_ask_consent, check_ask_timing, check_one_ask, detect_asks
from agent.guards.context import GuardContext
from agent.guards.phi import check_phi
from agent.guards.segments import count_segments
from agent.types import GuardPolicy, GuardVerdict, Mode

__all__ = ["ORDER", "run_guards", "tripped", "check_opted_out", "check_thread_owner", "check_segments"]

ORDER = (GuardPolicy.OPTED_OUT, GuardPolicy.THREAD_OWNER, GuardPolicy.PHI, GuardPolicy.ONE_ASK,
         GuardPolicy.ASK_CONSENT, GuardPolicy.ASK_TIMING, GuardPolicy.SEGMENTS)


def check_opted_out(ctx: GuardContext) -> GuardVerdict:
    if ctx.opted_out and not ctx.is_opt_out_confirmation:
        return GuardVerdict(GuardPolicy.OPTED_OUT, True,
                            reason="the patient has opted out; only the one opt-out confirmation may be sent")
    return GuardVerdict(GuardPolicy.OPTED_OUT, False)


def check_thread_owner(ctx: GuardContext) -> GuardVerdict:
    if ctx.mode in (Mode.HUMAN, Mode.CLOSED) and not ctx.human_mode_exempt:
        owner = "a person owns this thread" if ctx.mode == Mode.HUMAN else "this thread is closed"
        return GuardVerdict(GuardPolicy.THREAD_OWNER, True, reason=f"{owner}; the agent stays silent",
                            detail={"mode": ctx.mode.value})
    return GuardVerdict(GuardPolicy.THREAD_OWNER, False, detail={"mode": ctx.mode.value})


def check_segments(text: str, ctx: GuardContext) -> GuardVerdict:
    info = count_segments(text)
    budget = ctx.settings.segment_budget
    detail = {"segments": info.segments, "encoding": info.encoding, "budget": budget}
    if info.segments <= budget:
        return GuardVerdict(GuardPolicy.SEGMENTS, False, detail=detail)
    return GuardVerdict(GuardPolicy.SEGMENTS, True, detail=detail,
                        reason=f"{info.segments} {info.encoding} segments; the budget is {budget}")


def run_guards(text: str, ctx: GuardContext) -> list[GuardVerdict]:
    """One verdict per policy, in ORDER, tripped or not."""
    kinds = detect_asks(text, ctx.policies.asks, ctx.review_link)
    return [
        check_opted_out(ctx),
        check_thread_owner(ctx),
        check_phi(text, ctx),
        check_one_ask(kinds, ctx.policies.asks),
        check_ask_consent(kinds, ctx),
        check_ask_timing(kinds, ctx),
        check_segments(text, ctx),
    ]


def tripped(verdicts: list[GuardVerdict]) -> list[GuardVerdict]:
    return [v for v in verdicts if v.tripped]
