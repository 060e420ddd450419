"""Named cohorts (data/reference/cohorts.toml) compiled to SQL conditions with bound values."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache

from analytics.data.queries import DIMENSIONS, FLAGS, identifier
from analytics.data.reference import REFERENCE

COMPLEMENT_LABEL = "All other children"


@dataclass(frozen=True)
class Cohort:
    key: str
    label: str
    section: str = ""
    profile: bool = False
    where: dict = field(default_factory=dict)
    flags_all: tuple = ()
    flags_any: tuple = ()
    age: tuple | None = None
    subject: str = ""
    defined_by: tuple = ()

    @property
    def in_sentence(self) -> str:
        """The cohort as it reads inside a sentence ("looked-after children")."""
        return self.subject or self.label


@lru_cache(maxsize=None)
def _load() -> dict[str, Cohort]:
    with open(REFERENCE / "cohorts.toml", "rb") as f:
        raw = tomllib.load(f)["cohort"]
    out = {}
    for c in raw:
        out[c["key"]] = Cohort(
            key=c["key"], label=c["label"], section=c.get("section", ""),
            profile=c.get("profile", False), where=c.get("where", {}),
            flags_all=tuple(c.get("flags_all", ())), flags_any=tuple(c.get("flags_any", ())),
            age=tuple(c["age"]) if "age" in c else None, subject=c.get("subject", ""),
            defined_by=tuple(c.get("defined_by", ())))
    return out


def all_cohorts() -> list[Cohort]:
    return list(_load().values())


def profile_cohorts() -> list[Cohort]:
    """The seven section 5.4 groups, in the strategy's order."""
    return [c for c in _load().values() if c.profile]


def get(key: str) -> Cohort:
    cohorts = _load()
    if key not in cohorts:
        raise KeyError(f"unknown cohort {key!r}; known cohorts: {', '.join(cohorts)}")
    return cohorts[key]


def where_clause(where: dict, flags_all=(), flags_any=(), age=None,
                 prefix: str = "w") -> tuple[str, dict]:
    """SQL condition and its parameters for a filter; identifiers checked against allow-lists."""
    parts, params = [], {}
    for i, (column, values) in enumerate(where.items()):
        col = identifier(column, DIMENSIONS)
        name = f"{prefix}_{i}"
        parts.append(f"list_contains(${name}, {col})")
        params[name] = [str(v) for v in values]
    parts += [identifier(f, FLAGS) for f in flags_all]
    if flags_any:
        parts.append("(" + " OR ".join(identifier(f, FLAGS) for f in flags_any) + ")")
    if age is not None:
        parts.append(f"age BETWEEN ${prefix}_age_lo AND ${prefix}_age_hi")
        params[f"{prefix}_age_lo"], params[f"{prefix}_age_hi"] = int(age[0]), int(age[1])
    return (" AND ".join(parts) or "TRUE"), params


def cohort_columns(cohort: Cohort) -> set[str]:
    """The columns of the `facts` view a cohort's condition reads."""
    return (set(cohort.where) | set(cohort.flags_all) | set(cohort.flags_any)
            | ({"age"} if cohort.age is not None else set()))


def cohort_condition(cohort: Cohort, prefix: str = "c") -> tuple[str, dict]:
    return where_clause(cohort.where, cohort.flags_all, cohort.flags_any, cohort.age, prefix)
