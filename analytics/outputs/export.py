"""Exports of a result table: CSV, Excel (data + metadata sheets) and Parquet, each carrying
the filters, method, suppression rule, data source, time, version, view URL and command line.

Whatever format, the table is the one already suppressed for the screen: suppressed cells are
written as the official symbol "[c]" (CSV, Excel) or null with the symbol in the metadata
(Parquet), so no file holds a count the screen hides.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pandas as pd

from analytics import __version__, protect
from analytics.protect import gate

FORMATS = {"csv": "text/csv",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "parquet": "application/vnd.apache.parquet"}


def metadata(**items) -> dict[str, str]:
    """Standard metadata for an export: the caller's items plus time, version and legend."""
    meta = {k: ("" if v is None else str(v)) for k, v in items.items()}
    meta.setdefault("generated", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"))
    meta.setdefault("product_version", f"disproportionality dashboard {__version__}")
    return meta


def _with_symbols(table: pd.DataFrame) -> pd.DataFrame:
    """Suppressed numeric cells as "[c]"; other missing values left empty."""
    out = table.copy()
    status = out["status"].astype("string").fillna("") if "status" in out else pd.Series("", index=out.index)
    hidden = status.str.startswith("suppressed").to_numpy(dtype=bool)
    for col in out.columns:
        if col == "status" or out[col].dtype.kind not in "fiub" and str(out[col].dtype) not in (
                "Int64", "Float64", "boolean"):
            continue
        mask = hidden & out[col].isna().to_numpy(dtype=bool)
        if mask.any():
            out[col] = out[col].astype(object).where(~mask, protect.SUPPRESSED)
    return out


#: First characters that make a spreadsheet treat a cell as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that would start a formula, behind a single quote; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _inert(table: pd.DataFrame) -> pd.DataFrame:
    """Text cells and column names neutralised; numeric cells untouched."""
    out = table.copy()
    for col in out.columns:
        if out[col].dtype.kind not in "fiub" and str(out[col].dtype) not in ("Int64", "Float64", "boolean"):
            out[col] = out[col].map(neutralise, na_action="ignore")
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_csv(table: pd.DataFrame, meta: dict) -> bytes:
    """CSV with the metadata as leading '# key: value' lines (read back with comment='#');
    text fields quoted and neutralised, numbers bare."""
    head = "".join(f"# {k}: {' '.join(str(v).split())}\n" for k, v in meta.items())
    body = _inert(_with_symbols(table)).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC)
    return (head + body).encode("utf-8")


def to_excel(table: pd.DataFrame, meta: dict) -> bytes:
    """Workbook with a `data` sheet and a `metadata` sheet; every text cell a string."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        _with_symbols(table).to_excel(xl, sheet_name="data", index=False)
        pd.DataFrame({"item": list(meta), "value": list(meta.values())}).to_excel(
            xl, sheet_name="metadata", index=False)
        for sheet in xl.sheets.values():
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":      # openpyxl reads "=..." as a formula
                        cell.data_type = "s"
            for col in sheet.columns:
                width = max(len(str(c.value or "")) for c in col[:200])
                sheet.column_dimensions[col[0].column_letter].width = min(max(10, width + 2), 80)
    return buf.getvalue()


def to_parquet(table: pd.DataFrame, meta: dict) -> bytes:
    """Parquet with the metadata in the file's key-value metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    existing = arrow.schema.metadata or {}
    arrow = arrow.replace_schema_metadata({**existing, **{f"disproportionality.{k}".encode(): v.encode()
                                                          for k, v in meta.items()}})
    buf = io.BytesIO()
    pq.write_table(arrow, buf)
    return buf.getvalue()


WRITERS = {"csv": to_csv, "xlsx": to_excel, "parquet": to_parquet}


def export_bytes(table: pd.DataFrame, fmt: str, meta: dict) -> bytes:
    """The file of a published table (one that passed `protect.gate.publish`, which this
    checks), with the metadata and the line that says how its figures were protected."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(WRITERS)}")
    spec = gate.require(table)
    a = table.attrs
    meta = {**meta, "output": f"{spec.name}: {spec.title}", "protection": a["protection_note"]}
    if a.get("protection") != "published":     # another body's figures carry their own
        meta["symbols"] = protect.legend(a.get("suppression_threshold", 5),
                                         a.get("min_population", 30), a.get("min_events", 5))
    return WRITERS[fmt](table, meta)


def format_for(path) -> str:
    suffix = str(path).rsplit(".", 1)[-1].lower()
    if suffix not in WRITERS:
        raise ValueError(f"--out must end in .csv, .xlsx or .parquet (got {path})")
    return suffix


def view_command(outcome: str, breakdown, periods, options, filters: dict | None = None) -> str:
    """The command line that reproduces a database view."""
    parts = ["python -m analytics rri --db data/synthetic/borough.duckdb", f"--outcome {outcome}",
             f"--by {','.join(breakdown)}", f"--period {','.join(periods)}",
             f"--comparison {options.comparison}"]
    if options.comparison == "reference" and options.reference:
        parts.append("--reference " + ",".join(f"'{c}={v}'" for c, v in options.reference))
    parts += [f"--level {options.level:g}", f"--ci {options.ci}", f"--adjust {options.adjust}",
              f"--suppress {options.suppress}", f"--min-population {options.min_population}",
              f"--min-events {options.min_events}"]
    if filters:
        parts.append("--filter " + ",".join(f"'{c}={'|'.join(v)}'" for c, v in filters.items()))
    return " ".join(parts) + " --out result.csv"
