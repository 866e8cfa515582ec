"""The price table (evals/prices.yaml): USD per million prompt and completion tokens per model spec."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

PRICES = Path(__file__).resolve().parent / "prices.yaml"


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    prompt: float = Field(ge=0)
    completion: float = Field(ge=0)


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    models: dict[str, Price]


@lru_cache(maxsize=2)
def load_prices(path: Path = PRICES) -> PriceTable:
    return PriceTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def price_for(model: str, table: PriceTable | None = None) -> dict | None:
    """{prompt, completion} USD per million tokens, or None when the model has no price."""
    price = (table or load_prices()).models.get(model.strip())
    return price.model_dump() if price else None
