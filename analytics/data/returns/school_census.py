"""A school census extract with DfE field names: a census file (one row per pupil on roll:
UPN, CensusDate, Sex, DOB, Ethnicity, FSMeligible, SENprovision, and the school) and,
optionally, an exclusions file (one row per exclusion: UPN, Category, StartDate).

Periods are academic years (September to August): a census file's from its CensusDate, an
exclusion's from its StartDate, which must fall in a year a census file covers. Each pupil
becomes one row per census year: on roll, FSM, SEN provision, school, and, with exclusions,
the number of suspensions (FIXD) and any permanent exclusion (PERM). Lunchtime exclusions
(LNCH) are not counted as suspensions.
"""
from __future__ import annotations

import pandas as pd

from analytics.data.returns.common import (
    ReturnError,
    ReturnFrame,
    age_at_start,
    check_codes,
    check_ethnicity,
    duplicates,
    first_year,
    flag,
    latest_year,
    parse_dates,
    period_label,
    period_start,
    read_csv,
    require_columns,
    rows,
    which_part,
)

FORMAT = "school_census"
CENSUS = {"UPN", "CensusDate", "Sex", "DOB", "Ethnicity", "SENprovision", "FSMeligible"}
EXCLUSIONS = {"UPN", "Category", "StartDate", "Sessions"}
DATES = ("%Y-%m-%d", "%d/%m/%Y")
TRUE, FALSE = {"true", "1", "y", "yes", "t"}, {"false", "0", "n", "no", "f"}


def part_of(columns: set[str]) -> str | None:
    """"census" or "exclusions" if the columns are (mostly) those of a school census extract."""
    return which_part(columns, "UPN", ("exclusions", "Category", EXCLUSIONS, 3),
                      ("census", CENSUS, 4))


def _census(path, data: bytes) -> pd.DataFrame:
    df = read_csv(path, data)
    require_columns(df, FORMAT, "census", path)
    when = parse_dates(df["CensusDate"], path, "CensusDate", rows, DATES)
    start = period_start(when, 9)
    if start.nunique() > 1:
        i = int((start != start.iloc[0]).to_numpy().argmax())
        raise ReturnError(path, f"{df['CensusDate'].iloc[i]} is in another academic year than "
                                f"row 2 ({df['CensusDate'].iloc[0]}): one census a file",
                          row=i + 2, field="CensusDate")
    start_year = int(start.iloc[0])
    year = start_year + 1                     # the January census of the academic year
    if year < first_year(FORMAT):
        raise ReturnError(path, f"census of {period_label(start_year)} is not supported: the "
                                f"product reads school censuses from {first_year(FORMAT)}", row=2,
                          field="CensusDate")
    sex = check_codes(df["Sex"], FORMAT, "Sex", year, path, rows)
    check_ethnicity(df["Ethnicity"], path, "Ethnicity", rows)
    sen = check_codes(df["SENprovision"], FORMAT, "SENprovision", year, path, rows)
    fsm = df["FSMeligible"].str.casefold()
    bad = ~fsm.isin(TRUE | FALSE)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise ReturnError(path, f"{df['FSMeligible'].iloc[i]!r} is not true or false", row=i + 2,
                          field="FSMeligible")
    birth = parse_dates(df["DOB"], path, "DOB", rows, DATES)
    duplicates(df, ["UPN"], path, "pupil")
    school = df["SchoolName"] if "SchoolName" in df else df.get("LAEstab", pd.Series("", index=df.index))
    return pd.DataFrame({"own_id": df["UPN"], "UPN": df["UPN"], "period": period_label(start_year),
                         "start_year": start_year, "sex": sex, "ethnicity": df["Ethnicity"],
                         "age": age_at_start(birth, start_year).astype(str), "on_roll": "1",
                         "fsm": flag(fsm.isin(TRUE)), "sen": sen, "school": school,
                         "file": str(path)})


def _exclusions(path, data: bytes, census: pd.DataFrame) -> pd.DataFrame:
    df = read_csv(path, data)
    require_columns(df, FORMAT, "exclusions", path)
    start = parse_dates(df["StartDate"], path, "StartDate", rows, DATES)
    df["period"] = period_start(start, 9).map(lambda y: period_label(int(y)))
    years = sorted(census["period"].unique())
    outside = ~df["period"].isin(years)
    if outside.any():
        i = int(outside.to_numpy().argmax())
        raise ReturnError(path, f"{df['StartDate'].iloc[i]} is in {df['period'].iloc[i]}, but "
                                f"the census files cover {', '.join(years)}", row=i + 2,
                          field="StartDate")
    year = int(df["period"].str[:4].astype(int).max()) + 1
    kind = check_codes(df["Category"], FORMAT, "Category", year, path, rows)
    if "Sessions" in df:
        sessions = pd.to_numeric(df["Sessions"].replace("", None), errors="coerce")
        bad = (df["Sessions"] != "") & (sessions.isna() | (sessions < 0))
        if bad.any():
            i = int(bad.to_numpy().argmax())
            raise ReturnError(path, f"{df['Sessions'].iloc[i]!r} is not a number of sessions",
                              row=i + 2, field="Sessions")
    duplicates(df, ["UPN", "Category", "StartDate"], path, "exclusion")
    known = pd.MultiIndex.from_frame(census[["UPN", "period"]])
    stray = ~pd.MultiIndex.from_frame(df[["UPN", "period"]]).isin(known)
    if stray.any():
        i = int(stray.to_numpy().argmax())
        raise ReturnError(path, f"pupil {df['UPN'].iloc[i]!r} is not in the {df['period'].iloc[i]} "
                                "census file", row=i + 2, field="UPN")
    return pd.DataFrame({"UPN": df["UPN"], "period": df["period"], "kind": kind})


def read(census_files: list[tuple], exclusion_files: list[tuple]) -> ReturnFrame:
    """Census files (path, bytes), one per academic year, and any exclusions files."""
    census = pd.concat([_census(p, d) for p, d in census_files], ignore_index=True)
    twice = census.drop_duplicates(["period", "file"])["period"].duplicated()
    if twice.any():
        period = census.drop_duplicates(["period", "file"])["period"][twice].iloc[0]
        files = census.loc[census["period"] == period, "file"].unique()
        raise ReturnError(files[1], f"a second census file for {period} (the first is "
                                    f"{files[0].rsplit('/', 1)[-1]})")
    out = census.drop(columns=["file", "start_year"])
    covers = {"pupil", "pupil_5_15", "year11"}
    if exclusion_files:
        excl = pd.concat([_exclusions(p, d, census) for p, d in exclusion_files],
                         ignore_index=True)
        per = excl.assign(susp=excl["kind"] == "suspension", perm=excl["kind"] == "permanent")
        per = per.groupby(["UPN", "period"])[["susp", "perm"]].agg(
            {"susp": "sum", "perm": "any"}).reset_index()
        out = out.merge(per, on=["UPN", "period"], how="left")
        out["suspensions"] = out["susp"].fillna(0).astype(int).astype(str)
        out["permanent_exclusion"] = flag(out["perm"].astype("boolean").fillna(False))
        out = out.drop(columns=["susp", "perm"])
        covers |= {"suspended"}
    files = [str(p) for p, _ in census_files + exclusion_files]
    late = [p for p in sorted(census["period"].unique()) if int(p[:4]) + 1 > latest_year(FORMAT)]
    notes = [f"{p} census checked against the {latest_year(FORMAT)} specification (the latest "
             "the product holds)" for p in late]
    return ReturnFrame(FORMAT, files, out, sorted(census["period"].unique()), covers, notes)
