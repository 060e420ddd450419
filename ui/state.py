"""The global filters: drawn once in the sidebar by app.py, every widget bound to the URL's
query parameters (so a copied link reproduces the view exactly and choices survive moving
between pages), read by every page through `current()`."""
from __future__ import annotations

import math
from dataclasses import dataclass

import streamlit as st

from analytics.views.tables import Options
from ui import data

ETHNICITY_LEVELS = {
    "ethnicity_major": "Major group",
    "ethnicity_minor": "Minor group",
    "ethnicity_code": "DfE code",
}
#: The named reference group at each ethnicity level (youth-justice tools use White British).
DEFAULT_REFERENCE = {"ethnicity_major": "White", "ethnicity_minor": "White British",
                     "ethnicity_code": "WBRI"}
COMPARISONS = {"overall": "Borough average (all children)", "rest": "All other children",
               "reference": "A named reference group"}
ADJUSTMENTS = {"holm": "Holm (any false flag)", "bh": "Benjamini-Hochberg (false discoveries)",
               "none": "None"}
CI_METHODS = {"auto": "Automatic (by the outcome and the counts)",
              "score": "Score (Miettinen-Nurminen)", "katz": "Katz (log)",
              "exact": "Exact conditional (rare outcomes)"}
POPULATION_FILTERS = {   # URL key -> (breakdown column, label, values)
    "sex": ("sex", "Sex", ["Female", "Male"]),
    "fsm": ("fsm_status", "Free school meals", ["FSM eligible", "Not FSM eligible"]),
    "sen": ("sen_status", "Special educational needs", ["No SEN", "SEN support", "EHCP"]),
    "care": ("care_status", "Care status", ["Looked after", "Not looked after"]),
    "age": ("age_band", "Age band", ["0-4", "5-9", "10-15", "16-17"]),
}
ALL = "All"
#: Years pooled by default: enough for small groups' figures to be shown (issue 10 measured
#: the drawable share of Overview cells and Pathways stages at 1 and 3 years).
DEFAULT_YEARS = 3
#: Every URL key the sidebar binds (other keys belong to pages).
URL_KEYS = {"source", "period", "years", "eth", "by_sex", *POPULATION_FILTERS, "cmp", "ref",
            "level", "adjust", "ci", "suppress", "min_pop", "min_events"}
#: Number fields of the URL: key -> (label, lowest, highest, default). Values outside are
#: clamped, values that are not finite numbers are dropped, each with a message.
NUMBERS = {"suppress": ("Suppress groups smaller than", 0, 20, 5),
           "min_pop": ("Minimum population", 1, 1_000_000, 30),
           "min_events": ("Minimum events", 1, 1_000_000, 5)}
#: The protection every output has unless the user may switch it off (access roles).
PROTECTED_SUPPRESS = 5


@dataclass(frozen=True)
class Filters:
    period: str                     # the latest period of the view
    years: int                      # periods pooled, ending at `period`
    all_periods: tuple
    ethnicity: str                  # a key of ETHNICITY_LEVELS
    by_sex: bool
    population: tuple               # ((breakdown column, value), ...) restrictions
    options: Options

    @property
    def periods(self) -> tuple:
        end = self.all_periods.index(self.period)
        return self.all_periods[max(0, end - self.years + 1): end + 1]

    @property
    def period_label(self) -> str:
        p = self.periods
        return p[0] if len(p) == 1 else f"{p[0]} to {p[-1]} pooled"

    @property
    def breakdown(self) -> tuple:
        return (self.ethnicity, "sex") if self.by_sex else (self.ethnicity,)

    @property
    def query_filters(self) -> tuple:
        """Population restrictions as counts-query filters: ((column, (value,)), ...)."""
        return tuple((col, (value,)) for col, value in self.population)

    @property
    def comparison_label(self) -> str:
        o = self.options
        if o.comparison == "overall":
            return "the borough average"
        if o.comparison == "rest":
            return "all other children"
        ref = dict(o.reference).get(self.ethnicity, "")
        return f"{ref} children" + (" of the same sex" if self.by_sex else "")

    def describe(self) -> str:
        """One line for chart subtitles and export metadata."""
        parts = [self.period_label]
        parts += [f"{label.lower()}: {value}" for (col, value) in self.population
                  for key, (c, label, _) in POPULATION_FILTERS.items() if c == col]
        parts.append(f"compared with {self.comparison_label}")
        parts.append(f"{self.options.level:.0%} intervals")
        if self.options.adjust != "none":
            parts.append(f"{ADJUSTMENTS[self.options.adjust].split(' (')[0]} adjustment")
        return "; ".join(parts)


def _number(key: str, lowest: int, notes: list, step: int, help: str | None = None) -> int:
    """A whole-number field kept in the URL by hand: Streamlit's own binding stops the page
    on `?suppress=inf`. A link's value is read once per session (clamped, or dropped if it
    is not a finite number, with a note); afterwards the widget's value is written back."""
    label, low, high, default = NUMBERS[key]
    low = max(low, lowest)
    if key not in st.session_state:
        value = default
        raw = st.query_params.get(key)
        if raw is not None:
            try:
                number = float(raw)
            except (TypeError, ValueError):
                number = float("nan")
            if not math.isfinite(number):
                notes.append(f"{label}: the link's value {raw[:20]!r} is not a number; "
                             f"using {max(default, low)}")
            else:
                value = int(min(max(round(number), low), high))
                if value != number:
                    notes.append(f"{label}: the link's value {raw[:20]!r} is outside {low:,} to "
                                 f"{high:,}; using {value:,}")
        st.session_state[key] = value
    if st.session_state[key] < low:     # e.g. a source whose owner keeps protection on
        notes.append(f"{label}: {st.session_state[key]} is below {low} for this data source; "
                     f"using {low}")
        st.session_state[key] = low
    value = int(st.number_input(label, min_value=low, max_value=high, step=step, key=key,
                                help=help))
    if value == default:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = str(value)
    return value


def _check_source() -> list[str]:
    """Fall back to the synthetic borough when the chosen dataset is gone (deleted here or
    elsewhere) or not visible to this user, and say so."""
    names = [data.SYNTHETIC] + data.dataset_names()
    chosen = st.session_state.get("source", st.query_params.get("source"))
    if chosen is None or chosen in names:
        return []
    st.session_state["source"] = data.SYNTHETIC
    if "source" in st.query_params:
        del st.query_params["source"]
    return [f"Data source: {str(chosen)[:60]!r} is not available (deleted, or not shared with "
            "you); showing the synthetic borough"]


def url_notes(before: dict) -> list[str]:
    """Link values the widgets did not accept (they fall back to their defaults)."""
    return [f"The link's value {str(v)[:40]!r} for {k!r} was not recognised; the default is used"
            for k, v in before.items() if k in URL_KEYS - set(NUMBERS) - {"source"} and st.query_params.get(k) is None]


def sidebar() -> Filters:
    """Draw the global filters in the sidebar and return the current choice."""
    q = dict(key=None, bind="query-params")
    if "pending_source" in st.session_state:       # just imported on the Your data page
        st.session_state["source"] = st.session_state.pop("pending_source")
    notes = _check_source()
    before = st.query_params.to_dict()
    with st.sidebar:
        names = [data.SYNTHETIC] + data.dataset_names()
        st.selectbox("Data source", names, help="The synthetic borough, or data you imported on "
                     "the 'Your data' page.", **{**q, "key": "source"})
        # protection may be off only on the user's own work (read after the source is chosen)
        lowest = 0 if data.may_unprotect() else PROTECTED_SUPPRESS
        if data.datasets().attrs.get("problems"):
            st.warning("Some user data cannot be read; see 'Your data'. The synthetic borough "
                       "works.", icon=":material/warning:")
        periods = data.periods()
        st.header("Filters")
        period = st.selectbox("Period (academic year)", periods, index=len(periods) - 1,
                              **{**q, "key": "period"})
        years = st.segmented_control("Years pooled", [1, 3, 5], default=DEFAULT_YEARS,
                                     format_func=lambda n: f"{n} year" + ("s" if n > 1 else ""),
                                     help="Consecutive years ending at the period, pooled "
                                          "(default 3, as youth-justice tools and significant-"
                                          "disproportionality rules do for small numbers). "
                                          "Rates are average yearly rates; intervals allow for "
                                          "the same child counted in several years. Choose 1 "
                                          "year for a single year.",
                                     **{**q, "key": "years"}) or DEFAULT_YEARS
        ethnicity = st.radio("Ethnicity detail", list(ETHNICITY_LEVELS),
                             format_func=ETHNICITY_LEVELS.get, horizontal=True,
                             **{**q, "key": "eth"})
        by_sex = st.toggle("Split by sex", value=True, **{**q, "key": "by_sex"})
        population = []
        with st.expander("Restrict the population"):
            for key, (col, label, values) in POPULATION_FILTERS.items():
                value = st.selectbox(label, [ALL] + values, **{**q, "key": key})
                if value != ALL:
                    population.append((col, value))
        st.header("Comparison")
        comparison = st.radio("Compare each group with", list(COMPARISONS),
                              format_func=COMPARISONS.get, **{**q, "key": "cmp"})
        reference = ()
        if comparison == "reference" and data.source_kind() != "aggregate":
            groups = data.groups(ethnicity)
            default = DEFAULT_REFERENCE[ethnicity]
            ref = st.selectbox("Reference group", groups,
                               index=groups.index(default) if default in groups else 0,
                               **{**q, "key": "ref"})
            reference = ((ethnicity, ref),)
        with st.expander("Statistics"):
            level = st.select_slider("Interval level", [0.90, 0.95, 0.99], value=0.95,
                                     format_func=lambda v: f"{v:.0%}", **{**q, "key": "level"})
            adjust = st.selectbox("Multiple-comparison adjustment", list(ADJUSTMENTS),
                                  format_func=ADJUSTMENTS.get, **{**q, "key": "adjust"},
                                  help="Holm (default) controls the chance of flagging any "
                                       "group wrongly; Benjamini-Hochberg the share of flags "
                                       "that are wrong.")
            ci = st.selectbox("Interval method", list(CI_METHODS), format_func=CI_METHODS.get,
                              **{**q, "key": "ci"})
            suppress = _number("suppress", lowest, notes, 1,
                               help="Counts are always protected by the cell-key method "
                                    "(never a 1 or 2); groups with fewer children than this "
                                    "show their size only. 0 is the secure setting: true "
                                    "counts, unprotected (secure environments only)." + (
                                        "" if lowest == 0 else " Your role shows protected "
                                        "figures only for this data source."))
            min_pop = _number("min_pop", 1, notes, 5)
            min_events = _number("min_events", 1, notes, 1)
    st.session_state["url_notes"] = notes + url_notes(before)
    options = Options(comparison=comparison, reference=reference, level=float(level), ci=ci,
                      adjust=adjust, min_population=int(min_pop), min_events=int(min_events),
                      suppress=int(suppress))
    return Filters(period=period, years=int(years), all_periods=tuple(periods),
                   ethnicity=ethnicity, by_sex=bool(by_sex), population=tuple(population),
                   options=options)


def current(allow_aggregate: bool = False) -> Filters:
    """The filters drawn by app.py in this run (pages call this, never draw them again).

    Pages that need child-level data stop when the data source is an aggregate table, saying
    why and linking to what can use one (the RRI explorer and the data pages).

    A page can run without app.py only on a fresh server opened at a page's own URL: while a
    `pages/` folder exists Streamlit starts in its legacy multipage mode until st.navigation
    has run once. Then we leave that mode and rerun, which runs app.py and lands on the same
    page (both modes identify a page by its URL path).
    """
    if "filters" not in st.session_state:
        from streamlit.runtime.pages_manager import PagesManager
        PagesManager.uses_pages_directory = False
        st.rerun()
    if not allow_aggregate and data.source_kind() == "aggregate":
        st.info(f"The data source **{data.source()}** is an aggregate table (counts by group). "
                "This page breaks children down by characteristics and years, which needs "
                "record-level data (one row per child). With this table you can:",
                icon=":material/info:")
        st.page_link("pages/explorer.py", label="Compare its groups in the RRI explorer",
                     icon=":material/query_stats:")
        st.page_link("pages/data_export.py", label="Download its RRI table and chart",
                     icon=":material/download:")
        st.page_link("pages/your_data.py", label="Import a record-level file",
                     icon=":material/upload_file:")
        st.caption("Or choose the synthetic borough or a record-level dataset as the data "
                   "source in the sidebar.")
        st.stop()
    return st.session_state["filters"]
