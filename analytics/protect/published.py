"""Statistics other bodies have published (DfE's council figures): they pass through here to
be marked as published, not through the cell-key method. They are already public, so they
are shown exactly as published, and a figure the publisher withheld keeps the publisher's
own symbol; every output says so."""
from __future__ import annotations

import pandas as pd

__all__ = ["as_published", "published_note"]


def published_note(publisher: str = "DfE") -> str:
    """One sentence for every output of published figures."""
    return (f"Published statistics of {publisher}: shown exactly as published, not perturbed "
            "by this product's disclosure control (they are already public); a figure "
            f"{publisher} withheld keeps {publisher}'s symbol (c confidential, x not "
            "available, z not applicable, low rounds to 0, u low reliability).")


def as_published(table: pd.DataFrame, publisher: str = "DfE") -> pd.DataFrame:
    """`table` unchanged (a copy), marked as the publisher's figures (attrs `protection`
    "published" and `protection_note`)."""
    out = table.copy()
    out.attrs.update(table.attrs, protection="published", publisher=publisher,
                     protection_note=published_note(publisher))
    return out
