"""Recognising ethnicity as people write it: DfE codes, DfE labels, ONS 2021 categories
(full or short), major groups (DfE, ONS 2021 and the YJB 5+1 groups), and the five groups
national figures use. Driven by data/reference/ethnicity*.csv, not if-statements."""
from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from analytics.data.readers import InputError
from analytics.data.reference import REFERENCE, ethnicity_table

MAJOR_PREFIX = "MAJ:"


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).strip().casefold().replace("–", "-"))


@lru_cache(maxsize=None)
def major_lookup() -> dict[str, str]:
    """Normalised major-group wording (DfE, ONS 2021, YJB 5+1) -> DfE major group."""
    aliases = pd.read_csv(REFERENCE / "ethnicity_major_aliases.csv")
    return {normalise(a): g for a, g in zip(aliases["alias"], aliases["major_group"])}


@lru_cache(maxsize=None)
def _five_groups() -> dict[str, str]:
    table = pd.read_csv(REFERENCE / "ethnicity_5_groups.csv")
    return dict(zip(table["code"], table["group"]))


def five_groups(codes: pd.Series) -> pd.Series:
    """The ONS 2021 / YJB five groups (Asian incl. Chinese, Black, Mixed, White, Other incl.
    Arab) and Unknown, for DfE codes or major-group pseudo-codes: the grouping national
    figures and the Census use."""
    return codes.map(_five_groups())


def codes_of(values: pd.Series) -> pd.Series:
    """Each value on its own as a DfE code or a major-group pseudo-code (NA if unrecognised),
    unlike map_ethnicity, which brings a whole column to one level."""
    text = values.astype(str)
    unique = pd.Series(text.unique())
    norm = unique.map(normalise)
    codes = norm.map(code_lookup()).fillna(MAJOR_PREFIX + norm.map(major_lookup()))
    return text.map(dict(zip(unique, codes)))


def group_of(values: pd.Series) -> pd.Series:
    """The five group of each value on its own (a code, a label or a major group; NA if
    unrecognised): compares ethnicity recorded at different levels."""
    return five_groups(codes_of(values))


def major_of(codes: pd.Series) -> pd.Series:
    """The DfE major group of DfE codes and major-group pseudo-codes."""
    major = codes.map(ethnicity_table().set_index("code")["major_group"])
    return major.fillna(codes.astype(str).str.removeprefix(MAJOR_PREFIX).where(
        codes.astype(str).str.startswith(MAJOR_PREFIX)))


@lru_cache(maxsize=None)
def code_lookup() -> dict[str, str]:
    """Normalised wording -> DfE code (codes, DfE labels, ONS labels, aliases)."""
    eth = ethnicity_table()
    out = {}
    for row in eth.itertuples():
        for text in (row.code, row.label, row.ons_2021_label):
            if isinstance(text, str) and text:
                out[normalise(text)] = row.code
    aliases = pd.read_csv(REFERENCE / "ethnicity_aliases.csv")
    for row in aliases.itertuples():
        out.setdefault(normalise(row.alias), row.code)
    return out


def map_ethnicity(values: pd.Series, path, column: str) -> tuple[pd.Series, str]:
    """Codes for a column of ethnicity values, and the level recorded ("code" or "major").

    If any value names only a major group, every value is mapped to its major group (the
    finest level the whole column supports), as a pseudo-code "MAJ:<group>". An unrecognised
    value raises InputError naming its row.
    """
    norm = values.astype(str).map(normalise)
    codes = norm.map(code_lookup())
    majors = norm.map(major_lookup())
    unknown = codes.isna() & majors.isna()
    if unknown.any():
        i = int(unknown.to_numpy().argmax())
        raise InputError(path, f"unrecognised ethnicity {values.iloc[i]!r}: use a DfE code (e.g. "
                               "BCRB), a DfE or ONS 2021 category, or a major group",
                         row=i + 2, column=column)
    if majors[codes.isna()].notna().any():
        major_of = ethnicity_table().set_index("code")["major_group"]
        major = codes.map(major_of).fillna(majors)
        return MAJOR_PREFIX + major, "major"
    return codes, "code"


def ethnicity_rows_for(codes: pd.Series) -> pd.DataFrame:
    """The reference ethnicity table plus a row for each major-group pseudo-code used."""
    eth = ethnicity_table()
    extra = sorted({c for c in codes.unique() if str(c).startswith(MAJOR_PREFIX)})
    if extra:
        add = pd.DataFrame({"code": extra,
                            "label": [c[len(MAJOR_PREFIX):] for c in extra],
                            "minor_group": [f"{c[len(MAJOR_PREFIX):]} (detail not recorded)" for c in extra],
                            "major_group": [c[len(MAJOR_PREFIX):] for c in extra],
                            "ons_2021_label": None,
                            "sort_order": range(100, 100 + len(extra))})
        eth = pd.concat([eth, add], ignore_index=True)
    return eth


def standard_labels(values: pd.Series, path, column: str) -> pd.Series:
    """For aggregate tables: each value as its DfE label (or major group name)."""
    codes, level = map_ethnicity(values, path, column)
    if level == "major":
        return codes.str[len(MAJOR_PREFIX):]
    return codes.map(ethnicity_table().set_index("code")["label"])
