"""How the attack suite gets each declared output (data/reference/outputs.toml) from a
database, in the protected and the secure setting alike: one runner per output, returning
the table and the column holding the count it publishes for each row. tests/test_attacks.py
fails when an output is declared without a runner here, so a new output is attacked the day
it is declared."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from analytics.data.db import periods as all_periods
from analytics.views.tables import Options

#: Outcomes attacked: rare and common, children and events, pupils and the youth-justice
#: cohort (every outcome would take minutes; these cover each kind of denominator).
OUTCOMES = ["permanent_exclusion", "suspension", "custody", "neet", "cin", "first_time_entrant"]
GROUPS = ["ethnicity_minor", "sex"]


def _latest(con, n: int = 1) -> list[str]:
    return all_periods(con)[-n:]


def rri(con, options: Options):
    from analytics.views.tables import rri_for_outcome
    for outcome in OUTCOMES:
        yield rri_for_outcome(con, outcome, GROUPS, _latest(con), options=options), "events"


def rri_matrix(con, options: Options):
    from analytics.views.tables import rri_matrix as matrix
    yield matrix(con, GROUPS, _latest(con), options=options), "events"


def isr(con, options: Options):
    from analytics.views.adjusted import isr_for_outcome
    for outcome in OUTCOMES[:3]:
        yield isr_for_outcome(con, outcome, GROUPS, ["fsm_status", "sen_status"],
                              _latest(con, 3), options=options), "observed"


def explain(con, options: Options):
    from analytics.views.adjusted import explain_table
    for outcome in OUTCOMES[:3]:
        yield explain_table(con, outcome, GROUPS, _latest(con, 3),
                            ["fsm_status", "sen_status", "care_status"],
                            options=replace(options, comparison="overall")), "events"


RUNNERS = {"rri": rri, "rri_matrix": rri_matrix, "isr": isr, "explain": explain}


def tables(name: str, con, options: Options) -> list[tuple[pd.DataFrame, str]]:
    return list(RUNNERS[name](con, options))
