"""The statistical reader at run time: exported weights, numpy only, loaded once per process.

`Reader.read(text)` gives a probability for every intent and, when the text reads as urgent, the most
likely red-flag family. The shipped model (agent/nlu/model/) records the digest of the files it was
trained on; when a clinic's files differ (their own AFTERGLOW_POLICY_DIR, or lines they added), the
reader is retrained once from those files into the cache (var/nlu/<digest>/) instead of silently
reading with a model of other data.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from collections import Counter
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np

from agent.nlu.data import data_hash
from agent.nlu.features import FEATURE_VERSION, analyze
from agent.nlu.train import Artifact, train
from agent.paths import POLICY_DIR, ROOT
from agent.recent import Recent
from agent.types import Intent

log = logging.getLogger("afterglow.nlu")

SHIPPED_MODEL_DIR = Path(__file__).resolve().parent / "model"
CACHE_ENV = "AFTERGLOW_NLU_CACHE"
RECENT = 64  # texts whose reading is kept


class ReaderUnavailable(RuntimeError):
    """No model matches the data and none can be trained here."""


@dataclass(frozen=True)
class Reading:
    probs: dict[Intent, float]  # every intent the model knows, summing to 1
    family: str | None = None  # most likely red-flag family (always given; meaningful when urgent is likely)
    family_prob: float = 0.0
    flag: float | None = None  # the binary red-flag detector's P(any red flag), when the model has one

    @property
    def red_flag(self) -> float:
        """How likely the text is a red flag: the intent model's P(urgent) averaged with the binary
        detector's (the detector alone over-fires on bodily praise, the softmax alone under-reads
        oddly worded red flags)."""
        urgent = self.p(Intent.URGENT)
        return urgent if self.flag is None else (urgent + self.flag) / 2

    def p(self, intent: Intent) -> float:
        return self.probs.get(intent, 0.0)

    @property
    def top(self) -> tuple[Intent, float]:
        intent = max(self.probs, key=self.probs.__getitem__)
        return intent, self.probs[intent]

    def ranked(self) -> list[tuple[Intent, float]]:
        return sorted(self.probs.items(), key=lambda kv: kv[1], reverse=True)


class Reader:
    def __init__(self, arrays: dict[str, np.ndarray], meta: dict) -> None:
        self.meta = meta
        self.index = {f: i for i, f in enumerate(arrays["vocab"].tolist())}
        self.idf = arrays["idf"].astype(np.float64)
        self.intent_w = arrays["intent_w"]
        self.intent_b = arrays["intent_b"].astype(np.float64)
        self.intents = [Intent(c) for c in arrays["intent_classes"].tolist()]
        self.family_w = arrays["family_w"]
        self.family_b = _both_classes(arrays["family_b"].astype(np.float64), self.family_w.shape[1])
        self.families = arrays["family_classes"].tolist()
        # Models trained before the detector existed (a clinic's cache) read P(urgent) alone.
        self.flag_w = arrays.get("flag_w")
        self.flag_b = arrays["flag_b"].astype(np.float64) if "flag_b" in arrays else None
        # The three heads side by side: one row gather and one product per text instead of three of each
        # (numpy's per-call cost, not the arithmetic, is most of a short text's reading).
        heads = [self.intent_w, self.family_w] + ([] if self.flag_w is None else [self.flag_w])
        self._weights = np.hstack(heads)
        self._bias = np.concatenate([self.intent_b, self.family_b] + ([] if self.flag_b is None else [self.flag_b]))
        self._cuts = np.cumsum([h.shape[1] for h in heads])[:-1]
        self._recent: Recent[str, Reading] = Recent(RECENT)

    @classmethod
    def load(cls, artifact: Artifact) -> Reader:
        meta = json.loads(artifact.meta.read_text(encoding="utf-8"))
        if meta.get("feature_version") != FEATURE_VERSION:
            raise ReaderUnavailable(f"{artifact.weights}: trained with feature version {meta.get('feature_version')}, "
                                    f"this code reads version {FEATURE_VERSION}; run `afterglow nlu train`")
        with np.load(artifact.weights, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        return cls(arrays, meta)

    def read(self, text: str) -> Reading:
        """Memoised for the last few texts: one turn reads the same text from several places."""
        return self._recent.get_or_compute(text, lambda: self._read(text))

    def _read(self, text: str) -> Reading:
        counts = Counter(analyze(text))  # each distinct feature looked up once, in C (no Python loop)
        found = np.fromiter(map(self.index.get, counts, repeat(-1)), dtype=np.intp, count=len(counts))
        known = found >= 0
        if known.any():
            idx = found[known]
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))[known]
            x = (1.0 + np.log(tf)) * self.idf[idx]
            x /= np.sqrt(x @ x)
            heads = np.split(x @ self._weights[idx] + self._bias, self._cuts)
        else:  # nothing the model has seen: priors only
            heads = np.split(self._bias.copy(), self._cuts)
        z, zf = heads[0], heads[1]
        zb = heads[2] if len(heads) > 2 else None
        probs = _softmax(z)
        flag = None if zb is None else float(_softmax(zb)[1])
        fprobs = _softmax(zf)
        best = int(np.argmax(fprobs))
        return Reading({intent: float(p) for intent, p in zip(self.intents, probs)},
                       self.families[best], float(fprobs[best]), flag)


def _both_classes(bias: np.ndarray, width: int) -> np.ndarray:
    """A binary model's one intercept spelt out for both classes, as train._weights does for its
    coefficients (data with only two red-flag families has a binary family model)."""
    if len(bias) == 1 and width == 2:
        return np.array([-bias[0] / 2, bias[0] / 2])
    return bias


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


# ------------------------------------------------------------------------------ the process's reader
_LOCK = threading.Lock()
_READERS: dict[tuple[str, str], Reader] = {}


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or ROOT / "var" / "nlu")


def reader_for(data_dir: Path, families: frozenset[str]) -> Reader:
    """The reader trained on exactly the files under `data_dir` (shipped, cached, or trained now)."""
    digest = data_hash(data_dir)
    key = (str(data_dir), digest)
    reader = _READERS.get(key)
    if reader is not None:
        return reader
    with _LOCK:
        reader = _READERS.get(key)
        if reader is None:
            reader = _READERS[key] = _find_or_train(data_dir, families, digest)
    return reader


_DEFAULT: dict[frozenset[str], Reader] = {}


def forget_recent_texts() -> None:
    """Drop every default reader's memo of recent texts (benchmarks: a new patient text is never memoised)."""
    for reader in _DEFAULT.values():
        reader._recent.clear()


def default_reader(families: frozenset[str]) -> Reader:
    """The reader for the policy directory's files, resolved once per process (the files are read and
    hashed at first use, like the policies themselves: edit them, then restart)."""
    reader = _DEFAULT.get(families)
    if reader is None:
        reader = _DEFAULT[families] = reader_for(POLICY_DIR / "nlu", families)
    return reader


def _find_or_train(data_dir: Path, families: frozenset[str], digest: str) -> Reader:
    for directory in (SHIPPED_MODEL_DIR, cache_dir() / digest[:16]):
        artifact = Artifact.at(directory)
        if artifact.meta.is_file() and artifact.weights.is_file():
            meta = json.loads(artifact.meta.read_text(encoding="utf-8"))
            if meta.get("data_hash") == digest and meta.get("feature_version") == FEATURE_VERSION:
                return Reader.load(artifact)
    log.warning("the reader's training files changed since the shipped model was built; training now")
    try:
        artifact = train(data_dir, families, cache_dir() / digest[:16])
    except ImportError as exc:
        raise ReaderUnavailable("the NLU files differ from the shipped model and scikit-learn is not installed "
                                "to retrain it (`pip install scikit-learn`, then `afterglow nlu train`)") from exc
    return Reader.load(artifact)
