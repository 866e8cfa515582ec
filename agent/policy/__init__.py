"""Guardrail, timing and triage policies: YAML data validated at load."""
from agent.policy.loader import PolicyError, load_policies
from agent.policy.schema import ClinicSettings, Policies

__all__ = ["ClinicSettings", "Policies", "PolicyError", "load_policies"]
