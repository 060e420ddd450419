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


def followup(con, options: Options):
    from analytics.views.followup import followup_table, school_followup
    for outcome in ("proven_offence", "custody"):
        yield followup_table(con, ["ethnicity_major", "sex"], None, years=2, outcomes=[outcome],
                             options=options), "events"
    yield school_followup(con, None, years=2, outcomes=["proven_offence"],
                          options=options), "events"


def yj_history(con, options: Options):
    from analytics.views.followup import yj_history as history
    yield history(con, ["ethnicity_major", "sex"], options=options), "events"


def profile(con, options: Options):
    from analytics.data.cohorts import profile_cohorts
    from analytics.views.profiles import profile as one
    for cohort in profile_cohorts():
        yield one(con, cohort, _latest(con, 3), suppress=options.suppress), "events"


def trends(con, options: Options):
    from analytics.views.trends import trend_table
    for outcome in OUTCOMES[:3]:
        yield trend_table(con, outcome, ["ethnicity_major", "sex"], options=options), "events"


def schools(con, options: Options):
    from analytics.views.schools import school_table
    for outcome in ("suspension", "permanent_exclusion"):
        yield school_table(con, outcome, "Secondary", _latest(con), options=options), "events"


def national(con, options: Options):
    from analytics.views.benchmark import national as figures
    yield figures("permanent_exclusion", options=options), "events"


def england(con, options: Options):
    from analytics.data.counts import counts
    from analytics.views.benchmark import compare
    for outcome in ("permanent_exclusion", "suspension"):
        local = counts(con, outcome, by=["ethnicity_code", "sex"], periods=_latest(con))
        yield compare(local, outcome, _latest(con), by_sex=True, options=options, unit=100,
                      column="ethnicity_code"), "events"


def claims(con, options: Options):
    from analytics.views.claims import evaluate_all, load_claims
    table = evaluate_all(con, options=options)
    # A claim's figure is a count of children for these kinds (a rank or a ratio otherwise):
    # those are the targets; every figure and text of every claim is still attacked.
    kind = table["claim_id"].map(load_claims().set_index("claim_id")["comparison"])
    counted = kind.isin(["count", "largest_share"]).to_numpy()
    events = pd.to_numeric(table["value"], errors="coerce").where(counted)
    yield table.assign(events=events), "events"


def rri_census(con, options: Options):
    from analytics.data import population as pop
    from analytics.data.counts import counts
    from analytics.views.denominators import AGE_BANDS, ages_for, paired_rri
    census = pop.load("census2021_borough")
    for outcome in ("custody", "first_time_entrant", "proven_offence"):
        low, high, _ = ages_for(outcome, census)
        bands = AGE_BANDS[(low, high)]
        events = counts(con, outcome, by=["ethnicity_code"], periods=_latest(con),
                        filters={"age_band": bands} if bands else None)
        yield paired_rri(events, outcome, _latest(con), census, options=options), "events"


def population(con, options: Options):
    from analytics.views.borough import children
    yield children(con, GROUPS, _latest(con), threshold=options.suppress), "population"
    yield children(con, ["ethnicity_minor", "age_band"], _latest(con),
                   threshold=options.suppress), "population"


def outcome_totals(con, options: Options):
    from analytics.views.borough import outcome_totals as totals
    yield totals(con, threshold=options.suppress), "events"


def areas_own(con, options: Options):
    from analytics.views.areas_own import own_figures
    for indicator in ("permanent_exclusion", "suspension"):
        yield own_figures(con, indicator, _latest(con)[0], options), "events"


def areas(con, options: Options):
    """DfE's published council figures: public already, listed but not attacked."""
    from analytics.data import areas as data
    from analytics.views.areas import area_table
    yield area_table(data.figures([]), "Islington", "permanent_exclusion", "2024/25"), "events"


RUNNERS = {"rri": rri, "rri_matrix": rri_matrix, "isr": isr, "explain": explain,
           "followup": followup, "yj_history": yj_history, "profile": profile,
           "trends": trends, "schools": schools, "national": national, "england": england,
           "claims": claims, "rri_census": rri_census, "population": population,
           "outcome_totals": outcome_totals, "areas_own": areas_own, "areas": areas}


def tables(name: str, con, options: Options) -> list[tuple[pd.DataFrame, str]]:
    return list(RUNNERS[name](con, options))
