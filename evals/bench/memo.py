"""Cold text memos before each measured turn.

Normalisation, the triage rules, the reader, the classifier and the red-flag screen each keep the last few texts they read, because one turn
reads its text from several places. A benchmark that sends the same script to many patients would otherwise
read each line once and then hit those memos for every later patient, which production never does (each
patient's text is new): the benches call `forget()` before every timed turn, outside the timed window.
"""
from __future__ import annotations

from agent import text, triage
from agent.brains.offline import classify, safety
from agent.nlu import reader


def forget() -> None:
    text.normalize.cache_clear()
    classify.forget_recent_texts()
    safety.forget_recent_texts()
    reader.forget_recent_texts()
    triage.forget_recent_texts()
