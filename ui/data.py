"""Cached data access: one read-only DuckDB connection per database file and process, a
cursor per query, results cached on their arguments (and the data source) so a rerun
recomputes only what a filter change touched.

The data source is the synthetic borough or one of the datasets the user may see
(analytics.data.store: their own, or shared with one of their groups), chosen in the sidebar.
The list is read from the store on every run, so datasets imported or deleted elsewhere show
at once. Record-level datasets run every query unchanged (a connection to the dataset's own
file); aggregate datasets serve the RRI explorer only.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics.data import audit, store
from analytics.data import counts as counts_mod
from analytics.data.access import LOCAL, User
from analytics.data.db import connect, ensure_database
from analytics.data.db import periods as db_periods
from analytics.data.synthetic import DEFAULT_DB
from analytics.views import adjusted, borough, followup, profiles, tables, trends
from analytics.views.tables import Options
from ui import access

#: Environment variable naming the database file (tests and benchmarks point it elsewhere).
DB_ENV = "DISPROP_DB"
SYNTHETIC = "Synthetic borough"


def db_path() -> Path:
    return Path(os.environ.get(DB_ENV, DEFAULT_DB))


def ensure_built() -> None:
    """On first start, build the synthetic borough in front of the user: a status box in
    the page with a progress bar naming each step (not a spinner hidden in the sidebar)."""
    if db_path().exists():
        return
    with st.status("Building the synthetic borough: first start only, about ten seconds...",
                   expanded=True) as status:
        bar = st.progress(0.0, text="Starting...")
        ensure_database(db_path(), progress=lambda share, text: bar.progress(
            min(share, 1.0), text=f"{text}..."))
        status.update(label="The synthetic borough is ready.", state="complete",
                      expanded=False)


@st.cache_resource(show_spinner=False)
def connection():
    """The process-wide read-only connection (`ensure_built` has built the database)."""
    return connect(ensure_database(db_path()), read_only=True)


@st.cache_resource(show_spinner=False)
def _recovered(root: str) -> list:
    """Once per process and store: remove what interrupted writes left behind."""
    return store.recover(Path(root))


def store_root() -> Path:
    root = store.user_data_dir()
    try:
        _recovered(str(root))
    except OSError:
        pass                          # an unreadable store is reported by datasets()
    return root


def user() -> User:
    """This session's user (app.py has made sure someone is signed in)."""
    return access.current_user() or LOCAL


def new_run() -> None:
    """Called by app.py at the start of every run (and after this session changes the
    store): the next datasets() reads the store afresh."""
    st.session_state.pop("_datasets", None)


def datasets() -> pd.DataFrame:
    """The datasets this user may see, read from the store once per run (never kept longer:
    another session or the command line may have imported or deleted one a moment ago).
    Problems reading the store are in `.attrs["problems"]`; the synthetic borough always
    works."""
    if "_datasets" not in st.session_state:
        try:
            table = store.list_datasets(store_root(), user())
        except store.StoreError as e:
            table = pd.DataFrame(columns=store.CATALOGUE_COLUMNS)
            table.attrs["problems"] = [str(e)]
        st.session_state["_datasets"] = table
    return st.session_state["_datasets"]


#: Dataset kinds that are not a data source: population tables are denominators, "areas" are
#: DfE's published council figures (the "How we compare" page reads them).
NOT_SOURCES = ("population", "areas")


def dataset_names() -> list[str]:
    """Datasets that can be a data source."""
    table = datasets()
    return list(table.loc[~table["kind"].isin(NOT_SOURCES), "id"])


def population_choices() -> dict[str, str]:
    """Population tables to pair counts with: shipped, then imported (id -> label)."""
    from analytics.data import population as pop
    table = datasets()
    imported = table.loc[table["kind"] == "population", "id"]
    return ({name: f"Census 2021: {label}" for name, (_, label) in pop.SHIPPED.items()}
            | {name: f"{name} (imported)" for name in imported})


def source() -> str:
    """The chosen source: SYNTHETIC or a dataset id (falls back if it was deleted)."""
    name = st.session_state.get("source", SYNTHETIC)
    return name if name in dataset_names() else SYNTHETIC


def source_info() -> pd.Series | None:
    """The catalogue row of the chosen user dataset (None for the synthetic borough)."""
    name = source()
    if name == SYNTHETIC:
        return None
    table = datasets()
    match = table[table["id"] == name]
    return None if match.empty else match.iloc[0]


def source_kind() -> str:
    info = source_info()
    return "synthetic" if info is None else info["kind"]


def source_owner() -> str | None:
    """Who owns the chosen source (None: the synthetic borough, everyone's)."""
    info = source_info()
    return None if info is None else info["owner"]


def source_key() -> str:
    """Cache key of the source: its file, unique to one import, so a dataset deleted and
    imported again never reuses old results."""
    info = source_info()
    return SYNTHETIC if info is None else f"{info['id']}@{info['path']}"


@st.cache_resource(show_spinner=False, max_entries=8)
def _dataset_connection(path: str):
    """A read-only connection to one dataset file (files never change once written)."""
    return store.connect_dataset({"path": path})


def _cursor(key: str):
    """A cursor per query: DuckDB connections are not safe to share across threads."""
    if key == SYNTHETIC:
        return connection().cursor()
    path = key.split("@", 1)[1]
    if not Path(path).exists():          # deleted: let go of every cached file
        _dataset_connection.clear()
    return _dataset_connection(path).cursor()


def cursor():
    return _cursor(source_key())


def available_outcomes() -> list[str] | None:
    """Outcomes the source supports (None: all of the catalogue)."""
    info = source_info()
    return None if info is None else list(info["outcomes"])


@st.cache_data(show_spinner=False)
def _periods(key: str) -> list[str]:
    return db_periods(_cursor(key))


def periods() -> list[str]:
    if source_kind() in ("aggregate", "counts"):
        return list(source_info()["periods"]) or ["All"]
    return _periods(source_key())


@st.cache_data(show_spinner=False, max_entries=256)
def _counts(key, outcome, by, periods, cohort, filters):
    return counts_mod.counts(_cursor(key), outcome, by=list(by), periods=list(periods) or None,
                             cohort=cohort, filters=dict(filters))


def counts(outcome: str, by: tuple = (), periods: tuple = (), cohort: str | None = None,
           filters: tuple = ()) -> pd.DataFrame:
    return _counts(source_key(), outcome, tuple(by), tuple(periods), cohort, tuple(filters))


@st.cache_data(show_spinner=False, max_entries=64)
def _outcome_counts(key, outcomes, by, periods, cohort, filters):
    return counts_mod.outcome_counts(_cursor(key), outcomes=list(outcomes) if outcomes else None,
                                     by=list(by), periods=list(periods) or None, cohort=cohort,
                                     filters=dict(filters))


def outcome_counts(outcomes: tuple | None = None, by: tuple = (), periods: tuple = (),
                   cohort: str | None = None, filters: tuple = ()) -> pd.DataFrame:
    outcomes = tuple(outcomes) if outcomes else tuple(available_outcomes() or ()) or None
    return _outcome_counts(source_key(), outcomes, tuple(by), tuple(periods), cohort, tuple(filters))


@st.cache_data(show_spinner=False, max_entries=64)
def _population(key, by, periods, filters):
    return counts_mod.population(_cursor(key), by=list(by), periods=list(periods) or None,
                                 filters=dict(filters))


def population(by: tuple = (), periods: tuple = (), filters: tuple = ()) -> pd.DataFrame:
    return _population(source_key(), tuple(by), tuple(periods), tuple(filters))


@st.cache_data(show_spinner=False, max_entries=64)
def _children(key, by, periods, threshold):
    return borough.children(_cursor(key), by=list(by), periods=list(periods) or None,
                            threshold=threshold)


def children(by: tuple = (), periods: tuple = (), threshold: int = 5) -> pd.DataFrame:
    """Published children by group (the borough page)."""
    return _children(source_key(), tuple(by), tuple(periods), threshold)


@st.cache_data(show_spinner=False, max_entries=16)
def _outcome_totals(key, outcomes, threshold):
    return borough.outcome_totals(_cursor(key), outcomes=outcomes, threshold=threshold)


def outcome_totals(threshold: int = 5) -> pd.DataFrame:
    """Published children with each outcome, year by year (the borough page)."""
    outcomes = tuple(available_outcomes() or ()) or None
    return _outcome_totals(source_key(), outcomes, threshold)


@st.cache_data(show_spinner=False)
def _groups(key, level):
    return sorted(counts_mod.population(_cursor(key), by=[level])[level].astype(str))


def groups(level: str) -> list[str]:
    """The groups present at an ethnicity level, for the reference-group choice."""
    if source_kind() in ("aggregate", "counts"):
        return []
    return _groups(source_key(), level)


@st.cache_data(show_spinner="Computing...", max_entries=128)
def _rri_for_outcome(key, outcome, breakdown, periods, filters, options, by_period):
    return tables.rri_for_outcome(_cursor(key), outcome, list(breakdown), list(periods),
                                 filters=dict(filters), options=options, by_period=by_period)


def rri_for_outcome(outcome: str, breakdown: tuple, periods: tuple, filters: tuple,
                    options: Options, by_period: bool = False) -> pd.DataFrame:
    return _rri_for_outcome(source_key(), outcome, tuple(breakdown), tuple(periods), tuple(filters),
                            options, by_period)


@st.cache_data(show_spinner="Computing...", max_entries=64)
def _trend_table(key, outcome, breakdown, filters, options, pool):
    return trends.trend_table(_cursor(key), outcome, list(breakdown), filters=dict(filters),
                              options=options, pool=pool)


def trend_table(outcome: str, breakdown: tuple, filters: tuple, options: Options,
                pool: int = 1) -> pd.DataFrame:
    """One outcome in every period (or window of `pool`), as on the trends page."""
    return _trend_table(source_key(), outcome, tuple(breakdown), tuple(filters), options,
                        int(pool))


@st.cache_data(show_spinner="Computing...", max_entries=32)
def _rri_matrix(key, breakdown, periods, filters, options, outcomes, by_period):
    return tables.rri_matrix(_cursor(key), list(breakdown), list(periods), filters=dict(filters),
                            options=options, outcomes=list(outcomes) if outcomes else None,
                            by_period=by_period)


def rri_matrix(breakdown: tuple, periods: tuple, filters: tuple, options: Options,
               outcomes: tuple | None = None, by_period: bool = False) -> pd.DataFrame:
    outcomes = tuple(outcomes) if outcomes else tuple(available_outcomes() or ()) or None
    return _rri_matrix(source_key(), tuple(breakdown), tuple(periods), tuple(filters), options,
                       outcomes, by_period)


@st.cache_data(show_spinner="Computing...", max_entries=64)
def _profile(key, cohort, periods, options, outcomes):
    o = options
    return profiles.profile(_cursor(key), cohort, list(periods), outcomes=outcomes,
                            level=o.level, ci=o.ci, adjust=o.adjust,
                            min_population=o.min_population, min_events=o.min_events,
                            suppress=o.suppress)


def profile(cohort: str, periods: tuple, options: Options) -> pd.DataFrame:
    outcomes = available_outcomes()
    return _profile(source_key(), cohort, tuple(periods), options,
                    tuple(outcomes) if outcomes is not None else None)


@st.cache_data(show_spinner="Fitting the model...", max_entries=32)
def _explain(key, outcome, breakdown, periods, characteristics, filters, options):
    return adjusted.explain_table(_cursor(key), outcome, list(breakdown), list(periods),
                                  list(characteristics), filters=dict(filters), options=options)


def explain(outcome: str, breakdown: tuple, periods: tuple, characteristics: tuple,
            filters: tuple, options: Options) -> pd.DataFrame:
    """Crude, standardised and adjusted ratios (analytics.views.adjusted), cached."""
    return _explain(source_key(), outcome, tuple(breakdown), tuple(periods),
                    tuple(characteristics), tuple(filters), options)


@st.cache_data(show_spinner="Following children up...", max_entries=32)
def _followup(key, breakdown, years, outcomes, filters, options):
    return followup.followup_table(_cursor(key), list(breakdown), years=years,
                                   outcomes=list(outcomes), filters=dict(filters), options=options)


def followup_table(breakdown: tuple, years: int, outcomes: tuple, filters: tuple,
                   options: Options) -> pd.DataFrame:
    """Later outcomes of excluded and not-excluded children (analytics.views.followup)."""
    return _followup(source_key(), tuple(breakdown), int(years), tuple(outcomes), tuple(filters),
                     options)


@st.cache_data(show_spinner="Following children up...", max_entries=32)
def _school_followup(key, years, outcomes, filters, options):
    return followup.school_followup(_cursor(key), years=years, outcomes=list(outcomes),
                                    filters=dict(filters), options=options)


def school_followup(years: int, outcomes: tuple, filters: tuple, options: Options) -> pd.DataFrame:
    return _school_followup(source_key(), int(years), tuple(outcomes), tuple(filters), options)


@st.cache_data(show_spinner=False, max_entries=32)
def _yj_history(key, breakdown, filters, options):
    return followup.yj_history(_cursor(key), list(breakdown), filters=dict(filters),
                               options=options)


def yj_history(breakdown: tuple, filters: tuple, options: Options) -> pd.DataFrame:
    """The youth-justice cohort's history (analytics.views.followup), all years pooled."""
    return _yj_history(source_key(), tuple(breakdown), tuple(filters), options)


@st.cache_data(show_spinner=False, max_entries=16)
def _aggregate(key: str) -> pd.DataFrame:
    return store.aggregate_table(_cursor(key))


def aggregate() -> pd.DataFrame:
    """The chosen aggregate dataset's counts table."""
    return _aggregate(source_key())


@st.cache_data(show_spinner="Computing...", max_entries=64)
def _benchmark(key, outcome, periods, by_sex, filters, options, benchmark):
    from analytics.data.reference import outcome as get_outcome
    from analytics.views.benchmark import compare
    local = counts_mod.counts(_cursor(key), outcome, by=["ethnicity_code"] + (["sex"] if by_sex else []),
                              periods=list(periods), filters=dict(filters))
    return compare(local, outcome, list(periods), benchmark=benchmark, by_sex=by_sex,
                   options=options, unit=int(get_outcome(outcome)["unit"]))


def benchmark(outcome: str, periods: tuple, by_sex: bool, filters: tuple, options: Options,
              name: str = "england") -> pd.DataFrame:
    """The source's counts beside a benchmark's figures (analytics.views.benchmark)."""
    return _benchmark(source_key(), outcome, tuple(periods), by_sex, tuple(filters), options, name)


@st.cache_data(show_spinner=False)
def national(outcome: str, options: Options) -> pd.DataFrame:
    from analytics.views.benchmark import national as national_figures
    return national_figures(outcome, options=options)


@st.cache_data(show_spinner=False)
def _returns_info(key: str) -> pd.DataFrame | None:
    from analytics.data.imports import returns_info as info
    return info(_cursor(key))


def returns_info() -> pd.DataFrame | None:
    """What the chosen dataset's statutory returns hold (None: synthetic or own layout)."""
    return None if source_kind() != "records" else _returns_info(source_key())


def paired_outcomes() -> list[str]:
    """Outcomes of the source that need a population table for their rates."""
    info = returns_info()
    return [] if info is None else list(info.loc[info["kind"] == "paired", "value"])


@st.cache_data(show_spinner=False, max_entries=16)
def _population_table(name: str, path: str) -> pd.DataFrame:
    """A population table (`path`: the imported dataset's file, keying the cache)."""
    from analytics.data import population as pop
    return pop.load(name, store_root(), user())


def _population_key(name: str) -> tuple[str, str]:
    table = datasets()
    match = table.loc[table["id"] == name, "path"]
    return name, (str(match.iloc[0]) if len(match) else "shipped")


def population_ages(population_name: str, choices) -> list[tuple]:
    """The age ranges (of `choices`) a population table gives exactly."""
    from analytics.data import population as pop
    table = _population_table(*_population_key(population_name))
    return [a for a in choices if pop.covers(table, *a)]


@st.cache_data(show_spinner="Computing...", max_entries=64)
def _paired(key, outcome, periods, population, by_sex, options):
    from analytics.views.denominators import AGE_BANDS, ages_for, paired_rri
    table = _population_table(*population)
    low, high, _ = ages_for(outcome, table)
    bands = AGE_BANDS[(low, high)]
    events = counts_mod.counts(_cursor(key), outcome, by=["ethnicity_code"] + (["sex"] if by_sex else []),
                               periods=list(periods), filters={"age_band": bands} if bands else None)
    return paired_rri(events, outcome, list(periods), table, by_sex=by_sex, options=options)


def paired(outcome: str, periods: tuple, population_name: str, by_sex: bool,
           options: Options) -> pd.DataFrame:
    """A records source's events over a population table (analytics.views.denominators)."""
    return _paired(source_key(), outcome, tuple(periods), _population_key(population_name),
                   by_sex, options)


@st.cache_data(show_spinner="Computing...", max_entries=32)
def _paired_counts(key, outcome, period, population, ages, options):
    from analytics.views.denominators import paired_rri
    table = _aggregate(key)
    if "period" in table and period is not None:
        table = table[table["period"] == period]
    table = table.drop(columns=[c for c in ("period", "outcome") if c in table])
    eth = next(c for c in table.columns if "ethnic" in c.lower())
    return paired_rri(table, outcome, [period] if period else [], _population_table(*population),
                      column=eth, by_sex="sex" in table.columns, options=options, ages=ages)


def paired_counts(outcome: str, period: str | None, population_name: str, ages: tuple,
                  options: Options) -> pd.DataFrame:
    """A counts-only source's events over a population table."""
    return _paired_counts(source_key(), outcome, period, _population_key(population_name), ages,
                          options)


def forget_deleted() -> None:
    """After a delete: close cached connections so the deleted file's space is freed."""
    _dataset_connection.clear()


def audited(action: str, what: str, make, suppress: int | None = None, dataset: str | None = None):
    """`make` (a download's data function) that first writes an audit entry: who, what,
    which data, protection mode. Built in the page run (who is known there); the returned
    function may run on a download thread."""
    who, root = user(), store_root()
    dataset = dataset if dataset is not None else source_label()

    def run():
        audit.record(root, who, action, what, dataset=dataset,
                     protection=audit.protection_label(suppress))
        return make()
    return run


def source_label() -> str:
    """The source as the audit log names it."""
    info = source_info()
    return "synthetic borough" if info is None else f"{info['owner']}/{info['name']}"


def board_pack(key: str, note: str, breakdown, periods, filters, options: Options,
               describe: str, comparison_label: str, meta: dict, outcomes=None,
               progress=None) -> str:
    """The board pack for a view (`key` from `source_key()`, `outcomes` the ones the source
    holds), reporting its steps to `progress(share, text)`."""
    from analytics.outputs import reports
    return reports.board_pack(_cursor(key), breakdown=breakdown, periods=periods,
                              filters=dict(filters), options=options, describe=describe,
                              comparison_label=comparison_label, meta=meta, source_note=note,
                              outcomes=outcomes, progress=progress)


def court_report(key: str, note: str, ethnicity: str, options: Options, meta: dict,
                 progress=None) -> str:
    from analytics.outputs import reports
    return reports.court_report(_cursor(key), ethnicity=ethnicity, options=options, meta=meta,
                                source_note=note, progress=progress)


def source_note() -> str:
    info = source_info()
    return ("Synthetic data - not real children." if info is None
            else f"Your data: {info['name']} (from {info['source_file']}).")


def may_unprotect() -> bool:
    """May this user switch protection off on the current source (their own work)?"""
    return user().may_unprotect(source_owner())


# -- How we compare: DfE's published council figures ----------------------------------------

def area_datasets() -> tuple:
    """(id, file) of the imported DfE council figures this user may see, oldest first (a
    later import of the same year wins)."""
    table = datasets()
    table = table[table["kind"] == "areas"]
    return tuple(zip(table["id"], table["path"].astype(str)))


@st.cache_data(show_spinner=False, max_entries=8)
def _area_figures(keys: tuple) -> pd.DataFrame:
    from analytics.data import areas
    from analytics.data.imports import areas_table
    tables = []
    for _, path in keys:
        with store.connect_dataset({"path": path}) as con:
            tables.append(areas_table(con))
    return areas.figures(tables)


def area_figures() -> pd.DataFrame:
    """The shipped council figures with the imported years laid over them."""
    return _area_figures(area_datasets())


@st.cache_data(show_spinner="Comparing every council...", max_entries=16)
def _every_area(keys: tuple, indicator: str, period: str, level: float) -> pd.DataFrame:
    from analytics.views.areas import every_area
    return every_area(_area_figures(keys), indicator, period, level=level)


def every_area(indicator: str, period: str, level: float = 0.95) -> pd.DataFrame:
    """Every council's rates, RRIs and ranks (analytics.views.areas.every_area), cached."""
    return _every_area(area_datasets(), indicator, period, float(level))


@st.cache_data(show_spinner=False, max_entries=32)
def _own_area(key: str, indicator: str, period: str, options: Options):
    from analytics.views.areas_own import own_figures
    return own_figures(_cursor(key), indicator, period, options)


def own_area_figures(indicator: str, period: str, options: Options) -> pd.DataFrame | None:
    """The data source's own figures for the indicator and year by the five groups,
    protected (None: the source holds no records for that year)."""
    return _own_area(source_key(), indicator, period, options)
