"""The global filters: drawn once in the sidebar by app.py, every widget bound to the URL's
query parameters (so a copied link reproduces the view exactly and choices survive moving
between pages), read by every page through `current()`."""
from __future__ import annotations

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


def sidebar() -> Filters:
    """Draw the global filters in the sidebar and return the current choice."""
    q = dict(key=None, bind="query-params")
    if "pending_source" in st.session_state:       # just imported on the Your data page
        st.session_state["source"] = st.session_state.pop("pending_source")
    with st.sidebar:
        names = [data.SYNTHETIC] + data.dataset_names()
        st.selectbox("Data source", names, help="The synthetic borough, or data you imported on "
                     "the 'Your data' page.", **{**q, "key": "source"})
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
        if comparison == "reference" and data.source_kind() not in ("aggregate", "counts"):
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
            suppress = st.number_input("Suppress groups smaller than", min_value=0, max_value=20,
                                       value=5, step=1, **{**q, "key": "suppress"},
                                       help="Counts are always protected by the cell-key "
                                            "method (never a 1 or 2); groups with fewer "
                                            "children than this show their size only. 0 is the "
                                            "secure setting: true counts, unprotected (secure "
                                            "environments only).")
            min_pop = st.number_input("Minimum population", min_value=1, value=30, step=5,
                                      **{**q, "key": "min_pop"})
            min_events = st.number_input("Minimum events", min_value=1, value=5, step=1,
                                         **{**q, "key": "min_events"})
    options = Options(comparison=comparison, reference=reference, level=float(level), ci=ci,
                      adjust=adjust, min_population=int(min_pop), min_events=int(min_events),
                      suppress=int(suppress))
    return Filters(period=period, years=int(years), all_periods=tuple(periods),
                   ethnicity=ethnicity, by_sex=bool(by_sex), population=tuple(population),
                   options=options)


def current(allow_aggregate: bool = False) -> Filters:
    """The filters drawn by app.py in this run (pages call this, never draw them again).

    Pages that need child-level data stop with an explanation when the data source is an
    aggregate table (only the RRI explorer and the data pages can use one).

    A page can run without app.py only on a fresh server opened at a page's own URL: while a
    `pages/` folder exists Streamlit starts in its legacy multipage mode until st.navigation
    has run once. Then we leave that mode and rerun, which runs app.py and lands on the same
    page (both modes identify a page by its URL path).
    """
    if "filters" not in st.session_state:
        from streamlit.runtime.pages_manager import PagesManager
        PagesManager.uses_pages_directory = False
        st.rerun()
    if not allow_aggregate and data.source_kind() in ("aggregate", "counts"):
        st.info(f"The data source **{data.source()}** is an aggregate table (counts by group), "
                "which this page cannot break down. Open the RRI explorer to analyse it, or "
                "choose a record-level source in the sidebar.", icon=":material/info:")
        st.stop()
    return st.session_state["filters"]
