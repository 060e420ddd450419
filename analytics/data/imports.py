"""One import of one or more files (or a zip of them) into the user store.

What the files are decides what is stored:
* statutory returns (any mix of CIN census, SSDA903 header and episodes, school census and
  exclusions, youth justice extract): read, checked and linked into one record-level
  dataset (analytics.data.returns), with a `returns_info` table saying which populations
  they cover, which outcomes need a population table, and what was left out;
* one ONS Census custom-dataset download: a population table (kind "population");
* one DfE open-data CSV of suspensions and permanent exclusions (analytics.data.ees): council
  figures by major ethnic group (kind "areas"), shown on the "How we compare" page;
* one file in the product's own layout: record-level or aggregate (analytics.data.store).

Everything is read and checked in memory first; nothing is written unless it all passes.
"""
from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

import pandas as pd

from analytics.data import coverage, ees, population, queries, store
from analytics.data.access import LOCAL, User
from analytics.data.readers import MAX_BYTES, SUFFIXES, InputError
from analytics.data.returns import FORMATS, Source, format_of, read_returns
from analytics.data.returns.common import period_label

#: Files a zip may hold (anything else in it is refused, by name).
MEMBER_SUFFIXES = (".csv", ".xml")
ACCEPTED = SUFFIXES + (".xml", ".zip")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def expand(paths, max_bytes: int = MAX_BYTES) -> list[Source]:
    """The files of an import, zips opened (members checked by name and size before they
    are read, so a zip bomb is refused unread)."""
    sources, total = [], 0
    for path in map(Path, paths):
        if not path.is_file():
            raise InputError(path, "no such file")
        if path.suffix.lower() not in ACCEPTED:
            raise InputError(path, f"unsupported file type {path.suffix or '(none)'}; use CSV, "
                                   "XML (CIN census), Excel (.xlsx), Parquet or a zip of them")
        if path.stat().st_size == 0:
            raise InputError(path, "the file is empty")
        if path.suffix.lower() != ".zip":
            total += path.stat().st_size
            if total > max_bytes:                  # refused before it is read
                raise InputError(path, f"the files hold {_size(total)}, over the "
                                       f"{_size(max_bytes)} limit")
            sources.append(Source(path, path.read_bytes()))
        else:
            try:
                archive = zipfile.ZipFile(path)
            except zipfile.BadZipFile:
                raise InputError(path, "not a readable zip file") from None
            with archive:
                for info in archive.infolist():
                    name = PurePosixPath(info.filename)
                    if info.is_dir() or name.name.startswith(".") or "__MACOSX" in name.parts:
                        continue
                    if name.suffix.lower() not in MEMBER_SUFFIXES:
                        raise InputError(path, f"{info.filename} is not a CSV or XML return")
                    total += info.file_size
                    if total > max_bytes:
                        break
                    try:        # zipfile reads no more than the size declared, checks the CRC
                        data = archive.read(info)
                    except (zipfile.BadZipFile, OSError) as e:
                        raise InputError(path, f"{info.filename} cannot be read from the zip "
                                               f"({e})") from None
                    sources.append(Source(Path(name.name), data))
        if total > max_bytes:
            raise InputError(path, f"the files hold {_size(total)}, over the {_size(max_bytes)} limit")
    names = [s.path.name for s in sources]
    twice = {n for n in names if names.count(n) > 1}
    if twice:
        raise InputError(sorted(twice)[0], "two files of the same name in one import")
    if not sources:
        raise InputError(paths[0], "no files to import")
    return sources


def _label(sources: list[Source]) -> str:
    names = [s.path.name for s in sources]
    return names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"


def import_files(paths, name: str | None = None, root: Path | None = None,
                 link: str = "LAchildID", max_bytes: int = MAX_BYTES,
                 user: User = LOCAL) -> store.Imported:
    """Check and store the files of one import as one dataset in `user`'s workspace (see the
    module docstring); InputError, with nothing written, on any problem."""
    paths = [Path(p) for p in paths]
    name = store.check_name(name) if name else store.default_name(paths[0])
    sources = expand(paths, max_bytes)
    returns = [s for s in sources if format_of(s)]
    others = [s for s in sources if not format_of(s)]
    if returns and others:
        raise InputError(others[0].path, "is not a statutory return the product reads, so it "
                                         "cannot be imported together with "
                                         f"{returns[0].path.name}: import it on its own")
    if returns:
        return _store_returns(returns, name, root, user, link)
    if len(others) > 1:
        raise InputError(others[1].path, "several files import together only as the parts of "
                                         "statutory returns; import this one on its own")
    source = others[0]
    if population.looks_like(source.path.name, source.data[:4096]):
        return _store_population(source, name, root, user)
    if ees.looks_like(source.path.name, source.data[:4096]):
        return _store_areas(source, name, root, user)
    if source.path.suffix.lower() not in SUFFIXES:
        raise InputError(source.path, "not a return the product reads (an XML file must be a "
                                      "CIN census)")
    if source.path in paths:
        return store.import_file(source.path, name=name, root=root, max_bytes=max_bytes,
                                 user=user)
    raise InputError(source.path, "a file in the product's own layout imports on its own, not "
                                  "from a zip")


def _store_returns(sources, name, root, user, link) -> store.Imported:
    data = read_returns(sources, link=link)
    label = _label(sources)
    tables, _, level = store.parse_records(data.records, label)
    present = {c for c in data.records.columns if (data.records[c] != "").any()}
    outcomes = coverage.covered_outcomes(present, data.covers)
    paired = coverage.paired_outcomes(present, data.covers)
    info = [("file", Path(f).name, f"{FORMATS[fr.format]}, {', '.join(fr.periods)}")
            for fr in data.frames for f in fr.files]
    info += [("covers", c, "") for c in sorted(data.covers)]
    info += [("paired", o, "") for o in paired]
    info += [("note", str(i), n) for i, n in enumerate(data.notes)]
    info += [("link", link, "")]
    info = pd.DataFrame(info, columns=["kind", "value", "detail"])
    notes = list(data.notes)
    if paired:
        notes.append("rates of " + ", ".join(paired) + " need a population table (the returns "
                     "hold only the children they count): pair them with the Census")
    result = store.Imported(name, "records", len(data.records), outcomes, data.periods, [], level,
                            notes=notes)
    return store.store_dataset(result, {**tables, "returns_info": info}, label, root, user,
                               facts=True)


def _store_population(source: Source, name, root, user) -> store.Imported:
    table = population.read_ons(source.path, source.data)
    result = store.Imported(name, "population", len(table), [], [period_label(2020)],
                            ["group", "sex", "age_low", "age_high"], "five groups",
                            notes=[f"{table['area'].iloc[0]}: {int(table['population'].sum()):,} "
                                   f"people aged {table['age_low'].min()}-{table['age_high'].max()}"])
    return store.store_dataset(result, {"population": table}, source.path, root, user)


def _store_areas(source: Source, name, root, user) -> store.Imported:
    table, notes = ees.read(source.path, source.data)
    result = store.Imported(name, "areas", len(table), sorted(table["indicator"].unique()),
                            sorted(table["period"].unique()),
                            ["la_code", "indicator", "period", "ethnicity"], "dfe_major",
                            notes=notes)
    return store.store_dataset(result, {"areas": table}, source.path, root, user)


def areas_table(con) -> pd.DataFrame:
    """The council figures of an "areas" dataset (analytics.data.areas.COLUMNS)."""
    table = con.execute(queries.render("user_read_table", table="areas")).df()
    for col in ("events", "population"):
        table[col] = table[col].astype("Int64")
    return table


def returns_info(con) -> pd.DataFrame | None:
    """What an imported return holds (kind, value, detail: its files, the populations it
    covers, the outcomes that need a population table, notes), or None for a dataset in the
    product's own layout. `con`: a connection to the dataset's file."""
    if not con.execute(queries.load("user_has_table"), {"table": "returns_info"}).fetchone()[0]:
        return None
    return con.execute(queries.load("user_returns_info")).df()
