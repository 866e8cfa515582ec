"""The statistical reader: data validation, the exported model reads exactly as scikit-learn does,
training is deterministic, and the shipped model was built from the shipped files."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from agent.nlu.data import NluDataError, data_hash, load_examples
from agent.nlu.features import analyze
from agent.nlu.reader import SHIPPED_MODEL_DIR, Reader
from agent.nlu.train import Artifact, fit, train
from agent.paths import POLICY_DIR
from agent.policy.loader import default_policies
from agent.types import Intent

FAMILIES = frozenset(s.id for s in default_policies().triage.red_flags)

TINY = {
    "en/a.yml": """version: "1"
language: en
nlu:
  - intent: positive
    examples: |
      - loving it
      - so happy with it
      - obsessed!!
      - looks amazing
  - intent: unhappy
    examples: |
      - not happy at all
      - hate how it looks
      - waste of money
      - so disappointed
  - intent: urgent
    family: vision_change
    examples: |
      - my vision is blurry
      - cant see right out of one eye
  - intent: urgent
    family: breathing
    examples: |
      - i cant breathe well
      - short of breath since the shot
""",
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(("text", "message"), [
    ("version: '1'\nlanguage: en\nnlu:\n  - intent: happyish\n    examples: |\n      - hi\n", "intent"),
    ("version: '1'\nlanguage: fr\nnlu:\n  - intent: positive\n    examples: |\n      - hi\n", "language"),
    ("version: '1'\nlanguage: en\nnlu:\n  - intent: urgent\n    family: itchy_soul\n    examples: |\n      - hi\n",
     "unknown red-flag family"),
    ("version: '1'\nlanguage: en\nnlu:\n  - intent: concern\n    family: breathing\n    examples: |\n      - hi\n",
     "urgent blocks only"),
    ("version: '1'\nlanguage: en\nnlu:\n  - intent: positive\n    examples: |\n      loving it\n", "line 1"),
    ("version: '1'\nlanguage: en\nnlu:\n  - intent: positive\n    extra: 1\n    examples: |\n      - hi\n", "extra"),
])
def test_invalid_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    _write(tmp_path, {"en/bad.yml": text})
    with pytest.raises(NluDataError, match=message) as info:
        load_examples(tmp_path, FAMILIES)
    assert "en/bad.yml" in str(info.value)


def test_a_text_labelled_two_ways_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, {
        "en/a.yml": "version: '1'\nlanguage: en\nnlu:\n  - intent: positive\n    examples: |\n      - Fine!\n",
        "en/b.yml": "version: '1'\nlanguage: en\nnlu:\n  - intent: neutral\n    examples: |\n      - fine!\n",
    })
    with pytest.raises(NluDataError, match="labelled positive in en/a.yml"):
        load_examples(tmp_path, FAMILIES)


def test_exported_reader_matches_scikit_learn(tmp_path: Path) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    examples = load_examples(_write(tmp_path, TINY), FAMILIES)
    arrays = fit(examples)
    reader = Reader(arrays, {})
    vectorizer = TfidfVectorizer(analyzer=analyze, sublinear_tf=True, norm="l2")
    x = vectorizer.fit_transform([e.text for e in examples])
    model = LogisticRegression(C=8.0, max_iter=3000, class_weight="balanced").fit(x, [e.intent.value for e in examples])
    probe = ["lovingg it so much", "i cant see well", "meh", "zzzz qqq", "so disapointed, hate it"]
    expected = model.predict_proba(vectorizer.transform(probe))
    for text, row in zip(probe, expected):
        got = reader.read(text)
        assert [got.p(Intent(c)) for c in model.classes_] == pytest.approx(list(row), abs=1e-5)


def test_training_is_deterministic_and_records_its_data(tmp_path: Path) -> None:
    data = _write(tmp_path / "data", TINY)
    first = train(data, FAMILIES, tmp_path / "one")
    second = train(data, FAMILIES, tmp_path / "two")
    with np.load(first.weights) as a, np.load(second.weights) as b:
        for key in a.files:
            assert np.array_equal(a[key], b[key]), key
    meta = json.loads(first.meta.read_text())
    assert meta["data_hash"] == data_hash(data)
    assert meta["examples"] == 12


def test_family_is_read_for_urgent_texts(tmp_path: Path) -> None:
    reader = Reader(fit(load_examples(_write(tmp_path, TINY), FAMILIES)), {})
    assert reader.read("everything is blurry").family == "vision_change"
    assert reader.read("hard to breathe").family == "breathing"


def test_red_flag_reading_averages_the_binary_detector(tmp_path: Path) -> None:
    arrays = fit(load_examples(_write(tmp_path, TINY), FAMILIES))
    reader = Reader(arrays, {})
    got = reader.read("my vision is blurry")
    assert got.flag is not None
    assert got.red_flag == pytest.approx((got.p(Intent.URGENT) + got.flag) / 2)
    assert got.red_flag > reader.read("loving it").red_flag
    # a model trained before the detector existed (a clinic's cache) reads P(urgent) alone
    old = Reader({k: v for k, v in arrays.items() if not k.startswith("flag_")}, {}).read("my vision is blurry")
    assert old.flag is None and old.red_flag == old.p(Intent.URGENT)


def test_shipped_model_was_built_from_the_shipped_files() -> None:
    """Fails when someone edits policies/nlu/ without `make nlu` (the service would retrain at start)."""
    meta = json.loads(Artifact.at(SHIPPED_MODEL_DIR).meta.read_text())
    assert meta["data_hash"] == data_hash(POLICY_DIR / "nlu")


def test_shipped_files_are_several_hundred_per_main_intent_in_both_languages() -> None:
    examples = load_examples(POLICY_DIR / "nlu", FAMILIES)
    counts: dict[tuple[str, Intent], int] = {}
    for e in examples:
        counts[(e.language, e.intent)] = counts.get((e.language, e.intent), 0) + 1
    for intent in Intent:
        total = counts.get(("en", intent), 0) + counts.get(("es", intent), 0)
        assert total >= 100, intent
        assert counts.get(("es", intent), 0) >= 40, intent
    families = {e.family for e in examples if e.family}
    assert families >= FAMILIES



def test_held_out_texts_never_appear_in_the_training_files() -> None:
    from agent.paths import ROOT

    training = {e.text.casefold() for e in load_examples(POLICY_DIR / "nlu", FAMILIES)}
    for split, least in (("heldout", 800), ("heldout5", 700), ("heldout6", 600), ("heldout7", 600),
                         ("heldout8", 550), ("heldout9", 550), ("heldout10", 550),
                         ("heldout11", 550), ("heldout12", 550), ("heldout13", 550), ("heldout14", 550), ("heldout15", 550), ("heldout16", 550)):
        held_out = load_examples(ROOT / "evals" / "nlu" / split, FAMILIES)
        assert len(held_out) >= least, split
        assert [e.text for e in held_out if e.text.casefold() in training] == [], split


def test_a_binary_family_model_keeps_its_intercept(tmp_path: Path) -> None:
    """Two red-flag families make a binary family model: one intercept, spelt out for both classes
    (adding it to both logits would cancel it)."""
    arrays = fit(load_examples(_write(tmp_path, TINY), FAMILIES))
    assert arrays["family_w"].shape[1] == 2 and arrays["family_b"].shape == (1,)
    silent = {**arrays, "family_w": np.zeros_like(arrays["family_w"]), "family_b": np.array([2.0], dtype=np.float32)}
    got = Reader(silent, {}).read("my vision is blurry")
    assert got.family == arrays["family_classes"].tolist()[1]
    assert got.family_prob == pytest.approx(1 / (1 + np.exp(-2.0)))
