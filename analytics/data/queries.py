"""Loads SQL from queries/*.sql by name and fills in identifiers from allow-lists.

Values are always bound as parameters by the caller (``con.execute(sql, params)``); only
identifiers (column and flag names) are placed into the text, and only names from the
allow-lists below are accepted.
"""
from __future__ import annotations

import re
from functools import lru_cache

from analytics import ROOT

QUERIES = ROOT / "queries"

#: Columns of the `facts` view a result may be broken down by (label: the user-facing name).
DIMENSIONS = {
    "ethnicity_major": "Ethnicity (major group)",
    "ethnicity_minor": "Ethnicity (minor group)",
    "ethnicity_code": "Ethnicity (DfE code)",
    "sex": "Sex",
    "fsm_status": "Free school meals",
    "sen_status": "Special educational needs",
    "care_status": "Care status",
    "age_band": "Age band",
    "school": "School",
    "school_phase": "School phase",
    "period": "Period",
}

#: Boolean columns of the `facts` view usable as numerators, denominators and filters.
FLAGS = frozenset({
    "all_children", "age_5_17", "age_10_17", "age_16_17", "pupil", "pupil_5_15", "year11",
    "suspended", "permanent_exclusion", "persistent_absence", "ks4_below_basics", "neet",
    "cin", "cpp", "looked_after", "camhs", "sen_support", "ehcp", "sen_any", "fsm",
    "proven_offence", "first_time_entrant", "offence_prev_year", "reoffended", "remand",
    "custody", "concern_gangs", "concern_cce", "concern_syv", "concern_cse", "excluded_ever",
})

TABLES = frozenset({"children", "child_year", "schools", "ethnicity", "build_info"})

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@lru_cache(maxsize=None)
def load(name: str) -> str:
    """The text of queries/<name>.sql."""
    path = QUERIES / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r} in {QUERIES}")
    return path.read_text()


def identifier(name: str, allowed) -> str:
    """`name` if it is in the allow-list, else ValueError."""
    if name not in allowed:
        raise ValueError(f"{name!r} is not an allowed column here; allowed: {', '.join(sorted(allowed))}")
    return name


def render(name: str, **parts: str) -> str:
    """The query with each {placeholder} replaced by an already-validated SQL fragment
    (fragments may ignore parts they do not use)."""
    text = "\n".join(line for line in load(name).splitlines()
                     if not line.lstrip().startswith("--"))
    missing = set(_PLACEHOLDER.findall(text)) - set(parts)
    if missing:
        raise KeyError(f"query {name!r} needs {', '.join(sorted(missing))}")
    return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], text)
