"""Carrier keywords in the channel, without a second definition of what they mean.

The engine's keyword layer (agent/keywords.py, policies/keywords.yaml) is the single source of truth
for STOP / START / HELP. Twilio's Advanced Opt-Out adds two facts the body alone does not carry:

1. `OptOutType` says Twilio matched a keyword, possibly a custom one our policy does not list. The
   channel then hands the engine the canonical keyword ("STOP", "START", "HELP") so the keyword layer
   decides, and the record keeps what the patient actually wrote.
2. Twilio has already answered that keyword itself. The engine's own confirmation would be a second
   one, so the sender cancels it (`answered_by_carrier`): at most one confirmation reaches the patient.
"""
from __future__ import annotations

from sqlmodel import Session, select

from agent.keywords import match_keyword
from agent.policy.schema import KeywordPolicy
from agent.store.channel_models import InboundJob
from agent.store.models import Message, Turn
from agent.types import Keyword

OPT_OUT_TYPES = {"STOP": Keyword.OPT_OUT, "START": Keyword.OPT_IN, "HELP": Keyword.HELP}
CANONICAL = {Keyword.OPT_OUT: "STOP", Keyword.OPT_IN: "START", Keyword.HELP: "HELP"}


def carrier_keyword(opt_out_type: str | None) -> Keyword | None:
    return OPT_OUT_TYPES.get((opt_out_type or "").strip().upper())


def normalise_opt_out_type(value: str | None) -> str | None:
    keyword = carrier_keyword(value)
    return CANONICAL[keyword] if keyword else None


def engine_text(body: str, opt_out_type: str | None, policy: KeywordPolicy, *, opted_out: bool) -> str:
    """The text the engine's keyword layer should see for this inbound message."""
    keyword = carrier_keyword(opt_out_type)
    if keyword is None:
        return body
    if keyword == Keyword.OPT_IN and not opted_out:
        return body  # "YES" from a subscribed patient is an ordinary yes, whatever the carrier tagged
    if match_keyword(body, policy, opted_out=opted_out) == keyword:
        return body
    return CANONICAL[keyword]


def answered_by_carrier(session: Session, message: Message) -> bool:
    """Whether this confirmation answers an inbound keyword Twilio's Advanced Opt-Out already answered."""
    if message.turn_id is None:
        return False
    turn = session.get(Turn, message.turn_id)
    if turn is None or turn.inbound_message_id is None:
        return False
    inbound = session.get(Message, turn.inbound_message_id)
    if inbound is None or inbound.twilio_sid is None:
        return False
    opt_out_type = session.exec(select(InboundJob.opt_out_type)
                                .where(InboundJob.message_sid == inbound.twilio_sid)).first()
    return opt_out_type is not None
