"""How the tables here are built: enum and JSON columns, the timestamp, id and clinic columns every table
shares, and `Row`, the base every table row is constructed through.

Kept apart from the tables so that every table module (models, channel_models, staff_models,
referral_models) imports its building blocks from here and none imports another to get them.
"""
from __future__ import annotations

import copy
import inspect
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_attribute
from sqlmodel import Field, SQLModel
from sqlmodel.main import finish_init
from sqlmodel.sql.sqltypes import UTCDateTime

__all__ = ["Row", "enum_column", "json_column", "utcnow", "id_column", "clinic_fk", "now_column", "new_dict",
           "new_list"]


def enum_column(enum: type[Enum], *, nullable: bool = False, index: bool = False) -> Any:
    """Enums stored as plain strings: no native PostgreSQL types to migrate when a value is added."""
    return sa.Column(
        sa.Enum(enum, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e],
                validate_strings=True, create_constraint=False),
        nullable=nullable,
        index=index,
    )


def json_column() -> Any:
    return sa.Column(sa.JSON, nullable=False)


# Plain functions, not the dict/list builtins: pydantic inspects a default factory's signature on every
# row construction, and a builtin's signature is parsed from text each time (measurably slow per turn).
def new_dict() -> dict:
    return {}


def new_list() -> list:
    return []


def utcnow() -> datetime:
    return datetime.now(UTC)


# ... and even a plain function's signature is rebuilt from its code object each time; a precomputed
# `__signature__` is what inspect.signature returns first.
for _factory in (new_dict, new_list, utcnow):
    _factory.__signature__ = inspect.Signature()


class Row(SQLModel):
    """The base of the tables here: SQLModel's constructor, minus its per-attribute detours.

    SQLModel builds a table row by setting every field through its own __setattr__, which sets it in
    SQLAlchemy (events, history), then again through pydantic's __setattr__, after asking pydantic for
    each default (a signature inspection per factory). That was ~150 us per row, five or more rows per
    turn. This sets each field once, through SQLAlchemy's `set_attribute` (the same instrumentation, the
    same events and history), with the defaults worked out once per class, and leaves the instance as
    SQLModel would (its __dict__, pydantic's fields-set and extra, relationships set last);
    tests/unit/test_row_construction.py compares the two on every table."""

    def __init__(__pydantic_self__, **data: Any) -> None:  # noqa: N805 - SQLModel's own spelling
        if finish_init.get():  # False inside model_validate, as in SQLModel
            _construct(__pydantic_self__, data)


def _construct(row: Row, values: dict[str, Any]) -> None:
    """SQLModel's sqlmodel_table_construct for a table row, each field set once."""
    cls = type(row)
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = _plan(cls)
    fields, relationships = plan
    fields_set = set()
    defaults = []
    for name, alias, factory, default, copied in fields:
        if alias is not None and alias in values:
            set_attribute(row, name, values[alias])
            fields_set.add(name)
        elif name in values:
            set_attribute(row, name, values[name])
            fields_set.add(name)
        elif factory is not None:
            defaults.append((name, factory()))
        elif default is not _REQUIRED:
            defaults.append((name, copy.deepcopy(default) if copied else default))
        # else a required field not given: left unset, as SQLModel leaves it (no validation)
    for name, value in defaults:  # after the given values, as SQLModel sets them
        set_attribute(row, name, value)
    object.__setattr__(row, "__pydantic_fields_set__", fields_set)
    object.__setattr__(row, "__pydantic_extra__", None)
    object.__setattr__(row, "__pydantic_private__", None)
    for key in relationships:
        if key in values:
            setattr(row, key, values[key])


_REQUIRED = object()
_IMMUTABLE = frozenset({type(None), bool, int, float, str, bytes})
_PLANS: dict[type, tuple[tuple[tuple[str, str | None, Any, Any, bool], ...], tuple[str, ...]]] = {}


def _plan(cls: type[Row]) -> tuple[tuple[tuple[str, str | None, Any, Any, bool], ...], tuple[str, ...]]:
    """Per field: its name, alias, default factory, default and whether that default is copied, in
    pydantic's field order; then the relationships."""
    if cls.model_config.get("extra") == "allow" or cls.__pydantic_post_init__ or cls.__pydantic_root_model__:
        raise TypeError(f"{cls.__name__}: Row's constructor does not cover this pydantic configuration")
    fields = []
    for name, field in cls.model_fields.items():
        if field.default_factory is not None and field.default_factory_takes_validated_data:
            raise TypeError(f"{cls.__name__}.{name}: a default factory that takes data")
        default = _REQUIRED if field.is_required() or field.default_factory is not None else field.default
        # pydantic deep-copies a default unless it is immutable; an enum member copies to itself
        copied = not (type(default) in _IMMUTABLE or isinstance(default, Enum) or default is _REQUIRED)
        fields.append((name, field.alias, field.default_factory, default, copied))
    return tuple(fields), tuple(cls.__sqlmodel_relationships__)


def id_column() -> Any:
    return Field(default=None, primary_key=True)


def clinic_fk() -> Any:
    return Field(foreign_key="clinic.id", index=True)


def now_column() -> Any:
    # The engine stamps rows from its injectable clock; this default is only a safety net.
    return Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime(), nullable=False))
