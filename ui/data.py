"""Cached data access: one read-only DuckDB connection per database file and process, a
cursor per query, results cached on their arguments (and the data source) so a rerun
recomputes only what a filter change touched.

The data source is the synthetic borough or one of the user's imported datasets
(analytics.data.store), chosen in the sidebar. Record-level datasets run every query unchanged
(a cursor whose schema is the dataset's); aggregate datasets serve the RRI explorer only.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics.data import counts as counts_mod
from analytics.data import store
from analytics.data.db import connect, ensure_database
from analytics.data.db import periods as db_periods
from analytics.data.synthetic import DEFAULT_DB
from analytics.views import profiles, tables, trends
from analytics.views.tables import Options

#: Environment variable naming the database file (tests and benchmarks point it elsewhere).
DB_ENV = "DISPROP_DB"
SYNTHETIC = "Synthetic borough"


def db_path() -> Path:
    return Path(os.environ.get(DB_ENV, DEFAULT_DB))


@st.cache_resource(show_spinner="Building the synthetic borough (first start only)...")
def connection():
    """The process-wide read-only connection; the database is built on first start."""
    return connect(ensure_database(db_path()), read_only=True)


@st.cache_resource(show_spinner=False, max_entries=4)
def user_connection(path: str, version: float):
    """A read-only connection to the user database as it is at `version` (its mtime)."""
    return connect(path, read_only=True)


def user_version() -> float:
    path = store.user_db_path()
    return path.stat().st_mtime if path.exists() else 0.0


@st.cache_data(show_spinner=False)
def datasets(version: float) -> pd.DataFrame:
    return store.list_datasets()


def dataset_names() -> list[str]:
    """Datasets that can be a data source (population tables are denominators, not sources)."""
    table = datasets(user_version())
    return list(table.loc[table["kind"] != "population", "name"])


def population_choices() -> dict[str, str]:
    """Population tables to pair counts with: shipped, then imported (name -> label)."""
    from analytics.data import population as pop
    table = datasets(user_version())
    imported = table.loc[table["kind"] == "population", "name"]
    return ({name: f"Census 2021: {label}" for name, (_, label) in pop.SHIPPED.items()}
            | {name: f"{name} (imported)" for name in imported})


def source() -> str:
    """The chosen source: SYNTHETIC or a dataset name (falls back if it was deleted)."""
    name = st.session_state.get("source", SYNTHETIC)
    return name if name in dataset_names() else SYNTHETIC


def source_info() -> pd.Series | None:
    """The catalogue row of the chosen user dataset (None for the synthetic borough)."""
    name = source()
    if name == SYNTHETIC:
        return None
    table = datasets(user_version())
    return table[table["name"] == name].iloc[0]


def source_kind() -> str:
    info = source_info()
    return "synthetic" if info is None else info["kind"]


def source_key() -> str:
    """Cache key of the source: a re-imported dataset never reuses old results."""
    name = source()
    return name if name == SYNTHETIC else f"{name}@{user_version()}"


def _cursor(key: str):
    """A cursor per query: DuckDB connections are not safe to share across threads."""
    if key == SYNTHETIC:
        return connection().cursor()
    name = key.split("@")[0]
    return store.records_cursor(user_connection(str(store.user_db_path()), user_version()), name)


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


@st.cache_data(show_spinner=False, max_entries=16)
def _aggregate(key: str) -> pd.DataFrame:
    name = key.split("@")[0]
    return store.aggregate_table(user_connection(str(store.user_db_path()), user_version()), name)


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
    return info(user_connection(str(store.user_db_path()), user_version()), key.split("@")[0])


def returns_info() -> pd.DataFrame | None:
    """What the chosen dataset's statutory returns hold (None: synthetic or own layout)."""
    return None if source_kind() != "records" else _returns_info(source_key())


def paired_outcomes() -> list[str]:
    """Outcomes of the source that need a population table for their rates."""
    info = returns_info()
    return [] if info is None else list(info.loc[info["kind"] == "paired", "value"])


@st.cache_data(show_spinner=False, max_entries=16)
def _population_table(name: str, version: float) -> pd.DataFrame:
    from analytics.data import population as pop
    return pop.load(name)


@st.cache_data(show_spinner="Computing...", max_entries=64)
def _paired(key, outcome, periods, population_name, by_sex, options, version):
    from analytics.views.denominators import AGE_BANDS, ages_for, paired_rri
    table = _population_table(population_name, version)
    low, high, _ = ages_for(outcome, table)
    bands = AGE_BANDS[(low, high)]
    events = counts_mod.counts(_cursor(key), outcome, by=["ethnicity_code"] + (["sex"] if by_sex else []),
                               periods=list(periods), filters={"age_band": bands} if bands else None)
    return paired_rri(events, outcome, list(periods), table, by_sex=by_sex, options=options)


def population_ages(population_name: str, choices) -> list[tuple]:
    """The age ranges (of `choices`) a population table gives exactly."""
    from analytics.data import population as pop
    table = _population_table(population_name, user_version())
    return [a for a in choices if pop.covers(table, *a)]


def paired(outcome: str, periods: tuple, population_name: str, by_sex: bool,
           options: Options) -> pd.DataFrame:
    """A records source's events over a population table (analytics.views.denominators)."""
    return _paired(source_key(), outcome, tuple(periods), population_name, by_sex, options,
                   user_version())


@st.cache_data(show_spinner="Computing...", max_entries=32)
def _paired_counts(key, outcome, period, population_name, ages, options, version):
    from analytics.views.denominators import paired_rri
    table = _aggregate(key)
    if "period" in table and period is not None:
        table = table[table["period"] == period]
    table = table.drop(columns=[c for c in ("period", "outcome") if c in table])
    eth = next(c for c in table.columns if "ethnic" in c.lower())
    return paired_rri(table, outcome, [period] if period else [],
                      _population_table(population_name, version), column=eth,
                      by_sex="sex" in table.columns, options=options, ages=ages)


def paired_counts(outcome: str, period: str | None, population_name: str, ages: tuple,
                  options: Options) -> pd.DataFrame:
    """A counts-only source's events over a population table."""
    return _paired_counts(source_key(), outcome, period, population_name, ages, options,
                          user_version())


def clear_after_import() -> None:
    """New or deleted datasets: drop cached listings (results are keyed on the version)."""
    datasets.clear()


def board_pack(key: str, note: str, breakdown, periods, filters, options: Options,
               describe: str, comparison_label: str, meta: dict) -> str:
    """The board pack for a view, built on click. Runs on a download thread, so the source
    (`key` from `source_key()`) and its `note` are captured by the page beforehand."""
    from analytics.outputs import reports
    return reports.board_pack(_cursor(key), breakdown=breakdown, periods=periods,
                              filters=dict(filters), options=options, describe=describe,
                              comparison_label=comparison_label, meta=meta, source_note=note)


def court_report(key: str, note: str, ethnicity: str, options: Options, meta: dict) -> str:
    from analytics.outputs import reports
    return reports.court_report(_cursor(key), ethnicity=ethnicity, options=options, meta=meta,
                                source_note=note)


def source_note() -> str:
    info = source_info()
    return ("Synthetic data - not real children." if info is None
            else f"Your data: {info['name']} (from {info['source_file']}).")
