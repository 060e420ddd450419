"""The SSDA903 looked-after children return: a header file (one row per child: CHILD, SEX,
DOB, ETHNIC, UPN) and an episodes file (one row per episode of care: CHILD, DECOM, RNE, LS,
CIN, PLACE, DEC, REC, ...), with DfE's codes, for the year to 31 March.

The collection year comes from the file names (SSDA903_2024_header.csv, as DfE's tools and
Social Finance's liiatools name them) or, when they carry none, from the latest episode date.
Codes are checked against that year's lists (data/reference/returns/ssda903_*.csv). Each
child becomes one row for the year with `looked_after` (an episode open during the year).
Postcodes are never kept.
"""
from __future__ import annotations

import pandas as pd

from analytics.data.returns.common import (
    ReturnError,
    ReturnFrame,
    age_at_start,
    check_codes,
    duplicates,
    first_year,
    flag,
    latest_year,
    parse_dates,
    period_label,
    read_csv,
    require_columns,
    rows,
    which_part,
    year_in_name,
)

FORMAT = "ssda903"
HEADER = {"CHILD", "SEX", "DOB", "ETHNIC", "UPN"}
EPISODES = {"CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE"}
DATES = ("%d/%m/%Y", "%Y-%m-%d")
UNKNOWN_UPN = {"UN1", "UN2", "UN3", "UN4", "UN5"}


def part_of(columns: set[str]) -> str | None:
    """"header" or "episodes" if the columns are (mostly) those of an SSDA903 file."""
    return which_part(columns, "CHILD", ("episodes", "DECOM", EPISODES, 3),
                      ("header", HEADER, 3))


def _year(header_path, episodes_path, decom, dec) -> int:
    named = {p: year_in_name(p) for p in (header_path, episodes_path)}
    years = {y for y in named.values() if y is not None}
    if len(years) > 1:
        raise ReturnError(episodes_path, f"its name says {named[episodes_path]} but the header "
                                         f"file {header_path.name} says {named[header_path]}")
    if years:
        return years.pop()
    latest = pd.concat([decom, dec]).max()
    return latest.year + (latest.month > 3)


def read(header_path, header_data: bytes, episodes_path, episodes_data: bytes) -> ReturnFrame:
    """One year's header and episodes files, validated, as one row per child."""
    head = read_csv(header_path, header_data)
    eps = read_csv(episodes_path, episodes_data)
    require_columns(head, FORMAT, "header", header_path)
    require_columns(eps, FORMAT, "episodes", episodes_path)
    decom = parse_dates(eps["DECOM"], episodes_path, "DECOM", rows, DATES)
    dec = parse_dates(eps["DEC"] if "DEC" in eps else pd.Series("", index=eps.index),
                      episodes_path, "DEC", rows, DATES, required=False)
    year = _year(header_path, episodes_path, decom, dec)
    if year < first_year(FORMAT):
        raise ReturnError(episodes_path, f"collection year {year} is not supported: the product "
                                         f"holds the SSDA903 specifications from {first_year(FORMAT)}")
    start_year = year - 1
    year_start, year_end = pd.Timestamp(f"{start_year}-04-01"), pd.Timestamp(f"{year}-03-31")
    sex = check_codes(head["SEX"], FORMAT, "SEX", year, header_path, rows)
    check_codes(head["ETHNIC"], FORMAT, "ETHNIC", year, header_path, rows)
    if "MOTHER" in head:
        check_codes(head["MOTHER"], FORMAT, "MOTHER", year, header_path, rows)
    for fld in ("RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "REC", "REASON_PLACE_CHANGE"):
        if fld in eps:
            check_codes(eps[fld], FORMAT, fld, year, episodes_path, rows)
    birth = parse_dates(head["DOB"], header_path, "DOB", rows, DATES)
    duplicates(head, ["CHILD"], header_path, "child")
    duplicates(eps, ["CHILD", "DECOM"], episodes_path, "episode")
    stray = ~eps["CHILD"].isin(head["CHILD"])
    if stray.any():
        i = int(stray.to_numpy().argmax())
        raise ReturnError(episodes_path, f"child {eps['CHILD'].iloc[i]!r} is not in the header "
                                         f"file {header_path.name}", row=i + 2, field="CHILD")
    bad = dec.notna() & (dec < decom)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise ReturnError(episodes_path, f"{eps['DEC'].iloc[i]} is before DECOM "
                                         f"{eps['DECOM'].iloc[i]}", row=i + 2, field="DEC")
    late = decom > year_end
    if late.any():
        i = int(late.to_numpy().argmax())
        raise ReturnError(episodes_path, f"{eps['DECOM'].iloc[i]} is after the end of the "
                                         f"collection year ({year_end:%d/%m/%Y})", row=i + 2,
                          field="DECOM")
    missing = ~head["CHILD"].isin(eps["CHILD"])
    if missing.any():
        i = int(missing.to_numpy().argmax())
        raise ReturnError(header_path, f"child {head['CHILD'].iloc[i]!r} has no episode in "
                                       f"{episodes_path.name}", row=i + 2, field="CHILD")
    open_in_year = (decom <= year_end) & (dec.isna() | (dec >= year_start))
    looked_after = open_in_year.groupby(eps["CHILD"]).any()
    upn = head["UPN"].where(~head["UPN"].isin(UNKNOWN_UPN) & (head["UPN"] != ""))
    out = pd.DataFrame({"own_id": head["CHILD"], "LAchildID": head["CHILD"], "UPN": upn,
                        "period": period_label(start_year), "sex": sex,
                        "ethnicity": head["ETHNIC"],
                        "age": age_at_start(birth, start_year).astype(str),
                        "looked_after": flag(head["CHILD"].map(looked_after).fillna(False))})
    notes = []
    if year > latest_year(FORMAT):
        notes.append(f"{year} SSDA903 return checked against the {latest_year(FORMAT)} "
                     "specification (the latest the product holds)")
    return ReturnFrame(FORMAT, [str(header_path), str(episodes_path)], out,
                       [period_label(start_year)], {"looked_after"}, notes)
