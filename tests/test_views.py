"""The shared view computations: the one-pass matrix equals the per-outcome tables."""
from __future__ import annotations

import pandas as pd
import pytest

from analytics.data.db import periods
from analytics.views.tables import (
    Options,
    rri_for_aggregate,
    rri_for_outcome,
    rri_matrix,
)


def test_matrix_equals_each_outcome_alone(con):
    ps = periods(con)[-3:]
    options = Options(comparison="rest", adjust="bh", level=0.9)
    matrix = rri_matrix(con, ["ethnicity_major", "sex"], ps, options=options, by_period=True)
    keys = ["ethnicity_major", "sex", "period"]
    for outcome in ("custody", "suspension", "cpp_given_cin", "neet"):
        alone = rri_for_outcome(con, outcome, ["ethnicity_major", "sex"], ps, options=options,
                                by_period=True).sort_values(keys).reset_index(drop=True)
        part = (matrix[matrix["outcome"] == outcome].drop(columns="outcome")
                .sort_values(keys).reset_index(drop=True))
        pd.testing.assert_frame_equal(alone, part[alone.columns], check_dtype=False)


def test_rates_are_per_the_outcome_unit(con):
    matrix = rri_matrix(con, ["sex"], periods(con)[-1:], outcomes=["custody", "suspension"])
    custody = matrix[matrix["outcome"] == "custody"].iloc[0]
    suspension = matrix[matrix["outcome"] == "suspension"].iloc[0]
    assert custody["rate"] == custody["events"] / custody["population"] * 10_000
    assert suspension["rate"] == suspension["events"] / suspension["population"] * 100


def test_aggregate_view_filters_outcome_and_period():
    table = pd.DataFrame({"ethnicity": ["A", "B", "A", "B"], "outcome": ["x", "x", "y", "y"],
                          "period": ["2023/24"] * 4, "events": [10, 30, 5, 5],
                          "population": [100, 100, 50, 50]})
    result = rri_for_aggregate(table, outcome="x", period="2023/24",
                               options=Options(comparison="reference", reference=(("ethnicity", "A"),),
                                               suppress=0))
    assert list(result["ethnicity"]) == ["A", "B"]
    assert float(result.loc[1, "rri"]) == pytest.approx(3.0)
