"""Fake children written out as statutory returns, for the round-trip tests and the samples
in data/samples/ (regenerate them with `python -m tests.returns_writers data/samples`).

`fake_children` draws child-years with known outcomes; each writer puts those children into
one format the way a council's system would (dates inside the right year, codes from the
DfE lists). The round-trip tests import the same children in the product's own layout
(`native`) and as returns, and compare the RRIs. This module is written independently of the
readers: it knows the formats, not the product's code.
"""
from __future__ import annotations

import sys
import zipfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

CODES = ["WBRI", "WOTH", "MWBC", "MWBA", "AIND", "ABAN", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH"]
WEIGHTS = [0.34, 0.12, 0.06, 0.04, 0.04, 0.05, 0.08, 0.14, 0.04, 0.03, 0.06]
YJB = {"W": "White", "M": "Mixed", "A": "Asian or Asian British", "B": "Black or Black British",
       "C": "Asian or Asian British", "O": "Other ethnic group"}
SEN_CODE = {"No SEN": "N", "SEN support": "K", "EHCP": "E"}


def fake_children(n: int = 600, years=(2022, 2023), seed: int = 7) -> pd.DataFrame:
    """Child-years (start year of each period) with every outcome the formats carry."""
    rng = np.random.default_rng(seed)
    kids = pd.DataFrame({
        "uid": np.arange(n),
        "la_id": [f"DEMO{i:05d}" for i in range(n)],
        "upn": [f"A{rng.integers(10**11, 10**12):012d}" for _ in range(n)],
        "hash": [f"{rng.integers(0, 2**63):016x}{i:08x}" for i in range(n)],
        "sex": rng.choice(["Female", "Male"], n),
        "code": rng.choice(CODES, n, p=WEIGHTS),
        "birth_year": rng.integers(years[0] - 17, years[0] - 3, n),
        "risk": rng.random(n),                 # offending persists from year to year
    })
    kids["dob"] = [date(int(y), int(m), int(d)) for y, m, d in
                   zip(kids["birth_year"], rng.integers(1, 13, n), rng.integers(1, 29, n))]
    rows = []
    for y in years:
        part = kids.copy()
        part["start"] = y
        part["age"] = [_age(d, y) for d in part["dob"]]
        rows.append(part[part["age"].between(0, 17)])
    cy = pd.concat(rows, ignore_index=True)
    m = len(cy)
    black = cy["code"].str.startswith("B") | cy["code"].isin(["MWBC"])
    u = lambda: rng.random(m)  # noqa: E731
    cy["on_roll"] = (cy["age"] >= 4) & (u() < 0.9)
    cy["fsm"] = cy["on_roll"] & (u() < 0.3)
    cy["sen"] = np.where(~cy["on_roll"], "", np.where(u() < 0.12, "SEN support",
                                                        np.where(u() < 0.04, "EHCP", "No SEN")))
    cy["school"] = np.where(cy["on_roll"], rng.choice(["Northgate School", "Southfield School",
                                                       "Eastway Academy"], m), "")
    cy["suspensions"] = np.where(cy["on_roll"] & (cy["age"] >= 5),
                                 rng.binomial(2, np.where(black, 0.09, 0.04)), 0)
    cy["permanent_exclusion"] = cy["on_roll"] & (cy["age"] >= 10) & (u() < np.where(black, 0.03, 0.01))
    cy["cin"] = u() < np.where(black, 0.12, 0.07)
    cy["nfa_only"] = ~cy["cin"] & (u() < 0.02)
    cy["cpp"] = cy["cin"] & (u() < np.where(black, 0.3, 0.2))
    cy["concern_gangs"] = cy["cin"] & (cy["age"] >= 10) & (u() < 0.15)
    cy["concern_cse"] = cy["cin"] & (cy["age"] >= 10) & (u() < 0.1)
    cy["concern_cce"] = cy["cin"] & (cy["age"] >= 10) & (u() < 0.12)
    cy["looked_after"] = u() < np.where(black, 0.03, 0.015)
    offender = cy["risk"] < np.where(black, 0.1, 0.05)
    cy["proven_offence"] = (cy["age"] >= 10) & (u() < np.where(offender, 0.6, 0.01))
    cy["custody"] = cy["proven_offence"] & (u() < np.where(black, 0.35, 0.15))
    cy["remand"] = cy["proven_offence"] & (u() < np.where(black, 0.3, 0.12))
    first = cy[cy["proven_offence"]].groupby("uid")["start"].transform("min")
    cy["first_time_entrant"] = False
    cy.loc[first.index, "first_time_entrant"] = cy.loc[first.index, "start"] == first
    prev = set(zip(cy.loc[cy["proven_offence"], "uid"], cy.loc[cy["proven_offence"], "start"] + 1))
    cy["offence_prev_year"] = [(i, s) in prev for i, s in zip(cy["uid"], cy["start"])]
    return cy.reset_index(drop=True)


def _age(dob: date, start_year: int) -> int:
    ref = date(start_year, 8, 31)
    return ref.year - dob.year - ((ref.month, ref.day) < (dob.month, dob.day))


def _in(start: date, rng, days: int = 300) -> date:
    return start + timedelta(days=int(rng.integers(0, days)))


def _period(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


def native(cy: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The same child-years in the product's record-level layout."""
    out = pd.DataFrame({"child_id": cy["la_id"], "period": cy["start"].map(_period),
                        "sex": cy["sex"], "ethnicity": cy["code"], "age": cy["age"]})
    for col in columns:
        v = cy[col]
        out[col] = v.astype(int) if v.dtype == bool else v
    return out


# -- CIN census ----------------------------------------------------------------------------

def cin_xml(cy: pd.DataFrame, year: int, seed: int = 1) -> str:
    """The CIN census of the year to 31 March `year`: the CIN children of period year-1."""
    rng = np.random.default_rng(seed)
    part = cy[(cy["start"] == year - 1) & (cy["cin"] | cy["nfa_only"])]
    start = date(year - 1, 4, 1)
    out = ["<?xml version='1.0' encoding='utf-8'?>", "<Message>", "  <Header>",
           "    <CollectionDetails>", "      <Collection>CIN</Collection>",
           f"      <Year>{year}</Year>", f"      <ReferenceDate>{year}-03-31</ReferenceDate>",
           "    </CollectionDetails>",
           "    <Source><SourceLevel>L</SourceLevel><LEA>999</LEA></Source>",
           "  </Header>", "  <Children>"]
    for r in part.itertuples():
        ref = _in(start, rng, 200)
        out += ["    <Child>", "      <ChildIdentifiers>",
                f"        <LAchildID>{r.la_id}</LAchildID>", f"        <UPN>{r.upn}</UPN>",
                f"        <PersonBirthDate>{r.dob:%Y-%m-%d}</PersonBirthDate>",
                f"        <GenderCurrent>{1 if r.sex == 'Male' else 2}</GenderCurrent>",
                "      </ChildIdentifiers>",
                f"      <ChildCharacteristics><Ethnicity>{r.code}</Ethnicity></ChildCharacteristics>",
                "      <CINdetails>", f"        <CINreferralDate>{ref:%Y-%m-%d}</CINreferralDate>",
                "        <ReferralSource>1A</ReferralSource>",
                "        <PrimaryNeedCode>N1</PrimaryNeedCode>"]
        if r.nfa_only:
            out += [f"        <CINclosureDate>{ref:%Y-%m-%d}</CINclosureDate>",
                    "        <ReasonForClosure>RC8</ReasonForClosure>",
                    "        <ReferralNFA>true</ReferralNFA>", "      </CINdetails>", "    </Child>"]
            continue
        factors = [c for c, on in (("13A", r.concern_gangs), ("11A", r.concern_cse),
                                   ("24A", r.concern_cce and year >= 2022)) if on] or ["21"]
        out += ["        <Assessments>",
                f"          <AssessmentActualStartDate>{ref + timedelta(days=3):%Y-%m-%d}</AssessmentActualStartDate>",
                "          <FactorsIdentifiedAtAssessment>"]
        out += [f"            <AssessmentFactors>{f}</AssessmentFactors>" for f in factors]
        out += ["          </FactorsIdentifiedAtAssessment>", "        </Assessments>",
                "        <ReferralNFA>false</ReferralNFA>"]
        if r.cpp:
            out += ["        <ChildProtectionPlans>",
                    f"          <CPPstartDate>{ref + timedelta(days=20):%Y-%m-%d}</CPPstartDate>",
                    "          <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>",
                    "          <LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>",
                    "          <NumberOfPreviousCPP>1</NumberOfPreviousCPP>",
                    "        </ChildProtectionPlans>"]
        out += ["      </CINdetails>", "    </Child>"]
    out += ["  </Children>", "</Message>", ""]
    return "\n".join(out)


# -- SSDA903 -------------------------------------------------------------------------------

def ssda903(cy: pd.DataFrame, year: int, seed: int = 2) -> tuple[str, str]:
    """Header and episodes CSVs of the year to 31 March `year`."""
    rng = np.random.default_rng(seed)
    part = cy[(cy["start"] == year - 1) & cy["looked_after"]]
    head = pd.DataFrame({"CHILD": part["la_id"], "SEX": np.where(part["sex"] == "Male", "1", "2"),
                         "DOB": [f"{d:%d/%m/%Y}" for d in part["dob"]], "ETHNIC": part["code"],
                         "UPN": part["upn"], "MOTHER": "", "MC_DOB": ""})
    eps = []
    for r in part.itertuples():
        begin = _in(date(year - 1, 4, 1), rng, 250)
        eps.append({"CHILD": r.la_id, "DECOM": f"{begin:%d/%m/%Y}", "RNE": "S", "LS": "C2",
                    "CIN": "N1", "PLACE": "U1", "PLACE_PROVIDER": "PR1", "DEC": "", "REC": "",
                    "REASON_PLACE_CHANGE": "", "HOME_POST": "", "PL_POST": "", "URN": ""})
        if rng.random() < 0.3:                 # an earlier episode that ended in the year
            eps[-1]["RNE"] = "P"
            eps.insert(len(eps) - 1, {**eps[-1], "RNE": "S", "DECOM": f"{date(year - 2, 6, 1):%d/%m/%Y}",
                                      "DEC": eps[-1]["DECOM"], "REC": "X1"})
    return head.to_csv(index=False), pd.DataFrame(eps).to_csv(index=False)


# -- school census and exclusions ----------------------------------------------------------

def school_census(cy: pd.DataFrame, start: int, seed: int = 3) -> tuple[str, str]:
    """The January census of academic year `start` and its exclusions."""
    rng = np.random.default_rng(seed)
    part = cy[(cy["start"] == start) & cy["on_roll"]]
    census = pd.DataFrame({"UPN": part["upn"], "CensusDate": f"{start + 1}-01-18",
                           "Sex": np.where(part["sex"] == "Male", "M", "F"),
                           "DOB": [f"{d:%Y-%m-%d}" for d in part["dob"]],
                           "Ethnicity": part["code"],
                           "FSMeligible": np.where(part["fsm"], "true", "false"),
                           "SENprovision": part["sen"].map(SEN_CODE),
                           "LAEstab": "9994001", "SchoolName": part["school"]})
    excl = []
    for r in part.itertuples():
        for k in range(int(r.suspensions)):
            excl.append({"UPN": r.upn, "Category": "FIXD", "Reason": "PP", "Sessions": "2",
                         "StartDate": f"{date(start, 9, 10) + timedelta(days=40 * k + int(rng.integers(0, 30))):%Y-%m-%d}"})
        if r.permanent_exclusion:
            excl.append({"UPN": r.upn, "Category": "PERM", "Reason": "PA", "Sessions": "",
                         "StartDate": f"{date(start + 1, 5, 12):%Y-%m-%d}"})
        if rng.random() < 0.01:
            excl.append({"UPN": r.upn, "Category": "LNCH", "Reason": "DB", "Sessions": "1",
                         "StartDate": f"{date(start + 1, 3, 3):%Y-%m-%d}"})
    return census.to_csv(index=False), pd.DataFrame(excl).to_csv(index=False)


# -- youth justice -------------------------------------------------------------------------

def youth_justice(cy: pd.DataFrame, ethnicity: str = "yjb", seed: int = 4) -> str:
    """One row per legal outcome of every child with a proven offence (and a few who were
    found not guilty), years April to March."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in cy[cy["proven_offence"] | (cy["age"].between(10, 17) & (cy["uid"] % 97 == 0))].itertuples():
        eth = YJB[r.code[0]] if ethnicity == "yjb" else r.code
        when = _in(date(r.start, 4, 1), rng, 330)
        offence = when - timedelta(days=int(rng.integers(20, 90)))
        tenth = date(r.dob.year + 10, r.dob.month, min(r.dob.day, 28))
        if offence <= tenth:
            offence = tenth + timedelta(days=1)
            when = max(when, offence + timedelta(days=1))
        outcome = ("not_guilty" if not r.proven_offence else
                   "detention_and_training_order" if r.custody else
                   rng.choice(["youth_caution", "referral_order", "youth_rehabilitation_order"]))
        rows.append({"child_id": r.la_id, "upn": r.upn, "sex": r.sex,
                     "date_of_birth": f"{r.dob:%Y-%m-%d}", "ethnicity": eth,
                     "offence_date": f"{offence:%Y-%m-%d}", "outcome_date": f"{when:%Y-%m-%d}",
                     "legal_outcome": outcome, "remand": "ryda" if r.remand else
                     rng.choice(["none", "bail", "rlaa"]),
                     "first_time_entrant": "yes" if r.first_time_entrant else "no"})
    return pd.DataFrame(rows).to_csv(index=False)


# -- ONS Census custom dataset -------------------------------------------------------------

ONS_GROUPS = {1: "Asian, Asian British or Asian Welsh",
              2: "Black, Black British, Black Welsh, Caribbean or African",
              3: "Mixed or Multiple ethnic groups", 4: "White", 5: "Other ethnic group"}


def ons_custom_dataset(ages=range(0, 18), seed: int = 5, area=("E09000999", "Fakeborough")) -> str:
    """A population table in the layout of ONS's custom-dataset download (fake numbers)."""
    rng = np.random.default_rng(seed)
    rows = [{"Lower tier local authorities Code": area[0], "Lower tier local authorities": area[1],
             "Ethnic group (6 categories) Code": code, "Ethnic group (6 categories)": label,
             "Sex (2 categories) Code": s, "Sex (2 categories)": sex,
             "Age (101 categories) Code": age,
             "Age (101 categories)": "Aged under 1 year" if age == 0 else
             f"Aged {age} year" + ("s" if age > 1 else ""),
             "Observation": 0 if code == -8 else int(rng.integers(20, 400))}
            for code, label in [(-8, "Does not apply"), *ONS_GROUPS.items()]
            for s, sex in ((1, "Female"), (2, "Male")) for age in ages]
    return pd.DataFrame(rows).to_csv(index=False)


# -- samples -------------------------------------------------------------------------------

def write_samples(folder: Path) -> None:
    """The small fake samples shipped in data/samples/ (one of each format and a zip)."""
    folder.mkdir(parents=True, exist_ok=True)
    cy = fake_children(n=400, years=(2023,), seed=11)
    (folder / "fake_cin_census_2024.xml").write_text(cin_xml(cy, 2024))
    head, eps = ssda903(cy, 2024)
    (folder / "fake_SSDA903_2024_header.csv").write_text(head)
    (folder / "fake_SSDA903_2024_episodes.csv").write_text(eps)
    census, excl = school_census(cy, 2023)
    (folder / "fake_school_census_2024.csv").write_text(census)
    (folder / "fake_school_exclusions_2024.csv").write_text(excl)
    (folder / "fake_youth_justice_2024.csv").write_text(youth_justice(cy))
    (folder / "fake_census2021_custom_dataset.csv").write_text(ons_custom_dataset())
    with zipfile.ZipFile(folder / "fake_returns_2024.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("fake_cin_census_2024.xml", "fake_SSDA903_2024_header.csv",
                     "fake_SSDA903_2024_episodes.csv", "fake_school_census_2024.csv",
                     "fake_school_exclusions_2024.csv", "fake_youth_justice_2024.csv"):
            z.write(folder / name, name)


if __name__ == "__main__":
    write_samples(Path(sys.argv[1] if len(sys.argv) > 1 else "data/samples"))
