"""Entry point: the shared frame (page config, synthetic-data notice, global filters in the
sidebar, navigation). Run with `streamlit run app.py`."""
import streamlit as st

from ui import state

st.set_page_config(page_title="Disproportionality dashboard", page_icon=":bar_chart:",
                   layout="wide")

pages = {
    "Findings": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/high_risk.py", title="High-risk groups", icon=":material/diversity_3:"),
    ],
    "Explore": [
        st.Page("pages/explorer.py", title="RRI explorer", icon=":material/query_stats:"),
        st.Page("pages/trends.py", title="Trends", icon=":material/trending_up:"),
        st.Page("pages/pathways.py", title="Pathways", icon=":material/alt_route:"),
        st.Page("pages/schools.py", title="Schools", icon=":material/school:"),
    ],
    "Data": [
        st.Page("pages/data_export.py", title="Data and export", icon=":material/download:"),
        st.Page("pages/your_data.py", title="Your data", icon=":material/upload_file:"),
    ],
    "About": [
        st.Page("pages/borough.py", title="The borough", icon=":material/groups:"),
        st.Page("pages/methodology.py", title="Methodology", icon=":material/menu_book:"),
    ],
}
navigation = st.navigation(pages, position="hidden")
with st.sidebar:
    for section, items in pages.items():
        st.markdown(f"**{section}**")
        for p in items:
            st.page_link(p)
st.session_state["filters"] = state.sidebar()
with st.sidebar:
    st.caption("Synthetic data: a made-up borough, not real children.")
navigation.run()
