"""Cached data access: one read-only DuckDB connection per process, a cursor per query,
results cached on their arguments so a rerun recomputes only what a filter change touched."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics import counts as counts_mod
from analytics import profiles, views
from analytics.db import connect, ensure_database
from analytics.db import periods as db_periods
from analytics.synthetic import DEFAULT_DB
from analytics.views import Options

#: Environment variable naming the database file (tests and benchmarks point it elsewhere).
DB_ENV = "DISPROP_DB"


def db_path() -> Path:
    return Path(os.environ.get(DB_ENV, DEFAULT_DB))


@st.cache_resource(show_spinner="Building the synthetic borough (first start only)...")
def connection():
    """The process-wide read-only connection; the database is built on first start."""
    return connect(ensure_database(db_path()), read_only=True)


def cursor():
    """A cursor per query: DuckDB connections are not safe to share across threads."""
    return connection().cursor()


@st.cache_data(show_spinner=False)
def periods() -> list[str]:
    return db_periods(cursor())


@st.cache_data(show_spinner=False, max_entries=256)
def counts(outcome: str, by: tuple = (), periods: tuple = (), cohort: str | None = None,
           filters: tuple = ()) -> pd.DataFrame:
    return counts_mod.counts(cursor(), outcome, by=list(by), periods=list(periods) or None,
                             cohort=cohort, filters=dict(filters))


@st.cache_data(show_spinner=False, max_entries=64)
def outcome_counts(outcomes: tuple | None = None, by: tuple = (), periods: tuple = (),
                   cohort: str | None = None, filters: tuple = ()) -> pd.DataFrame:
    return counts_mod.outcome_counts(cursor(), outcomes=list(outcomes) if outcomes else None,
                                     by=list(by), periods=list(periods) or None, cohort=cohort,
                                     filters=dict(filters))


@st.cache_data(show_spinner=False, max_entries=64)
def population(by: tuple = (), periods: tuple = (), filters: tuple = ()) -> pd.DataFrame:
    return counts_mod.population(cursor(), by=list(by), periods=list(periods) or None,
                                 filters=dict(filters))


@st.cache_data(show_spinner=False)
def groups(level: str) -> list[str]:
    """The groups present at an ethnicity level, for the reference-group choice."""
    table = counts_mod.population(cursor(), by=[level])
    return sorted(table[level].astype(str))


@st.cache_data(show_spinner="Computing...", max_entries=128)
def rri_for_outcome(outcome: str, breakdown: tuple, periods: tuple, filters: tuple,
                    options: Options, by_period: bool = False) -> pd.DataFrame:
    return views.rri_for_outcome(cursor(), outcome, list(breakdown), list(periods),
                                 filters=dict(filters), options=options, by_period=by_period)


@st.cache_data(show_spinner="Computing...", max_entries=32)
def rri_matrix(breakdown: tuple, periods: tuple, filters: tuple, options: Options,
               outcomes: tuple | None = None, by_period: bool = False) -> pd.DataFrame:
    return views.rri_matrix(cursor(), list(breakdown), list(periods), filters=dict(filters),
                            options=options, outcomes=list(outcomes) if outcomes else None,
                            by_period=by_period)


@st.cache_data(show_spinner="Computing...", max_entries=64)
def profile(cohort: str, periods: tuple, options: Options) -> pd.DataFrame:
    o = options
    return profiles.profile(cursor(), cohort, list(periods), level=o.level, ci=o.ci,
                            adjust=o.adjust, min_population=o.min_population,
                            min_events=o.min_events, suppress=o.suppress)
