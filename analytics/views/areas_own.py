"""The council's own figures beside DfE's published ones: where the data source is the
synthetic borough or a council's imported returns, the same indicator and year from its own
records, by the same five groups, through the product's disclosure control (cell-key
method and suppression, analytics.views.tables.protected_rri), labelled as the source's own.

They measure something close to, not the same as, DfE's figures: the records count pupils
suspended (a pupil once however often suspended), DfE counts suspensions; and the records'
pupils are those the data hold, not DfE's census headcount. The table says so.
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from analytics.data import areas
from analytics.data.counts import counts
from analytics.data.db import periods as db_periods
from analytics.protect import gate
from analytics.views.benchmark import add_up, regroup
from analytics.views.tables import Options, protected_rri

#: What the source's records count, per indicator, beside what DfE counts.
MEASURES = {"suspension": ("pupils with at least one suspension per 100 pupils",
                           "suspensions per 100 pupils"),
            "permanent_exclusion": ("pupils permanently excluded per 100 pupils",
                                    "permanent exclusions per 100 pupils")}
COLUMN = "ethnicity_5"


def own_figures(con, indicator: str, period: str, options: Options = Options(),
                reference: str = "White") -> pd.DataFrame | None:
    """The source's own rates and RRIs (against `reference`) by the five groups, protected;
    an all-pupils row first with a blank `ethnicity`. None when the source has no records for
    `period` (the notes then say which years it has)."""
    if period not in db_periods(con):
        return None
    local = counts(con, indicator, by=["ethnicity_code"], periods=[period])
    five = regroup(local, "five")
    five = five[five[COLUMN] != "Unknown"]
    opts = replace(options, comparison="reference", reference=((COLUMN, reference),),
                   adjust="none")
    table = protected_rri(five, [COLUMN], [], 100, opts)
    whole = add_up(regroup(local, "five"), []).assign(**{COLUMN: areas.ALL_PUPILS})
    everyone = protected_rri(whole, [COLUMN], [], 100, replace(opts, comparison="overall",
                                                                 reference=()))
    everyone[["rri", "rri_ci_low", "rri_ci_high"]] = pd.NA
    everyone["status"] = everyone["status"].where(
        everyone["status"].str.startswith("suppressed"), "all pupils: rate only")
    out = pd.concat([everyone, table], ignore_index=True).rename(columns={COLUMN: "ethnicity"})
    out = out[["ethnicity", "events", "population", "rate", "rate_ci_low", "rate_ci_high",
               "rri", "rri_ci_low", "rri_ci_high", "status"]]
    out.attrs.update(table.attrs, measure=MEASURES[indicator][0], period=period)
    return gate.publish(out, "areas_own", threshold=options.suppress)


def beside(published: pd.DataFrame, own: pd.DataFrame, source_label: str) -> pd.DataFrame:
    """The published council's rows and the source's own, group by group, with readable
    names: which figure is whose is in every column name."""
    area = published[published["role"] == "area"].set_index("ethnicity")
    mine = own.set_index("ethnicity")
    name = published.attrs["area_name"]
    rows = []
    for group in (areas.ALL_PUPILS,) + areas.GROUPS:
        p = area.loc[group] if group in area.index else None
        o = mine.loc[group] if group in mine.index else None
        rows.append({"group": "All pupils" if group == areas.ALL_PUPILS else group,
                     "published_rate": None if p is None else p["rate"],
                     "published_rri": None if p is None else p["rri"],
                     "published_status": "" if p is None else p["status"],
                     "own_events": None if o is None else o["events"],
                     "own_population": None if o is None else o["population"],
                     "own_rate": None if o is None else o["rate"],
                     "own_rri": None if o is None else o["rri"],
                     "own_status": "" if o is None else o["status"]})
    out = pd.DataFrame(rows)
    indicator = published.attrs["indicator"]
    out.attrs.update(area_name=name, source_label=source_label,
                     own_measure=MEASURES[indicator][0], published_measure=MEASURES[indicator][1])
    return out
