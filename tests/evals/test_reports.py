"""report.json (the issue's shape), JUnit XML, the HTML report and the terminal summary."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from rich.console import Console

from evals.reports import report_dict, write_html, write_json, write_junit
from evals.terminal import print_summary
from tests.evals.helpers import run, write_suite

SUITE = """
suite: reports
cases:
  - id: passes
    description: a happy patient
    visit: {type: neuromodulator, treatment: Botox forehead}
    turns:
      - agent: results_checkin
        expect: {ask: none}
      - patient: "Honestly loving it!"
        expect: {intent: positive, ask: referral}
      - patient: "My sister Dana keeps asking where I go"
        expect: {intent: referral, referrals: [Dana], handoff: {queue: front_desk}}
  - id: fails
    description: expects the wrong intent
    visit: {type: neuromodulator, treatment: Botox forehead}
    turns:
      - agent: results_checkin
      - patient: "<script>alert('x')</script> can I book?"
        expect: {intent: unhappy}
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory):  # noqa: ANN201
    return run(write_suite(tmp_path_factory.mktemp("reports"), SUITE))


def test_report_json_has_the_issue_shape(result, tmp_path):
    data = json.loads(write_json(result, tmp_path / "out" / "report.json").read_text())
    assert data["suite"] == "reports" and data["model"] == "offline"
    assert {"calls", "prompt_tokens", "completion_tokens"} <= set(data["usage"])
    passes, fails = data["cases"]
    assert {"id", "passed", "failures", "turns"} <= set(passes)
    assert (passes["id"], passes["passed"], passes["failures"]) == ("passes", True, [])
    turn = passes["turns"][2]
    assert {"input", "intents", "replies", "tools", "handoffs", "referrals"} <= set(turn)
    assert turn["input"] == "My sister Dana keeps asking where I go"
    assert turn["intents"][0]["intent"] == "referral"
    assert {"body", "asks", "segments", "disposition"} <= set(turn["replies"][0])
    assert {"name", "args"} <= set(turn["tools"][0]) and turn["tools"][0]["name"] == "record_referral"
    assert turn["handoffs"] == [{"queue": "front_desk", "priority": "normal"}]
    assert turn["referrals"] == ["Dana"]
    assert passes["turns"][1]["replies"][0]["asks"] == ["referral"]
    assert fails["passed"] is False and fails["failures"][0]["check"] == "intent"
    assert data["checks"]["intent"] == {"passed": 2, "evaluated": 3}
    assert data["pass_hat_k"] == {"1": 0.5}
    assert data["confusion"]["unhappy"] == {"booking": 1}


def test_junit_is_parseable_and_names_failures(result, tmp_path):
    root = ET.parse(write_junit(result, tmp_path / "junit.xml")).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "2" and root.get("failures") == "1"
    suite = root.find("testsuite")
    assert suite.get("name") == "reports"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert cases["passes"].find("failure") is None
    failure = cases["fails"].find("failure")
    assert failure.get("type") == "intent"
    assert "intent expected unhappy, observed booking" in failure.get("message")
    assert "patient:" in failure.text and "agent (send" in failure.text


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.classes: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self.tags.append(tag)
        self.classes += (dict(attrs).get("class") or "").split()

    def handle_data(self, data):  # noqa: ANN001
        self.text.append(data)


def test_html_is_self_contained_escaped_and_highlights_failures(result, tmp_path):
    html = write_html(result, tmp_path / "report.html").read_text()
    parser = _Collector()
    parser.feed(html)
    assert "script" not in parser.tags  # the patient's "<script>" is shown as text, never run
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert not any(t in parser.tags for t in ("link", "img", "iframe"))  # nothing fetched from elsewhere
    assert "failed" in parser.classes and "failure" in parser.classes
    text = "".join(parser.text)
    assert "turn 2: intent expected unhappy, observed booking" in text
    assert "1 / 2 cases passed" in " ".join(text.split())


def test_terminal_summary(result):
    console = Console(record=True, width=160, color_system=None)
    print_summary(result, console)
    out = console.export_text()
    for piece in ("Suites on offline", "Exact checks", "invariant.phi", "Per expected intent",
                  "Intent confusion", "FAIL reports / fails", "intent expected unhappy, observed booking",
                  "1/2 cases passed"):
        assert piece in out, piece
    assert "FAIL reports / passes" not in out


def test_report_dict_with_repeats_keeps_every_trial(tmp_path):
    data = report_dict(run(write_suite(tmp_path, SUITE), repeat=2))
    assert data["repeat"] == 2 and data["pass_hat_k"] == {"1": 0.5, "2": 0.5}
    assert [t["trial"] for t in data["cases"][0]["trials"]] == [1, 2]
    assert data["cases"][1]["trials"][1]["failures"][0]["check"] == "intent"
