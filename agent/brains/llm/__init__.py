"""The LLM brain: one chat-model call per patient turn, with tool calling, inside the guards.

- schema.py: the structured answer the model must give (pydantic), the `respond` and `rewrite` tools.
- tools.py: tool schemas for the model, generated from agent.tools.TOOLS (never written twice).
- messages.py: BrainContext -> chat messages; the only place that decides what the model sees.
- parse.py: the model's AIMessage -> intents, tool calls and a draft (faithful, defensive).
- retry.py: which failures are transient, and the capped, jittered retry policy.
- brain.py: LLMBrain, the Brain protocol over any LangChain chat model.
"""
from agent.brains.llm.brain import LLMBrain, ModelCallFailed
from agent.brains.llm.parse import MalformedAnswer
from agent.brains.llm.retry import RetryPolicy

__all__ = ["LLMBrain", "MalformedAnswer", "ModelCallFailed", "RetryPolicy"]
