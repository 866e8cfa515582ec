"""agent.keywords: carrier keywords on the whole message, plain-language revocations anywhere."""
from __future__ import annotations

import pytest

from agent.keywords import keyword_matcher, match_keyword, whole_message
from agent.policy.loader import load_policies
from agent.policy.schema import KeywordPolicy
from agent.types import Keyword

POLICY = load_policies().keywords


@pytest.mark.parametrize(
    "body",
    ["STOP", "Stop.", " STOP ", "stop!!", "Stop \U0001F6D1", "\U0001F621 stop", "UNSUBSCRIBE", "unsubscribe",
     "Cancel", "CANCEL.", "end", "QUIT", "revoke", "optout", "OPT OUT", "opt-out", "stop all", "STOPALL",
     "alto", "Baja", "stop please", "Stop texting me", "STOP sending these"],
)
def test_carrier_opt_out_keywords(body: str) -> None:
    assert match_keyword(body, POLICY, opted_out=False) == Keyword.OPT_OUT


@pytest.mark.parametrize(
    "body",
    ["please stop texting me", "can you remove me from your list", "no more texts pls", "don't text me again",
     "dont text me anymore", "Please don\u2019t message me", "take me off this list", "leave me alone",
     "delete my number", "I want to opt out", "pls stop messaging me, thanks", "no me escriban mas",
     "I'd like to unsubscribe from these"],
)
def test_plain_language_revocations_match_anywhere(body: str) -> None:
    assert match_keyword(body, POLICY, opted_out=False) == Keyword.OPT_OUT


@pytest.mark.parametrize(
    "body",
    ["Please don't stop the results lol", "the swelling won't stop", "I need to cancel my appointment",
     "can you help me", "I need info about filler", "The end result is great", "I'll stop by tomorrow",
     "yes", "Yes!", "YES please", "can't stop looking in the mirror", "help me understand the aftercare",
     "start date for my package?", "it's the end of the week", "loving it"],
)
def test_ordinary_messages_are_not_keywords(body: str) -> None:
    assert match_keyword(body, POLICY, opted_out=False) is None


@pytest.mark.parametrize("body", ["START", "start", "Unstop", "unstop!", "SUBSCRIBE", "start texting me again",
                                  "I want to opt back in", "resubscribe me"])
def test_opt_in_keywords(body: str) -> None:
    assert match_keyword(body, POLICY, opted_out=True) == Keyword.OPT_IN


@pytest.mark.parametrize("body", ["YES", "yes", "Yes!", " yes. "])
def test_yes_opts_in_only_when_opted_out(body: str) -> None:
    assert match_keyword(body, POLICY, opted_out=True) == Keyword.OPT_IN
    assert match_keyword(body, POLICY, opted_out=False) is None


@pytest.mark.parametrize("body", ["HELP", "help", "Help!", "INFO", "info?", "ayuda"])
def test_help_is_whole_message_only(body: str) -> None:
    assert match_keyword(body, POLICY, opted_out=False) == Keyword.HELP
    assert match_keyword(body, POLICY, opted_out=True) == Keyword.HELP


@pytest.mark.parametrize("body", ["can you help me", "I need help booking", "more info please"])
def test_help_inside_a_sentence_is_not_help(body: str) -> None:
    assert match_keyword(body, POLICY, opted_out=False) is None


def test_opt_out_wins_over_opt_in_and_help() -> None:
    assert match_keyword("STOP", POLICY, opted_out=True) == Keyword.OPT_OUT
    both = "start texting me again, no actually stop texting me"
    assert match_keyword(both, POLICY, opted_out=True) == Keyword.OPT_OUT
    assert match_keyword("help, please stop texting me", POLICY, opted_out=False) == Keyword.OPT_OUT


def test_whole_message_strips_edges_and_inner_space() -> None:
    assert whole_message("  Opt   Out!! ") == "opt out"
    assert whole_message("\U0001F6D1STOP\U0001F6D1") == "stop"


def test_matcher_is_cached_per_policy_object() -> None:
    assert keyword_matcher(POLICY) is keyword_matcher(POLICY)


def test_matcher_follows_the_policy_not_hardcoded_words() -> None:
    custom = KeywordPolicy.model_validate({
        "opt_out": {"keywords": ["HALT"], "phrases": [r"\bgo away\b"], "reply": "replies/opt_out"},
        "opt_in": {"keywords": ["RESUME", "OK"], "reply": "replies/opt_in"},
        "help": {"keywords": ["SOS"], "reply": "replies/help"},
        "opt_in_only_when_opted_out": ["OK"],
    })
    assert match_keyword("halt.", custom, opted_out=False) == Keyword.OPT_OUT
    assert match_keyword("please go away", custom, opted_out=False) == Keyword.OPT_OUT
    assert match_keyword("STOP", custom, opted_out=False) is None
    assert match_keyword("ok", custom, opted_out=False) is None
    assert match_keyword("ok", custom, opted_out=True) == Keyword.OPT_IN
    assert match_keyword("resume", custom, opted_out=False) == Keyword.OPT_IN
    assert match_keyword("SOS", custom, opted_out=False) == Keyword.HELP
