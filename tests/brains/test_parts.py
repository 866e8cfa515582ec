"""The LLM brain's parts on their own: tool schemas, what the model sees, parsing, retries."""
from __future__ import annotations

import json

import pytest
from langchain_core.exceptions import ModelAPIError, ModelInvalidRequestError, ModelRateLimitError
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from agent.brains.base import BrainContext, Line
from agent.brains.llm.messages import PHONE_TOKEN, fill_phone, repair_messages, turn_messages
from agent.brains.llm.parse import UNPARSEABLE, MalformedAnswer, read_answer
from agent.brains.llm.retry import RetryPolicy, is_transient
from agent.brains.llm.schema import IntentChoice
from agent.brains.llm.tools import model_schema, respond_tool, rewrite_tool, turn_tools
from agent.brains.llm.parse import order_intents
from agent.policy.loader import default_policies
from agent.prompts import default_prompts
from agent.tools import TOOLS
from agent.types import AskKind, GuardPolicy, GuardVerdict, Intent, Stage, VisitType

POLICIES = default_policies()
PROMPTS = default_prompts()


def ctx(**kw) -> BrainContext:  # noqa: ANN003
    values = dict(first_name="Maya", visit_category=VisitType.NEUROMODULATOR, days_since_visit=3,
                  stage=Stage.CHECKIN, message="love it", clinic_name="Glow Aesthetics",
                  clinic_phone="(415) 555-0100", sender="Glow Aesthetics")
    values.update(kw)
    return BrainContext(**values)


# ------------------------------------------------------------------ tools


def _variants(stage: Stage) -> dict[str, dict]:
    """Every tool the union offers, with the variant that carries it."""
    actions = respond_tool(stage)["function"]["parameters"]["properties"]["actions"]
    return {tool: v for v in actions["items"]["anyOf"] for tool in v["properties"]["tool"]["enum"]}


def _objects(node: object) -> list[dict]:
    """Every object schema inside a schema (properties are walked by name, never taken as keywords)."""
    found = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append(node)
        for key, value in node.items():
            children = value.values() if key == "properties" else [value]
            for child in children:
                found += _objects(child)
    elif isinstance(node, list):
        for item in node:
            found += _objects(item)
    return found


def test_actions_are_a_tagged_union_generated_from_the_tool_registry():
    variants = _variants(Stage.CHECKIN)
    assert list(variants) == list(TOOLS)
    for name, spec in TOOLS.items():
        variant = variants[name]
        assert spec.description in variant["description"]
        assert name in variant["properties"]["tool"]["enum"]  # the tag
        assert list(variant["properties"]) == ["tool", *spec.args_model.model_fields]
        assert variant["required"] == list(variant["properties"])  # strict: every field, optional ones nullable
        assert variant["additionalProperties"] is False  # extra arguments are refused, and the model is told
    handoff = variants["create_handoff"]["properties"]
    assert handoff["tool"]["enum"] == ["create_handoff"]
    assert handoff["queue"]["enum"] == ["clinical", "front_desk", "manager"]
    assert variants["record_referral"]["properties"]["phone"] == {"type": ["string", "null"]}
    assert variants["record_referral"]["properties"]["name"] == {"type": "string"}
    # The tools without arguments share one variant: the same choices in fewer prompt tokens.
    assert variants["opt_out"] is variants["record_decline"] is variants["mark_wrong_number"]


def test_respond_is_one_strict_tool_with_a_nullable_reply():
    tool = respond_tool(Stage.SETTLED)
    assert tool["function"]["strict"] is True and tool["function"]["name"] == "respond"
    params = tool["function"]["parameters"]
    assert params["required"] == ["intents", "actions", "reply"]
    assert params["properties"]["reply"]["type"] == ["string", "null"]
    assert params["properties"]["intents"]["items"]["properties"]["intent"]["enum"] == [i.value for i in Intent]
    for node in _objects(params) + _objects(rewrite_tool()["function"]["parameters"]):
        assert node["additionalProperties"] is False and node["required"] == list(node["properties"])
    text = json.dumps(tool)
    for keyword in ('"default"', '"title"', '"minLength"', '"maxLength"', '"minimum"', '"maxItems"', '"$defs"'):
        assert keyword not in text, keyword  # what strict servers refuse; pydantic still enforces the limits
    assert turn_tools(Stage.SETTLED) == [tool]  # nothing else is bound


def test_schema_keywords_are_dropped_but_fields_named_like_them_are_kept():
    from pydantic import BaseModel, Field

    class Odd(BaseModel):
        """A model whose fields are called like schema keywords."""

        title: str = Field(title="Title", max_length=20)
        default: int | None = None
        description: str = Field(default="", description="kept: it tells the model what the field is")

    schema = model_schema(Odd)
    assert list(schema["properties"]) == ["title", "default", "description"]
    assert schema["properties"]["title"] == {"type": "string"}
    assert schema["properties"]["default"] == {"type": ["integer", "null"]}
    assert schema["properties"]["description"]["description"].startswith("kept")
    assert schema["required"] == ["title", "default", "description"] and "title" not in schema


def test_a_closed_thread_is_offered_no_actions():
    params = turn_tools(Stage.ENDED)[0]["function"]["parameters"]
    assert list(params["properties"]) == ["intents", "reply"]


# ------------------------------------------------------------------ what the model sees


def test_the_conversation_keeps_its_roles_and_hides_the_clinic_number():
    history = (Line("agent", "Hi Maya! Questions? Call us at (415) 555-0100."), Line("patient", "will do"))
    messages = turn_messages(ctx(history=history, message="thanks!"), PROMPTS, POLICIES)
    # Two patient texts in a row are one turn: roles alternate, as open models' chat templates require.
    assert [type(m) for m in messages] == [SystemMessage, AIMessage, HumanMessage]
    assert messages[1].content == f"Hi Maya! Questions? Call us at {PHONE_TOKEN}."
    assert messages[-1].content == "will do\n\nthanks!"
    assert "555" not in "".join(str(m.content) for m in messages)


def test_the_clinic_number_is_filled_into_the_reply():
    assert fill_phone("Call us at {clinic_phone} or { Clinic_Phone }.", ctx()) == \
        "Call us at (415) 555-0100 or (415) 555-0100."
    assert fill_phone("   ", ctx()) is None and fill_phone(None, ctx()) is None


@pytest.mark.parametrize(("allowed", "offered", "not_offered"), [
    (frozenset({AskKind.REFERRAL, AskKind.REVIEW}), "send a friend our way", "Make no ask"),
    (frozenset({AskKind.REVIEW, AskKind.BOOKING}), "Make no ask", "end with ONE light ask"),  # not in a reply
    (frozenset(), "Make no ask", "end with ONE light ask"),
])
def test_the_model_is_told_which_ask_policy_would_allow(allowed, offered, not_offered):
    system = turn_messages(ctx(allowed_asks=allowed), PROMPTS, POLICIES)[0].content
    assert offered in system and not_offered not in system


def test_the_system_prompt_states_the_stage_the_visit_and_the_last_ask():
    system = turn_messages(ctx(stage=Stage.ASKED, last_asks=frozenset({AskKind.REFERRAL})), PROMPTS, POLICIES)[0].content
    assert "3 days after a neuromodulator visit" in system
    assert "we invited them to send a friend our way" in system and "Your last text asked for: referral" in system
    assert "- concern [clinical]:" in system and "- urgent [clinical urgent]:" in system
    assert "Handled before the brain" not in system  # notes for people reading the policy stay out
    none = turn_messages(ctx(visit_category=None, days_since_visit=None), PROMPTS, POLICIES)[0].content
    assert "texting Maya, a patient." in none


def test_a_repair_request_names_policies_and_categories_only():
    bad = [GuardVerdict(GuardPolicy.PHI, True, "names protected health information (patient_term, product)",
                        {"categories": ["patient_term", "product"], "hits": 2}),
           GuardVerdict(GuardPolicy.SEGMENTS, True, "3 gsm7 segments"),
           GuardVerdict(GuardPolicy.ONE_ASK, False)]
    messages = repair_messages(ctx(), bad, PROMPTS, POLICIES)
    assert messages[:-1] == turn_messages(ctx(), PROMPTS, POLICIES)
    last = messages[-1].content
    assert "- phi (it named: product):" in last
    assert "- segments: Keep it shorter: at most 306 characters of plain text, 134 with emoji or accents." in last
    assert "one_ask" not in last and "patient_term" not in last


# ------------------------------------------------------------------ parsing


def _ai(*calls: dict, invalid: tuple = ()) -> AIMessage:
    return AIMessage(content="", tool_calls=list(calls), invalid_tool_calls=list(invalid))


def _respond(*intents: tuple[str, float], reply: str | None = "Hi") -> dict:
    return {"name": "respond", "id": "r", "args": {"intents": [{"intent": i, "confidence": c} for i, c in intents],
                                                     "reply": reply}}


def _order(*pairs: tuple[str, float]) -> list[tuple[str, float]]:
    choices = [IntentChoice(intent=i, confidence=c) for i, c in pairs]
    return [(s.intent.value, s.confidence) for s in order_intents(choices, POLICIES.intents.precedence)]


def test_intents_are_ordered_by_policy_precedence_and_passing_guesses_are_dropped():
    assert _order(("positive", 0.95), ("question", 0.7), ("opt_out", 0.2), ("booking", 0.45), ("positive", 0.5)) == [
        ("question", 0.7), ("positive", 0.95)]
    # A weak safety reading stays and decides at low confidence (the reply waits for staff).
    assert _order(("positive", 0.9), ("concern", 0.3)) == [("concern", 0.3), ("positive", 0.9)]
    # Nothing the model is sure of: its best guess alone.
    assert _order(("neutral", 0.3), ("opt_out", 0.2), ("other", 0.4)) == [("other", 0.4)]


def test_tool_calls_pass_through_faithfully_and_broken_ones_cannot_run_bare():
    answer = read_answer(_ai(_respond(("decline", 0.9)),
                             {"name": "record_decline", "id": "a", "args": {"why": "x"}},
                             invalid=({"name": "opt_out", "id": "b", "args": "{oops", "error": "bad json"},
                                      {"name": None, "id": "c", "args": "???", "error": "bad json"})),
                         POLICIES.intents.precedence)
    assert [(c.name, c.args, c.call_id) for c in answer.tool_calls] == [
        ("record_decline", {"why": "x"}, "a"), ("opt_out", {UNPARSEABLE: True}, "b"), ("", {UNPARSEABLE: True}, "c")]
    assert answer.reply == "Hi" and answer.intents[0].intent == Intent.DECLINE


def test_a_malformed_answer_names_fields_never_values():
    with pytest.raises(MalformedAnswer) as caught:
        read_answer(_ai(_respond(("jane-got-botox", 0.9))), POLICIES.intents.precedence)
    assert "intents.0.intent: enum" in str(caught.value) and "botox" not in str(caught.value)
    with pytest.raises(MalformedAnswer, match="expected an AIMessage"):
        read_answer("just text", POLICIES.intents.precedence)  # type: ignore[arg-type]


# ------------------------------------------------------------------ retries


class _Status(Exception):
    def __init__(self, status_code: int) -> None:
        self.status_code = status_code


@pytest.mark.parametrize(("exc", "transient"), [
    (TimeoutError(), True), (ConnectionError(), True), (ModelRateLimitError(), True), (ModelAPIError(), True),
    (_Status(429), True), (_Status(529), True), (_Status(400), False), (_Status(401), False),
    (ModelInvalidRequestError(), False), (ValueError("bad answer"), False), (MalformedAnswer("x"), False),
])
def test_only_transient_failures_are_retried(exc, transient):
    assert is_transient(exc) is transient


def test_retries_are_capped_by_attempts_and_by_time():
    waits: list[float] = []
    calls = []

    def flaky() -> str:
        calls.append(1)
        raise TimeoutError

    with pytest.raises(TimeoutError):
        RetryPolicy(attempts=4, max_wait_s=0.5, sleep=waits.append).run(flaky)
    assert len(calls) == 4 and len(waits) == 3 and all(0 <= w <= 0.5 for w in waits)

    calls.clear()
    with pytest.raises(TimeoutError):
        RetryPolicy(attempts=4, budget_s=0, sleep=waits.append).run(flaky)
    assert len(calls) == 1  # the time budget is spent: no second attempt


def test_a_permanent_failure_is_not_retried():
    calls = []

    def broken() -> str:
        calls.append(1)
        raise ModelInvalidRequestError("bad request")

    with pytest.raises(ModelInvalidRequestError):
        RetryPolicy(sleep=lambda s: None).run(broken)
    assert len(calls) == 1


@pytest.fixture
def tracing_env(monkeypatch):  # noqa: ANN001, ANN201
    """LANGSMITH_TRACING=true for one test. langsmith caches what it read from the environment, so the
    cache is cleared on the way in and out: nothing leaks into other tests."""
    from langsmith import utils

    utils.get_env_var.cache_clear()
    monkeypatch.setenv("LANGSMITH_TRACING", "true")
    monkeypatch.setenv("LANGSMITH_API_KEY", "lsv2-test-not-a-key")
    yield
    monkeypatch.undo()
    utils.get_env_var.cache_clear()


def test_model_calls_are_never_traced(tracing_env):
    """LANGSMITH_TRACING would ship every prompt (patient text) to a tracing service."""
    from agent.brains.llm import LLMBrain
    from tests.brains.fakes import ScriptedChatModel, answer, rewrite

    model = ScriptedChatModel(script=[answer("Hi!"), rewrite("Hello!")])
    brain = LLMBrain(model, POLICIES, PROMPTS, name="scripted")
    brain.propose(ctx())
    brain.regenerate(ctx(), "draft", [GuardVerdict(GuardPolicy.SEGMENTS, True)])
    assert model.callbacks_seen == [[], []]
    from langsmith.utils import tracing_is_enabled

    assert tracing_is_enabled()  # the control: outside the brain, this environment would trace


def test_the_prompt_states_the_segment_budget_the_language_and_no_file_paths():
    system = turn_messages(ctx(), PROMPTS, POLICIES)[0].content
    assert "160" not in system  # one segment of plain text is not the budget, and wrong for UCS-2
    assert "never over 306 characters (134 with emoji or accents" in system  # the default 2 segments
    assert "Reply in the language the patient writes in." in system
    assert "policies/" not in system and ".yaml" not in system  # notes for people stay out of the prompt
    # The red-flag families come from policies/triage.yaml, the same list the triage rules read.
    urgent = next(line for line in system.splitlines() if line.startswith("- urgent [clinical urgent]: "))
    from agent.policy.loader import default_policies

    for symptom in default_policies().triage.red_flags:
        assert symptom.label.split(" (")[0] in urgent, symptom.id


@pytest.mark.parametrize(("segments", "gsm", "ucs"), [(1, 160, 70), (3, 459, 201)])
def test_the_budget_follows_the_clinic_setting(segments, gsm, ucs):
    from types import SimpleNamespace

    from agent.brains.llm.messages import budget

    context = SimpleNamespace(segment_budget=segments)  # a context that carries the clinic's setting
    assert budget(context) == {"segments": segments, "gsm_chars": gsm, "ucs_chars": ucs}
