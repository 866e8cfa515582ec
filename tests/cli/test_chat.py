"""`afterglow chat --json`: one JSON object per turn, as evaluators and README use it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from agent.cli import app

ROOT = Path(__file__).resolve().parents[2]


def test_chat_json_prints_one_object_per_turn():
    lines = "Honestly loving it!\nMy sister Dana keeps asking where I go\n"
    result = CliRunner().invoke(app, ["chat", "--json"], input=lines)
    assert result.exit_code == 0, result.output
    turns = [json.loads(line) for line in result.output.splitlines()]
    assert [t["input"] for t in turns] == [None, "Honestly loving it!", "My sister Dana keeps asking where I go"]
    assert turns[1]["replies"][0]["asks"] == ["referral"]
    assert turns[2]["referrals"] == ["Dana"] and turns[2]["handoffs"][0]["queue"] == "front_desk"
    for turn in turns:
        assert set(turn) >= {"intents", "replies", "tools", "handoffs", "referrals"}


def test_chat_rejects_a_touch_the_visit_type_does_not_have():
    result = CliRunner().invoke(app, ["chat", "--json", "--visit-type", "consultation", "--touch", "results_checkin"])
    assert result.exit_code != 0 and "no touch" in result.output


def test_installed_entry_point_runs():
    exe = Path(sys.executable).parent / "afterglow"
    out = subprocess.run([str(exe), "chat", "--json", "--touch", "none"], input="STOP\n", capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    turn = json.loads(out.stdout.splitlines()[0])
    assert turn["intents"][0]["intent"] == "opt_out" and turn["keyword"] == "opt_out"
