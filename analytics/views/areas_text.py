"""The words of "How we compare": plain sentences about a council beside its neighbours,
regions and England, its rank with its rank interval and its place on the funnel, in the
style of the other pages (analytics.views.wording). Never "nan" or "inf": a missing figure
is left out or said to be missing, with why."""
from __future__ import annotations

import math

import pandas as pd

from analytics.data import areas
from analytics.views.areas import ordinal
from analytics.views.wording import capitalise, format_number

GROUP_NOUN = {"Other": "pupils of other ethnic groups"}
POSITION_TEXT = {
    "above 99.8% limit": "above the 99.8% limit: a ratio this high would arise by chance in "
                         "fewer than 1 in 1,000 councils whose true ratio is England's",
    "above 95% limit": "above the 95% limit but within the 99.8% limit: a warning, not "
                       "conclusive on its own",
    "within limits": "within the limits: no different from England's beyond what chance "
                     "explains",
    "below 95% limit": "below the 95% limit but within the 99.8% limit: lower than "
                       "England's, a warning, not conclusive on its own",
    "below 99.8% limit": "below the 99.8% limit: lower than England's by more than chance "
                         "would explain",
}
#: Regions read with "the" ("in the North East"); London's are names.
WITH_THE = ("North", "South", "East", "West", "Yorkshire")


def pupils(group: str) -> str:
    """"Black pupils", "pupils of other ethnic groups", "all pupils"."""
    if group == areas.ALL_PUPILS:
        return "all pupils"
    return GROUP_NOUN.get(group, f"{group} pupils")


def place(name: str) -> str:
    """"the North East", "Inner London", "England"."""
    return f"the {name}" if str(name).startswith(WITH_THE) else str(name)


def number(v) -> str:
    """A rate or ratio for a sentence: one decimal place from 1 up, two significant figures
    below (0.13, 0.069), so small rates keep their size."""
    v = float(v)
    return format_number(v) if v == 0 or abs(v) >= 1 else f"{v:.2g}"


def _has(v) -> bool:
    return v is not None and v is not pd.NA and not (isinstance(v, float) and not math.isfinite(v))


def _row(table: pd.DataFrame, code: str, group: str):
    part = table[(table["la_code"] == code) & (table["ethnicity"] == group)]
    return None if part.empty else part.iloc[0]


def _ci(row, level: float) -> str:
    if not (_has(row["rri_ci_low"]) and _has(row["rri_ci_high"])):
        return ""
    return (f" ({level:.0%} CI {number(row['rri_ci_low'])} to "
            f"{number(row['rri_ci_high'])})")


def ratio_sentence(table: pd.DataFrame, group: str) -> str:
    """The council's RRI for `group`: "In Islington, the suspension rate of Black pupils was
    11.4 suspensions per 100 pupils, 1.2 times the rate of White pupils (95% CI 1.0 to 1.5)."""
    a = table.attrs
    spec = areas.INDICATORS[a["indicator"]]
    row = _row(table, a["area_code"], group)
    where = f"In {a['area_name']}, {a['period']}"
    status = "" if row is None else str(row["status"])
    if row is None or status.startswith("not published"):
        return f"{where}: DfE publishes no {spec['counts']} figures for {pupils(group)}."
    rate = (f"the {spec['noun']} rate of {pupils(group)} was {number(row['rate'])} "
            f"{spec['unit']}")
    if status.startswith("not computable"):
        return f"{where}, {rate}; it cannot be compared with {pupils(a['reference'])}: " \
               f"{status.partition(': ')[2]}."
    if status == "reference":
        return f"{where}, {rate} ({pupils(group)} are the reference group)."
    low = (" Numbers are low: read with care." if status.startswith("low numbers") else "")
    return (f"{where}, {rate}, {number(row['rri'])} times the rate of "
            f"{pupils(a['reference'])}{_ci(row, a['level'])}.{low}")


def beside_sentence(table: pd.DataFrame, group: str) -> str | None:
    """The same ratio in the neighbours, regions and England."""
    a = table.attrs
    nb = table[(table["role"] == "neighbour") & (table["ethnicity"] == group)
               & table["status"].str.startswith(("ok", "low numbers"))]
    parts = []
    if len(nb):
        lo, hi = nb.loc[nb["rri"].astype(float).idxmin()], nb.loc[nb["rri"].astype(float).idxmax()]
        mine = _row(table, a["area_code"], group)
        higher = ""
        if mine is not None and _has(mine["rri"]) and str(mine["status"]).startswith(("ok", "low")):
            above = int((nb["rri"].astype(float) < float(mine["rri"])).sum())
            higher = (f"; {a['area_name']}'s is higher than {above} of the "
                      f"{len(nb)} neighbours with a ratio")
        parts.append(f"among its ten statistical neighbours the ratio ranges from "
                     f"{number(lo['rri'])} ({lo['la_name']}) to "
                     f"{number(hi['rri'])} ({hi['la_name']}){higher}")
    others = [r for _, r in table[table["role"].isin(["region", "england"])
                                   & (table["ethnicity"] == group)].iterrows()
              if _has(r["rri"])]
    if others:
        parts.append("it is " + ", ".join(f"{number(r['rri'])} in {place(r['la_name'])}"
                                          for r in others))
    return capitalise("; ".join(parts)) + "." if parts else None


def rank_sentence(table: pd.DataFrame, group: str) -> str | None:
    """"Islington ranks 27th of 151 councils on this ratio (95% rank interval 21st to 36th):
    councils whose places fall in that range cannot be told apart from it.\""""
    a = table.attrs
    row = _row(table, a["area_code"], group)
    if row is None or not _has(row["rank"]):
        return None
    ranked = table[(table["ethnicity"] == group) & table["rank"].notna()
                   & ~table["role"].isin(["region", "england"])]
    what = ("rate" if group in (a["reference"], areas.ALL_PUPILS)
            else f"ratio for {pupils(group)}")
    total = ranked["la_code"].nunique() if a.get("compare") == "all" else None
    of = f" of {total}" if total else ""
    return (f"{a['area_name']} ranks {ordinal(row['rank'])}{of} councils on this {what} "
            f"(1st = highest; {a['level']:.0%} rank interval {ordinal(row['rank_ci_low'])} to "
            f"{ordinal(row['rank_ci_high'])}): places within that range cannot be told apart "
            "by chance alone.")


def funnel_sentence(points: pd.DataFrame, area_code: str) -> str | None:
    """Where the council lies on the funnel against England's ratio."""
    mine = points[points["la_code"] == area_code]
    if mine.empty or not _has(points.attrs.get("target")):
        return None
    row = mine.iloc[0]
    drawn = int((points["position"] != "not computable").sum())
    beyond = int((points["position"] == "above 99.8% limit").sum())
    target = (f"England's ratio of {number(points.attrs['target'])} for "
              f"{pupils(points.attrs['group'])}")
    if row["position"] == "not computable":
        return (f"{row['la_name']} is not on the funnel against {target}: its ratio cannot be "
                f"computed ({str(row['status']).partition(': ')[2] or row['status']}).")
    return (f"Against {target}, {row['la_name']} lies {POSITION_TEXT[row['position']]}. "
            f"{beyond} of the {drawn} councils on the funnel lie above the 99.8% limit.")


def all_pupils_sentence(table: pd.DataFrame) -> str | None:
    """The council's rate for all pupils beside its regions and England, in the strategy's
    terms ("higher than the Inner London and England averages")."""
    a = table.attrs
    spec = areas.INDICATORS[a["indicator"]]
    mine = _row(table, a["area_code"], areas.ALL_PUPILS)
    if mine is None or not _has(mine["rate"]):
        return None
    others = [r for _, r in table[table["role"].isin(["region", "england"])
                                   & (table["ethnicity"] == areas.ALL_PUPILS)].iterrows()
              if _has(r["rate"])]
    words = []
    for r in others:
        if float(mine["rate_ci_low"]) > float(r["rate"]):
            side = "higher than"
        elif float(mine["rate_ci_high"]) < float(r["rate"]):
            side = "lower than"
        else:
            side = "no different from"
        words.append(f"{side} {place(r['la_name'])}'s {number(r['rate'])}")
    return (f"All pupils: {number(mine['rate'])} {spec['unit']} in {a['area_name']} "
            f"({a['level']:.0%} CI {number(mine['rate_ci_low'])} to "
            f"{number(mine['rate_ci_high'])}), " + ", ".join(words) + ".")


def findings(table: pd.DataFrame, group: str, points: pd.DataFrame | None = None) -> list[str]:
    """The page's and the board summary's sentences, most important first."""
    lines = [ratio_sentence(table, group), beside_sentence(table, group),
             rank_sentence(table, group)]
    if points is not None:
        lines.append(funnel_sentence(points, table.attrs["area_code"]))
    lines.append(all_pupils_sentence(table))
    return [line for line in lines if line]


def chart_title(table: pd.DataFrame, group: str) -> str:
    """A finding as a chart title: the council's ratio beside England's."""
    a = table.attrs
    spec = areas.INDICATORS[a["indicator"]]
    mine = _row(table, a["area_code"], group)
    eng = _row(table, areas.ENGLAND_CODE, group)
    if mine is None or not _has(mine["rri"]) or eng is None or not _has(eng["rri"]):
        return f"{spec['label']}: {pupils(group)} against {pupils(a['reference'])}"
    return (f"{a['area_name']}: the {spec['noun']} rate of {pupils(group)} is "
            f"{number(mine['rri'])} times that of {pupils(a['reference'])}; in England, "
            f"{number(eng['rri'])} times")
