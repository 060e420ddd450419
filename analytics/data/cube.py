"""The counts cube: every count a view needs, pre-aggregated once, so that a view takes time
independent of the number of children.

Built with the synthetic database and on import of a record-level dataset (`build`), from
the `facts` view, into three kinds of table (docs/architecture.md, "The counts cube"):

* **cell cubes** (`CELL_CUBES`): one row per combination of breakdown columns and period
  that occurs, with per flag the eligible child-periods and per outcome pair the
  child-periods with the outcome while eligible, each beside its cell key (sum of record
  keys mod 256). Counts and keys add up over cells and periods, so any coarser breakdown,
  filter, cohort of these columns and window of periods is a sum of cells: exactly the
  row scan's numbers and keys.
* **the mask cube** (`cube_masks`): children counted by their fixed characteristics
  (ethnicity, sex) and, per outcome pair, the bit masks of the periods in which they were
  eligible and had the outcome. Pooled windows count the same child in several periods, and
  their intervals need per-child sums of squares, which do not add up over periods; from
  the masks they follow exactly for *any* window, when every group column is fixed per
  child (each child is then one cluster of one group).
* `cube_info`, `cube_pairs`, `cube_periods`: what the planner reads.

`counts` answers a counts request from the smallest cube table that has every column it
uses, or returns None, and the caller scans the rows (analytics.data.counts). What falls
back to the rows: a flag pair the catalogue does not have; a column no cube has (a cohort
defined by `cin`, say); and pooled windows whose groups, filters or cohort use a
characteristic that can change from year to year (FSM, SEN, care, age, school, exclusion),
because a child's per-group cluster then depends on the whole breakdown. Cohort follow-ups
and the adjusted model's per-child counts scan the rows by design.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.data import queries
from analytics.data.reference import outcome_catalogue

#: Layout of the cube tables; a database with another version is answered from the rows.
VERSION = 1
#: Characteristics fixed per child (a child is one cluster of one group at these columns).
FIXED = ("ethnicity_code", "ethnicity_minor", "ethnicity_major", "sex")
#: Columns each cell cube can group and filter by. Columns functionally dependent on the
#: breakdown ride along without adding rows: ethnicity groups on the code, age band on age,
#: phase on school, the characteristic flags on their status columns.
_COMMON = ("period", *FIXED, "fsm_status", "fsm", "sen_status", "sen_support", "ehcp",
           "sen_any", "care_status", "looked_after", "age_band")
CELL_CUBES = {
    "cube_school": _COMMON + ("school", "school_phase"),
    "cube_base": _COMMON + ("age", "excluded_ever"),
}
#: Characteristic flags and single-year age that cubes carry as grouping columns (beside the
#: breakdown dimensions), so that cohorts defined by them are sums of cells.
FLAG_COLUMNS = frozenset({"fsm", "sen_support", "ehcp", "sen_any", "looked_after",
                          "excluded_ever", "age"})
#: Column types of the fixed characteristics in cube_masks.
_FIXED_TYPES = {c: "VARCHAR" for c in FIXED}
#: Periods a mask can hold (bits of a BIGINT).
MAX_MASK_PERIODS = 63
#: Children per slice when building the mask cube (bounds the build's memory).
SLICE = 2_000_000

_disabled = contextvars.ContextVar("cube_disabled", default=False)


@contextmanager
def disabled():
    """Within this block every count is scanned from the rows (tests compare the two)."""
    token = _disabled.set(True)
    try:
        yield
    finally:
        _disabled.reset(token)


def cube_pairs() -> list[tuple[str, str]]:
    """The outcome pairs the cube counts: the catalogue's, and every child (population)."""
    cat = outcome_catalogue()
    pairs = [("all_children", "all_children")] + list(zip(cat["numerator"], cat["denominator"]))
    return list(dict.fromkeys(pairs))


def _flag(name: str) -> str:
    return queries.identifier(name, queries.FLAGS)


def _measure_names(pairs) -> tuple[list[str], list[tuple[str, str, str]]]:
    """(denominator flags, [(numerator, denominator, event column stem)])."""
    dens = list(dict.fromkeys(_flag(d) for _, d in pairs))
    events = [(_flag(n), _flag(d), f"e__{n}__{d}") for n, d in pairs]
    return dens, events


# -- building -----------------------------------------------------------------------------

def _cell_measures(pairs) -> str:
    """Counts and keys per flag and pair (CASE sums: several times quicker than FILTER)."""
    dens, events = _measure_names(pairs)
    parts = []
    for cond, count, key in ([(d, f"n__{d}", f"nk__{d}") for d in dens]
                             + [(f"{n} AND {d}", stem, stem.replace("e__", "ek__", 1))
                                for n, d, stem in events]):
        parts += [f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END)::INTEGER AS {count}",
                  f"(sum(CASE WHEN {cond} THEN record_key ELSE 0 END) % $key_space)::SMALLINT "
                  f"AS {key}"]
    return ",\n    ".join(parts)


def _columns(names) -> str:
    allowed = set(queries.DIMENSIONS) | FLAG_COLUMNS
    return ",\n    ".join(queries.identifier(c, allowed) for c in names)


def build(con: duckdb.DuckDBPyConnection, key_space: int, slice_size: int = SLICE) -> None:
    """Build (or rebuild) every cube table from the `facts` view of a writable connection.
    Each cell cube is one scan of the rows (cheaper in memory than deriving both from a
    finer one); the mask cube is built from slices of the children."""
    pairs = cube_pairs()
    params = {"key_space": int(key_space)}
    con.execute(queries.load("cube_info"))
    con.execute(queries.load("cube_pairs"))
    con.execute(queries.load("cube_pairs_insert"),
                {"numerators": [n for n, _ in pairs], "denominators": [d for _, d in pairs]})
    for name, columns in CELL_CUBES.items():
        con.execute(queries.render("cube_cells", table=name, columns=_columns(columns),
                                   measures=_cell_measures(pairs)), params)
        con.execute(queries.render("cube_info_insert", table=name),
                    {"name": name, "kind": "cells", "columns": list(columns),
                     "version": VERSION})
    periods = [r[0] for r in con.execute(queries.load("periods")).fetchall()]
    con.execute(queries.load("cube_periods"), {"periods": periods})
    if 0 < len(periods) <= MAX_MASK_PERIODS:
        _build_masks(con, pairs, params, len(periods), slice_size)


def _build_masks(con, pairs, params: dict, n_periods: int, slice_size: int) -> None:
    """cube_masks, from the children in slices of `slice_size` child ids. Each child's
    period masks are packed several to a BIGINT (one aggregate instead of one per flag)."""
    dens, events = _measure_names(pairs)
    fixed = _columns(FIXED)
    flags = [d for d in dens] + [f"{n} AND {d}" for n, d, _ in events]
    per = MAX_MASK_PERIODS // n_periods
    place = {f: (j // per, (j % per) * n_periods) for j, f in enumerate(flags)}
    packed = []
    for a in range(0, len(flags), per):
        terms = [f"(CASE WHEN {f} THEN p.bit << {place[f][1]} ELSE 0 END)"
                 for f in flags[a:a + per]]
        packed.append(f"bit_or({' | '.join(terms)}) AS packed{a // per}")
    child_masks = queries.render(
        "cube_child_masks", fixed=",\n    ".join(f"any_value(f.{c}) AS {c}" for c in FIXED),
        masks=",\n    ".join(packed))
    full = (1 << n_periods) - 1

    def unpack(flag: str) -> str:
        acc, shift = place[flag]
        return f"((packed{acc} >> {shift}) & {full})"

    con.execute(queries.render("cube_masks_parts", fixed_types=",\n    ".join(
        f"{c} {t}" for c, t in _FIXED_TYPES.items())))
    lo, hi = con.execute(queries.load("cube_child_range")).fetchone()
    if lo is not None:
        for start in range(int(lo), int(hi) + 1, slice_size):
            con.execute(child_masks, {"lo": start, "hi": start + slice_size - 1})
            for i, (n, d, _) in enumerate(events):
                con.execute(queries.render("cube_masks_insert", fixed=fixed, x=unpack(d),
                                           y=unpack(f"{n} AND {d}")), {**params, "pair": i})
    con.execute(queries.render("cube_masks", fixed=fixed), params)
    con.execute(queries.render("cube_drop_table", table="cube_child_masks"))
    con.execute(queries.render("cube_drop_table", table="cube_masks_parts"))
    con.execute(queries.render("cube_info_insert", table="cube_masks"),
                {"name": "cube_masks", "kind": "masks", "columns": list(FIXED),
                 "version": VERSION})


# -- answering ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    """A counts request as analytics.data.counts.flag_counts builds it: the outcome pairs,
    the SELECT items and names of the group columns, the filter condition, the bound values,
    the windows ({label: [periods]}) and every column the request reads."""

    pairs: tuple
    items: tuple
    names: tuple
    filter: str
    params: dict
    windows: dict
    columns: frozenset

    @property
    def pooled(self) -> bool:
        return any(len(ps) > 1 for ps in self.windows.values())


def _info(con) -> tuple[list[dict], dict] | None:
    """(cube tables in size order, {pair: index}) of the database, or None without a
    current cube."""
    try:
        cursor = con.execute(queries.load("cube_read_info"))
        names = [d[0] for d in cursor.description]
        info = [dict(zip(names, row)) for row in cursor.fetchall()]
    except duckdb.CatalogException:
        return None
    info = [table for table in info if table["version"] == VERSION]
    if not info:
        return None
    return info, {(n, d): int(i) for i, n, d in info[0]["pairs"]}


#: The window fragments of queries/cube_counts.sql (fixed SQL, values bound).
_LABEL_IS_PERIOD = "period"
_LABEL_LOOKED_UP = "$window_labels[list_position($window_periods, period)]"
_EVERY_PERIOD = "TRUE"
_PERIODS_ASKED = "list_contains($window_periods, period)"


def periods(con) -> list[str] | None:
    """The periods of the data in order, as the cube recorded them (None without a cube)."""
    found = None if _disabled.get() else _info(con)
    return None if found is None else list(found[0][0]["periods"])


def current(con) -> bool:
    """Whether the connection's database has a cube of this layout."""
    return _info(con) is not None


def plan(con, request: Request) -> tuple[str | None, str]:
    """(cube table to count from, or None for the row scan; why)."""
    table, why, _ = _plan(con, request)
    return table, why


def _plan(con, request: Request) -> tuple[str | None, str, tuple | None]:
    """plan(), with what `_info` read (the cube's tables and pairs, read once for both)."""
    if _disabled.get():
        return None, "the cube is switched off", None
    found = _info(con)
    if found is None:
        return None, "the database has no cube", None
    info, index = found
    missing = [p for p in request.pairs if tuple(p) not in index]
    if missing:
        return None, f"the cube does not count the pair {missing[0]}", found
    fits = [t for t in info if t["kind"] == "cells" and request.columns <= set(t["columns"])]
    if not fits:
        return None, f"no cube has the columns {sorted(request.columns)}", found
    if request.pooled:
        if not request.columns <= set(FIXED):
            changing = sorted(request.columns - set(FIXED))
            return None, (f"pooled windows with {', '.join(changing)} (a characteristic that "
                          "can change between periods) need per-child sums from the rows"), found
        if not any(t["kind"] == "masks" for t in info):
            return None, "the cube has no period masks (too many periods)", found
    return str(fits[0]["name"]), "cube", found


def counts(con, request: Request) -> pd.DataFrame | None:
    """The wide counts table of `request` (as queries/counts.sql returns it) from the cube,
    or None when the cube cannot answer it exactly (the caller scans the rows)."""
    table, _, found = _plan(con, request)
    if table is None:
        return None
    info = found[0]
    # Each count column once (outcomes share a denominator), then one column per pair.
    sources = {}
    for i, (num, den) in enumerate(request.pairs):
        sources[f"e{i}"] = f"e__{_flag(num)}__{_flag(den)}"
        sources[f"n{i}"] = f"n__{_flag(den)}"
    aggregates = []
    for column in dict.fromkeys(sources.values()):
        key = column.replace("__", "k__", 1)
        aggregates += [f"sum({column})::BIGINT AS {column}",
                       f"(sum({key}) % $key_space)::BIGINT AS {key}"]
    asked = request.params["window_periods"]
    overlapping = len(set(asked)) < len(asked)
    label = (_LABEL_IS_PERIOD if all(list(ps) == [w] for w, ps in request.windows.items())
             else _LABEL_LOOKED_UP)
    where = _EVERY_PERIOD if set(asked) >= set(info[0]["periods"]) else _PERIODS_ASKED
    sep = ",\n    "
    sql = queries.render(
        "cube_counts_overlapping" if overlapping else "cube_counts",
        cube=queries.identifier(table, CELL_CUBES), group_select=sep.join(request.items),
        filter=request.filter, aggregates=sep.join(aggregates), window_label=label,
        periods=where)
    # DuckDB refuses values bound but not used: the window lists only where the SQL uses them
    params = {k: v for k, v in request.params.items()
              if k not in ("window_labels", "window_periods") or f"${k}" in sql}
    read = con.execute(sql, params).df().sort_values(
        ["window_label", *request.names], ignore_index=True)
    names = {name: name for name in (*request.names, "window_label")}
    for i in range(len(request.pairs)):
        for name in (f"e{i}", f"n{i}"):
            names[name] = sources[name]
            names[f"{name[0]}k{i}"] = sources[name].replace("__", "k__", 1)
    wide = read[list(names.values())]
    wide.columns = list(names)
    if request.pooled:
        wide = _with_squares(con, request, wide, found)
    return wide


_SQUARES = ("syy", "sxy", "sxx")


def _with_squares(con, request: Request, wide: pd.DataFrame, found: tuple) -> pd.DataFrame:
    """`wide` with each pair's per-child sums of squares from the mask cube, in the row
    scan's column order (e, ek, n, nk, syy, syyk, sxy, sxyk, sxx, sxxk per pair); `found` is
    what `_info` read (the periods' bits and the pairs' indexes)."""
    info, index = found
    bits = dict(zip(info[0]["periods"], info[0]["bits"]))
    labels = list(request.windows)
    masks = [sum(int(bits.get(p, 0)) for p in set(request.windows[w])) for w in labels]
    ids = [index[tuple(p)] for p in request.pairs]
    params = {k: v for k, v in request.params.items() if k != "window_periods"}
    params.update(window_labels=labels, window_masks=masks, pairs=sorted(set(ids)))
    sql = queries.render("cube_squares", group_select=",\n    ".join(request.items),
                         filter=request.filter)
    long = con.execute(sql, params).df()
    keys = ["window_label", *request.names]
    measures = [f"{name}{k}" for name in _SQUARES for k in ("", "k")]
    per_pair = long.set_index(keys + ["pair"])[measures].unstack("pair")
    squares = pd.DataFrame({f"{m}{i}": per_pair[(m, pid)] if (m, pid) in per_pair else 0
                            for i, pid in enumerate(ids) for m in measures},
                           index=per_pair.index)
    out = wide.merge(squares.reset_index(), on=keys, how="left")
    order = keys + [f"{name}{k}{i}" for i in range(len(ids))
                    for name in ("e", "n", *_SQUARES) for k in ("", "k")]
    out = out[order]
    square_cols = [c for c in order[len(keys):] if c[:3] in _SQUARES]
    out[square_cols] = out[square_cols].fillna(0).astype("int64")
    return out
