"""Writers of DfE's exclusions open-data CSV (Explore Education Statistics layout), made from
the council figures the product ships: the counts are DfE's own, laid out as DfE's open data
standards lay them out. Test fixtures only."""
from __future__ import annotations

import csv
import io

import pandas as pd

from analytics.data import areas

#: The open data standards' wording of the major groups (and the release's older "Any other").
STANDARD = {"": "Total", "White": "White", "Mixed": "Mixed / Multiple ethnic groups",
            "Asian": "Asian / Asian British",
            "Black": "Black / African / Caribbean / Black British",
            "Other": "Other ethnic group"}
LEGACY = {**STANDARD, "Other": "Any other ethnic group"}


def _rate(a, n) -> str:
    if pd.isna(a) or pd.isna(n) or n == 0:
        return "x"
    return f"{round(a / n * 100, 2):.2f}"


def _rows(period: str, with_regions: bool):
    """(level, code, name, region code, region name, old code, group, headcount, perm, susp)
    for the councils, (optionally) the regions and England of one shipped period."""
    fig = areas.shipped()
    fig = fig[fig["period"] == period]
    wide = fig.pivot_table(index=["la_code", "ethnicity"], columns="indicator",
                           values="events", aggfunc="first")
    pupils = fig[fig["indicator"] == "suspension"].set_index(["la_code", "ethnicity"])["population"]
    table = wide.join(pupils).reset_index()
    councils = areas.councils().set_index("la_code")
    for r in table.itertuples():
        c = councils.loc[r.la_code]
        yield ("Local authority", r.la_code, c["la_name"], c["region_code"] if c["region_code"]
               .startswith("E12") else "E12000007", "", str(c["la_number"]), r.ethnicity,
               r.population, r.permanent_exclusion, r.suspension)
    groups = {"England": {areas.ENGLAND_CODE: list(councils.index)}}
    if with_regions:
        groups["Regional"] = {code: areas.members(code) for code in areas.region_codes()
                              if code.startswith("E12")}
    for level, codes in groups.items():
        for code, members in codes.items():
            part = table[table["la_code"].isin(members)].groupby("ethnicity")[
                ["population", "permanent_exclusion", "suspension"]].sum()
            for group, s in part.iterrows():
                yield ("National" if level == "England" else "Regional", code,
                       areas.name_of(code), code if level == "Regional" else "", "", "",
                       group, s["population"], s["permanent_exclusion"], s["suspension"])


def standard_csv(period: str = "2024/25", time_period: str | None = None,
                 with_regions: bool = True) -> bytes:
    """The open data standards' layout: ethnicity as the filter column `ethnicity_major`,
    an `education_phase` filter (only its "Total" rows hold figures; the others are "x"),
    `suspension` and `perm_excl` with `headcount` and the published rates."""
    tp = time_period or period.replace("/", "")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["time_period", "time_identifier", "geographic_level", "country_code",
                "country_name", "region_code", "region_name", "old_la_code", "new_la_code",
                "la_name", "education_phase", "ethnicity_major", "headcount", "perm_excl",
                "perm_excl_rate", "suspension", "susp_rate"])
    for level, code, name, region, _, old, group, n, perm, susp in _rows(period, with_regions):
        place = ([region if level != "National" else "", areas.name_of(region)
                  if level != "National" else "", old, code if level == "Local authority"
                  else "", name if level == "Local authority" else ""])
        if level == "Regional":
            place = [code, name, "", "", ""]
        for phase in ("Total", "State-funded primary"):
            figures = ([int(n), int(perm), _rate(perm, n), int(susp), _rate(susp, n)]
                       if phase == "Total" else ["x"] * 5)
            w.writerow([tp, "Academic year", level, "E92000001", "England", *place, phase,
                        STANDARD[group], *figures])
        if level == "Local authority" and group == "":
            w.writerow([tp, "Academic year", level, "E92000001", "England", *place, "Total",
                        "Unknown", "x", "x", "x", "x", "x"])
    return out.getvalue().encode("utf-8")


def legacy_csv(period: str = "2023/24") -> bytes:
    """The release's older layout: `characteristic_group` / `characteristic` pairs (with a
    sex breakdown beside ethnicity), `susp` for suspensions, no regional rows."""
    tp = period.replace("/", "")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["time_period", "time_identifier", "geographic_level", "country_code",
                "country_name", "new_la_code", "old_la_code", "la_name", "education_phase",
                "characteristic_group", "characteristic", "headcount", "perm_excl",
                "perm_excl_rate", "susp", "susp_rate"])
    for level, code, name, _, _, old, group, n, perm, susp in _rows(period, False):
        char = ("Total", "Total") if group == "" else ("Ethnicity Major", LEGACY[group])
        la = [code, old, name] if level == "Local authority" else ["", "", ""]
        w.writerow([tp, "Academic year", level, "E92000001", "England", *la, "Total", *char,
                    int(n), int(perm), _rate(perm, n), int(susp), _rate(susp, n)])
        if group == "" and level == "Local authority":
            w.writerow([tp, "Academic year", level, "E92000001", "England", *la, "Total",
                        "Sex", "Female", "x", "x", "x", "x", "x"])
    return out.getvalue().encode("utf-8")
