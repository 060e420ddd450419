"""A youth justice case extract (this product's template, docs/returns.md): one row per legal
outcome with the child, the offence and outcome dates, the legal outcome, any remand, and
the child's ethnicity as the YJB 5+1 groups, an ONS 2021 category or a DfE code.

Periods run April to March (the Youth Justice Statistics' years), from the outcome date.
Each child becomes one row per year with `proven_offence` (a caution or conviction),
`custody` (a custodial sentence), `remand` (a remand to youth detention accommodation),
`first_time_entrant` (when the extract says so) and, from the second year of the extract on,
`offence_prev_year`. Outcomes valid only in other years (reprimands before April 2013,
section 250 from 2021) mark a file of the wrong year.
"""
from __future__ import annotations

import pandas as pd

from analytics.data.ethnicity import map_ethnicity
from analytics.data.returns.common import (
    ReturnError,
    ReturnFrame,
    age_at_start,
    check_codes,
    codes,
    duplicates,
    flag,
    parse_dates,
    period_label,
    period_start,
    read_csv,
    require_columns,
    rows,
)

FORMAT = "youth_justice"
COLUMNS = {"child_id", "offence_date", "outcome_date", "legal_outcome"}
DATES = ("%Y-%m-%d", "%d/%m/%Y")
AGE_OF_CRIMINAL_RESPONSIBILITY = 10


def looks_like(columns: set[str]) -> bool:
    """The columns are (mostly) those of the template: the child and two of the dates and
    outcome (a file missing one is still recognised, so the message can name it)."""
    return "child_id" in columns and len(COLUMNS & columns) >= 3


def _codes_of(values: pd.Series, fld: str) -> pd.Series:
    """Codes written as their code or label, any case: as the code."""
    table = codes(FORMAT)
    table = table[table["field"] == fld]
    by_label = dict(zip(table["label"].str.casefold(), table["code"]))
    text = values.str.strip().str.casefold().str.replace(" ", "_")
    labelled = values.str.strip().str.casefold().map(by_label)
    return labelled.fillna(text)


def _by_year(values: pd.Series, fld: str, years: pd.Series, path) -> pd.Series:
    """check_codes for each year the rows fall in (the row's own outcome year)."""
    out = pd.Series("", index=values.index)
    for year in sorted(years.unique()):
        part = years == year
        sub = values[part]
        out[part] = check_codes(sub, FORMAT, fld, int(year), path,
                                lambda i, idx=sub.index: {"row": int(idx[i]) + 2})
    return out


def read(path, data: bytes) -> ReturnFrame:
    """One youth justice case extract, validated, as one row per child and year."""
    df = read_csv(path, data)
    require_columns(df, FORMAT, None, path)
    offence = parse_dates(df["offence_date"], path, "offence_date", rows, DATES)
    outcome = parse_dates(df["outcome_date"], path, "outcome_date", rows, DATES)
    birth = parse_dates(df["date_of_birth"], path, "date_of_birth", rows, DATES)
    start = period_start(outcome, 4)
    year = start + 1                                   # the year ending in March
    sex = check_codes(df["sex"].str.casefold(), FORMAT, "sex", int(year.max()), path, rows)
    outcome_kind = _by_year(_codes_of(df["legal_outcome"], "legal_outcome"), "legal_outcome",
                            year, path)
    remand = pd.Series("", index=df.index)
    if "remand" in df:
        remand = check_codes(_codes_of(df["remand"], "remand"), FORMAT, "remand",
                             int(year.max()), path, rows)
    fte = None
    if "first_time_entrant" in df:
        fte = check_codes(df["first_time_entrant"].str.casefold().replace(
            {"y": "yes", "n": "no", "1": "yes", "0": "no", "true": "yes", "false": "no"}),
            FORMAT, "first_time_entrant", int(year.max()), path, rows)
    map_ethnicity(df["ethnicity"], path, "ethnicity")       # names the row of an unknown value
    early = outcome < offence
    if early.any():
        i = int(early.to_numpy().argmax())
        raise ReturnError(path, f"{df['outcome_date'].iloc[i]} is before the offence date "
                                f"{df['offence_date'].iloc[i]}", row=i + 2, field="outcome_date")
    young = age_at_offence(birth, offence) < AGE_OF_CRIMINAL_RESPONSIBILITY
    if young.any():
        i = int(young.to_numpy().argmax())
        raise ReturnError(path, f"the child was under {AGE_OF_CRIMINAL_RESPONSIBILITY} on "
                                f"{df['offence_date'].iloc[i]} (date of birth "
                                f"{df['date_of_birth'].iloc[i]}): below the age of criminal "
                                "responsibility", row=i + 2, field="offence_date")
    duplicates(df, ["child_id", "offence_date", "outcome_date", "legal_outcome"], path, "outcome")
    for col, values in (("sex", sex), ("ethnicity", df["ethnicity"]), ("date_of_birth", birth)):
        clash = pd.DataFrame({"id": df["child_id"], "v": values}).groupby("id")["v"].transform("nunique") > 1
        if clash.any():
            i = int(clash.to_numpy().argmax())
            raise ReturnError(path, f"child {df['child_id'].iloc[i]!r} has a different {col} "
                                    "in another row", row=i + 2, field=col)
    rows_ = pd.DataFrame({"own_id": df["child_id"], "start": start.astype(int),
                          "proven": outcome_kind.isin(["pre-court", "first-tier", "community",
                                                       "custody"]),
                          "custody": outcome_kind == "custody", "remand": remand == "custodial"})
    if fte is not None:
        rows_["fte"] = (fte == "yes") & rows_["proven"]
    agg = {"proven": "any", "custody": "any", "remand": "any"} | ({"fte": "any"} if fte is not None else {})
    per = rows_.groupby(["own_id", "start"]).agg(agg).reset_index()
    first = df.drop_duplicates("child_id").set_index("child_id")
    out = pd.DataFrame({"own_id": per["own_id"], "LAchildID": per["own_id"],
                        "UPN": (per["own_id"].map(first["upn"]).replace("", pd.NA)
                                if "upn" in df else pd.NA),
                        "period": per["start"].map(period_label),
                        "sex": per["own_id"].map(pd.Series(sex.to_numpy(), index=df["child_id"])
                                                 .groupby(level=0).first()),
                        "ethnicity": per["own_id"].map(first["ethnicity"]),
                        "age": age_at_start(per["own_id"].map(
                            pd.Series(birth.to_numpy(), index=df["child_id"]).groupby(level=0).first()),
                            per["start"]).astype(str),
                        "proven_offence": flag(per["proven"]), "custody": flag(per["custody"]),
                        "remand": flag(per["remand"])})
    if fte is not None:
        out["first_time_entrant"] = flag(per["fte"])
    periods = sorted(out["period"].unique())
    covers = {"proven_offence"}
    if len(periods) > 1:
        # the year before: known for every year of the extract but the first
        before = per.loc[per["proven"], ["own_id", "start"]].assign(start=lambda d: d["start"] + 1,
                                                                    prev=True)
        prev = per[["own_id", "start"]].merge(before, on=["own_id", "start"], how="left")["prev"]
        prev = prev.astype("boolean").fillna(False)
        out["offence_prev_year"] = flag(prev).where(per["start"] > per["start"].min(), "")
        covers.add("offence_prev_year")
    return ReturnFrame(FORMAT, [str(path)], out, periods, covers, [])


def age_at_offence(birth: pd.Series, when: pd.Series) -> pd.Series:
    return (when.dt.year - birth.dt.year
            - ((when.dt.month < birth.dt.month)
               | ((when.dt.month == birth.dt.month) & (when.dt.day < birth.dt.day))))
