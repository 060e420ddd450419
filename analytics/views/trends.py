"""The computations behind the trends page: one outcome over every period, counts -> optional
pooling of consecutive periods -> RRI per period -> disclosure control; then persistence, the
groups drawn by default and the sentences the charts' titles state.

No Streamlit here: the page reads the (cached) counts and calls these functions.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.data.cohorts import profile_cohorts
from analytics.data.counts import counts as count_table
from analytics.data.counts import window_label
from analytics.data.db import periods as all_periods
from analytics.data.reference import ethnicity_table
from analytics.data.reference import outcome as get_outcome
from analytics.protect import gate
from analytics.stats.trends import period_positions, persistence, pool_periods
from analytics.views.tables import Options, protected_rri
from analytics.views.wording import (
    capitalise,
    format_number,
    group_labels,
    in_sentence,
    rate_of,
    rate_phrase,
    rate_subject,
)

__all__ = ["trend_from_counts", "trend_table", "comparison_rates", "periods_in_order",
           "section_groups", "default_groups", "drawable", "persistent_groups",
           "rri_trend_finding", "rate_finding", "short_period", "spans", "trend_windows"]

ETHNICITY_LEVELS = ("ethnicity_code", "ethnicity_minor", "ethnicity_major")
#: Ethnicity values that are not an ethnic group (refused, not obtained): never drawn by default.
UNRECORDED = {"Unclassified", "REFU", "NOBT"}
_ETHNICITY_SOURCE = {"ethnicity_code": "code", "ethnicity_minor": "minor_group",
                     "ethnicity_major": "major_group"}


def trend_windows(periods, pool: int) -> dict[str, list[str]]:
    """Every window of `pool` consecutive periods ({label: periods}, in time order); only
    complete windows (no gap). Labels as `analytics.data.counts.window_label`."""
    labels, pos = period_positions(periods)
    pool = int(pool)
    out = {}
    for i in range(len(labels) - pool + 1):
        if pos[i + pool - 1] - pos[i] == pool - 1:
            window = labels[i:i + pool]
            out[window_label(window)] = window
    return out


def trend_from_counts(table: pd.DataFrame, breakdown, unit: int, options: Options = Options(),
                      pool: int = 1, windowed: bool = False) -> pd.DataFrame:
    """RRI per period (or per window of `pool` consecutive periods) from a counts table with
    the breakdown columns, `period`, `events` and `population`; disclosure control applied per
    period, and a readable `group` label added. Rows in time order, then group order.

    `windowed`: the table already has a row per window (from the database, with the per-child
    sums that make pooled intervals honest). Otherwise (a user's aggregate table) the periods
    are summed here, which cannot tell the same child in several periods apart."""
    breakdown = list(breakdown)
    pool = int(pool)
    if pool > 1 and not windowed:
        table = pool_periods(table, pool, group_cols=breakdown)
    result = protected_rri(table, breakdown, ["period"], unit, options)
    attrs = dict(result.attrs)
    labels, _ = period_positions(result["period"]) if len(result) else ([], None)
    result["period"] = result["period"].astype(str)
    result["_order"] = pd.Index(labels).get_indexer(result["period"])
    result = result.sort_values(["_order"] + breakdown, kind="stable").drop(columns="_order")
    result = result.reset_index(drop=True)
    result["group"] = group_labels(result, breakdown)
    result.attrs = {**attrs, "pooled_periods": pool, "breakdown": breakdown,
                    "period_order": list(labels)}
    return gate.publish(result, "trends", threshold=options.suppress, keys=breakdown)


def trend_table(con, outcome: str, breakdown, filters: dict | None = None,
                options: Options = Options(), pool: int = 1, periods=None) -> pd.DataFrame:
    """One outcome by the breakdown in every period (or `periods`), pooled over `pool`
    consecutive periods, as an RRI table per period with disclosure control."""
    spec = get_outcome(outcome)
    windows = trend_windows(periods or all_periods(con), pool)
    table = count_table(con, outcome, by=list(breakdown), windows=windows, filters=filters)
    out = trend_from_counts(table, breakdown, int(spec["unit"]), options, pool, windowed=True)
    out.attrs.update(outcome=outcome, filters=dict(filters or {}))
    return out


def comparison_rates(table: pd.DataFrame) -> pd.DataFrame:
    """The borough-average rate per period (period, rate) when every group is compared with
    the borough average; empty otherwise. Read from the published comparison rates, so a
    period whose comparison is suppressed has none."""
    if table.attrs.get("comparison") != "overall" or table.empty:
        return pd.DataFrame({"period": pd.Series(dtype=str), "rate": pd.Series(dtype=float)})
    ref = table[table["reference_rate"].notna()]
    out = ref.groupby("period", sort=False)["reference_rate"].first().astype(float)
    order = [p for p in periods_in_order(table) if p in out.index]
    return pd.DataFrame({"period": order, "rate": out.reindex(order).to_numpy()})


def periods_in_order(table: pd.DataFrame) -> list[str]:
    """The table's periods in time order."""
    if "period_order" in table.attrs:
        present = set(table["period"].astype(str))
        return [p for p in table.attrs["period_order"] if p in present]
    return period_positions(table["period"])[0]


# --------------------------------------------------------------------------
# which groups to draw
# --------------------------------------------------------------------------

def section_groups(breakdown) -> list[str]:
    """The section 5.4 groups as labelled at this breakdown ("Black Caribbean boys" by DfE code
    or minor group, "Black boys" by major group, "Black Caribbean" without the sex split).
    Only cohorts defined by ethnicity and sex alone can be drawn as a group of the breakdown."""
    breakdown = list(breakdown)
    level = next((c for c in breakdown if c in ETHNICITY_LEVELS), None)
    if level is None or any(c not in ETHNICITY_LEVELS + ("sex",) for c in breakdown):
        return []
    eth = ethnicity_table().set_index("code")
    rows = []
    for cohort in profile_cohorts():
        where = cohort.where
        if (cohort.flags_all or cohort.flags_any or cohort.age
                or "ethnicity_code" not in where or set(where) - {"ethnicity_code", "sex"}):
            continue
        sexes = where.get("sex", ["Female", "Male"])
        for code in where["ethnicity_code"]:
            value = eth.loc[code, _ETHNICITY_SOURCE[level]] if level != "ethnicity_code" else code
            for sex in sexes:
                rows.append({level: value, "sex": sex})
    if not rows:
        return []
    labels = group_labels(pd.DataFrame(rows), breakdown)
    return list(dict.fromkeys(labels))


def drawable(table: pd.DataFrame) -> pd.Series:
    """Rows whose RRI can be drawn on a log scale: not suppressed, an RRI above zero."""
    status = table["status"].astype("string").fillna("")
    rri = table["rri"].astype("Float64")
    return (~status.str.startswith("suppressed") & rri.notna() & (rri > 0)).fillna(False) \
        .astype(bool)


def default_groups(table: pd.DataFrame, breakdown, k: int = 4, limit: int = 6) -> list[str]:
    """Groups to draw before the reader chooses: the section 5.4 groups with something to draw,
    then the groups with the largest significant RRIs above 1 until there are `k` (never more
    than `limit`). A table with periods ranks by its latest period first, then any period.
    Children whose ethnicity is not recorded are not a group to draw by default."""
    recorded = pd.Series(True, index=table.index)
    for col in breakdown:
        if col in ETHNICITY_LEVELS:
            recorded &= ~table[col].astype(str).isin(UNRECORDED)
    ok = table[drawable(table) & recorded]
    present = set(ok["group"])
    chosen = [g for g in section_groups(breakdown) if g in present][:limit]
    sig = ok[ok["significant"].astype("boolean").fillna(False).astype(bool)
             & ok["status"].astype(str).eq("ok") & (ok["rri"].astype(float) > 1)]
    ranked = sig.sort_values("rri", ascending=False)
    if "period" in sig.columns and len(sig):
        latest = periods_in_order(table)[-1]
        ranked = pd.concat([ranked[ranked["period"] == latest], ranked])
    for g in ranked["group"]:
        if len(chosen) >= min(k, limit):
            break
        if g not in chosen:
            chosen.append(g)
    if not chosen:   # nothing can be drawn: name the section 5.4 groups all the same
        chosen = [g for g in section_groups(breakdown) if g in set(table["group"])][:limit]
    return chosen


# --------------------------------------------------------------------------
# persistence
# --------------------------------------------------------------------------

def persistent_groups(table: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """Groups significantly disproportionate, on the same side of 1, in each of the latest `n`
    periods of a `trend_table`; for pooled windows, in `n` windows that do not overlap (each
    `pooled_periods` apart), since overlapping windows share most of their children.

    One row per group: group, direction ("higher"/"lower"), periods (how many such periods
    or windows the run has lasted, at least `n`), since (its first), the latest rri and its
    interval, and run_rris (the RRIs of the latest `n`, oldest first, as text).
    Sorted: higher first, then by latest RRI furthest from 1."""
    columns = ["group", "direction", "periods", "since", "rri", "rri_ci_low", "rri_ci_high",
               "run_rris"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    flagged = persistence(table, n=n)
    step = flagged.attrs["persistence_step"]
    order = periods_in_order(flagged)
    labels, pos = period_positions(order)
    position = dict(zip(labels, pos))
    latest = order[-1]
    aligned = {p for p in order if (position[latest] - position[p]) % step == 0}
    rows = []
    for group, part in flagged.groupby("group", sort=False):
        part = part[part["period"].isin(aligned)]
        part = part.assign(_pos=part["period"].map(position)).sort_values("_pos")
        last = part.iloc[-1]
        if last["period"] != latest or not bool(last["persistent"]):
            continue
        direction = str(last["persistent_direction"])
        sig = part["significant"].astype("boolean").fillna(False).to_numpy(bool)
        rri = part["rri"].astype("Float64").fillna(1.0).to_numpy(float)
        same = sig & ((rri > 1) if direction == "higher" else (rri < 1))
        p = part["_pos"].to_numpy()
        run = 1
        while (run < len(part) and same[-run - 1] and p[-run] - p[-run - 1] == step):
            run += 1
        rows.append({
            "group": group, "direction": direction, "periods": run,
            "since": part["period"].iloc[-run],
            "rri": float(last["rri"]), "rri_ci_low": float(last["rri_ci_low"]),
            "rri_ci_high": float(last["rri_ci_high"]),
            "run_rris": ", ".join(f"{v:.2f}" for v in rri[-n:]),
        })
    out = pd.DataFrame(rows, columns=columns)
    if len(out):
        out["_far"] = np.abs(np.log(out["rri"].astype(float)))
        out["_dir"] = out["direction"].ne("higher")
        out = out.sort_values(["_dir", "_far"], ascending=[True, False]) \
            .drop(columns=["_far", "_dir"]).reset_index(drop=True)
        out["periods"] = out["periods"].astype("int64")
    out.attrs = {"persistence_periods": n, "latest": latest}
    return out


# --------------------------------------------------------------------------
# findings
# --------------------------------------------------------------------------

def _others(k: int) -> str:
    return "" if k == 0 else f" (and {k} other group{'s' if k > 1 else ''})"


def spans(k: int, pool: int) -> str:
    """"3 years" / "3 separate 3-year periods"."""
    if pool <= 1:
        return f"{k} year" + ("s" if k != 1 else "")
    return f"{k} separate {pool}-year period" + ("s" if k != 1 else "")


def rri_trend_finding(persistent: pd.DataFrame, groups, noun: str, comparison_label: str,
                      n: int, pool: int = 1) -> str:
    """Title of the RRI chart: the longest persistent disproportion among the groups drawn
    (`pool`: years per window, so that the title says what a 'period' was)."""
    shown = persistent[persistent["group"].isin(list(groups))]
    if shown.empty:
        return (f"No group shown has had a {rate_of(noun)} significantly different from "
                f"{rate_phrase(comparison_label)} in each of the last {spans(n, pool)}")
    high = shown[shown["direction"] == "higher"]
    pick = high if len(high) else shown
    top = pick.sort_values(["periods", "rri"], ascending=[False, not len(high)]).iloc[0]
    side = "above" if top["direction"] == "higher" else "below"
    return (f"{capitalise(rate_subject(noun, top['group']))} has been significantly {side} "
            f"{rate_phrase(comparison_label)} in each of the last {spans(int(top['periods']), pool)}"
            + _others(len(pick) - 1))


def short_period(label: str) -> str:
    """"2015/16 to 2017/18" -> "2015/16-17/18" (axes and titles); single periods unchanged."""
    a, sep, b = str(label).partition(" to ")
    return f"{a}-{b[2:]}" if sep and len(b) > 2 else str(label)


def rate_finding(table: pd.DataFrame, groups, noun: str, unit_text: str) -> str:
    """Title of the rates chart: the group with the highest latest rate among the groups
    drawn, and how that group's own rate has changed since its first published rate."""
    part = table[table["group"].isin(list(groups)) & table["rate"].notna()]
    order = periods_in_order(table)
    if part.empty or not order:
        return f"No {rate_of(noun)} can be shown for the groups chosen"
    latest = order[-1]
    now = part[part["period"] == latest]
    if now.empty:
        return f"No {rate_of(noun)} can be shown for the groups chosen in {short_period(latest)}"
    top = now.loc[now["rate"].astype(float).idxmax()]
    # One subject, one period per clause: which group is highest now, then how its own
    # rate has moved ("down from 20.9" alone read as the highest rate falling).
    text = (f"Of the groups shown, {in_sentence(top['group'])} had the highest {rate_of(noun)} in "
            f"{short_period(latest)}: {format_number(top['rate'])} {unit_text}")
    mine = part[part["group"] == top["group"]]
    mine = mine.assign(_o=pd.Index(order).get_indexer(mine["period"])).sort_values("_o")
    first = mine.iloc[0]
    if first["period"] != latest:
        a, b = format_number(first["rate"]), format_number(top["rate"])
        when = short_period(first["period"])
        if a == b:
            text += f", the same as their own rate in {when}"
        else:
            move = "up" if float(top["rate"]) > float(first["rate"]) else "down"
            text += f", {move} from their own rate of {a} in {when}"
    return text
