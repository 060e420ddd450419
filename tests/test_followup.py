"""After exclusion (queries/followup.sql, queries/yj_history.sql, analytics.views.followup):
the follow-up counts equal a direct count over the same children, each child counts once,
the adjusted ratio equals statsmodels' fit, and what is shown is disclosure-controlled."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics.data.followup import (
    EXCLUDED,
    NOT_EXCLUDED,
    followup_counts,
    yj_history_counts,
)
from analytics.views import followup as fu
from analytics.views.tables import Options

#: A direct count, written independently of queries/followup.sql (EXISTS over the raw
#: tables instead of window functions over the facts view): pupils of the index year with
#: the year before on record and no exclusion before it; excluded or not in the index year;
#: eligible for / with the outcome in the two years after it.
DIRECT = """
WITH index_children AS (
    SELECT cy.child_id, c.sex,
           coalesce(cy.suspensions, 0) > 0 OR coalesce(cy.permanent_exclusion, FALSE) AS excluded
    FROM child_year AS cy JOIN children AS c USING (child_id)
    WHERE cy.period_start = 2019 AND cy.on_roll
      AND EXISTS (SELECT 1 FROM child_year AS p WHERE p.child_id = cy.child_id
                  AND p.period_start = 2018 AND NOT coalesce(p.excluded_ever, FALSE))
      AND NOT EXISTS (SELECT 1 FROM child_year AS e WHERE e.child_id = cy.child_id
                      AND e.period_start < 2019
                      AND (coalesce(e.suspensions, 0) > 0 OR coalesce(e.permanent_exclusion, FALSE)))
)
SELECT sex, excluded,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM child_year AS l WHERE l.child_id = i.child_id
            AND l.period_start IN (2020, 2021) AND l.age >= 10)) AS offence_population,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM child_year AS l WHERE l.child_id = i.child_id
            AND l.period_start IN (2020, 2021) AND l.age >= 10 AND l.proven_offence)) AS offence_events,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM child_year AS l WHERE l.child_id = i.child_id
            AND l.period_start IN (2020, 2021) AND l.age >= 16)) AS neet_population,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM child_year AS l WHERE l.child_id = i.child_id
            AND l.period_start IN (2020, 2021) AND l.age >= 16 AND l.neet)) AS neet_events
FROM index_children AS i
GROUP BY ALL
"""


def test_followup_counts_equal_a_direct_count(con):
    mine = followup_counts(con, by=["sex"], periods=["2019/20"], outcomes=["proven_offence", "neet"],
                           windows=[2])
    direct = con.execute(DIRECT).df()
    assert len(direct) == 4
    for r in direct.itertuples():
        cohort = EXCLUDED if r.excluded else NOT_EXCLUDED
        for outcome, events, population in (("proven_offence", r.offence_events, r.offence_population),
                                            ("neet", r.neet_events, r.neet_population)):
            row = mine[(mine["sex"] == r.sex) & (mine["cohort"] == cohort)
                       & (mine["outcome"] == outcome)].iloc[0]
            assert (row["events"], row["population"]) == (events, population), (r.sex, cohort, outcome)
    assert direct.loc[direct["excluded"], "offence_events"].sum() > 5


def test_each_child_counts_once_per_cohort_and_windows_are_complete(con):
    per_child = followup_counts(con, by=["child_id"], outcomes=["proven_offence"], windows=[1, 3])
    assert per_child["population"].max() == 1
    assert not per_child.duplicated(["child_id", "cohort", "years", "outcome"]).any()
    # An excluded child's first exclusion is unique; fewer index years have 3 years after them.
    by_window = per_child.groupby(["cohort", "years"])["population"].sum()
    assert by_window[(EXCLUDED, 3)] < by_window[(EXCLUDED, 1)]


def test_adjusted_ratio_matches_statsmodels_clustered_by_child(con):
    units = followup_counts(con, by=["child_id", "ethnicity_major", "sex"] + list(fu.ADJUST_FOR),
                            outcomes=["proven_offence"], windows=[3])
    units = units[units["population"] > 0].reset_index(drop=True)
    X = pd.get_dummies(units[["ethnicity_major", "sex", "fsm_status", "sen_status", "care_status",
                              "period"]].assign(age=units["age"].astype(str)),
                       drop_first=True).astype(float)
    X.insert(0, "excluded", (units["cohort"] == EXCLUDED).astype(float))
    X = sm.add_constant(X)
    ref = sm.GLM(units["events"].astype(float), X, family=sm.families.Poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": units["child_id"].to_numpy()})
    mine = fu.followup_table(con, [], years=3, outcomes=["proven_offence"],
                             options=Options(suppress=0)).iloc[0]
    assert float(mine["adjusted_rri"]) == pytest.approx(np.exp(ref.params["excluded"]), rel=1e-6)
    low = np.exp(ref.params["excluded"] - 1.959964 * ref.bse["excluded"])
    assert float(mine["adjusted_rri_ci_low"]) == pytest.approx(low, rel=1e-4)


def test_crude_ratio_is_the_ratio_of_shares_within_strata(con):
    table = fu.followup_table(con, ["sex"], years=2, outcomes=["proven_offence"], adjust=False,
                              options=Options(suppress=0))
    for row in table.itertuples():
        assert float(row.rri) == pytest.approx(float(row.rate) / float(row.comparison_rate))


def test_followup_table_is_protected_and_readable(con):
    table = fu.followup_table(con, ["ethnicity_minor"], years=1, outcomes=["custody", "concern_gangs"])
    for col in ("events", "comparison_events"):
        assert not table[col].dropna().astype(int).isin([1, 2]).any()
    hidden = table["events"].isna().to_numpy()
    assert table.loc[hidden, ["rate", "rri", "adjusted_rri"]].isna().all().all()
    shown = fu.display_table(table)
    assert not shown.astype(str).apply(lambda c: c.str.contains("nan|None|inf|<NA>")).any().any()


def test_yj_history_counts_equal_a_direct_count(con):
    mine = yj_history_counts(con)
    direct = con.execute("""
        WITH first AS (SELECT child_id, min(period_start) AS start FROM child_year
                       WHERE proven_offence GROUP BY child_id)
        SELECT count(*) AS children,
               count(*) FILTER (WHERE cy.sen = 'EHCP') AS ehcp,
               count(*) FILTER (WHERE cy.sen = 'SEN support') AS sen_support,
               count(*) FILTER (WHERE cy.excluded_ever) AS excluded_past_or_current
        FROM first JOIN child_year AS cy ON cy.child_id = first.child_id
                                        AND cy.period_start = first.start""").fetchone()
    got = mine.set_index("category")["events"]
    assert mine["population"].iloc[0] == direct[0]
    assert (got["ehcp"], got["sen_support"]) == (direct[1], direct[2])
    assert got["excluded_earlier"] + got["excluded_that_year_only"] == direct[3]
    for measure, part in mine.groupby("measure"):
        assert part["events"].sum() == direct[0], measure      # each split adds up


def test_yj_history_differences_give_published_counts_only(con):
    """Measures are added up from published categories (any SEN = SEN support + EHCP; past or
    current = earlier + that year only), so subtracting one measure from another gives a
    published category, never a true count; no 1 or 2 is shown."""
    table = fu.yj_history(con, ["ethnicity_minor", "sex"])
    for _, part in table.groupby("group"):
        got = part.set_index("measure")["events"]
        children = int(part["population"].iloc[0])
        if got[["sen_any", "sen_support", "ehcp"]].notna().all():
            assert got["sen_any"] == min(got["sen_support"] + got["ehcp"], children)
    assert not table["events"].dropna().astype(int).isin([1, 2]).any()


def test_yj_history_shows_the_strategy_figures(con):
    table = fu.yj_history(con).set_index("measure")
    assert table.loc["excluded_past_or_current", "rate"] >= 50
    assert table.loc["sen_any", "rate"] > 50
    assert "16%" in fu.yj_sentence(table.reset_index())


def test_history_keeps_only_what_a_dataset_records(con):
    table = fu.yj_history(con)
    assert len(fu.supported(table, None)) == len(table)
    kept = fu.supported(table, ["suspension", "proven_offence"])
    assert set(kept["measure"]) == {"excluded_past_or_current", "excluded_before"}


def test_school_followup_is_by_school_and_protected(con):
    table = fu.school_followup(con, years=2, outcomes=["proven_offence"],
                               filters={"school_phase": ["Secondary"]})
    assert set(table["school"]) == {f"Secondary school {c}" for c in "ABCDEFGHIJ"}
    assert not table["events"].dropna().astype(int).isin([1, 2]).any()
