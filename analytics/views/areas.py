"""How a council compares: every council's rates and RRIs by ethnic group from DfE's
published figures, its ten statistical neighbours, its region and England beside it, each
council's rank with a rank interval, and the funnel of every council's RRI against
England's. Shared by the "How we compare" page, `python -m analytics areas` and the board
pack.

Permanent exclusions are counted as pupils (binomial: Wilson rate intervals and the RRI
engine of analytics.stats.rri, whose "auto" rule takes the exact conditional interval for
few events). Suspensions are events, a pupil can have several: quasi-Poisson rate and ratio
intervals (analytics.stats.events) with the dispersion of analytics.data.areas.DISPERSION.
Region and England rows are the sums of their councils. The figures are DfE's as published
(analytics.protect.as_published): never perturbed. See docs/areas.md.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics import protect
from analytics.data import areas
from analytics.protect import gate
from analytics.stats.events import event_rate_interval, event_ratio_table
from analytics.stats.funnel import null_precision, ratio_funnel_table
from analytics.stats.ranks import SEED, rank_intervals, rate_draws
from analytics.stats.rates import to_float_na, wilson_interval
from analytics.stats.rri import rri_table

#: The command's and every export's columns, in order.
COLUMNS = ["la_code", "la_name", "role", "ethnicity", "events", "population", "rate",
           "rate_ci_low", "rate_ci_high", "rri", "rri_ci_low", "rri_ci_high", "rank",
           "rank_ci_low", "rank_ci_high", "status"]
COMPARES = ("neighbours", "region", "england", "all")
ROLES = ("area", "neighbour", "region", "england", "other")
#: Which roles each --compare keeps.
KEEP = {"neighbours": ("area", "neighbour"), "region": ("area", "region"),
        "england": ("area", "england"), "all": ROLES}
UNIT = 100
#: The symbols line of every export of these tables (export.metadata's default describes the
#: cell-key method, which these published figures never go through).
SYMBOLS_NOTE = ("Published figures of DfE, not perturbed: no cell-key method, no suppression "
                "by this product. An empty cell is a figure that cannot be computed or that DfE "
                "withheld: the status says which, with DfE's symbol (c confidential, x not "
                "available, z not applicable, low rounds to 0, u low reliability). Status 'low "
                "numbers': fewer than 30 pupils or 5 events in the group or the reference.")
ALL_PUPILS_STATUS = "all pupils (includes pupils of unclassified ethnicity): rate and rank only"
ETHNICITY_ORDER = (areas.ALL_PUPILS,) + areas.GROUPS


def check_choice(figures: pd.DataFrame, indicator: str, period: str, reference: str,
                 compare: str = "all") -> None:
    """ValueError naming the choices when an indicator, period, group or comparison is not
    one the figures hold."""
    if indicator not in areas.INDICATORS:
        raise ValueError(f"unknown indicator {indicator!r}; choose "
                         f"{' or '.join(areas.INDICATORS)}")
    have = areas.periods(figures, indicator)
    if period not in have:
        raise ValueError(f"no {indicator} figures for {period!r}; the years held are "
                         f"{', '.join(have)} (import DfE's open-data CSV for another year)")
    if reference not in areas.GROUPS:
        raise ValueError(f"unknown reference group {reference!r}; choose one of "
                         f"{', '.join(areas.GROUPS)}")
    if compare not in COMPARES:
        raise ValueError(f"unknown comparison {compare!r}; choose one of {', '.join(COMPARES)}")


def _grid(part: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """One row per code and group (all pupils first), absent rows with missing counts."""
    grid = pd.MultiIndex.from_product([codes, ETHNICITY_ORDER], names=["la_code", "ethnicity"])
    out = grid.to_frame(index=False).merge(part, on=["la_code", "ethnicity"], how="left")
    out["absent"] = out["events"].isna() & out["events_symbol"].isna()
    for col in ("events_symbol", "population_symbol"):
        out[col] = out[col].fillna("")
    return out


def _counts(figures: pd.DataFrame, indicator: str, period: str) -> pd.DataFrame:
    """Every council's rows, then every region and England as sums of councils."""
    part = figures[(figures["indicator"] == indicator) & (figures["period"] == period)]
    councils = list(areas.councils()["la_code"])
    groups = {code: areas.members(code) for code in areas.region_codes()}
    sums = areas.sums(part, {**groups, areas.ENGLAND_CODE: councils})
    codes = councils + list(dict.fromkeys(sums["la_code"]))
    return _grid(pd.concat([part[part["la_code"].isin(councils)], sums], ignore_index=True),
                 codes)


def _rates(df: pd.DataFrame, model: str, level: float) -> None:
    a = df["events"].astype("Float64")
    n = df["population"].astype("Float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = (a / n.where(n > 0)).to_numpy(float, na_value=np.nan)
    if model == "binomial":
        low, high = wilson_interval(a, n, level)
    else:
        low, high = event_rate_interval(a, n, level, areas.DISPERSION)
    df["rate"] = to_float_na(rate * UNIT)
    df["rate_ci_low"], df["rate_ci_high"] = low * UNIT, high * UNIT


def _ratios(df: pd.DataFrame, model: str, reference: str, level: float,
            min_population: int, min_events: int) -> None:
    """rri, its interval and status of each group against `reference` in the same area."""
    known = (df["events"].notna() & df["population"].notna()
             & (df["ethnicity"] != areas.ALL_PUPILS)).to_numpy()
    counts = df.loc[known, ["la_code", "ethnicity", "events", "population"]].astype(
        {"events": "int64", "population": "int64"})
    if model == "binomial":
        res = rri_table(counts, ["ethnicity"], by=["la_code"], comparison="reference",
                        reference={"ethnicity": reference}, level=level, ci="auto",
                        adjust="none", unit=UNIT, min_population=min_population,
                        min_events=min_events)
    else:
        res = event_ratio_table(counts, "ethnicity", reference, by=["la_code"], level=level,
                                dispersion=areas.DISPERSION, min_population=min_population,
                                min_events=min_events)
    for col in ("rri", "rri_ci_low", "rri_ci_high"):
        df[col] = pd.array([pd.NA] * len(df), dtype="Float64")
        df.loc[known, col] = res[col].to_numpy()
    status = pd.Series("", index=df.index, dtype=object)
    status[known] = res["status"].astype(str).to_numpy()
    ref = df[df["ethnicity"] == reference].set_index("la_code")
    ref_symbol = df["la_code"].map(ref["events_symbol"].where(ref["events_symbol"] != "",
                                                              ref["population_symbol"]))
    ref_missing = df["la_code"].map(ref["events"].isna() | ref["population"].isna())
    hidden = (ref_missing.fillna(True) & (df["ethnicity"] != reference)).to_numpy(bool) & known
    status[hidden] = [f"not computable: the {reference} group's figures are not published "
                      f"({s or 'no row'})" for s in ref_symbol[hidden].fillna("")]
    whole = (df["ethnicity"] == areas.ALL_PUPILS).to_numpy()
    status[whole & known_counts(df)] = ALL_PUPILS_STATUS
    symbol = df["events_symbol"].where(df["events_symbol"] != "", df["population_symbol"])
    withheld = ~known_counts(df)
    status[withheld] = [f"not published: DfE symbol {s} ({areas.SYMBOLS.get(s, 'withheld')})"
                        if s else "not published: DfE gives no figures for this group here"
                        for s in symbol[withheld]]
    df["status"] = status.astype(str)


def known_counts(df: pd.DataFrame) -> np.ndarray:
    return (df["events"].notna() & df["population"].notna()).to_numpy()


def _ranks(df: pd.DataFrame, model: str, reference: str, level: float) -> None:
    """Each council's rank among the councils (1 = highest): of its RRI for a group compared
    with the reference, of its rate for the reference group and all pupils."""
    for col in ("rank", "rank_ci_low", "rank_ci_high"):
        df[col] = pd.array([pd.NA] * len(df), dtype="Int64")
    councils = df["la_code"].isin(set(areas.councils()["la_code"])).to_numpy()
    ref = df[councils & (df["ethnicity"] == reference).to_numpy()].set_index("la_code")
    for k, group in enumerate(ETHNICITY_ORDER):
        rows = np.flatnonzero(councils & (df["ethnicity"] == group).to_numpy())
        part = df.iloc[rows]
        rng = np.random.default_rng([SEED, k])
        a = part["events"].astype("Float64").to_numpy(float, na_value=np.nan)
        n = part["population"].astype("Float64").to_numpy(float, na_value=np.nan)
        own = rate_draws(np.nan_to_num(a), np.nan_to_num(n), model, rng, areas.DISPERSION)
        own[~(np.isfinite(a) & np.isfinite(n))] = np.nan
        if group in (reference, areas.ALL_PUPILS):
            value, draws = part["rate"].to_numpy(float, na_value=np.nan), own
        else:
            base = ref.reindex(part["la_code"])
            c = base["events"].astype("Float64").to_numpy(float, na_value=np.nan)
            m = base["population"].astype("Float64").to_numpy(float, na_value=np.nan)
            other = rate_draws(np.nan_to_num(c), np.nan_to_num(m), model, rng, areas.DISPERSION)
            ok = part["status"].str.startswith(("ok", "low numbers")).to_numpy()
            value = np.where(ok, part["rri"].to_numpy(float, na_value=np.nan), np.nan)
            with np.errstate(divide="ignore", invalid="ignore"):
                draws = own / other
        rank, low, high = rank_intervals(value, draws, level)
        for col, values in (("rank", rank), ("rank_ci_low", low), ("rank_ci_high", high)):
            df.loc[df.index[rows], col] = pd.array(
                [pd.NA if np.isnan(v) else int(v) for v in values], dtype="Int64")


def _roles(df: pd.DataFrame, la_code: str) -> np.ndarray:
    nb = set(areas.neighbours_of(la_code)["neighbour_code"])
    regions = {code for code, _ in areas.regions_of(la_code)}
    return np.select(
        [df["la_code"] == la_code, df["la_code"].isin(nb), df["la_code"].isin(regions),
         df["la_code"] == areas.ENGLAND_CODE], ["area", "neighbour", "region", "england"],
        default="other")


def _order(df: pd.DataFrame, la_code: str) -> pd.DataFrame:
    nb = areas.neighbours_of(la_code)
    place = dict(zip(nb["neighbour_code"], nb["rank"]))
    region_place = {code: i for i, (code, _) in enumerate(areas.regions_of(la_code))}
    key = pd.DataFrame({
        "role": df["role"].map({r: i for i, r in enumerate(ROLES)}),
        "within": np.where(df["role"] == "neighbour", df["la_code"].map(place),
                           np.where(df["role"] == "region", df["la_code"].map(region_place), 0)),
        "name": np.where(df["role"] == "other", df["la_name"], ""),
        "group": df["ethnicity"].map({g: i for i, g in enumerate(ETHNICITY_ORDER)})})
    return df.loc[key.sort_values(list(key.columns), kind="stable").index].reset_index(drop=True)


def every_area(figures: pd.DataFrame, indicator: str, period: str, *,
               reference: str = "White", level: float = 0.95, min_population: int = 30,
               min_events: int = 5) -> pd.DataFrame:
    """Rates, RRIs and ranks of every council, region and England (the work behind every
    council's table, which then only picks and orders rows: see `for_council`)."""
    check_choice(figures, indicator, period, reference)
    spec = areas.INDICATORS[indicator]
    df = _counts(figures, indicator, period)
    df["la_name"] = df["la_code"].map(areas.name_of)
    _rates(df, spec["model"], level)
    _ratios(df, spec["model"], reference, level, min_population, min_events)
    _ranks(df, spec["model"], reference, level)
    df["events"] = df["events"].astype("Int64")
    df["population"] = df["population"].astype("Int64")
    sources = sorted(set(df["source"].dropna()) - {"sum of the councils' published counts"})
    df.attrs.update(indicator=indicator, period=period, unit=spec["unit"],
                    reference=reference, level=level, model=spec["model"],
                    dispersion=areas.DISPERSION if spec["model"] == "poisson" else 1.0,
                    symbols=_symbols(df), sources=sources, notes=notes(indicator))
    return df


def for_council(every: pd.DataFrame, la: str, compare: str = "all") -> pd.DataFrame:
    """The COLUMNS table of council `la` (a code or name) from `every_area`: the council, its
    neighbours, its regions, England and the other councils as `compare` keeps them."""
    row = areas.council(la)
    code = row["la_code"]
    if compare not in COMPARES:
        raise ValueError(f"unknown comparison {compare!r}; choose one of {', '.join(COMPARES)}")
    regions = {c for c, _ in areas.regions_of(code)}
    df = every[~every["la_code"].str.startswith(("E12", "E13")) | every["la_code"].isin(regions)]
    df = _order(df.assign(role=_roles(df, code)), code)
    out = df[df["role"].isin(KEEP[compare])][COLUMNS].reset_index(drop=True)
    out.attrs.update(every.attrs, area_code=code, area_name=row["la_name"], compare=compare)
    return gate.publish(protect.as_published(out), "areas", threshold=0)


def area_table(figures: pd.DataFrame, la: str, indicator: str, period: str, *,
               compare: str = "all", reference: str = "White", level: float = 0.95,
               min_population: int = 30, min_events: int = 5) -> pd.DataFrame:
    """The COLUMNS table for council `la` (a code or name): one row per council (or region,
    or England) and group, plus an all-pupils row with a blank ethnicity. Ranks are among all
    153 councils whatever `compare` keeps. attrs: indicator, period, unit, reference, level,
    model, dispersion, area code and name, notes."""
    areas.council(la)                      # an unknown council is reported first
    every = every_area(figures, indicator, period, reference=reference, level=level,
                       min_population=min_population, min_events=min_events)
    return for_council(every, la, compare)


def _symbols(df: pd.DataFrame) -> dict:
    """(la_code, ethnicity, column) -> DfE's symbol, for the figures DfE withheld."""
    out = {}
    for col in ("events", "population"):
        part = df[df[f"{col}_symbol"] != ""]
        for r in part.itertuples():
            out[(r.la_code, r.ethnicity, col)] = getattr(r, f"{col}_symbol")
    return out


def notes(indicator: str) -> list[str]:
    """What every output of the table says: what is counted, how, and whose figures."""
    spec = areas.INDICATORS[indicator]
    lines = [protect.published_note("DfE")]
    if spec["model"] == "poisson":
        lines.append(
            "Suspensions are counted as events, not pupils: a pupil suspended three times "
            "counts three times, so rates are suspensions per 100 pupils. Intervals treat the "
            f"counts as overdispersed events (quasi-Poisson, variance {areas.DISPERSION:.2f} "
            "times the mean: England's suspensions per suspended pupil, 2023/24, a lower "
            "bound), never as children.")
    else:
        lines.append(
            "Permanent exclusions are treated as pupils (a pupil is rarely permanently "
            "excluded twice in a year): binomial intervals (Wilson for rates; for ratios the "
            "exact conditional interval where events are few, the score interval otherwise).")
    lines += [
        "RRI: each group's rate divided by the reference group's rate in the same area. "
        "Regions and England are the sums of their councils' counts.",
        "Rank: among the 153 councils, 1 = highest; of the RRI for each group compared with "
        "the reference, of the rate for the reference group and all pupils. The rank interval "
        "is the central range of the council's rank when every council's rates are drawn "
        "2,000 times from their counts (fixed seed).",
        "Five groups only (DfE's major groups: Asian includes Chinese); all pupils includes "
        "pupils of unclassified ethnicity. State-funded primary, secondary and special schools."]
    return lines


# --------------------------------------------------------------------------
# the funnel and the neighbours table
# --------------------------------------------------------------------------

def funnel_points(table: pd.DataFrame, group: str) -> pd.DataFrame:
    """Every council's RRI for `group` against England's RRI (the target), with its precision
    under the target, the 95% and 99.8% limits there, and its position. `table`: an
    area_table with compare="all". Councils without a ratio are kept as "not computable"."""
    model = table.attrs["model"]
    reference = table.attrs["reference"]
    councils = table[table["role"].isin(["area", "neighbour", "other"])]
    mine = councils[councils["ethnicity"] == group].set_index("la_code")
    ref = councils[councils["ethnicity"] == reference].set_index("la_code").reindex(mine.index)
    england = table[(table["role"] == "england") & (table["ethnicity"] == group)]
    target = float(england["rri"].iloc[0]) if len(england) and pd.notna(england["rri"].iloc[0]) \
        else float("nan")
    ok = mine["status"].str.startswith(("ok", "low numbers"))
    w = null_precision(mine["population"].astype("Float64").to_numpy(float, na_value=np.nan),
                       ref["events"].astype("Float64").to_numpy(float, na_value=np.nan),
                       ref["population"].astype("Float64").to_numpy(float, na_value=np.nan),
                       target, model, table.attrs.get("dispersion", 1.0))
    ratio = np.where(ok, mine["rri"].to_numpy(float, na_value=np.nan), np.nan)
    out = ratio_funnel_table(ratio, w, target)
    out.insert(0, "la_code", mine.index.to_numpy())
    out.insert(1, "la_name", mine["la_name"].to_numpy())
    out.insert(2, "role", mine["role"].to_numpy())
    out["events"] = mine["events"].to_numpy()
    out["status"] = mine["status"].to_numpy()
    out.attrs.update(table.attrs, group=group, target=target)
    return out


def neighbour_table(table: pd.DataFrame) -> pd.DataFrame:
    """The area, its neighbours, regions and England side by side: the all-pupils rate and
    each group's RRI with its interval (rows as in `table`; one row per area)."""
    keep = table[table["role"].isin(["area", "neighbour", "region", "england"])]
    nb = areas.neighbours_of(table.attrs["area_code"])
    close = dict(zip(nb["neighbour_code"], nb["closeness"]))
    rows = []
    for code, part in keep.groupby("la_code", sort=False):
        part = part.set_index("ethnicity")
        row = {"la_code": code, "la_name": part["la_name"].iloc[0], "role": part["role"].iloc[0],
               "closeness": close.get(code, ""),
               "rate": part.loc[areas.ALL_PUPILS, "rate"],
               "rank": part.loc[areas.ALL_PUPILS, "rank"]}
        for g in areas.GROUPS:
            if g == table.attrs["reference"]:
                row[f"rate_{g}"] = part.loc[g, "rate"]
                continue
            for col in ("rri", "rri_ci_low", "rri_ci_high", "status"):
                row[f"{col}_{g}"] = part.loc[g, col]
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs.update(table.attrs)
    return out


def ordinal(n) -> str:
    """1st, 2nd, 3rd, 11th, 22nd."""
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _shown(value, status: str, digits: int = 2) -> str:
    """A figure for a table cell: [u] after a low-numbers ratio, DfE's symbol where DfE
    withheld it, [z] where it cannot be computed; never nan."""
    if str(status).startswith("not published: DfE symbol"):
        return str(status).split("symbol ", 1)[1].split(" ", 1)[0]
    if value is None or value is pd.NA or (isinstance(value, float) and not np.isfinite(value)):
        return protect.NOT_APPLICABLE
    text = f"{float(value):,.{digits}f}"
    return text + (" " + protect.LOW_RELIABILITY if str(status).startswith("low numbers") else "")


def neighbour_display(table: pd.DataFrame) -> pd.DataFrame:
    """The neighbours table as a reader sees it (strings): area, DfE's closeness, the
    all-pupils rate and its rank, each group's RRI, the reference group's rate."""
    wide = neighbour_table(table)
    ref = table.attrs["reference"]
    digits = areas.INDICATORS[table.attrs["indicator"]]["digits"]
    out = pd.DataFrame({
        "Area": wide["la_name"] + wide["role"].map({"area": " (this council)",
                                                    "region": " (region)"}).fillna(""),
        "Closeness (DfE)": wide["closeness"].replace("", "-"),
        f"All pupils, {table.attrs['unit']}": [_shown(v, "", digits) for v in wide["rate"]],
        "Rank, all pupils": [protect.NOT_APPLICABLE if pd.isna(v) else ordinal(v)
                             for v in wide["rank"]]})
    for g in areas.GROUPS:
        if g == ref:
            out[f"{g} pupils' rate"] = [_shown(v, "", digits) for v in wide[f"rate_{g}"]]
        else:
            out[f"RRI, {g}"] = [_shown(v, s) for v, s in zip(wide[f"rri_{g}"],
                                                            wide[f"status_{g}"])]
    return out
