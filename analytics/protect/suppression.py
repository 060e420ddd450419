"""Statistical disclosure control: primary and secondary suppression, symbols, legend.

Small counts of children can identify them, so counts from 1 to
``threshold - 1`` are hidden (primary suppression). A hidden count that is the
only hidden cell of a line whose total is published can be worked out by
subtraction, so a second cell in that line is hidden too (secondary
suppression), repeated until no line has exactly one hidden cell. Every
figure computed from a hidden count is hidden with it. Zeros are published.
Symbols follow the GSS guidance on symbols in tables: [c] confidential,
[z] not applicable, [u] low reliability.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.stats.rates import to_float_na
from analytics.stats.rri import (
    REFERENCE_DERIVED_COLUMNS,
    _as_list,
    normalise_reference,
    reference_match,
    validate_counts,
)

__all__ = ["SUPPRESSED", "NOT_APPLICABLE", "LOW_RELIABILITY", "LEGEND",
           "PUBLIC_SUPPRESSED_STATUS", "legend", "suppress", "display_frame"]

SUPPRESSED = "[c]"        # GSS: confidential
NOT_APPLICABLE = "[z]"    # GSS: not applicable
LOW_RELIABILITY = "[u]"   # GSS: low reliability ([low] means "rounds to zero" in GSS)

#: Status shown on screen for every suppressed row: the detailed reason
#: (primary or secondary) is for analysts only, since telling readers which
#: hidden cell is the small one can let them work it out from a total.
PUBLIC_SUPPRESSED_STATUS = "suppressed to protect children's identities"

_KEYLESS = ("status",)


def legend(threshold: int = 5, min_population: int = 30, min_events: int = 5) -> str:
    """Legend for the symbols, with the thresholds actually used."""
    small = f"counts of 1 to {threshold - 1}" if threshold > 2 else "counts of 1"
    return (
        f"{SUPPRESSED} confidential: figure suppressed to protect children's identities "
        f"({small}, and any figure from which one could be worked out, such as a rate, "
        "a ratio or another cell of the same total). Zeros are shown. "
        f"{NOT_APPLICABLE} not applicable: the figure cannot be calculated, for example a "
        "rate for a group with no children or a ratio against a comparison group with no "
        "events; the status column says why. "
        f"{LOW_RELIABILITY} low reliability: based on fewer than {min_population} children "
        f"or fewer than {min_events} children with the outcome (in the group or its "
        "comparison), so it can change a lot from one year to the next; shown for "
        "completeness, not as a basis for decisions."
    )


LEGEND = legend()


def _line_ids(keys: pd.DataFrame, by: list[str], group_cols: list[str]) -> list[np.ndarray]:
    """One array of line ids per group column: rows sharing all other group
    columns and the by-slice sum to a published total."""
    out = []
    for g in group_cols:
        cols = by + [c for c in group_cols if c != g]
        if cols:
            out.append(keys.groupby(cols, sort=True).ngroup().to_numpy())
        else:
            out.append(np.zeros(len(keys), dtype=np.int64))
    return out


def _secondary(values: np.ndarray, hidden: np.ndarray, lines: list[np.ndarray]) -> bool:
    """One pass: in each line with exactly one hidden cell (and 2+ cells), hide
    the smallest other cell (smallest positive first, a zero if none; ties by
    row order). Modifies ``hidden``; returns whether anything changed."""
    changed = False
    pos = np.arange(values.size)
    for line in lines:
        n_hidden = np.bincount(line, weights=hidden.astype(float))
        size = np.bincount(line)
        need = (n_hidden == 1) & (size >= 2)
        cand = np.flatnonzero(need[line] & ~hidden)
        if cand.size == 0:
            continue
        v = values[cand]
        order = np.lexsort((pos[cand], v, v == 0, line[cand]))
        cand, lid = cand[order], line[cand][order]
        first = cand[np.r_[True, lid[1:] != lid[:-1]]]
        hidden[first] = True
        changed = True
    return changed


def _nullable(s: pd.Series) -> pd.Series:
    """The column in a dtype that can hold pandas NA."""
    if isinstance(s.dtype, pd.api.extensions.ExtensionDtype) and s.dtype.na_value is pd.NA:
        return s
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean")
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.astype("Int64")
    if pd.api.types.is_float_dtype(s.dtype):
        return pd.Series(to_float_na(s.to_numpy(dtype=float)), index=s.index, name=s.name)
    return s.astype("string")


def suppress(table: pd.DataFrame, group_cols, *, by=(), threshold: int = 5,
             comparison: str | None = None, reference=None) -> pd.DataFrame:
    """Hide small counts and everything that would reveal them.

    ``table`` is a counts table or the output of ``rri_table``. The
    comparison (needed to hide ratios whose comparison count is hidden) is
    read from ``table.attrs`` as set by ``rri_table``; pass ``comparison``
    and ``reference`` to override (e.g. after a merge dropped the attrs).
    ``threshold`` 0 or 1 turns suppression off. Returns a copy with the
    same columns (plus ``status`` if it had none): hidden cells are NA and
    ``status`` starts with "suppressed: " and the reason.
    """
    group_cols = _as_list(group_cols, "group_cols")
    by = _as_list(by, "by")
    k = int(threshold)
    if k < 0:
        raise ValueError(f"threshold must be >= 0, got {threshold!r}")
    clean = validate_counts(table[[c for c in group_cols + by + ["events", "population"]
                                   if c in table.columns]], group_cols, by)
    out = table.reset_index(drop=True).copy()
    attrs = dict(table.attrs)
    if "status" not in out.columns:
        out["status"] = pd.array(["ok"] * len(out), dtype="string")
    attrs["suppression_threshold"] = k
    if k <= 1:
        out.attrs = attrs
        return out
    comparison = comparison if comparison is not None else attrs.get("comparison")
    reference = reference if reference is not None else attrs.get("reference")

    a = clean["events"].to_numpy()
    n = clean["population"].to_numpy()
    small = lambda x: (x >= 1) & (x < k)  # noqa: E731
    prim_p = small(n)
    prim_e = small(a) | prim_p
    hid_p, hid_e = prim_p.copy(), prim_e.copy()

    lines = _line_ids(clean[group_cols + by], by, group_cols)
    changed = True
    while changed:
        changed = _secondary(n, hid_p, lines)
        hid_e |= hid_p  # a hidden population hides the row's events (rate reveals it)
        changed = _secondary(a, hid_e, lines) or changed

    # Comparison counts that would be revealed by the row's ratio.
    cmp_hidden = np.zeros(len(out), dtype=bool)
    cmp_reason = ""
    if comparison == "reference":
        ref = normalise_reference(reference, group_cols, clean)
        _, pos = reference_match(clean, group_cols, by, ref)
        cmp_hidden = (pos >= 0) & (hid_e | hid_p)[np.maximum(pos, 0)]
        cmp_reason = "reference group is suppressed"
    elif comparison in ("rest", "overall"):
        if by:
            tot = clean.groupby(by, sort=False)[["events", "population"]].transform("sum")
            A, N = tot["events"].to_numpy(), tot["population"].to_numpy()
        else:
            A, N = np.full(len(a), a.sum()), np.full(len(n), n.sum())
        c, m = (A - a, N - n) if comparison == "rest" else (A, N)
        cmp_hidden = small(c) | small(m)
        cmp_reason = np.where(small(m), f"comparison group has fewer than {k} children",
                              f"comparison group has fewer than {k} events")
    elif comparison not in (None, "benchmark"):
        raise ValueError(f"unknown comparison {comparison!r}")

    own = hid_e
    keys = set(group_cols + by) | set(_KEYLESS)
    own_cols = [c for c in out.columns if c not in keys and c != "population"]
    cmp_cols = [c for c in REFERENCE_DERIVED_COLUMNS if c in out.columns]
    for col in own_cols + ["population"] + cmp_cols:
        out[col] = _nullable(out[col])
    out.loc[own, own_cols] = pd.NA
    out.loc[hid_p, "population"] = pd.NA
    cmp_only = cmp_hidden & ~own
    if cmp_cols:
        out.loc[cmp_only, cmp_cols] = pd.NA

    reason = np.select(
        [prim_p, prim_e, own, cmp_only],
        [f"fewer than {k} children in the group", f"fewer than {k} events",
         "secondary, protects another cell",
         np.broadcast_to(np.asarray(cmp_reason, dtype=object), (len(out),))],
        default="",
    )
    status = out["status"].astype("string").to_numpy(dtype=object, na_value="")
    status = np.where(reason != "", "suppressed: " + reason.astype(object), status)
    out["status"] = pd.array(status, dtype="string")
    out.attrs = attrs
    return out


# --------------------------------------------------------------------------
# display
# --------------------------------------------------------------------------

_DECIMALS = {
    "rate": 1, "rate_ci_low": 1, "rate_ci_high": 1, "reference_rate": 1,
    "rate_difference": 1, "rate_difference_ci_low": 1, "rate_difference_ci_high": 1,
    "excess_events": 1, "rri": 2, "rri_ci_low": 2, "rri_ci_high": 2,
    "representation_index": 2,
}


def _fmt_value(col: str, v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if col in ("p_value", "p_adjusted"):
        return "<0.001" if v < 0.001 else f"{v:.3f}"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        d = _DECIMALS.get(col, 2)
        return f"{round(float(v), d) + 0.0:,.{d}f}"
    return str(v)


def display_frame(table: pd.DataFrame, *, detail: bool = False,
                  mark_low: bool = True) -> pd.DataFrame:
    """Strings for the screen: numbers formatted, suppressed cells "[c]", other
    missing values "[z]"; never "nan", "inf" or "None".

    Suppressed rows show the public status ``PUBLIC_SUPPRESSED_STATUS``
    unless ``detail=True`` (analysts only). With ``mark_low`` the RRI of a
    low-numbers row gets " [u]".
    """
    status = (table["status"].astype("string").fillna("") if "status" in table.columns
              else pd.Series("", index=table.index, dtype="string"))
    suppressed = status.str.startswith("suppressed").to_numpy(dtype=bool)
    cmp_only = (suppressed & status.str.contains("comparison group|reference group",
                                                 regex=True).to_numpy(dtype=bool))
    low = status.str.startswith("low numbers").to_numpy(dtype=bool)
    out = pd.DataFrame(index=table.index)
    for col in table.columns:
        s = table[col]
        na = s.isna().to_numpy(dtype=bool)
        if col == "status":
            text = status.astype(object).to_numpy()
            if not detail:
                text = np.where(suppressed, PUBLIC_SUPPRESSED_STATUS, text)
            out[col] = text
            continue
        text = np.array([("" if m else _fmt_value(col, v))
                         for v, m in zip(s.astype(object).to_numpy(), na)], dtype=object)
        hidden = suppressed & ~cmp_only
        if col in REFERENCE_DERIVED_COLUMNS:
            hidden = suppressed
        text = np.where(na & hidden, SUPPRESSED, np.where(na, NOT_APPLICABLE, text))
        if mark_low and col == "rri":
            text = np.where(low & ~na, text + " " + LOW_RELIABILITY, text)
        out[col] = text
    out.attrs = dict(table.attrs)
    return out
