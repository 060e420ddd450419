"""The shipped council figures, names, regions and neighbours (data/reference/areas/): the
checks of the shared reference data's check_dfe_la.py, as tests, each shown to catch a
deliberately altered figure."""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pandas as pd
import pytest

from analytics.data import areas
from analytics.data.reference import REFERENCE

RAW = areas.AREAS / "dfe_la_by_major_ethnicity.csv"


def raw() -> pd.DataFrame:
    return pd.read_csv(RAW, dtype=str, keep_default_na=False)


def rate_mismatches(table: pd.DataFrame) -> list:
    """Rows whose source_rate is not numerator / denominator x 100 rounded to 5 decimal
    places with halves up (worked with exact fractions, not floats)."""
    bad = []
    for r in table.itertuples():
        exact = Fraction(r.numerator) * 100 / Fraction(r.denominator)
        q = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
            Decimal("0.00001"), rounding=ROUND_HALF_UP)
        if Fraction(q) != Fraction(r.source_rate):
            bad.append((r.la_code, r.indicator, r.year, r.ethnicity))
    return bad


def england_mismatches(table: pd.DataFrame) -> list:
    """Cells where the councils' counts do not add up to England's published counts."""
    eng = pd.read_csv(REFERENCE / "islington_exclusions_2023-25.csv")
    eng = eng[eng["geography"] == "England"]
    t = table.assign(events=table["numerator"].astype(float),
                     pupils=table["denominator"].astype(float),
                     group=table["ethnicity"].replace("", "All pupils"),
                     period=table["reference_period"].str.removeprefix("academic year "),
                     outcome=table["indicator"].str.removesuffix("_rate"))
    sums = t.groupby(["period", "outcome", "group"])[["events", "pupils"]].sum()
    bad = []
    for r in eng.itertuples():
        got = sums.loc[(r.period, r.outcome, r.ethnicity)]
        if (got["events"], got["pupils"]) != (r.events, r.pupils):
            bad.append((r.period, r.outcome, r.ethnicity))
    return bad, len(eng)


def test_copies_are_the_documented_files():
    readme = (areas.AREAS / "README.md").read_text()
    listed = dict((name, digest) for digest, name in
                  re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, flags=re.M))
    assert len(listed) == 3
    for name, digest in listed.items():
        assert hashlib.sha256((areas.AREAS / name).read_bytes()).hexdigest() == digest, name


def test_every_rate_reproduces_the_published_one():
    table = raw()
    assert len(table) == 3664
    assert rate_mismatches(table) == []


def test_a_mistyped_count_is_caught():
    table = raw()
    table.loc[100, "numerator"] = str(float(table.loc[100, "numerator"]) + 1)
    assert len(rate_mismatches(table)) == 1
    bad, _ = england_mismatches(table)
    assert len(bad) == 1


def test_shape_six_rows_per_council_year_and_indicator():
    table = raw()
    keys = Counter(zip(table["la_code"], table["indicator"], table["year"], table["ethnicity"]))
    assert max(keys.values()) == 1                                  # no duplicate keys
    per = Counter(zip(table["la_code"], table["indicator"], table["year"]))
    short = {k: v for k, v in per.items() if v != 6}
    assert set(short) == {("E06000053", i, y) for i in ("permanent_exclusion_rate",
                                                          "suspension_rate")
                          for y in ("2024", "2025")}              # the Isles of Scilly
    assert set(short.values()) == {4}
    assert table["la_code"].nunique() == 153
    assert set(table["la_code"]) == set(areas.councils()["la_code"])
    assert set(table["disclosure_status"]) == {"released"}


def test_both_indicators_share_one_headcount_and_groups_never_exceed_all_pupils():
    table = raw().assign(d=lambda t: t["denominator"].astype(float),
                         n=lambda t: t["numerator"].astype(float))
    wide = table.pivot_table(index=["la_code", "year", "ethnicity"], columns="indicator",
                             values="d")
    assert (wide["permanent_exclusion_rate"] == wide["suspension_rate"]).all()
    keys = ["la_code", "indicator", "year"]
    groups = table[table["ethnicity"] != ""].groupby(keys)[["n", "d"]].sum()
    overall = table[table["ethnicity"] == ""].set_index(keys)[["n", "d"]]
    assert (groups <= overall.loc[groups.index]).all().all()


def test_councils_add_up_exactly_to_england():
    bad, cells = england_mismatches(raw())
    assert cells == 24 and bad == []


def test_england_rows_of_the_product_are_the_sums():
    table = areas.shipped()
    england = areas.sums(table, {areas.ENGLAND_CODE: areas.members(areas.ENGLAND_CODE)})
    eng = pd.read_csv(REFERENCE / "islington_exclusions_2023-25.csv")
    eng = eng[eng["geography"] == "England"].assign(
        ethnicity=lambda t: t["ethnicity"].replace("All pupils", ""))
    merged = england.merge(eng, left_on=["period", "indicator", "ethnicity"],
                           right_on=["period", "outcome", "ethnicity"])
    assert len(merged) == 24
    assert (merged["events_x"].astype(int) == merged["events_y"]).all()
    assert (merged["population"].astype(int) == merged["pupils"]).all()


def test_islington_agrees_with_the_earlier_transcription():
    table = areas.shipped()
    isl = table[table["la_code"] == "E09000019"]
    old = pd.read_csv(REFERENCE / "islington_exclusions_2023-25.csv")
    old = old[old["geography"] == "Islington"].assign(
        ethnicity=lambda t: t["ethnicity"].replace("All pupils", ""))
    merged = isl.merge(old, left_on=["period", "indicator", "ethnicity"],
                       right_on=["period", "outcome", "ethnicity"])
    assert len(merged) == 24
    assert (merged["events_x"].astype(int) == merged["events_y"]).all()
    assert (merged["population"].astype(int) == merged["pupils"]).all()


def test_every_council_has_ten_distinct_named_neighbours():
    nb = areas.neighbours()
    assert len(nb) == 1530 and nb["neighbour_name"].notna().all()
    for code, part in nb.groupby("la_code"):
        assert list(part["rank"]) == list(range(1, 11))
        assert part["neighbour_code"].nunique() == 10 and code not in set(part["neighbour_code"])
    assert set(nb["la_code"]) == set(areas.councils()["la_code"])
    assert nb["closeness"].notna().all()


def test_neighbours_equal_dfe_own_workbook_in_order():
    """The community copy (names) against DfE's May 2025 workbook (numbers)."""
    table = areas.councils()
    by_name = dict(zip(table["dfe_name"], table["la_number"]))
    listed = pd.read_csv(areas.AREAS / "statistical_neighbours.csv")
    listed = listed.assign(la_number=listed["la_name"].map(by_name),
                           neighbour_number=listed["neighbour_name"].map(by_name))
    dfe = pd.read_csv(areas.AREAS / "dfe_statistical_neighbours.csv")
    merged = listed.merge(dfe, on=["la_number", "rank"], suffixes=("", "_dfe"))
    assert len(merged) == 1530
    assert (merged["neighbour_number"] == merged["neighbour_number_dfe"]).all()


def test_islington_neighbours_and_regions():
    nb = areas.neighbours_of("E09000019")
    assert list(nb["neighbour_name"][:4]) == ["Camden", "Southwark", "Lambeth", "Westminster"]
    assert areas.regions_of("E09000019") == [("E13000001", "Inner London"),
                                             ("E12000007", "London")]
    inner = {areas.name_of(c) for c in areas.members("E13000001")}
    assert inner == {"Camden", "City of London", "Hackney", "Hammersmith and Fulham",
                     "Haringey", "Islington", "Kensington and Chelsea", "Lambeth", "Lewisham",
                     "Newham", "Southwark", "Tower Hamlets", "Wandsworth", "Westminster"}
    assert len(areas.members("E12000007")) == 33
    assert all(c.startswith("E09") for c in areas.members("E12000007"))
    assert areas.regions_of("E06000001") == [("E12000001", "North East")]
    assert areas.councils()["region"].notna().all()


@pytest.mark.parametrize("text,code", [("Islington", "E09000019"), ("islington ", "E09000019"),
                                       ("E09000019", "E09000019"), ("206", "E09000019"),
                                       ("Durham", "E06000047"), ("Bedford Borough", "E06000055")])
def test_a_council_is_found_by_code_number_or_either_spelling(text, code):
    assert areas.council(text)["la_code"] == code


def test_an_unknown_council_names_the_closest():
    with pytest.raises(areas.UnknownCouncil) as e:
        areas.council("Islingtn")
    assert e.value.closest[0] == "Islington"
    with pytest.raises(areas.UnknownCouncil) as e:
        areas.council("Hull")
    assert "Kingston upon Hull, City of" in e.value.closest
