"""Charts of what follows an exclusion: the share of excluded and not-excluded children with
each later outcome, and the youth-justice cohort's history against the strategy's figures."""
from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.outputs.charts import FONT

COHORT_COLOURS = alt.Scale(domain=["Excluded", "Not excluded"], range=["#D55E00", "#0072B2"])


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.astype("Float64"), errors="coerce").astype(float)


def cohort_shares(table: pd.DataFrame, labels: dict[str, str]) -> alt.LayerChart:
    """`table`: a follow-up table (one group): per outcome the excluded children's share and
    the not-excluded children's, with intervals. Suppressed shares are left out."""
    rows = []
    for prefix, cohort in (("", "Excluded"), ("comparison_", "Not excluded")):
        rows.append(pd.DataFrame({
            "outcome": table["outcome"].map(labels).to_numpy(), "cohort": cohort,
            "share": _num(table[f"{prefix}rate"]).to_numpy(),
            "lo": _num(table[f"{prefix}rate_ci_low"]).to_numpy(),
            "hi": _num(table[f"{prefix}rate_ci_high"]).to_numpy(),
            "children": _num(table[f"{prefix}population"]).to_numpy()}))
    df = pd.concat(rows, ignore_index=True).dropna(subset=["share"])
    order = [labels[k] for k in labels]
    y = alt.Y("outcome:N", sort=order, title=None, axis=alt.Axis(labelLimit=260, labelFont=FONT))
    offset = alt.YOffset("cohort:N", scale=alt.Scale(domain=["Excluded", "Not excluded"],
                                                     paddingInner=0.3))
    centred = alt.YOffset("cohort:N", bandPosition=0.5,
                          scale=alt.Scale(domain=["Excluded", "Not excluded"], paddingInner=0.3))
    colour = alt.Color("cohort:N", scale=COHORT_COLOURS,
                       legend=alt.Legend(title=None, orient="top", direction="horizontal",
                                         labelFont=FONT))
    tooltip = [alt.Tooltip("outcome:N", title="Later outcome"), alt.Tooltip("cohort:N", title="Children"),
               alt.Tooltip("share:Q", title="Share (%)", format=".1f"),
               alt.Tooltip("lo:Q", title="CI low", format=".1f"),
               alt.Tooltip("hi:Q", title="CI high", format=".1f"),
               alt.Tooltip("children:Q", title="Children followed", format=",")]
    base = alt.Chart(df).encode(y=y, tooltip=tooltip)
    bars = base.mark_bar(opacity=0.85).encode(
        yOffset=offset, color=colour, x=alt.X("share:Q", title="Children with the outcome (%)"))
    ci = base.mark_rule(color="#222").encode(yOffset=centred, x="lo:Q", x2="hi:Q")
    return alt.layer(bars, ci).properties(height=max(160, 46 * len(order)))


def history_shares(rows: pd.DataFrame, marks: dict[str, float]) -> alt.LayerChart:
    """`rows`: the youth-justice cohort's history for one group (measure, label, rate and
    interval); `marks`: the strategy's figure per measure, drawn as a black tick."""
    df = rows[["measure", "label", "rate", "rate_ci_low", "rate_ci_high"]].copy()
    for col in ("rate", "rate_ci_low", "rate_ci_high"):
        df[col] = _num(df[col])
    df = df.dropna(subset=["rate"])
    df["strategy"] = df["measure"].map(marks)
    order = rows["label"].tolist()
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=300, labelFont=FONT))
    tooltip = [alt.Tooltip("label:N", title="Measure"),
               alt.Tooltip("rate:Q", title="Share (%)", format=".1f"),
               alt.Tooltip("rate_ci_low:Q", title="CI low", format=".1f"),
               alt.Tooltip("rate_ci_high:Q", title="CI high", format=".1f"),
               alt.Tooltip("strategy:Q", title="Strategy figure (%)", format=".1f")]
    base = alt.Chart(df).encode(y=y, tooltip=tooltip)
    centre = alt.Y("label:N", sort=order, title=None, bandPosition=0.5)
    bars = base.mark_bar(color="#0072B2", opacity=0.85).encode(
        x=alt.X("rate:Q", title="Children with a proven offence (%)", scale=alt.Scale(domain=[0, 100])))
    ci = base.mark_rule(color="#222").encode(y=centre, x="rate_ci_low:Q", x2="rate_ci_high:Q")
    tick = base.transform_filter(alt.datum.strategy != None).mark_tick(  # noqa: E711
        color="#000", thickness=3, size=22).encode(x="strategy:Q")
    return alt.layer(bars, ci, tick).properties(height=max(140, 30 * len(order)))
