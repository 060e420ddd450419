"""Build data/reference/areas/councils.csv and dfe_statistical_neighbours.csv from DfE's own
workbooks, as published with DfE's Local Authority Interactive Tool (run by hand once a year).

Sources (public repository dfe-analytical-services/local-authority-interactive-tool):
* `01_data/02_prod/la_code_list.xlsx` (commit c35a878913bd539c51bd57e2eafbd34811db10f2,
  9 December 2024): each council's DfE number, DfE name, region (Inner London and Outer
  London apart) and type;
* `01_data/02_prod/sn_may_2025.xlsx` (commit b3494e3d664dd68c9412e12f6a40c7bf975282d0,
  28 May 2025, "Statistical Neighbours updated"): DfE's Children's services statistical
  neighbour benchmarking tool, each council's ten neighbours (SN1 closest) and how close each
  is (SNP).

Councils are joined to their ONS codes and names (`la_names.csv`) by name; DfE spells four
names differently (NAME_ALIASES). Council rows that no longer exist (Cumbria, the former
Dorset, Poole, Bournemouth, Northamptonshire) and the workbooks' region and England rows are
left out. Nothing is typed by hand: the script refuses a council it cannot match.

    python -m scripts.build_councils LA_CODE_LIST.xlsx SN_WORKBOOK.xlsx
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from analytics.data.reference import REFERENCE

AREAS = REFERENCE / "areas"
#: DfE's spellings of four councils, and the ONS names they stand for (`la_names.csv`).
NAME_ALIASES = {"Bedford Borough": "Bedford", "Durham": "County Durham",
                "Herefordshire": "Herefordshire, County of",
                "Kingston Upon Hull, City of": "Kingston upon Hull, City of"}
#: ONS codes of DfE's regions (ONS regions E12; Inner and Outer London, E13, as DfE
#: publishes them).
REGION_CODES = {"North East": "E12000001", "North West": "E12000002",
                "Yorkshire and The Humber": "E12000003", "East Midlands": "E12000004",
                "West Midlands": "E12000005", "East of England": "E12000006",
                "South East": "E12000008", "South West": "E12000009",
                "Inner London": "E13000001", "Outer London": "E13000002"}


def councils(code_list: Path) -> pd.DataFrame:
    names = pd.read_csv(AREAS / "la_names.csv")
    dfe = pd.read_excel(code_list).rename(columns={
        "LA Number": "la_number", "LA Name": "dfe_name", "Region": "region", "Type": "la_type"})
    dfe["la_name"] = dfe["dfe_name"].replace(NAME_ALIASES)
    out = names.merge(dfe, on="la_name", how="left", validate="one_to_one")
    missing = out[out["la_number"].isna()]
    if len(missing):
        raise SystemExit(f"no DfE row for {', '.join(missing['la_name'])}")
    out["region_code"] = out["region"].map(REGION_CODES)
    if out["region_code"].isna().any():
        raise SystemExit(f"unknown region {out.loc[out['region_code'].isna(), 'region'].iloc[0]}")
    out["la_number"] = out["la_number"].astype(int)
    return out[["la_code", "la_name", "dfe_name", "la_number", "la_type", "region",
                "region_code"]].sort_values("la_code")


def neighbours(workbook: Path, known: pd.DataFrame) -> pd.DataFrame:
    sheet = pd.read_excel(workbook, header=2)
    sheet = sheet[sheet["LA num"].isin(known["la_number"])]
    rows = []
    for _, r in sheet.iterrows():
        for k in range(1, 11):
            rows.append((int(r["LA num"]), k, int(r[f"SN{k}"]),
                         r["SNP" if k == 1 else f"SNP.{k - 1}"]))
    out = pd.DataFrame(rows, columns=["la_number", "rank", "neighbour_number", "closeness"])
    if len(out) != 10 * len(known) or not out["neighbour_number"].isin(known["la_number"]).all():
        raise SystemExit("the workbook does not give ten current councils for every council")
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("code_list", type=Path)
    p.add_argument("workbook", type=Path)
    args = p.parse_args(argv)
    table = councils(args.code_list)
    table.to_csv(AREAS / "councils.csv", index=False, lineterminator="\n")
    neighbours(args.workbook, table).to_csv(AREAS / "dfe_statistical_neighbours.csv",
                                            index=False, lineterminator="\n")
    print(f"{len(table)} councils; regions: {table['region'].value_counts().to_dict()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
