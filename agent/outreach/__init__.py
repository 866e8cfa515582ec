"""Proactive outreach: visits become scheduled touches; a worker sends the due ones through the guards."""
