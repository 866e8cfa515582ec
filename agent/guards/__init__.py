"""Guards: code-enforced policy on every outbound SMS (PHI, asks, consent, thread owner, segments)."""
from agent.guards.asks import allowed_asks, detect_asks
from agent.guards.chain import run_guards, tripped
from agent.guards.context import AskFacts, GuardContext
from agent.guards.repair import repair
from agent.guards.segments import SegmentInfo, count_segments, smart_encode

__all__ = ["run_guards", "tripped", "repair", "detect_asks", "allowed_asks", "count_segments", "smart_encode",
           "SegmentInfo", "GuardContext", "AskFacts"]
