"""Statutory returns as councils hold them, read into the product's record-level layout.

One small module per format (cin_census, ssda903, school_census, youth_justice) reads and
checks its files and returns a `ReturnFrame`; `read_returns` reads every return of one import
and joins them into one table of child-years: children who appear in several returns are
linked by the identifier the user chooses (`LAchildID`, `UPN`, or `hash`, a shared
pseudonymous hash held in each return's own identifier field). Identifiers are only used to
link: the stored dataset keeps a number per child, never an identifier. See docs/returns.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analytics.data.ethnicity import group_of
from analytics.data.returns import cin_census, school_census, ssda903, youth_justice
from analytics.data.returns.common import (
    HASH,
    LINKS,
    ReturnError,
    ReturnFrame,
    year_in_name,
)

__all__ = ["LINKS", "FORMATS", "Source", "Returns", "ReturnError", "format_of", "read_returns"]

#: Formats in the order their children's characteristics take precedence when linked
#: returns disagree (the school census is the most carefully kept record of sex and ethnicity).
FORMATS = {"school_census": "school census extract", "cin_census": "CIN census",
           "ssda903": "SSDA903 return", "youth_justice": "youth justice case extract"}
#: Columns describing the child rather than an outcome (never filled in for absent children).
CHARACTERISTICS = ("own_id", "LAchildID", "UPN", "period", "sex", "ethnicity", "age", "fsm",
                   "sen", "school")
#: The identifier field of each format's own child records (for messages about --link hash).
ID_FIELD = {"cin_census": "LAchildID", "ssda903": "CHILD", "school_census": "UPN",
            "youth_justice": "child_id"}


@dataclass
class Source:
    """One file of an import: its name (for messages) and its bytes."""

    path: Path
    data: bytes


@dataclass
class Returns:
    """The joined returns: `records` in the layout parse_records reads (child_id is the link
    key, dropped to a number on storing), the populations they cover completely, and notes."""

    records: pd.DataFrame
    covers: set[str]
    frames: list[ReturnFrame]
    notes: list[str] = field(default_factory=list)

    @property
    def formats(self) -> list[str]:
        return sorted({f.format for f in self.frames}, key=list(FORMATS).index)

    @property
    def periods(self) -> list[str]:
        return sorted(self.records["period"].unique())


def format_of(source: Source) -> tuple[str, str | None] | None:
    """(format, part) of a file if it is a statutory return, else None."""
    suffix = source.path.suffix.lower()
    if suffix == ".xml":
        return ("cin_census", None) if cin_census.looks_like(source.path.name, source.data[:4096]) else None
    if suffix != ".csv":
        return None
    first = source.data[:4096].decode("utf-8-sig", errors="replace").splitlines()
    columns = {c.strip().strip('"') for c in first[0].split(",")} if first else set()
    if part := ssda903.part_of(columns):
        return "ssda903", part
    if part := school_census.part_of(columns):
        return "school_census", part
    if youth_justice.looks_like(columns):
        return "youth_justice", None
    return None


def _frames(sources: list[Source]) -> list[ReturnFrame]:
    """Read each return (pairing SSDA903 header and episodes files by year)."""
    kinds = {s.path: format_of(s) for s in sources}
    by = lambda fmt, part=None: [s for s in sources if kinds[s.path] == (fmt, part)]  # noqa: E731
    frames = [cin_census.read(s.path, s.data) for s in by("cin_census")]
    frames += [youth_justice.read(s.path, s.data) for s in by("youth_justice")]
    frames += [ssda903.read(h.path, h.data, e.path, e.data)
               for h, e in _pairs(by("ssda903", "header"), by("ssda903", "episodes"))]
    census, exclusions = by("school_census", "census"), by("school_census", "exclusions")
    if exclusions and not census:
        raise ReturnError(exclusions[0].path, "an exclusions file needs the school census "
                                              "file(s) of the same years in the same import")
    if census:
        frames.append(school_census.read([(s.path, s.data) for s in census],
                                         [(s.path, s.data) for s in exclusions]))
    return frames


def _pairs(headers: list[Source], episodes: list[Source]) -> list[tuple[Source, Source]]:
    if not headers and not episodes:
        return []
    if len(headers) == 1 and len(episodes) == 1:
        return [(headers[0], episodes[0])]
    if not headers or not episodes:
        lone = (headers or episodes)[0]
        other = "episodes" if headers else "header"
        raise ReturnError(lone.path, f"an SSDA903 return needs its {other} file in the same "
                                     "import")
    pairs = []
    for h in headers:
        year = year_in_name(h.path)
        match = [e for e in episodes if year is not None and year_in_name(e.path) == year]
        if len(match) != 1:
            raise ReturnError(h.path, "cannot tell which episodes file goes with this header "
                                      "file: put the collection year in both names "
                                      "(e.g. SSDA903_2024_header.csv, SSDA903_2024_episodes.csv)")
        pairs.append((h, match[0]))
    unpaired = [e for e in episodes if all(e is not m for _, m in pairs)]
    if unpaired:
        raise ReturnError(unpaired[0].path, "no header file of the same year in the import")
    return pairs


def _keys(frame: ReturnFrame, link: str) -> pd.Series:
    """Each child's link key: the chosen identifier, or (without one) the return's own."""
    rec = frame.records
    if link == "hash":
        bad = ~rec["own_id"].astype(str).str.match(HASH)
        if bad.any():
            raise ReturnError(frame.files[-1], f"with --link hash every child identifier must be "
                                               "a pseudonymous hash (16 or more hexadecimal "
                                               f"characters); {rec['own_id'][bad].iloc[0]!r} is not",
                              field=ID_FIELD[frame.format])
        value = rec["own_id"]
    else:
        value = rec[link] if link in rec else pd.Series(pd.NA, index=rec.index)
    twice = value.notna() & rec.assign(_v=value).duplicated(["_v", "period"], keep=False)
    if twice.any():
        shared = value[twice].iloc[0]
        owners = ", ".join(rec.loc[value == shared, "own_id"].astype(str).unique()[:2])
        raise ReturnError(frame.files[-1], f"{link} {shared!r} belongs to more than one child "
                                           f"({owners}): it cannot link them", field=link)
    own = frame.format + ":" + rec["own_id"].astype(str)
    return ("link:" + value.astype("string")).fillna(own)


def read_returns(sources: list[Source], link: str = "LAchildID") -> Returns:
    """Read, check and join the statutory returns of one import."""
    if link not in LINKS:
        raise ValueError(f"link must be one of {', '.join(LINKS)}, not {link!r}")
    frames = _frames(sources)
    seen: dict[tuple, ReturnFrame] = {}
    for f in frames:
        for p in f.periods:
            if (f.format, p) in seen:
                raise ReturnError(f.files[0], f"a second {FORMATS[f.format]} for {p} (the first "
                                              f"is {Path(seen[f.format, p].files[0]).name})")
            seen[f.format, p] = f
    notes = [n for f in frames for n in f.notes]
    frames = sorted(frames, key=lambda f: list(FORMATS).index(f.format))
    parts = []
    for rank, f in enumerate(frames):
        rec = f.records.copy()
        rec["child_id"] = _keys(f, link).to_numpy()
        rec["_rank"] = rank
        parts.append(rec)
    if len(frames) > 1:
        linked = pd.concat(parts).groupby("child_id")["_rank"].nunique()
        n = int((linked > 1).sum())
        notes.append(f"{n:,} {'child' if n == 1 else 'children'} linked across returns by {link}")
    both = pd.concat(parts, ignore_index=True).sort_values(["_rank"], kind="stable")
    clash = both.assign(group=group_of(both["ethnicity"])).groupby("child_id")[["sex", "group"]].nunique()
    clash = clash[(clash > 1).any(axis=1)]
    if len(clash):
        notes.append(f"{len(clash):,} linked children have a different sex or ethnicity in "
                     "different returns or years: the "
                     + " over the ".join(FORMATS[f] for f in FORMATS) + " was used")
    # one sex and ethnicity per child (first by precedence, then the latest year)
    latest = both.sort_values(["_rank", "period"], ascending=[True, False], kind="stable")
    fixed = latest.groupby("child_id")[["sex", "ethnicity"]].first()
    outcome_cols = [c for c in both.columns
                    if c not in CHARACTERISTICS + ("child_id", "_rank")]
    blank = both.replace("", pd.NA)
    records = blank.groupby(["child_id", "period"], sort=True).first().reset_index()
    records[["sex", "ethnicity"]] = fixed.loc[records["child_id"]].to_numpy()
    for f, rec in zip(frames, parts):      # absent from a return that covers the year: "no"
        for p in f.periods:
            mine = rec[rec["period"] == p]
            absent = (records["period"] == p) & ~records["child_id"].isin(mine["child_id"])
            for c in [c for c in outcome_cols if c in mine and (mine[c] != "").any()]:
                records.loc[absent & records[c].isna(), c] = "0"
    age = pd.to_numeric(records["age"])
    old = age > 17
    if old.any():
        notes.append(f"{int(old.sum()):,} child-years of young people aged 18 or over at the "
                     "start of the year not counted")
    records = records[~old].drop(columns=["own_id", "LAchildID", "UPN", "_rank"], errors="ignore")
    records = records.fillna("").reset_index(drop=True)
    covers = set().union(*(f.covers for f in frames))
    return Returns(records, covers, frames, notes)
