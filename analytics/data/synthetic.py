"""The synthetic borough: a seeded, deterministic generator of children and child-years.

Model (calibration in ``data/synthetic/calibration.toml``, each number with its source):
every outcome is a logistic model per child-year,

    logit p = offset[cell, period] + age effect + school effect + sum(effects x own circumstances)

where a cell is ethnicity code x sex. The offsets are solved so that each cell's expected
rate is its section 5.4 ratio times the borough total for the period, so group differences
are what the strategy says, while a child's own FSM, SEN, care and exclusion history move
risk *within* the cell (intersections behave plausibly). Draws use a Gaussian copula on a
latent trait per child and outcome family, so outcomes persist from year to year.

The generator is vectorised over children and processes one period at a time, so scale 25
(about ten million child-years) never holds all rows in memory.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.special import expit, ndtr

from analytics import ROOT
from analytics.data import cube, queries
from analytics.data.reference import ethnicity_table

CALIBRATION = ROOT / "data" / "synthetic" / "calibration.toml"
DEFAULT_DB = ROOT / "data" / "synthetic" / "borough.duckdb"
SEXES = ("Female", "Male")
#: DuckDB's memory caps while generating and while building the cube (it spills beyond
#: them): with the generator's own arrays, national scale (--scale 300) stays under 8 GB.
BUILD_MEMORY = "2GB"
CUBE_MEMORY = "4GB"
#: Record keys for the cell-key method are uniform on 0..RECORD_KEYS-1 (analytics.protect).
RECORD_KEYS = 256


def load_calibration(path: Path = CALIBRATION) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


def period_label(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


@dataclass
class Cells:
    """Ethnicity code x sex cells: the unit at which section 5.4 ratios are calibrated."""

    codes: list[str]
    majors: list[str]

    @property
    def n(self) -> int:
        return 2 * len(self.codes)

    def index(self, code_idx: np.ndarray, sex_idx: np.ndarray) -> np.ndarray:
        return code_idx * 2 + sex_idx

    def ratio_vectors(self, spec: dict) -> tuple[np.ndarray, np.ndarray]:
        """(ratio, named): a ratio per cell from an outcome's `ratios`/`default`/`major`."""
        ratio = np.zeros(self.n)
        named = np.zeros(self.n, dtype=bool)
        default = spec.get("default", {"Male": 1.0, "Female": 1.0})
        major = spec.get("major", {})
        for c, (code, maj) in enumerate(zip(self.codes, self.majors)):
            for s, sex in enumerate(SEXES):
                ratio[2 * c + s] = default.get(sex, 1.0) * major.get(maj, 1.0)
        for key, value in spec.get("ratios", {}).items():
            code, sex = key.split(":")
            if code not in self.codes:
                raise ValueError(f"calibration: unknown ethnicity code {code!r} in {key!r}")
            sexes = SEXES if sex == "*" else (sex,)
            for s_name in sexes:
                i = 2 * self.codes.index(code) + SEXES.index(s_name)
                ratio[i] = float(value)
                named[i] = True
        return ratio, named

    def reference_cells(self, code: str = "WBRI") -> np.ndarray:
        """For each cell, the cell of `code` children of the same sex."""
        ref = 2 * self.codes.index(code)
        return ref + np.arange(self.n) % 2

    def shift_vector(self, spec: dict) -> np.ndarray:
        shift = np.zeros(self.n)
        for key, value in spec.get("shift", {}).items():
            code, sex = key.split(":")
            sexes = SEXES if sex == "*" else (sex,)
            for s_name in sexes:
                shift[2 * self.codes.index(code) + SEXES.index(s_name)] = float(value)
        return shift


def cell_targets(rate: float, denom_by_cell: np.ndarray, ratio: np.ndarray,
                 named: np.ndarray, outcome: str) -> np.ndarray:
    """Expected events per cell: named cells at ratio x borough rate; the rest share what is left.

    The unnamed cells are scaled by one factor so the borough total equals rate x population.
    """
    total = rate * denom_by_cell.sum()
    fixed = (rate * denom_by_cell * ratio)[named].sum()
    free = (rate * denom_by_cell * ratio)[~named].sum()
    if free <= 0:
        return rate * denom_by_cell * ratio
    scale = (total - fixed) / free
    if scale < 0.05:
        raise ValueError(f"calibration of {outcome!r} is infeasible: named groups exceed the total")
    return np.where(named, rate * denom_by_cell * ratio, rate * denom_by_cell * ratio * scale)


def solve_offsets(lp: np.ndarray, cell: np.ndarray, n_cells: int,
                  targets: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Per-cell offsets d so that sum(weights * expit(lp + d[cell])) over each cell equals
    its target (`weights`: how many children each entry stands for, default 1 each).

    Newton's method on all cells at once (the function is increasing and convex-concave in d);
    cells whose target is at or above their size get a large offset (everyone), none below 0.
    """
    w = np.ones(len(lp)) if weights is None else np.asarray(weights, dtype=float)
    size = np.bincount(cell, weights=w, minlength=n_cells)
    mean_lp = np.bincount(cell, weights=w * lp, minlength=n_cells) / np.maximum(size, 1)
    share = np.clip(targets / np.maximum(size, 1), 1e-9, 1 - 1e-9)
    d = np.log(share / (1 - share)) - mean_lp
    for _ in range(50):
        p = expit(lp + d[cell])
        f = np.bincount(cell, weights=w * p, minlength=n_cells) - targets
        g = np.bincount(cell, weights=w * p * (1 - p), minlength=n_cells)
        step = np.clip(f / np.maximum(g, 1e-12), -3, 3)
        d = d - step
        if np.all(np.abs(f) <= 1e-6 * np.maximum(targets, 1)):
            break
    d[size == 0] = 0.0
    return d


class Generator:
    """Builds the synthetic borough into a DuckDB connection, one period at a time."""

    def __init__(self, scale: float = 1.0, seed: int = 20240601, calibration: dict | None = None,
                 null: bool = False):
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.cal = calibration or load_calibration()
        self.scale = scale
        self.null = null
        self.rng = np.random.default_rng(seed)
        # Record keys come from their own stream, so adding them left every other draw as it was.
        self.key_rng = np.random.default_rng([seed, 1])
        eth = ethnicity_table()
        mix = self.cal["ethnicity_mix"]
        self.cells = Cells(codes=list(mix), majors=[
            eth.set_index("code").loc[c, "major_group"] for c in mix])
        self._reference = self.cells.reference_cells()
        pop = self.cal["population"]
        self.first = int(pop["first_period_start"])
        self.n_periods = int(pop["n_periods"])
        self.burn_in = int(pop["burn_in_periods"])
        self.per_cohort = max(1, int(round(pop["children_per_birth_cohort"] * scale)))
        # The generator's true group effects, per published period (see `_record_truth`).
        self.truth: list[pd.DataFrame] = []
        self._period_label: str | None = None

    # -- children ---------------------------------------------------------------------------
    def children(self) -> pd.DataFrame:
        """One row per child across all birth cohorts seen in any period (ages 0-17)."""
        pop, rng = self.cal["population"], self.rng
        cohorts = np.arange(self.first - self.burn_in - 17, self.first + self.n_periods)
        n = self.per_cohort * len(cohorts)
        # Per-child arrays are kept in the smallest integer types that hold them (memory at
        # national scale); the draws themselves are unchanged.
        self.cohort = np.repeat(cohorts, self.per_cohort).astype(np.int16)
        shares = np.array(list(self.cal["ethnicity_mix"].values()), dtype=float)
        self.code_idx = rng.choice(len(shares), size=n, p=shares / shares.sum()).astype(np.int8)
        self.sex_idx = (rng.random(n) >= pop["female_share"]).astype(np.int8)
        self.cell = self.cells.index(self.code_idx.astype(np.int16), self.sex_idx)
        # Academic-year cohort y: born 1 September y-1 to 31 August y, so aged S - y on
        # 31 August of year S (the DfE's age for academic year S/S+1).
        day = rng.integers(0, 365, size=n)
        september = ((self.cohort - 1 - 1970).astype("datetime64[Y]").astype("datetime64[M]")
                     + np.timedelta64(8, "M")).astype("datetime64[D]")
        birth = september + day.astype("timedelta64[D]")
        # Persistent child traits: a latent per outcome, school attendance, schools.
        self.latent = {o: rng.standard_normal(n).astype(np.float32) for o in self.cal["outcome"]}
        self.on_roll_child = rng.random(n) < pop["on_roll_share"]
        n_pri, n_sec = int(pop["n_primary_schools"]), int(pop["n_secondary_schools"])
        pri_w = rng.lognormal(0, 0.35, n_pri)
        sec_w = rng.lognormal(0, 0.25, n_sec)
        self.primary = rng.choice(n_pri, size=n, p=pri_w / pri_w.sum()).astype(np.int16)
        self.secondary = (n_pri + rng.choice(n_sec, size=n, p=sec_w / sec_w.sum())).astype(np.int16)
        self.school_effect = rng.standard_normal(n_pri + n_sec)
        self.n_primary, self.n_secondary = n_pri, n_sec
        # State carried from period to period.
        self.ever_offended = np.zeros(n, dtype=bool)
        self.offended_last = np.zeros(n, dtype=bool)
        self.excluded_ever = np.zeros(n, dtype=bool)
        self.n_children = n
        return pd.DataFrame({
            "child_id": np.arange(1, n + 1, dtype=np.int64),
            # categorical: a byte per child in memory, stored as text by the insert
            "sex": pd.Categorical.from_codes(self.sex_idx, SEXES),
            "ethnicity_code": pd.Categorical.from_codes(self.code_idx, self.cells.codes),
            "birth_date": birth.astype("datetime64[D]"),
            "record_key": self.key_rng.integers(0, RECORD_KEYS, size=n, dtype=np.int16),
        })

    def schools(self) -> pd.DataFrame:
        n_pri, n_sec = self.n_primary, self.n_secondary
        names = ([f"Primary school {i + 1:02d}" for i in range(n_pri)]
                 + [f"Secondary school {chr(ord('A') + i)}" for i in range(n_sec)])
        return pd.DataFrame({
            "school_id": np.arange(n_pri + n_sec, dtype=np.int32),
            "school_name": names,
            "phase": ["Primary"] * n_pri + ["Secondary"] * n_sec,
        })

    # -- one outcome ------------------------------------------------------------------------
    def _draw(self, name: str, rows: dict, eligible: np.ndarray, among: np.ndarray,
              t: int) -> np.ndarray:
        """Draw one calibrated outcome for the rows of a period; False outside `among`."""
        spec = self.cal["outcome"][name]
        cell = rows["cell"]
        # Age and school effects are looked up per row from a table per age and school
        # (the same sums, in the same order, as adding them row by row).
        ages = np.arange(int(rows["age"].max(initial=0)) + 1)
        age_effect = np.zeros(len(ages))
        for lo, hi, v in spec.get("ages", []):
            age_effect += np.where((ages >= lo) & (ages <= hi), v, 0.0)
        lp = age_effect[rows["age"]]
        for cov, beta in spec.get("effects", {}).items():
            lp += beta * rows[cov]
        if spec.get("school_sd"):
            school_effect = np.concatenate([[0.0], spec["school_sd"] * self.school_effect])
            lp += school_effect[rows["school_id"] + 1]     # no school (-1): no effect
        pool = eligible & among
        if "probability" in spec:
            base = np.log(spec["probability"] / (1 - spec["probability"]))
            shift = 0.0 if self.null else self.cells.shift_vector(spec)[cell]
            p = expit(base + lp + shift)
        else:
            denom = np.bincount(cell[eligible], minlength=self.cells.n).astype(float)
            if "counts" in spec:
                rate = spec["counts"][t] * self.scale / max(denom.sum(), 1)
            else:
                rate = spec["rates"][t]
            ratio, named = self.cells.ratio_vectors(spec)
            if self.null:
                ratio, named = np.ones_like(ratio), np.zeros_like(named)
            targets = cell_targets(rate, denom, ratio, named, name)
            lp_p, cell_p, size_p = self._profiles(lp, rows, spec, pool)
            d = solve_offsets(lp_p, cell_p, self.cells.n, targets, weights=size_p)
            p = expit(lp + d[cell])
            self._record_truth(name, cell, pool, p, expit(lp + d[self._reference[cell]]))
        rho = float(spec.get("rho", 0.0))
        z = rho * rows["latent"][name] + np.sqrt(1 - rho ** 2) * self.rng.standard_normal(len(cell))
        return pool & (ndtr(z) < p)

    def _profiles(self, lp: np.ndarray, rows: dict, spec: dict, pool: np.ndarray):
        """(lp, cell, number of children) of each distinct profile in the pool. A child's lp
        is a function of their cell, age, covariates and school, so children of one profile
        share it exactly, and the offsets can be solved over a few thousand profiles instead
        of every child."""
        key = rows["cell"].astype(np.int64)
        key = key * (int(rows["age"].max(initial=0)) + 1) + rows["age"]
        for cov in spec.get("effects", {}):
            key = key * 2 + rows[cov]
        if spec.get("school_sd"):
            key = key * (len(self.school_effect) + 1) + (rows["school_id"] + 1)
        idx = np.flatnonzero(pool)
        counts = np.bincount(key[idx])
        first = np.empty(len(counts), dtype=np.int64)
        first[key[idx[::-1]]] = idx[::-1]                   # the first row of each profile
        present = np.flatnonzero(counts)
        rep = first[present]
        return lp[rep], rows["cell"][rep], counts[present]

    def _record_truth(self, name: str, cell: np.ndarray, pool: np.ndarray, p: np.ndarray,
                      p_reference: np.ndarray) -> None:
        """The true effect of each ethnicity-by-sex cell, known only to the generator: the
        expected events of the cell's children, and what they would be with the White
        British offset of the same sex but their own circumstances (FSM, SEN, care, age,
        school). Their ratio is the cell's true adjusted rate ratio against White British
        children; the checks compare estimated ratios with it."""
        if self._period_label is None:           # a burn-in year: not published
            return
        n = self.cells.n
        self.truth.append(pd.DataFrame({
            "outcome": name, "period": self._period_label,
            "ethnicity_code": np.repeat(self.cells.codes, 2), "sex": list(SEXES) * len(self.cells.codes),
            "children": np.bincount(cell[pool], minlength=n).astype(np.int64),
            "expected": np.bincount(cell[pool], weights=p[pool], minlength=n),
            "expected_at_reference": np.bincount(cell[pool], weights=p_reference[pool], minlength=n),
        }))

    # -- one period -------------------------------------------------------------------------
    def period(self, t: int) -> pd.DataFrame:
        """Rows of period t (0 = first published period; negative = burn-in years, which
        build up histories of offending and exclusion and use the first period's totals)."""
        start = self.first + t
        self._period_label = period_label(start) if t >= 0 else None
        t = max(t, 0)
        pop = self.cal["population"]
        lo, hi = np.searchsorted(self.cohort, [start - 17, start + 1])
        idx = np.arange(lo, hi)
        n = len(idx)
        age = start - self.cohort[idx]
        school_lo, school_hi = pop["school_ages"]
        on_roll = self.on_roll_child[idx] & (age >= school_lo) & (age <= school_hi)
        school = np.where(age <= pop["primary_ages"][1], self.primary[idx], self.secondary[idx])
        school = np.where(on_roll, school, -1)
        rows = {"cell": self.cell[idx], "age": age, "school_id": school,
                "latent": {f: v[lo:hi] for f, v in self.latent.items()}}   # views, not copies
        everyone = np.ones(n, dtype=bool)
        eligible = {
            "all_children": everyone,
            "age_5_17": age >= 5,
            "pupil": on_roll,
            "pupil_5_15": on_roll & (age >= 5),
            "year11": on_roll & (age == 15),
            "age_16_17": age >= 16,
            "age_10_17": age >= 10,
        }

        def draw(name, among=everyone):
            spec = self.cal["outcome"][name]
            return self._draw(name, rows, eligible[spec["eligible"]], among, t)

        fsm = draw("fsm")
        rows["fsm"] = fsm
        sen_any = draw("sen_any")
        rows["sen_any"] = sen_any
        ehcp = draw("ehcp", among=sen_any)
        rows["ehcp"] = ehcp
        cin = draw("cin")
        cpp = draw("cpp", among=cin)
        looked_after = draw("looked_after", among=cin)
        rows["looked_after"] = looked_after
        camhs = draw("camhs")
        pa = draw("persistent_absence")
        suspended = draw("suspension")
        extra = self.rng.poisson(self.cal["outcome"]["suspension"]["extra_suspensions_mean"], n)
        suspensions = np.where(suspended, 1 + extra, 0)
        perm = draw("permanent_exclusion", among=suspended)
        excluded_ever = self.excluded_ever[idx] | suspended | perm
        self.excluded_ever[idx] = excluded_ever
        rows["excluded_ever"] = excluded_ever
        below_basics = draw("ks4_below_basics")
        neet = draw("neet")
        ever = self.ever_offended[idx]
        fte = draw("first_time_entrant", among=~ever)
        repeat = draw("repeat_offence", among=ever)
        offence = fte | repeat
        offence_prev = self.offended_last[idx].copy()
        self.ever_offended[idx] = ever | offence
        self.offended_last[:] = False
        self.offended_last[idx] = offence
        remand = draw("remand", among=offence)
        custody = draw("custody", among=offence)
        concerns = {c: draw(c) for c in ("concern_gangs", "concern_cce", "concern_syv", "concern_cse")}

        # Continuous companions of the binary outcomes, for the data dictionary's sake.
        absence_pct = np.where(pa, 10 + self.rng.gamma(2.0, 4.0, n), self.rng.uniform(0, 9.9, n))
        att8 = np.clip(np.where(below_basics, 30, 55) + self.rng.normal(0, 9, n), 0, 90)

        def only(mask, values):
            """A flag that is recorded only where it applies (NULL elsewhere)."""
            return pd.arrays.BooleanArray(np.asarray(values, dtype=bool), ~mask)

        def only_number(mask, values, kind):
            """A number recorded only where it applies (NULL elsewhere), without building
            an array of Python objects (millions of rows a period at national scale)."""
            if kind == "Int16":
                return pd.arrays.IntegerArray(np.where(mask, values, 0).astype(np.int16), ~mask)
            return pd.arrays.FloatingArray(np.where(mask, values, 0.0).astype(np.float64), ~mask)

        school_age = eligible["pupil"]
        return pd.DataFrame({
            "child_id": (idx + 1).astype(np.int64),
            # text columns as categoricals: a byte a row in memory, stored as text
            "period": pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [period_label(start)]),
            "period_start": np.int16(start),
            "age": age.astype(np.int8),
            "on_roll": on_roll,
            "school_id": only_number(on_roll, school, "Int16"),
            "fsm": fsm,
            "sen": pd.Categorical.from_codes(np.where(ehcp, 2, np.where(sen_any, 1, 0)).astype(np.int8),
                                             ["No SEN", "SEN support", "EHCP"]),
            "cin": cin,
            "cpp": cpp,
            "looked_after": looked_after,
            "camhs": camhs,
            "absence_pct": only_number(eligible["pupil_5_15"], absence_pct.round(1), "Float64"),
            "persistent_absence": only(eligible["pupil_5_15"], pa),
            "suspensions": only_number(school_age, suspensions, "Int16"),
            "permanent_exclusion": only(school_age, perm),
            "excluded_ever": excluded_ever,
            "ks4_attainment8": only_number(eligible["year11"], att8.round(1), "Float64"),
            "ks4_basics": only(eligible["year11"], ~below_basics),
            "neet": only(eligible["age_16_17"], neet),
            "proven_offence": only(eligible["age_10_17"], offence),
            "first_time_entrant": only(eligible["age_10_17"], fte),
            "offence_prev_year": only(eligible["age_10_17"], offence_prev),
            "remand": only(eligible["age_10_17"], remand),
            "custody": only(eligible["age_10_17"], custody),
            "concern_gangs": only(eligible["age_10_17"], concerns["concern_gangs"]),
            "concern_cce": only(eligible["age_10_17"], concerns["concern_cce"]),
            "concern_syv": only(eligible["age_10_17"], concerns["concern_syv"]),
            "concern_cse": only(eligible["age_10_17"], concerns["concern_cse"]),
        })


def build(db_path: Path | str = DEFAULT_DB, scale: float = 1.0, seed: int = 20240601,
          calibration: dict | None = None, null: bool = False, progress=None) -> Path:
    """Build the synthetic database at `db_path` atomically (a temporary file, then rename).

    `null=True` builds a *null borough*: every ethnic and sex effect is switched off (each
    ethnicity x sex cell has the borough's rate), so any disparity found is chance; used to
    check false-positive rates and interval coverage. `progress(share, text)`, if given, is
    told each step (the dashboard's first start)."""
    step = progress or (lambda share, text: None)
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    gen = Generator(scale=scale, seed=seed, calibration=calibration, null=null)
    with replacing(db_path) as con:
        # DuckDB's share of the build's memory (it spills beyond it): national scale
        # (--scale 300) stays under 8 GB with the generator's arrays.
        con.execute(queries.load("set_memory_limit"), {"limit": BUILD_MEMORY})
        con.execute(queries.load("schema"))
        eth = ethnicity_table()
        con.register("eth_df", eth)
        con.execute(queries.load("insert_ethnicity"))
        step(0.02, "Drawing the borough's children")
        con.register("children_df", gen.children())
        con.execute(queries.load("insert_children"))
        con.unregister("children_df")
        con.register("schools_df", gen.schools())
        con.execute(queries.load("insert_schools"))
        step(0.1, "Settling the model in")
        for t in range(-gen.burn_in, 0):
            gen.period(t)
        for t in range(gen.n_periods):
            step(0.15 + 0.8 * t / gen.n_periods, f"Year {t + 1} of {gen.n_periods}")
            chunk = gen.period(t)
            con.register("chunk_df", chunk)
            con.execute(queries.load("insert_child_year"))
            con.unregister("chunk_df")
            del chunk
        con.register("truth_df", pd.concat(gen.truth, ignore_index=True))
        con.execute(queries.load("insert_generator_truth"))
        con.unregister("truth_df")
        del gen                                   # the generator's arrays, before the cube
        step(0.97, "Indexing")
        con.execute(queries.load("create_facts_view"))
        con.execute(queries.load("insert_build_info"),
                    {"scale": float(scale), "seed": int(seed), "null_borough": bool(null),
                     "generator": "analytics.data.synthetic"})
        step(0.98, "Adding up the counts every view reads")
        build_cube(con)
    return db_path


@contextmanager
def replacing(path: Path, copy: bool = False):
    """A connection to a new DuckDB file beside `path` (a copy of it with `copy`), renamed
    into its place when the block ends without an error and removed otherwise: readers see
    the old file or the new one, never half of one (and keep the old one until they reopen)."""
    fd, tmp = tempfile.mkstemp(suffix=".duckdb", dir=path.parent)
    os.close(fd)
    try:
        if copy:
            shutil.copyfile(path, tmp)
        else:
            os.unlink(tmp)
        with duckdb.connect(tmp) as con:
            yield con
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def build_cube(con) -> None:
    """The counts cube of the connection's database, within the cube's share of memory."""
    con.execute(queries.load("set_memory_limit"), {"limit": CUBE_MEMORY})
    cube.build(con, RECORD_KEYS)
