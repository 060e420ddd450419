"""Query loading, allow-lists and the counts table."""
from __future__ import annotations

import pytest

from analytics.data import queries
from analytics.data.counts import counts, outcome_counts, population


def test_identifier_outside_allow_list_is_refused():
    with pytest.raises(ValueError, match="not an allowed column"):
        queries.identifier("sex; DROP TABLE children", queries.DIMENSIONS)


def test_unknown_query_name():
    with pytest.raises(KeyError):
        queries.load("no_such_query")


def test_counts_match_a_direct_count(con):
    """The counts query agrees with an independent count written straight against the tables."""
    table = counts(con, "suspension", by=["ethnicity_major", "sex"], periods=["2023/24"])
    direct = con.execute("""
        SELECT e.major_group, c.sex, count(*) FILTER (WHERE cy.suspensions > 0), count(*)
        FROM child_year cy JOIN children c USING (child_id) JOIN ethnicity e ON e.code = c.ethnicity_code
        WHERE cy.period = '2023/24' AND cy.on_roll GROUP BY 1, 2""").fetchall()
    got = {(r.ethnicity_major, r.sex): (r.events, r.population) for r in table.itertuples()}
    assert got == {(m, s): (e, n) for m, s, e, n in direct}


def test_values_are_bound_not_formatted(con):
    """A period that looks like SQL is just a value that matches nothing."""
    table = counts(con, "custody", by=["sex"], periods=["2019/20' OR '1'='1"])
    assert table.empty


def test_cohort_column_splits_population(con):
    table = counts(con, "neet", cohort="black_caribbean_boys", periods=["2019/20"])
    assert set(table["cohort"]) == {"Black Caribbean boys", "All other children"}
    whole = counts(con, "neet", periods=["2019/20"])
    assert table["population"].sum() == whole["population"].sum()


def test_outcome_counts_equal_single_outcome_counts(con):
    many = outcome_counts(con, outcomes=["custody", "cin"], by=["sex"], periods=["2018/19"])
    for key in ("custody", "cin"):
        one = counts(con, key, by=["sex"], periods=["2018/19"]).set_index("sex")
        part = many[many["outcome"] == key].set_index("sex")
        assert (part[["events", "population"]] == one[["events", "population"]]).all().all()


def test_population_counts_every_child(con):
    n = con.execute("SELECT count(*) FROM child_year WHERE period = '2020/21'").fetchone()[0]
    assert population(con, by=["sex"], periods=["2020/21"])["population"].sum() == n
