"""The counts cube gives exactly the row scan's counts, cell keys and sums of squares, on every
view, and is used where it can be (analytics/data/cube.py)."""
from __future__ import annotations

import os
import shutil

import duckdb
import pandas as pd
import pytest

from analytics.data import counts as counts_mod
from analytics.data import cube, queries
from analytics.data.cohorts import all_cohorts, profile_cohorts
from analytics.data.counts import flag_counts, population, source
from analytics.data.db import periods as db_periods
from analytics.data.reference import outcome_catalogue
from analytics.views import pathways, profiles, schools, tables, trends
from analytics.views.tables import Options

PAIRS = cube.cube_pairs()


@pytest.fixture(scope="module")
def periods(con):
    return db_periods(con)


@pytest.fixture()
def spy(monkeypatch):
    """Records, for each counts request, whether the cube answered it."""
    served = []
    real = cube.counts

    def recording(con, request):
        out = real(con, request)
        served.append(out is not None)
        return out

    monkeypatch.setattr(cube, "counts", recording)
    return served


def _both(fn, spy=None):
    """fn() from the cube (where it can) and from the rows only; with a spy, also the
    requests of the first run the cube answered (True) or left to the rows (False)."""
    start = len(spy) if spy is not None else 0
    with_cube = fn()
    used = list(spy[start:]) if spy is not None else []
    with cube.disabled():
        rows = fn()
    return (with_cube, rows, used) if spy is not None else (with_cube, rows)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    assert a.attrs == b.attrs


def _requests(periods):
    last, three, five = periods[-1:], periods[-3:], periods[-5:]
    gap = {"2016/17 and 2018/19": [periods[1], periods[3]], "first three": periods[:3]}
    return [  # (kwargs, served from the cube)
        (dict(by=["ethnicity_minor", "sex", "period"], periods=periods), True),
        (dict(by=["ethnicity_major"], periods=three), True),
        (dict(by=["ethnicity_code", "sex"], periods=five, filters={"sex": ["Male"]}), True),
        (dict(by=["sex"], periods=periods, filters={"ethnicity_major": ["Black", "Mixed"]}), True),
        (dict(by=["ethnicity_minor"], windows=gap), True),
        # overlapping windows (a period in two): queries/cube_counts_overlapping.sql
        (dict(by=["sex"], windows={"first three": periods[:3], "next three": periods[1:4]}),
         True),
        (dict(by=["fsm_status", "sen_status", "care_status"], periods=last), True),
        (dict(by=["age_band", "period"], periods=five, filters={"fsm_status": ["FSM eligible"]}),
         True),
        (dict(by=["school", "school_phase"], periods=last, cohort="bme_pupils"), True),
        (dict(by=[], periods=three, cohort="black_caribbean_boys"), True),
        (dict(by=["sex"], periods=last, cohort="sen_or_excluded"), True),
        (dict(by=[], periods=last, cohort="teenagers"), True),
        (dict(by=["ethnicity_major"], periods=three, cohort="looked_after_children"), False),
        (dict(by=["fsm_status"], periods=three), False),
        (dict(by=["school"], periods=three, cohort="bme_pupils"), False),
        (dict(by=["age_band"], periods=three, cohort="teenagers"), False),
    ]


def test_every_request_equals_the_row_scan(con, periods, spy):
    """Counts, cell keys and (pooled) sums of squares, column for column."""
    for kwargs, from_cube in _requests(periods):
        got, rows, used = _both(lambda: flag_counts(con, PAIRS, **kwargs), spy)
        assert used == [from_cube], (kwargs, source(con, PAIRS, **kwargs))
        assert list(got.columns) == list(rows.columns)
        assert len(got) == len(rows) > 0
        for col in got.columns:
            if col in rows.select_dtypes("number").columns:
                assert (got[col].fillna(0).astype("int64")
                        == rows[col].fillna(0).astype("int64")).all(), (kwargs, col)
            else:
                assert (got[col].astype(str) == rows[col].astype(str)).all(), (kwargs, col)
        if any(len(p) > 1 for p in (kwargs.get("windows") or {"": kwargs["periods"]}).values()) \
                and "period" not in kwargs["by"]:
            assert "syy0" in got.columns        # the pooled sums were compared too


def test_every_named_cohort_single_period_is_a_sum_of_cells(con, periods):
    for c in all_cohorts():
        where, why = source(con, PAIRS, periods=periods[-1:], cohort=c.key)
        assert where.startswith("cube_"), (c.key, why)


def test_matrix_from_the_cube(con, periods, spy):
    for kwargs in (dict(by_period=True), dict(periods=periods[-3:]),
                   dict(periods=periods[-3:], filters={"sex": ["Female"]}),
                   dict(periods=periods[-1:], filters={"fsm_status": ["FSM eligible"]})):
        chosen = kwargs.pop("periods", periods)
        got, rows, used = _both(lambda: tables.rri_matrix(con, ["ethnicity_minor", "sex"],
                                                          chosen, **kwargs), spy)
        _same(got, rows)
        assert used == [True]


def test_matrix_with_a_changing_characteristic_pooled_falls_back(con, periods, spy):
    got, rows, used = _both(lambda: tables.rri_matrix(
        con, ["ethnicity_major"], periods[-3:], filters={"care_status": ["Looked after"]}), spy)
    _same(got, rows)
    assert used == [False]


@pytest.mark.parametrize("comparison, reference", [
    ("overall", ()), ("rest", ()), ("reference", (("ethnicity_minor", "White British"),))])
def test_explorer_tables(con, periods, spy, comparison, reference):
    options = Options(comparison=comparison, reference=reference)
    for outcome in ("suspension", "custody", "neet", "cpp_given_cin"):
        for chosen, by_period in ((periods[-1:], False), (periods[-3:], False),
                                  (periods[-5:], True)):
            got, rows, used = _both(lambda: tables.rri_for_outcome(
                con, outcome, ["ethnicity_minor", "sex"], chosen, options=options,
                by_period=by_period), spy)
            _same(got, rows)
            assert used == [True]


def test_profiles_of_every_cohort(con, periods, spy):
    fixed = {"black_caribbean_boys", "black_african_boys", "mixed_white_black_boys", "girls"}
    for cohort in profile_cohorts():
        for chosen in (periods[-1:], periods[-3:]):
            got, rows, used = _both(lambda: profiles.profile(con, cohort, chosen), spy)
            _same(got, rows)
            # a single year always; pooled years when the cohort is defined by fixed traits
            assert used == [len(chosen) == 1 or cohort.key in fixed], cohort.key


@pytest.mark.parametrize("pool", [1, 3, 5])
def test_trends_with_windows(con, spy, pool):
    for breakdown, filters in ((["ethnicity_major", "sex"], None),
                               (["ethnicity_minor"], {"sex": ["Male"]})):
        got, rows, used = _both(lambda: trends.trend_table(con, "suspension", breakdown,
                                                           filters=filters, pool=pool), spy)
        _same(got, rows)
        assert used == [True]


@pytest.mark.parametrize("outcome", schools.SCHOOL_OUTCOMES)
def test_schools(con, periods, spy, outcome):
    for phase in schools.PHASES:
        for chosen in (periods[-1:], periods[-3:]):
            got, rows, used = _both(lambda: schools.school_table(con, outcome, phase, chosen),
                                    spy)
            _same(got, rows)
            # by school (a pupil can change school): single years only
            assert used == [len(chosen) == 1] * 2


def test_pathways(con, periods, spy):
    for key, pathway in pathways.load_pathways().items():
        for chosen in (periods[-1:], periods[-3:]):
            got, rows, used = _both(lambda: pathways.pathway_table(
                tables.rri_matrix(con, ["ethnicity_major"], chosen,
                                  outcomes=list(pathway.outcomes)),
                pathway, ["ethnicity_major"]), spy)
            _same(got, rows)
            assert used == [True], key


def test_population(con, periods, spy):
    got, rows, used = _both(lambda: population(con, by=["ethnicity_major", "sex"],
                                               periods=periods[-1:]), spy)
    _same(got, rows)
    assert used == [True]


def test_a_pair_outside_the_catalogue_scans_the_rows(con, periods):
    where, why = source(con, [("custody", "cin")], periods=periods[-1:])
    assert where == "rows" and "pair" in why


def test_a_database_without_a_cube_or_an_old_one_scans_the_rows(borough_db, tmp_path, periods):
    copy = tmp_path / "old.duckdb"
    shutil.copy(borough_db, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE cube_info SET version = version + 1")
        where, why = source(con, PAIRS, by=["sex"], periods=periods[-1:])
        assert (where, why) == ("rows", "the database has no cube")
        con.execute("DROP TABLE cube_info")
        assert source(con, PAIRS, by=["sex"], periods=periods[-1:])[0] == "rows"
        assert not flag_counts(con, PAIRS, by=["sex"], periods=periods[-1:]).empty


def test_cube_is_small_and_counts_every_child_year(con):
    """The cube holds every child-period once (its population of all children is the number
    of rows) in far fewer rows than the data."""
    n_rows = con.execute("SELECT count(*) FROM child_year").fetchone()[0]
    for table in cube.CELL_CUBES:
        total, cells = con.execute(
            f"SELECT sum(n__all_children), count(*) FROM {table}").fetchone()
        assert total == n_rows
        assert cells < n_rows / 3


def test_catalogue_pairs_are_in_the_cube():
    cat = outcome_catalogue()
    assert set(zip(cat["numerator"], cat["denominator"])) <= set(PAIRS)
    assert counts_mod.RECORD_KEYS == 256


def test_a_database_built_before_the_cube_gets_it_on_first_start(borough_db, tmp_path, periods):
    """ensure_database adds the cube (into a copy renamed into place) and answers as before."""
    from analytics.data.db import ensure_database, has_cube
    old = tmp_path / "before.duckdb"
    shutil.copy(borough_db, old)
    with duckdb.connect(str(old)) as con:
        for table in ("cube_info", "cube_pairs", "cube_base", "cube_school", "cube_masks"):
            con.execute(queries.render("cube_drop_table", table=table))
        before = flag_counts(con, PAIRS, by=["sex"], periods=periods[-3:])
    assert not has_cube(old)
    assert ensure_database(old) == old and has_cube(old)
    with duckdb.connect(str(old), read_only=True) as con:
        assert source(con, PAIRS, by=["sex"], periods=periods[-3:])[0] == "cube_base"
        pd.testing.assert_frame_equal(flag_counts(con, PAIRS, by=["sex"], periods=periods[-3:]),
                                      before, check_dtype=False)


def test_processes_starting_together_build_the_database_once(tmp_path):
    """Three processes find no database at once: one builds it, the others wait for it
    and then open the same file (a second build would have replaced it: a new inode)."""
    import subprocess
    import sys

    from analytics import ROOT
    path = tmp_path / "shared.duckdb"
    code = ("import os, sys; from analytics.data.db import ensure_database; "
            f"p = ensure_database({str(path)!r}, scale=0.05); print(os.stat(p).st_ino)")
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True) for _ in range(3)]
    inodes = {p.communicate(timeout=300)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert len(inodes) == 1 and os.stat(path).st_ino == int(inodes.pop())


def test_an_imported_record_level_dataset_gets_its_cube(con, tmp_path, spy):
    """The import builds the cube into the dataset's file; its views equal the row scan,
    with the columns the file does not have (here CIN, care, exclusions) NULL."""
    from analytics.data import store
    rows = con.execute("""
        SELECT cy.child_id, cy.period, c.sex, c.ethnicity_code AS ethnicity, cy.age, cy.on_roll,
               cy.fsm, cy.sen, cy.suspensions, cy.proven_offence, cy.custody
        FROM child_year cy JOIN children c USING (child_id)
        WHERE cy.period IN ('2022/23', '2023/24', '2024/25')""").df()
    src = tmp_path / "records.parquet"
    rows.to_parquet(src)
    root = tmp_path / "store"
    store.import_file(src, "mine", root)
    with store.connect_dataset(store.dataset_info("mine", root)) as ucon:
        assert cube.current(ucon)
        mine = db_periods(ucon)
        for kwargs in (dict(by=["ethnicity_major", "sex", "period"], periods=mine),
                       dict(by=["ethnicity_minor"], periods=mine),
                       dict(by=["fsm_status", "care_status"], periods=mine[-1:]),
                       dict(by=[], periods=mine, cohort="black_african_boys")):
            got, rows_only, used = _both(lambda: flag_counts(ucon, PAIRS, **kwargs), spy)
            assert used == [True]
            pd.testing.assert_frame_equal(got.astype({c: "int64" for c in got.columns
                                                      if c in rows_only.select_dtypes("number")}),
                                          rows_only.fillna(0).astype(
                                              {c: "int64" for c in rows_only.select_dtypes("number")}))
