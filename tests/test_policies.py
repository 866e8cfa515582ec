"""Policies are data validated at load: the service refuses to start on anything it does not understand."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from agent.paths import POLICY_DIR, PROMPT_DIR
from agent.policy import PolicyError, load_policies
from agent.types import Intent, VisitType


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, target)
    return target


def edit(path: Path, change) -> None:  # noqa: ANN001
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))


def test_shipped_policies_load_and_cover_every_intent_and_visit_type():
    policies = load_policies()
    assert set(policies.intents.intents) == set(Intent)
    assert set(policies.timing.visit_types) == set(VisitType)


def test_unknown_key_is_refused(policy_copy):
    edit(policy_copy / "asks.yaml", lambda d: d.update(max_asks_per_mesage=1))
    with pytest.raises(PolicyError, match="max_asks_per_mesage"):
        load_policies(policy_copy, PROMPT_DIR)


def test_bad_value_is_refused(policy_copy):
    edit(policy_copy / "intents.yaml", lambda d: d["intents"]["concern"]["handoff"].update(queue="billing"))
    with pytest.raises(PolicyError, match="queue"):
        load_policies(policy_copy, PROMPT_DIR)


def test_reference_to_a_missing_prompt_is_refused(policy_copy):
    edit(policy_copy / "intents.yaml", lambda d: d["intents"]["positive"].update(reply="replies/does_not_exist"))
    with pytest.raises(PolicyError, match="replies/does_not_exist"):
        load_policies(policy_copy, PROMPT_DIR)


def test_a_system_prompt_that_does_not_compile_is_refused_at_load(policy_copy, tmp_path):
    prompts = tmp_path / "prompts"
    shutil.copytree(PROMPT_DIR, prompts)
    path = prompts / "system" / "agent.j2"
    path.write_text(path.read_text() + "\n{% if broken %}never closed\n")
    with pytest.raises(PolicyError, match="system/agent: line"):
        load_policies(policy_copy, prompts)


def test_broken_regex_is_refused(policy_copy):
    edit(policy_copy / "keywords.yaml", lambda d: d["opt_out"]["phrases"].append("(unclosed"))
    with pytest.raises(PolicyError, match="regular expression"):
        load_policies(policy_copy, PROMPT_DIR)


def test_missing_intent_rule_is_refused(policy_copy):
    edit(policy_copy / "intents.yaml", lambda d: d["intents"].pop("wrong_number"))
    with pytest.raises(PolicyError, match="wrong_number"):
        load_policies(policy_copy, PROMPT_DIR)


def test_unknown_policy_file_and_missing_file_are_refused(policy_copy):
    (policy_copy / "extra.yaml").write_text("a: 1\n")
    with pytest.raises(PolicyError, match="extra"):
        load_policies(policy_copy, PROMPT_DIR)
    (policy_copy / "extra.yaml").unlink()
    (policy_copy / "phi.yaml").unlink()
    with pytest.raises(PolicyError, match="phi.yaml"):
        load_policies(policy_copy, PROMPT_DIR)


def test_invalid_yaml_is_refused(policy_copy):
    (policy_copy / "approval.yaml").write_text("min_confidence: [unclosed\n")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policies(policy_copy, PROMPT_DIR)
