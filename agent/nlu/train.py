"""Train the reader from the example files: TF-IDF over agent.nlu.features + logistic regression.

Three linear models over one feature space: the intent of a text (every Intent), whether it is a red
flag at all (urgent against everything else), and, for urgent texts, which red-flag family it
describes (for the clinician's handoff reason). Training is deterministic
(lbfgs, fixed order), so `make nlu` rebuilds the same model from the same files. scikit-learn is only
needed here; the run-time reader (agent.nlu.reader) is plain numpy over the exported weights.
"""
from __future__ import annotations

import io
import json
import logging
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agent.nlu.data import Example, data_hash, load_examples
from agent.nlu.features import FEATURE_VERSION, analyze
from agent.types import Intent

log = logging.getLogger("afterglow.nlu")

INTENT_C = 8.0  # inverse regularisation; chosen on a dev split of the training files (never the held-out set)
FAMILY_C = 8.0
MIN_DF = 1


@dataclass(frozen=True)
class Artifact:
    """Paths of one trained reader: weights (npz) and what they were trained on (json)."""

    weights: Path
    meta: Path

    @classmethod
    def at(cls, directory: Path) -> Artifact:
        return cls(directory / "reader.npz", directory / "reader.json")


def fit(examples: list[Example], *, intent_c: float = INTENT_C, family_c: float = FAMILY_C) -> dict[str, np.ndarray]:
    """The exported arrays of a reader trained on `examples`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [e.text for e in examples]
    vectorizer = TfidfVectorizer(analyzer=analyze, sublinear_tf=True, min_df=MIN_DF, norm="l2", dtype=np.float64)
    x = vectorizer.fit_transform(texts)
    intents = LogisticRegression(C=intent_c, max_iter=3000, class_weight="balanced")
    intents.fit(x, [e.intent.value for e in examples])
    # A second, binary reading of "any red flag": the softmax spreads an oddly worded red flag over
    # concern, other and urgent, while a detector trained on urgent against everything else keeps the
    # family resemblance of all red flags together. The reader averages the two (more recall at the
    # same false escalations on held-out files, scripts/tune_reader.py).
    flag = LogisticRegression(C=intent_c, max_iter=3000, class_weight="balanced")
    flag.fit(x, [e.intent is Intent.URGENT for e in examples])
    urgent = [i for i, e in enumerate(examples) if e.family]
    families = LogisticRegression(C=family_c, max_iter=3000, class_weight="balanced")
    families.fit(x[urgent], [examples[i].family for i in urgent])
    vocab = vectorizer.get_feature_names_out()
    return {
        "vocab": np.asarray(vocab, dtype=str),
        "idf": vectorizer.idf_.astype(np.float32),
        "intent_w": _weights(intents),
        "intent_b": intents.intercept_.astype(np.float32),
        "intent_classes": np.asarray(intents.classes_, dtype=str),
        "flag_w": _weights(flag),
        "flag_b": np.array([-flag.intercept_[0] / 2, flag.intercept_[0] / 2], dtype=np.float32),
        "family_w": _weights(families),
        "family_b": families.intercept_.astype(np.float32),
        "family_classes": np.asarray(families.classes_, dtype=str),
    }


def _weights(model: object) -> np.ndarray:
    """Features x classes, so the reader gathers the rows of the features a text has."""
    coef = model.coef_  # type: ignore[attr-defined]
    if coef.shape[0] == 1:  # a binary model keeps one row; spell out both classes for softmax
        coef = np.vstack([-coef, coef]) / 2
    return np.ascontiguousarray(coef.T, dtype=np.float32)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez_compressed, but byte-for-byte reproducible: fixed entry dates and order, so rebuilding
    from the same files leaves the shipped model unchanged in git."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(arrays[name]), allow_pickle=False)
            archive.writestr(info, buffer.getvalue())


def train(data_dir: Path, families: frozenset[str], out_dir: Path) -> Artifact:
    """Train on every file under `data_dir` and write the artifact to `out_dir`."""
    started = time.perf_counter()
    examples = load_examples(data_dir, families)
    arrays = fit(examples)
    out_dir.mkdir(parents=True, exist_ok=True)
    artifact = Artifact.at(out_dir)
    write_npz(artifact.weights, arrays)
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.intent.value] = counts.get(e.intent.value, 0) + 1
    meta = {
        "data_hash": data_hash(data_dir),
        "feature_version": FEATURE_VERSION,
        "examples": len(examples),
        "by_intent": dict(sorted(counts.items())),
        "languages": sorted({e.language for e in examples}),
        "features": int(arrays["vocab"].shape[0]),
    }
    artifact.meta.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log.info("reader trained on %d examples in %.1f s", len(examples), time.perf_counter() - started)
    return artifact
