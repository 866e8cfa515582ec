"""Exact checks: one `expect` mapping against one observed turn record (the report.json turn shape)."""
from __future__ import annotations

import re
from collections.abc import Callable

from agent.types import Disposition
from evals.suite import Expect

__all__ = ["check_turn", "sent", "held", "deciding"]

SENT = (Disposition.SEND, Disposition.REPAIR)


def sent(turn: dict) -> list[dict]:
    return [r for r in turn["replies"] if r["disposition"] in SENT]


def held(turn: dict) -> list[dict]:
    return [r for r in turn["replies"] if r["disposition"] == Disposition.HOLD]


def deciding(turn: dict) -> str | None:
    return turn["intents"][0]["intent"] if turn["intents"] else None


def _asks(turn: dict) -> list[str]:
    return list(dict.fromkeys(a for r in sent(turn) for a in r["asks"]))


def _tools_ran(turn: dict) -> list[str]:
    return [t["name"] for t in turn["tools"] if t.get("ok", True)]


# Each check returns (passed, expected as written, observed) for the report.
Check = Callable[[Expect, dict], tuple[bool, object, object]]


def _intent(e: Expect, t: dict) -> tuple[bool, object, object]:
    labels = [i.value for i in e.intent]
    return deciding(t) in labels, labels if len(labels) > 1 else labels[0], deciding(t)


def _intents_include(e: Expect, t: dict) -> tuple[bool, object, object]:
    observed = [i["intent"] for i in t["intents"]]
    return all(i.value in observed for i in e.intents_include), [i.value for i in e.intents_include], observed


def _ask(e: Expect, t: dict) -> tuple[bool, object, object]:
    asks = _asks(t)
    want = e.ask
    return (asks == [] if want == "none" else asks == [want]), want, asks or "none"


def _reply(e: Expect, t: dict) -> tuple[bool, object, object]:
    return bool(sent(t)) == e.reply, e.reply, bool(sent(t))


def _held(e: Expect, t: dict) -> tuple[bool, object, object]:
    return bool(held(t)) == e.held, e.held, bool(held(t))


def _handoff(e: Expect, t: dict) -> tuple[bool, object, object]:
    observed = [{"queue": h["queue"], "priority": h["priority"]} for h in t["handoffs"]]
    if e.handoff == "none":
        return not observed, "none", observed or "none"
    want = e.handoff.model_dump(mode="json", exclude_none=True)
    ok = any(h["queue"] == want["queue"] and h["priority"] == want.get("priority", h["priority"]) for h in observed)
    return ok, want, observed or "none"


def _referrals(e: Expect, t: dict) -> tuple[bool, object, object]:
    observed = t["referrals"]
    return sorted(n.casefold() for n in observed) == sorted(n.casefold() for n in e.referrals), e.referrals, observed


def _tools(e: Expect, t: dict) -> tuple[bool, object, object]:
    ran = _tools_ran(t)
    return all(name in ran for name in e.tools), e.tools, ran


def _not_tools(e: Expect, t: dict) -> tuple[bool, object, object]:
    ran = _tools_ran(t)
    return not any(name in ran for name in e.not_tools), e.not_tools, ran


def _reply_matches(e: Expect, t: dict) -> tuple[bool, object, object]:
    bodies = [r["body"] for r in sent(t)]
    ok = all(any(re.search(p, b, re.IGNORECASE) for b in bodies) for p in e.reply_matches)
    return ok, e.reply_matches, bodies


def _reply_not_matches(e: Expect, t: dict) -> tuple[bool, object, object]:
    bodies = [r["body"] for r in sent(t)]
    ok = not any(re.search(p, b, re.IGNORECASE) for p in e.reply_not_matches for b in bodies)
    return ok, e.reply_not_matches, bodies


CHECKS: dict[str, Check] = {
    "intent": _intent, "intents_include": _intents_include, "ask": _ask, "reply": _reply, "held": _held,
    "handoff": _handoff, "referrals": _referrals, "tools": _tools, "not_tools": _not_tools,
    "reply_matches": _reply_matches, "reply_not_matches": _reply_not_matches,
}


def check_turn(expect: Expect, turn: dict) -> tuple[dict[str, bool], list[dict]]:
    """({check: passed}, failures) for every key the expectation gives."""
    results: dict[str, bool] = {}
    failures: list[dict] = []
    for key in expect.given():
        ok, want, got = CHECKS[key](expect, turn)
        results[key] = ok
        if not ok:
            failures.append({"turn": turn["n"], "check": key, "expected": want, "observed": got,
                             "message": f"turn {turn['n']}: {key} expected {_show(want)}, observed {_show(got)}"})
    return results, failures


def _show(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "[" + ", ".join(value) + "]"
    return str(value)
