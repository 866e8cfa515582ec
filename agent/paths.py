"""Where the data directories live; overridable so a clinic can ship its own policies and prompts."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = Path(os.environ.get("AFTERGLOW_POLICY_DIR", ROOT / "policies"))
PROMPT_DIR = Path(os.environ.get("AFTERGLOW_PROMPT_DIR", ROOT / "prompts"))
