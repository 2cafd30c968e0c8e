"""Continuing-education rules as data (one TOML file per region and year) and the pure
engine that evaluates a person-year under them. See docs/policies.md."""

from .engine import evaluate, year_closes_at
from .errors import (
    AmbiguousPolicy,
    ConflictingFacts,
    InvalidPolicy,
    NoRulesApply,
    PolicyError,
    PolicyMismatch,
    PolicyNotFound,
)
from .evaluation import (
    EntryStatus,
    EvaluatedEntry,
    Evaluation,
    HoursTotal,
    RequirementCheck,
    format_hours,
)
from .facts import (
    ClaimCategory,
    Credit,
    CreditKind,
    Fact,
    MakeupPayment,
    PersonYear,
    Reversal,
    ReversalKind,
    Subject,
)
from .loader import DEFAULT_POLICY_DIR, load_all_policies, load_policy, read_policy_file
from .model import Category, Policy, Rule

__all__ = [
    "DEFAULT_POLICY_DIR",
    "AmbiguousPolicy",
    "Category",
    "ClaimCategory",
    "ConflictingFacts",
    "Credit",
    "CreditKind",
    "EntryStatus",
    "EvaluatedEntry",
    "Evaluation",
    "Fact",
    "HoursTotal",
    "InvalidPolicy",
    "MakeupPayment",
    "NoRulesApply",
    "PersonYear",
    "Policy",
    "PolicyError",
    "PolicyMismatch",
    "PolicyNotFound",
    "RequirementCheck",
    "Reversal",
    "ReversalKind",
    "Rule",
    "Subject",
    "evaluate",
    "format_hours",
    "load_all_policies",
    "load_policy",
    "read_policy_file",
    "year_closes_at",
]
