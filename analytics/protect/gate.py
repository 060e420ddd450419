"""The one gate every published figure passes: `publish(table, output, threshold=...)`.

Each output of the product (a table a page shows or downloads, a chart's data, a report's
table, a command's file) is declared in `data/reference/outputs.toml`: its count columns and,
for every other column, how it is derived. The gate

* refuses a column the declaration does not name (a new output, or a new column, cannot slip
  past: declare it first);
* in protected mode (`threshold` > 0) refuses a table whose counts did not come from the
  cell-key method (`analytics.protect.published` marks them), a count column holding a 1 or
  a 2, and a reason text holding a number other than the view's thresholds (status texts name
  the reason, never a count);
* stamps the table (`attrs["published_as"]`) and writes the line that says what was done to
  it (`attrs["protection_note"]`), which every export, chart and report prints.

Exports, chart downloads and reports call `require(table)`, which refuses an unstamped table
or one that has gained an undeclared column since. See docs/disclosure_control.md.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from analytics.data.reference import REFERENCE

__all__ = ["Output", "GateError", "declarations", "declared", "publish", "require",
           "protection_note", "KINDS"]

#: How a column may be derived, and what each kind promises.
KINDS = {
    "count": "a count of children (or events): perturbed by the cell-key method when protected",
    "total": "the published count of a whole slice (a cell of its own, with its own key)",
    "derived": "computed from this output's published counts only",
    "model": "a model fitted on published cell counts",
    "reason": "a status text naming a reason; no number but the view's thresholds",
    "sentence": "words built from this output's published figures",
    "setting": "a choice of the view (method, window, label of a measure)",
    "external": "a figure published by another body (DfE, ONS), shown as published",
}


class GateError(ValueError):
    """An output that may not leave the analytics layer as it is."""


@dataclass(frozen=True)
class Output:
    """The declaration of one output: what it is, and each column's kind."""

    name: str
    title: str
    columns: dict                     # column -> kind (KINDS)
    keys: tuple                       # label columns beyond the common ones

    @property
    def counts(self) -> list[str]:
        return [c for c, k in self.columns.items() if k in ("count", "total")]

    def kind(self, column: str, keys=()) -> str | None:
        if column in self.columns:
            return self.columns[column]
        if column in self.keys or column in keys or column in _common_keys():
            return "key"
        return None


@lru_cache(maxsize=1)
def _load() -> dict:
    with open(REFERENCE / "outputs.toml", "rb") as f:
        return tomllib.load(f)


@lru_cache(maxsize=1)
def _common_keys() -> frozenset:
    return frozenset(_load()["keys"]["columns"])


@lru_cache(maxsize=1)
def declarations() -> dict[str, Output]:
    """Every declared output by name."""
    out = {}
    for name, spec in _load().items():
        if name == "keys":
            continue
        columns = {}
        for kind in KINDS:
            for col in spec.get(kind, []):
                if col in columns:
                    raise GateError(f"outputs.toml: {name}.{col} is declared twice")
                columns[col] = kind
        unknown = set(spec) - set(KINDS) - {"title", "keys"}
        if unknown:
            raise GateError(f"outputs.toml: {name} has unknown entries {sorted(unknown)}")
        out[name] = Output(name, spec["title"], columns, tuple(spec.get("keys", ())))
    return out


def declared(output: str) -> Output:
    try:
        return declarations()[output]
    except KeyError:
        raise GateError(f"output {output!r} is not declared in data/reference/outputs.toml") from None


def protection_note(threshold: int, *, external: bool = False) -> str:
    """The line every output prints about what was done to its figures (only what was)."""
    if int(threshold) <= 0:
        text = ("Secure setting: true counts, not protected (--suppress 0). For analysts in a "
                "secure environment only; do not publish.")
    else:
        text = ("Protected: every count is perturbed by the cell-key method (changed by at "
                "most 4, the same way wherever the same children are counted; no count of 1 or "
                "2 is shown), and every rate, ratio, interval, test, share and sentence is "
                "computed from the perturbed counts")
        if int(threshold) > 1:
            text += (f"; groups with fewer than {int(threshold)} children show their size only "
                     "([c])")
        text += "."
    if external:
        text += (" Figures published by the Department for Education are shown as published, "
                 "not perturbed.")
    return text


#: A whole number standing alone (not part of a decimal like "Table 6.1"): what a count
#: would look like inside a text.
_WHOLE = re.compile(r"(?<![\d.])\d[\d,]*(?![\d.])")
_PERIOD = re.compile(r"\b\d{4}/\d{2}\b")


def _allowed_numbers(threshold: int, attrs: dict) -> set[float]:
    """The numbers a reason text may hold: the view's thresholds and levels."""
    values = {threshold, attrs.get("min_population", 30), attrs.get("min_events", 5),
              attrs.get("suppression_threshold", threshold)}
    level = attrs.get("level", 0.95)
    values |= {round(float(level) * 100, 6), float(level)}
    return {float(v) for v in values if v is not None}


def _label_numbers(table: pd.DataFrame, keys) -> set[float]:
    """Whole numbers inside the row labels (age bands "10-15", school names): not counts."""
    found = set()
    for col in keys:
        for value in pd.unique(table[col].astype("string").fillna("").to_numpy(dtype=object)):
            found |= {float(n.replace(",", "")) for n in _WHOLE.findall(str(value))}
    return found


def _check_reasons(table: pd.DataFrame, cols: list[str], allowed: set[float], name: str) -> None:
    for col in cols:
        texts = table[col].astype("string").fillna("")
        for text in pd.unique(texts.to_numpy(dtype=object)):
            for number in _WHOLE.findall(_PERIOD.sub("", str(text))):
                if float(number.replace(",", "")) not in allowed:
                    raise GateError(f"{name}: column {col!r} says {text!r}: a reason text may "
                                    "name thresholds only, not counts")


def _check_columns(table: pd.DataFrame, spec: Output, keys=()) -> None:
    missing = [c for c in table.columns if spec.kind(str(c), keys) is None]
    if missing:
        raise GateError(f"output {spec.name!r}: column(s) {missing} are not declared in "
                        "data/reference/outputs.toml (say how each is derived)")


def publish(table: pd.DataFrame, output: str, *, threshold: int, keys=()) -> pd.DataFrame:
    """`table` as output `output` may publish it, stamped; GateError if it may not. `keys`:
    the label columns of a user's own table (any names), beyond the declared ones."""
    spec = declared(output)
    keys = tuple(keys)
    _check_columns(table, spec, keys)
    threshold = int(threshold)
    attrs = dict(table.attrs)
    if attrs.get("protection") == "published":
        # Another body's published statistics (analytics.protect.published): already public,
        # shown as published; the declaration still names every column.
        out = table.copy(deep=False)
        out.attrs = {**attrs, "published_as": output, "published_keys": keys}
        return out
    if threshold > 0:
        if attrs.get("protection") != "cell key":
            raise GateError(f"output {output!r}: its counts did not pass the cell-key method "
                            "(analytics.protect.published) before anything was computed")
        for col in spec.counts:
            if col in table.columns:
                values = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float,
                                                                             na_value=np.nan)
                if np.isin(values, (1, 2)).any():
                    raise GateError(f"output {output!r}: column {col!r} holds a count of 1 or "
                                    "2, which the cell-key method never publishes")
        labels = [c for c in table.columns if spec.kind(c, keys) == "key"]
        _check_reasons(table, [c for c in table.columns if spec.kind(c) == "reason"],
                       _allowed_numbers(threshold, attrs) | _label_numbers(table, labels), output)
    out = table.copy(deep=False)
    external = any(k == "external" for k in spec.columns.values())
    out.attrs = {**attrs, "published_as": output, "published_keys": keys,
                 "suppression_threshold": threshold,
                 "protection": attrs.get("protection", "none") if threshold > 0 else "none",
                 "protection_note": protection_note(threshold, external=external)}
    return out


def shown(display: pd.DataFrame, source: pd.DataFrame) -> pd.DataFrame:
    """`display`, a reader's form of the published table `source` (pivoted, labelled,
    formatted: no figure of its own), carrying `source`'s stamp; GateError if `source` did
    not pass the gate."""
    require(source)
    out = display.copy(deep=False)
    out.attrs = {**display.attrs, **{k: v for k, v in source.attrs.items()
                                     if k.startswith("published") or k.startswith("protection")
                                     or k == "suppression_threshold"}}
    return out


def require(table: pd.DataFrame, *, display: bool = False) -> Output:
    """The declaration a table was published under; GateError if it did not pass the gate
    or has gained a column its declaration does not name. `display`: the table is the
    published one formatted for a reader (readable column names, symbols), so only its
    origin is checked."""
    name = table.attrs.get("published_as")
    if not name:
        raise GateError("this table did not pass the publishing gate "
                        "(analytics.protect.gate.publish); it cannot be exported or drawn")
    spec = declared(name)
    if not display:
        _check_columns(table, spec, table.attrs.get("published_keys", ()))
    return spec
