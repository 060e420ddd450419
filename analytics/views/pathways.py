"""Pathways: the decision points a child passes through (data/reference/pathways.toml), and
where along a pathway a group's disproportionality arises.

Each stage after the first is a stage-to-stage rate (custody among children with a proven
offence), so its RRI measures the disproportion added at that decision alone: a group
over-represented among offenders but sentenced to custody at the same rate as other
offenders has a large RRI at "proven offence" and an RRI near 1 at "custody among offenders".
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analytics.data.reference import REFERENCE, outcome_catalogue
from analytics.protect import display_frame, gate
from analytics.views.trends import drawable
from analytics.views.wording import capitalise, format_number, group_labels, in_sentence

__all__ = ["Stage", "Pathway", "load_pathways", "get", "stage_descriptions", "pathway_table",
           "largest_steps", "step_sentences", "pathway_finding", "stage_summary"]


@dataclass(frozen=True)
class Stage:
    outcome: str            # a key of outcomes.csv
    label: str              # short, for the chart axis
    phrase: str             # inside a sentence


@dataclass(frozen=True)
class Pathway:
    key: str
    label: str
    start: str              # who the first stage is measured over
    stages: tuple[Stage, ...]

    @property
    def outcomes(self) -> tuple[str, ...]:
        return tuple(s.outcome for s in self.stages)


def _parse(raw: dict) -> dict[str, Pathway]:
    known = set(outcome_catalogue()["key"])
    out: dict[str, Pathway] = {}
    for p in raw.get("pathway", []):
        for field in ("key", "label", "start"):
            if not p.get(field):
                raise ValueError(f"a pathway has no {field!r}: {p!r}")
        if p["key"] in out:
            raise ValueError(f"pathway {p['key']!r} is defined twice")
        stages = []
        for s in p.get("stage", []):
            if s.get("outcome") not in known:
                raise ValueError(f"pathway {p['key']!r}: unknown outcome {s.get('outcome')!r}")
            stages.append(Stage(outcome=s["outcome"], label=s.get("label") or s["outcome"],
                                phrase=s.get("phrase") or s.get("label") or s["outcome"]))
        if len(stages) < 2:
            raise ValueError(f"pathway {p['key']!r} needs at least two stages")
        if len({s.outcome for s in stages}) < len(stages):
            raise ValueError(f"pathway {p['key']!r} lists a stage twice")
        out[p["key"]] = Pathway(key=p["key"], label=p["label"], start=p["start"],
                                stages=tuple(stages))
    if not out:
        raise ValueError("no pathways defined")
    return out


@lru_cache(maxsize=None)
def _load(path: str) -> dict[str, Pathway]:
    with open(path, "rb") as f:
        return _parse(tomllib.load(f))


def load_pathways(path: Path | str | None = None) -> dict[str, Pathway]:
    """The pathways, in file order, keyed by their key (validated against the catalogue)."""
    return dict(_load(str(path or REFERENCE / "pathways.toml")))


def get(key: str) -> Pathway:
    pathways = load_pathways()
    if key not in pathways:
        raise KeyError(f"unknown pathway {key!r}; known pathways: {', '.join(pathways)}")
    return pathways[key]


def stage_descriptions(pathway: Pathway) -> list[str]:
    """Who each stage is measured among: "Custody (of offenders): among children with a
    proven offence"."""
    catalogue = outcome_catalogue().set_index("key")
    return [f"{s.label}: among {catalogue.loc[s.outcome, 'population_label']}"
            for s in pathway.stages]


def pathway_table(matrix: pd.DataFrame, pathway: Pathway, breakdown) -> pd.DataFrame:
    """The rows of an `rri_matrix` result for the pathway's stages, in stage order, with
    `stage` (0, 1, ...), `stage_label` and `group` columns."""
    breakdown = list(breakdown)
    order = {s.outcome: i for i, s in enumerate(pathway.stages)}
    part = matrix[matrix["outcome"].isin(list(order))].copy()
    part["stage"] = part["outcome"].map(order).astype("int64")
    part["stage_label"] = part["stage"].map(dict(enumerate(s.label for s in pathway.stages)))
    part["group"] = group_labels(part, breakdown)
    part = part.sort_values(["stage"] + breakdown, kind="stable").reset_index(drop=True)
    part.attrs = dict(matrix.attrs)
    return part


def _significant(row) -> bool:
    v = row["significant"]
    return bool(v) if not pd.isna(v) else False


def largest_steps(table: pd.DataFrame, groups=None) -> pd.DataFrame:
    """For each group (in `groups` order, default every group): the stage with the largest RRI
    that can be shown (not suppressed, above zero), and the other stages' RRIs.

    Columns: group, stage, stage_label, rri, significant, low (low numbers), shown (how many
    stages have an RRI) and hidden (the labels of the stages without one).
    Groups with no stage to show have NA stage and rri."""
    groups = list(dict.fromkeys(table["group"])) if groups is None else list(groups)
    ok = drawable(table)
    rows = []
    for g in groups:
        part = table[table["group"] == g]
        if part.empty:
            continue
        can = part[ok[part.index]]
        hidden = part.loc[~ok[part.index], "stage_label"].tolist()
        if can.empty:
            rows.append({"group": g, "stage": pd.NA, "stage_label": pd.NA, "rri": pd.NA,
                         "significant": False, "low": False, "shown": 0, "hidden": hidden})
            continue
        top = can.loc[can["rri"].astype(float).idxmax()]
        rows.append({"group": g, "stage": int(top["stage"]), "stage_label": top["stage_label"],
                     "rri": float(top["rri"]), "significant": _significant(top),
                     "low": str(top["status"]).startswith("low numbers"),
                     "shown": len(can), "hidden": hidden})
    return pd.DataFrame(rows, columns=["group", "stage", "stage_label", "rri", "significant",
                                       "low", "shown", "hidden"])


def _join(items: list[str], word: str = "or") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _rri_text(row, decimals: int | None = None) -> str:
    text = format_number(row["rri"]) if decimals is None else f"{float(row['rri']):.{decimals}f}"
    if str(row["status"]).startswith("low numbers"):
        text += ", low numbers"
    return text


def step_sentences(table: pd.DataFrame, pathway: Pathway, groups) -> list[str]:
    """One sentence per group saying at which stage its disproportionality is largest."""
    phrase = {i: s.phrase for i, s in enumerate(pathway.stages)}
    ok = drawable(table)
    out = []
    for step in largest_steps(table, groups).itertuples(index=False):
        part = table[table["group"] == step.group].sort_values("stage")
        who = in_sentence(step.group)     # "For girls of any other White background ..."
        if step.shown == 0:
            out.append(f"For {who} no stage of the {pathway.label.lower()} pathway can be "
                       "shown: the numbers are suppressed or not computable (pooling more "
                       "years may help).")
            continue
        shown = part[ok[part.index]]
        # Two decimals when one decimal would make the largest look level with another.
        one = [format_number(v) for v in shown["rri"]]
        decimals = 2 if len(set(one)) < len(one) else None
        top = shown[shown["stage"] == step.stage].iloc[0]
        where = f"at {phrase[step.stage]} (RRI {_rri_text(top, decimals)}"
        where += ", significant)" if step.significant else ", not significant)"
        level, others = [], []
        for _, r in shown.iterrows():
            if int(r["stage"]) != step.stage:
                same = _rri_text(r, decimals) == _rri_text(top, decimals)
                (level if same else others).append(
                    f"{phrase[int(r['stage'])]} ({_rri_text(r, decimals)})")
        if level:
            where += f", level with {_join(level, 'and')}"
        if step.rri <= 1:
            text = (f"{capitalise(who)} are not over-represented at any stage shown: the highest "
                    f"RRI is {where}")
            text += f", against {_join(others, 'and')}" if others else ""
        else:
            text = f"For {who} the largest step is {where}"
            text += f", not at {_join(others)}" if others else ""
        hidden = [phrase[int(i)] for i in part.loc[~ok[part.index], "stage"]]
        if hidden:
            text += (f". {capitalise(_join(hidden, 'and'))} cannot be shown (suppressed or not "
                     "computable)")
        out.append(text + ".")
    return out


def pathway_finding(table: pd.DataFrame, pathway: Pathway, groups, comparison_label: str) -> str:
    """The chart title: where the largest significant over-representation among the groups
    shown arises, or that there is none."""
    phrase = {i: s.phrase for i, s in enumerate(pathway.stages)}
    rows = table[table["group"].isin(list(groups)) & drawable(table)]
    sig = rows[rows["significant"].astype("boolean").fillna(False).astype(bool)
               & rows["status"].astype(str).eq("ok") & (rows["rri"].astype(float) > 1)]
    if sig.empty:
        return (f"No group shown is significantly over-represented at any stage of the "
                f"{pathway.label.lower()} pathway")
    top = sig.loc[sig["rri"].astype(float).idxmax()]
    return (f"{top['group']}: the largest disproportionality in the {pathway.label.lower()} "
            f"pathway is at {phrase[int(top['stage'])]} (RRI {format_number(top['rri'])})")


def stage_summary(table: pd.DataFrame, pathway: Pathway, groups=None) -> pd.DataFrame:
    """One row per group, one column per stage (its label) holding "RRI (CI low-CI high)" as
    shown on screen ("[c]" suppressed, "[z]" not computable, "[u]" low numbers), and a
    "Largest at" column. Display strings only: never nan, inf or None."""
    groups = list(dict.fromkeys(table["group"])) if groups is None else list(groups)
    shown = display_frame(table)
    cells = []
    for i in table.index:
        rri = shown.at[i, "rri"]
        lo, hi = shown.at[i, "rri_ci_low"], shown.at[i, "rri_ci_high"]
        interval = (f" ({lo} to {hi})" if not (lo.startswith("[") or hi.startswith("["))
                    and str(table.at[i, "status"]) != "reference" else "")
        cells.append(rri if rri.startswith("[") else rri.replace(" [u]", "") + interval
                     + (" [u]" if rri.endswith("[u]") else ""))
    long = pd.DataFrame({"group": table["group"].to_numpy(),
                         "stage_label": table["stage_label"].to_numpy(), "cell": cells})
    wide = long.pivot(index="group", columns="stage_label", values="cell")
    labels = [s.label for s in pathway.stages]
    wide = wide.reindex(index=[g for g in groups if g in wide.index],
                        columns=[c for c in labels if c in wide.columns]).fillna("[z]")
    steps = largest_steps(table, list(wide.index)).set_index("group")
    wide["Largest at"] = [steps.at[g, "stage_label"] if not pd.isna(steps.at[g, "stage_label"])
                          else "not shown" for g in wide.index]
    wide = wide.reset_index().rename(columns={"group": "Group"})
    wide.columns.name = None
    return gate.shown(wide, table)

