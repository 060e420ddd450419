"""The borough beside England (or Inner London): each ethnic group's rate against the
benchmark's rate for the same group (the alternate ratio), and the benchmark's own RRI for the
group beside the borough's, so a board sees whether a disparity is local or national.

The borough's counts are regrouped to the benchmark's grouping (the five groups, or DfE's
major groups where the benchmark keeps Chinese apart), because national figures come no finer.
The alternate ratio is rri_table's comparison="benchmark" (the benchmark's rate treated as
known) through the same protection as every view. Where the benchmark measures something else
(suspensions counted as events, children sentenced rather than children with an offence, NEET
or not known), no ratio is computed and the table says why; where it publishes counts without a
population (children in need), shares are set side by side instead.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from analytics import protect
from analytics.data import benchmarks
from analytics.data.counts import count_columns
from analytics.data.ethnicity import codes_of, five_groups, major_of
from analytics.data.reference import ethnicity_table
from analytics.data.synthetic import RECORD_KEYS
from analytics.protect import gate
from analytics.stats.rates import to_float_na
from analytics.stats.rri import rri_table
from analytics.views.tables import Options, protected_rri
from analytics.views.wording import (
    SEX_NOUN,
    capitalise,
    format_number,
    in_sentence,
    rate_subject,
)

#: Columns after the result columns (see docs/benchmarks.md).
COLUMNS = ["benchmark", "benchmark_area", "benchmark_period", "benchmark_events",
           "benchmark_population", "benchmark_rate", "benchmark_rri", "benchmark_rri_ci_low",
           "benchmark_rri_ci_high", "benchmark_status", "share", "benchmark_share", "local_rri",
           "local_rri_ci_low", "local_rri_ci_high", "local_status"]
#: Alternate-ratio columns emptied where the benchmark measures something else.
RATIO_COLUMNS = ["reference_rate", "rri", "rri_ci_low", "rri_ci_high", "p_value", "p_adjusted",
                 "significant", "ci_method", "rate_difference", "rate_difference_ci_low",
                 "rate_difference_ci_high", "excess_events"]
RENAME_MAJOR = {"Any other ethnic group": "Other", "Unclassified": "Unknown"}
REFERENCE_GROUP = "White"


def regroup(counts: pd.DataFrame, grouping: str, column: str = "ethnicity_code") -> pd.DataFrame:
    """Counts by an ethnicity column (DfE codes, or any wording) summed into the benchmark's
    grouping; other group columns are kept. Cell keys, where present, add modulo 256."""
    values = counts[column].astype(str)
    known = values.isin(set(ethnicity_table()["code"])) | values.str.startswith("MAJ:")
    codes = values.where(known, codes_of(values))
    if codes.isna().any():
        raise ValueError(f"unrecognised ethnicity {values[codes.isna()].iloc[0]!r} in {column!r}")
    target = benchmarks.GROUPINGS[grouping]
    group = five_groups(codes) if grouping == "five" else major_of(codes).replace(RENAME_MAJOR)
    sums = count_columns(counts)
    keys = [target] + [c for c in counts.columns if c != column and c not in sums]
    return add_up(counts.assign(**{target: group.to_numpy()}), keys)


def add_up(counts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """A counts table summed over everything but `keys`: counts and sums of squares add, cell
    keys add modulo the key space (the key of a union of disjoint cells)."""
    sums = count_columns(counts)
    out = (counts.groupby(keys, as_index=False)[sums].sum() if keys else
           counts[sums].sum().to_frame().T)
    for col in (c for c in sums if c.endswith("_ckey")):
        out[col] = out[col] % RECORD_KEYS
    return out


def _figures(part: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The benchmark's rows as a table keyed like the borough's."""
    col = keys[0]
    out = part.rename(columns={"group": col})
    return out[keys + ["events", "population", "rate"]].reset_index(drop=True)


def _own_rri(fig: pd.DataFrame, keys: list[str], comparison: str, unit: int,
             options: Options, total_rate) -> pd.DataFrame:
    """The benchmark's RRI of each group: from its counts with the product's engine, or from
    its published rates (no interval), or not at all (counts without a population)."""
    out = fig[keys].copy()
    ref = {keys[0]: REFERENCE_GROUP} if comparison == "reference" else None
    counted = fig["events"].notna().all() and fig["population"].notna().all()
    if counted:
        table = fig[keys + ["events", "population"]].astype({"events": "int64", "population": "int64"})
        res = rri_table(table, keys, comparison=comparison, reference=ref, unit=unit,
                        level=options.level, ci=options.ci, adjust="none",
                        min_population=options.min_population, min_events=options.min_events)
        for a, b in (("rri", "benchmark_rri"), ("rri_ci_low", "benchmark_rri_ci_low"),
                     ("rri_ci_high", "benchmark_rri_ci_high"), ("status", "benchmark_status")):
            out[b] = res[a].to_numpy()
        return out
    rate = fig["rate"].to_numpy(dtype=float, na_value=np.nan)
    status = "published rates, rounded; no interval"
    if np.isnan(rate).all():
        comp, status = np.nan, "not computable: counts without a population (see the shares)"
    elif comparison == "reference":
        is_ref = (fig[keys[0]] == REFERENCE_GROUP).to_numpy()
        if len(keys) > 1:
            ref_rate = fig.assign(_r=rate).loc[is_ref].set_index(keys[1:])["_r"]
            comp = fig.set_index(keys[1:]).index.map(ref_rate).to_numpy(dtype=float)
        else:
            comp = rate[is_ref][0] if is_ref.any() else np.nan
    elif comparison == "overall" and total_rate is not None:
        comp = total_rate
    else:
        comp, status = np.nan, "not computable: the benchmark publishes no rate for the rest"
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(comp > 0, rate / comp, np.nan)
    out["benchmark_rri"] = to_float_na(ratio)
    out["benchmark_rri_ci_low"] = to_float_na(np.full(len(out), np.nan))
    out["benchmark_rri_ci_high"] = to_float_na(np.full(len(out), np.nan))
    out["benchmark_status"] = np.where(np.isnan(ratio), status if "not" in status else
                                       "not computable: no rate for this group or its comparison",
                                       status)
    return out


def _shares(values: pd.Series, groups: pd.Series) -> pd.Series:
    """Each group's share of the events of the groups of known ethnicity (NA if any is
    hidden, since the total would then reveal it)."""
    known = ~groups.isin(["Unknown", "All"])
    v = pd.to_numeric(values, errors="coerce").astype("Float64")
    if v[known].isna().any() or v[known].sum() == 0:
        return pd.Series(pd.NA, index=values.index, dtype="Float64")
    return (v / v[known].sum()).where(known)


def compare(local: pd.DataFrame, outcome: str, periods: list[str], *, benchmark: str = "england",
            by_sex: bool = False, options: Options = Options(), unit: int = 100,
            column: str = "ethnicity_code") -> pd.DataFrame:
    """The borough's counts (by `column`, and sex if `by_sex`) beside the benchmark's figures
    for `outcome`: result columns (rri = the alternate ratio) then COLUMNS. Notes (years,
    measures, groupings, sources) are in attrs["notes"]; totals in attrs["totals"]."""
    part = benchmarks.rows(benchmark, outcome)
    if part.empty:
        raise ValueError(f"no {benchmarks.LABELS[benchmark]} figures for {outcome!r}; there are "
                         f"figures for {', '.join(benchmarks.outcomes(benchmark))}")
    chosen, period_note = benchmarks.match_period(part, list(periods))
    part = part[part["local_period"] == chosen]
    grouping = "five" if (part["grouping"] == "five").any() else "dfe_major"
    if grouping not in set(part["grouping"]):
        raise ValueError(f"the {benchmarks.LABELS[benchmark]} figures for {outcome!r} are not by "
                         "ethnic group")
    key = benchmarks.GROUPINGS[grouping]
    sexes = set(part.loc[part["grouping"] == grouping, "sex"])
    split = by_sex and {"Female", "Male"} <= sexes
    keys = [key] + (["sex"] if split else [])
    by_sex_note = (f"{benchmarks.LABELS[benchmark]} publishes these figures without a split by "
                   "sex, so the groups are not split by sex here." if by_sex and not split else None)
    groups = part[(part["grouping"] == grouping) & (part["sex"].isin(["Female", "Male"])
                                                    if split else part["sex"] == "All")]
    total = part[(part["grouping"] == "total") & (part["group"] == "All") & (part["sex"] == "All")]
    total = total.sort_values("comparable", key=lambda c: c != "yes", kind="stable")
    borough = regroup(local, grouping, column)
    borough = add_up(borough, keys)
    fig = _figures(groups, keys)
    comparable = (groups["comparable"] == "yes").all()
    rates = fig[keys].assign(benchmark_rate=fig["rate"].astype(float)).dropna()
    bm = replace(options, comparison="benchmark", reference=())
    out = protected_rri(borough, keys, [], unit, bm, benchmark=rates if comparable else rates.iloc[:0])
    if not comparable:
        hidden = out["status"].astype(str).str.startswith("suppressed")
        for col in RATIO_COLUMNS:
            out[col] = out[col].astype(out[col].dtype)
            out.loc[~hidden, col] = pd.NA
        reason = groups["comparable"].iloc[0]
        out["status"] = out["status"].where(hidden, "not comparable: " + reason)
    local_cmp = options.comparison if options.comparison in ("overall", "rest", "reference") else "overall"
    local_options = replace(options, comparison=local_cmp,
                            reference=((key, REFERENCE_GROUP),) if local_cmp == "reference" else ())
    mine = protected_rri(borough, keys, [], unit, local_options)
    total_rate = float(total["rate"].iloc[0]) if len(total) and pd.notna(total["rate"].iloc[0]) else None
    own = _own_rri(fig, keys, local_cmp, unit, options, total_rate)
    merged = out.merge(own, on=keys, how="left").merge(
        fig.rename(columns={"events": "benchmark_events", "population": "benchmark_population",
                            "rate": "_rate"}), on=keys, how="left")
    merged["benchmark_rate"] = to_float_na(merged["_rate"].to_numpy(dtype=float, na_value=np.nan) * unit)
    merged["benchmark"] = benchmarks.LABELS[benchmark]
    merged["benchmark_area"] = groups["area"].iloc[0]
    merged["benchmark_period"] = groups["period"].iloc[0]
    merged["share"] = _shares(merged["events"], merged[key]).to_numpy()
    merged["benchmark_share"] = _shares(merged["benchmark_events"], merged[key]).to_numpy()
    for a, b in (("rri", "local_rri"), ("rri_ci_low", "local_rri_ci_low"),
                 ("rri_ci_high", "local_rri_ci_high"), ("status", "local_status")):
        merged[b] = mine[a].to_numpy()
    result = merged[keys + [c for c in out.columns if c not in keys] + COLUMNS]
    src = benchmarks.source(groups["source_id"].iloc[0])
    notes = [n for n in (period_note, by_sex_note) if n]
    if not comparable:
        notes.append(f"No alternate ratio: {groups['comparable'].iloc[0]}.")
    if grouping == "five":
        notes.append("Groups are the five used by national figures: Asian includes Chinese, "
                     "Other includes Arab.")
    notes.append(f"{benchmarks.LABELS[benchmark]} figures: {src['title']}, {src['publisher']}, "
                 f"{groups['period'].iloc[0]} ({groups['measure'].iloc[0]}). {src['caveats']}")
    if groups["note"].notna().any():
        notes.append(capitalise(str(groups["note"].dropna().iloc[0])) + ".")
    ref = (f"{REFERENCE_GROUP} children" if local_cmp == "reference" else
           "all other children" if local_cmp == "rest" else "the area's average")
    result.attrs.update(out.attrs, notes=notes, benchmark=benchmarks.LABELS[benchmark],
                        benchmark_comparison=ref, comparable=bool(comparable),
                        totals=_totals(borough, total, unit, options, comparable),
                        outcome=outcome, periods=list(periods))
    return gate.publish(result, "england", threshold=options.suppress)


def _totals(borough: pd.DataFrame, total: pd.DataFrame, unit: int, options: Options,
            comparable: bool) -> dict:
    """The borough's rate for all children (through protection) and the benchmark's."""
    whole = add_up(borough, []).assign(group="All children")
    shown = protected_rri(whole, ["group"], [], unit, replace(options, comparison="overall"))
    rate = shown["rate"].iloc[0]
    out = {"rate": None if pd.isna(rate) else float(rate), "benchmark_rate": None,
           "comparable": bool(comparable)}
    if len(total) and pd.notna(total["rate"].iloc[0]):
        out["benchmark_rate"] = float(total["rate"].iloc[0]) * unit
        out["comparable"] = bool(total["comparable"].iloc[0] == "yes")
        out["measure"] = str(total["measure"].iloc[0])
    return out


def national(outcome: str, benchmark: str = "england", options: Options = Options()) -> pd.DataFrame:
    """A benchmark's own figures for an outcome the borough has no counterpart for (arrests,
    stop and search, the custody population): rates and RRIs from its counts where it
    publishes a population, shares where it does not; latest period."""
    part = benchmarks.rows(benchmark, outcome)
    latest = benchmarks.periods(part)[-1]
    part = part[(part["local_period"] == latest) & (part["grouping"] == "five") & (part["sex"] == "All")]
    fig = _figures(part, ["ethnicity_5"])
    unit = 10_000 if "10,000" in str(part["rate_unit"].iloc[0]) else 100
    own = _own_rri(fig, ["ethnicity_5"], options.comparison if options.comparison != "benchmark"
                   else "reference", unit, options, None)
    out = fig.merge(own, on="ethnicity_5")
    out["rate"] = to_float_na(out["rate"].to_numpy(dtype=float, na_value=np.nan) * unit)
    out["share"] = _shares(out["events"], out["ethnicity_5"]).to_numpy()
    src = benchmarks.source(part["source_id"].iloc[0])
    out.attrs.update(unit=unit, period=part["period"].iloc[0], area=part["area"].iloc[0],
                     measure=part["measure"].iloc[0],
                     notes=[f"{src['title']}, {src['publisher']}. {src['caveats']}",
                            capitalise(str(part["comparable"].iloc[0])) + "."])
    return gate.publish(protect.as_published(out, publisher=src["publisher"]), "national",
                        threshold=options.suppress)


def group_name(value: str, sex: str | None = None) -> str:
    """A five-group row as a sentence names it: "Black boys", "children of other ethnic
    groups" (the words of analytics.views.wording)."""
    noun = SEX_NOUN.get(sex, "children") if sex else "children"
    return f"{noun} of other ethnic groups" if value == "Other" else f"{value} {noun}"


def sentences(table: pd.DataFrame, noun: str, level: float = 0.95) -> list[str]:
    """Plain sentences for a comparison: the alternate ratio where there is one, and the two
    areas' own RRIs side by side (never "nan"; hidden or missing figures are left out)."""
    key = next(c for c in table.columns if c in benchmarks.GROUPINGS.values())
    area = table.attrs.get("benchmark", "England")
    against = table.attrs.get("benchmark_comparison", "the area's average")
    than = against if against.startswith("the area's") else f"the rate for {against}"
    out = []
    for row in table.to_dict("records"):
        if str(row[key]).startswith("Unknown"):
            continue
        group = group_name(row[key], row.get("sex"))
        if not _missing(row.get("rri")):
            ci = ("" if _missing(row.get("rri_ci_low")) or _missing(row.get("rri_ci_high")) else
                  f" ({level:.0%} CI {format_number(row['rri_ci_low'])} to "
                  f"{format_number(row['rri_ci_high'])})")
            low = " Numbers are low: read with care." if str(row["status"]).startswith("low") else ""
            out.append(f"{capitalise(rate_subject(noun, group))} in the borough is "
                       f"{format_number(row['rri'])} times {area}'s rate for {in_sentence(group)}"
                       f"{ci}.{low}")
        if not _missing(row.get("local_rri")) and not _missing(row.get("benchmark_rri")):
            low = (" Numbers in the borough are low."
                   if str(row["local_status"]).startswith("low") else "")
            out.append(f"{capitalise(rate_subject(noun, group))} is "
                       f"{format_number(row['local_rri'])} times {than} in the borough and "
                       f"{format_number(row['benchmark_rri'])} times in {area}.{low}")
    return out


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and not np.isfinite(v))
