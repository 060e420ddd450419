"""Symbols for what disclosure control changed or hid, their legend, and tables formatted
for the screen. Symbols follow the GSS guidance on symbols in tables: [c] confidential,
[z] not applicable, [u] low reliability.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.protect.gate import protection_note
from analytics.stats.rri import REFERENCE_DERIVED_COLUMNS

__all__ = ["SUPPRESSED", "NOT_APPLICABLE", "LOW_RELIABILITY", "LEGEND", "legend",
           "display_frame", "protection_note"]

SUPPRESSED = "[c]"        # GSS: confidential
NOT_APPLICABLE = "[z]"    # GSS: not applicable
LOW_RELIABILITY = "[u]"   # GSS: low reliability ([low] means "rounds to zero" in GSS)


def legend(threshold: int = 5, min_population: int = 30, min_events: int = 5) -> str:
    """Legend for the symbols, with the thresholds actually used."""
    hidden = (f"{SUPPRESSED} confidential: hidden because the group (or its comparison "
              f"group) has fewer than {threshold} children. " if threshold > 1 else "")
    return (
        protection_note(threshold) + " " + hidden +
        f"{NOT_APPLICABLE} not applicable: the figure cannot be calculated, for example a "
        "rate for a group with no children or a ratio against a comparison group with no "
        "events; the status column says why. "
        f"{LOW_RELIABILITY} low reliability: based on fewer than {min_population} children "
        f"or fewer than {min_events} children with the outcome (in the group or its "
        "comparison), so it can change a lot from one year to the next; shown for "
        "completeness, not as a basis for decisions."
    )


LEGEND = legend()


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


def display_frame(table: pd.DataFrame, *, mark_low: bool = True) -> pd.DataFrame:
    """Strings for the screen: numbers formatted, suppressed cells "[c]", other missing
    values "[z]"; never "nan", "inf" or "None". With ``mark_low`` the RRI of a low-numbers
    row gets " [u]". Every status is public: it is worked out from published counts."""
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
            out[col] = status.astype(object).to_numpy()
            continue
        text = np.array([("" if m else _fmt_value(col, v))
                         for v, m in zip(s.astype(object).to_numpy(), na)], dtype=object)
        hidden = suppressed & ~cmp_only
        if col in REFERENCE_DERIVED_COLUMNS:
            hidden = suppressed
        text = np.where(na & hidden, SUPPRESSED, np.where(na, NOT_APPLICABLE, text))
        if mark_low and col == "rri":
            text = np.where(low & ~na, text + " " + LOW_RELIABILITY, text)
        if col == "significant" and "p_value" in table.columns:
            # an interval that excludes 1 beside "no": say the adjustment is why
            alpha = 1 - float(table.attrs.get("level", 0.95))
            raw = table["p_value"].astype("Float64").fillna(1.0).to_numpy(dtype=float) < alpha
            flag = s.astype("boolean").fillna(False).to_numpy(dtype=bool)
            text = np.where(~na & ~flag & raw, "no (yes before adjustment)", text)
        out[col] = text
    out.attrs = dict(table.attrs)
    return out
