"""Entry point: the shared frame (page config, sign-in where configured, layout rules,
synthetic-data notice, global filters in the sidebar, navigation). Run with
`streamlit run app.py`."""
import streamlit as st

from ui import access, data, layout, state

st.set_page_config(page_title="Disproportionality dashboard", page_icon=":bar_chart:",
                   layout="wide")
layout.apply()

# One flat list: Streamlit marks it up as a valid list with the current page flagged
# (its sectioned navigation puts section headers inside the list, which screen readers
# and axe-core reject; see docs/accessibility.md). The order keeps the sections' order.
pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/high_risk.py", title="High-risk groups", icon=":material/diversity_3:"),
    st.Page("pages/england.py", title="England beside the borough", icon=":material/public:"),
    st.Page("pages/areas.py", title="How we compare", icon=":material/compare_arrows:"),
    st.Page("pages/explorer.py", title="RRI explorer", icon=":material/query_stats:"),
    st.Page("pages/explain.py", title="What explains a gap", icon=":material/balance:"),
    st.Page("pages/trends.py", title="Trends", icon=":material/trending_up:"),
    st.Page("pages/pathways.py", title="Pathways", icon=":material/alt_route:"),
    st.Page("pages/schools.py", title="Schools", icon=":material/school:"),
    st.Page("pages/after_exclusion.py", title="After exclusion", icon=":material/update:"),
    st.Page("pages/data_export.py", title="Data and export", icon=":material/download:"),
    st.Page("pages/your_data.py", title="Your data", icon=":material/upload_file:"),
    st.Page("pages/borough.py", title="The borough", icon=":material/groups:"),
    st.Page("pages/methodology.py", title="Methodology", icon=":material/menu_book:"),
]
user = access.current_user()
if user is None:              # a shared deployment: nothing but the sign-in page until then
    st.navigation([st.Page(access.sign_in_page, title="Sign in", icon=":material/login:")]).run()
    st.stop()
data.new_run()
# Every page listed: with more than twelve Streamlit would fold the list behind "View more".
navigation = st.navigation(pages, expanded=True)
data.ensure_built()          # first start only: builds the synthetic borough, with progress
st.session_state["filters"] = state.sidebar()
with st.sidebar:
    st.caption(data.source_note() if data.source() != data.SYNTHETIC
               else "Synthetic data: a made-up borough, not real children.")
    access.account_box(user)
    layout.narrow_window_script()
for note in st.session_state.get("url_notes", []):
    st.warning(note, icon=":material/link_off:")
navigation.run()
