"""Facts to and from plain JSON-safe dicts: how the hour bank stores them in its events and
how the read model keeps them. Pure; no I/O."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from hourbank_ledger.domain.policy import (
    ClaimCategory,
    Credit,
    CreditKind,
    Fact,
    MakeupPayment,
    Reversal,
    ReversalKind,
    Subject,
)

_TYPES: dict[str, type[Credit] | type[MakeupPayment] | type[Reversal]] = {
    "credit": Credit,
    "makeup_payment": MakeupPayment,
    "reversal": Reversal,
}
_NAMES = {cls: name for name, cls in _TYPES.items()}


def fact_type_name(fact: Fact) -> str:
    return _NAMES[type(fact)]


def encode_fact(fact: Fact) -> dict[str, Any]:
    record: dict[str, Any] = {"fact": fact_type_name(fact)}
    for field in dataclasses.fields(fact):
        value = getattr(fact, field.name)
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, Decimal):
            value = str(value)  # never a float: hours stay exact
        elif isinstance(value, datetime):
            value = value.isoformat()
        record[field.name] = value
    return record


def _converters(kind: type[Enum]) -> tuple[tuple[str, Any], ...]:
    return (
        ("hours", Decimal),
        ("occurred_at", datetime.fromisoformat),
        ("kind", kind),
        ("subject", Subject),
        ("category", ClaimCategory),
    )


# Built once: a 1,000-person batch query decodes thousands of facts.
_CONVERTERS = {
    Credit: _converters(CreditKind),
    MakeupPayment: _converters(CreditKind),
    Reversal: _converters(ReversalKind),
}


def decode_fact(record: dict[str, Any]) -> Fact:
    values = dict(record)
    cls = _TYPES[values.pop("fact")]
    for name, convert in _CONVERTERS[cls]:
        value = values.get(name)
        if value is not None:
            values[name] = convert(value)
    fact: Fact = cls(**values)
    return fact
