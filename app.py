"""Entry point: the shared frame (page config, synthetic-data notice, global filters in the
sidebar, navigation). Run with `streamlit run app.py`."""
import streamlit as st

from ui import state

st.set_page_config(page_title="Disproportionality dashboard", page_icon=":bar_chart:",
                   layout="wide")

pages = [
    st.Page("pages/borough.py", title="The borough", icon=":material/groups:", default=True),
    st.Page("pages/explorer.py", title="RRI explorer", icon=":material/query_stats:"),
]
navigation = st.navigation(pages)
st.session_state["filters"] = state.sidebar()
with st.sidebar:
    st.caption("Synthetic data: a made-up borough, not real children.")
navigation.run()
