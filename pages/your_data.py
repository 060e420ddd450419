"""Your data: import record-level or aggregate files into the user database, list and delete
them, and choose one as the data source. The synthetic database is never touched."""
import tempfile
from pathlib import Path

import streamlit as st

from analytics.data import store
from analytics.data.readers import MAX_BYTES, InputError
from analytics.data.reference import outcome_catalogue
from ui import data, state

state.current(allow_aggregate=True)
st.title("Your data")
st.markdown(
    "Bring your own data. It is stored in a **user database on this machine** "
    f"(`{store.user_db_path().name}`), apart from the synthetic borough, and becomes a data "
    "source for every page. A file with a problem is refused with the row and column to fix; "
    "nothing is stored and datasets imported before are unchanged.")

with st.expander("What files can I import?", expanded=False):
    st.markdown(
        "**Aggregate counts** (CSV, Excel or Parquet): one row per group with columns naming the "
        "group (e.g. `ethnicity`, `sex`), `events` (children with the outcome) and `population` "
        "(children), and optionally `outcome` and `period` (e.g. `2023/24`). An export from this "
        "dashboard can be imported back (computed columns are ignored).\n\n"
        "**Record-level data**: one row per child and academic year. Ethnicity may be a DfE code "
        "(`BCRB`), a DfE or ONS 2021 category, or a major group (`Black`). Columns:")
    st.dataframe(store.record_columns(), hide_index=True, width="stretch")
    st.caption(f"Files up to {MAX_BYTES // 1_000_000} MB. Spreadsheets must hold values, not formulas.")

with st.form("import", clear_on_submit=False):
    upload = st.file_uploader("File", type=["csv", "xlsx", "parquet"])
    name = st.text_input("Dataset name (lower-case letters, digits and _)",
                         placeholder="e.g. exclusions_2024")
    submitted = st.form_submit_button("Import", type="primary", icon=":material/upload:")
if submitted:
    if upload is None:
        st.error("Choose a file to import.")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            try:
                result = store.import_file(path, name=name.strip() or None)
            except (InputError, ValueError) as e:
                st.error(str(e), icon=":material/error:")
            else:
                data.clear_after_import()
                st.session_state["pending_source"] = result.name
                st.success(f"Imported **{upload.name}** as {result.kind} dataset "
                           f"**{result.name}** ({result.rows:,} rows). It is now the data source.")
                st.rerun()

st.subheader("Imported datasets")
labels = outcome_catalogue().set_index("key")["label"]
table = data.datasets(data.user_version())
if table.empty:
    st.caption("None yet.")
for row in table.itertuples():
    left, right = st.columns([5, 1])
    what = (f"{row.n_rows:,} child-years; outcomes: "
            f"{', '.join(labels.get(o, o) for o in row.outcomes) or 'none'}"
            if row.kind == "records" else
            f"{row.n_rows:,} groups by {', '.join(row.group_cols)}")
    left.markdown(f"**{row.name}** ({row.kind}) from `{row.source_file}`, imported "
                  f"{row.imported_at:%d %b %Y %H:%M}: {what}")
    if right.button("Delete", key=f"delete-{row.name}", icon=":material/delete:"):
        store.delete_dataset(row.name)
        data.clear_after_import()
        st.rerun()
