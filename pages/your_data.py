"""Your data: import statutory returns (several files or a zip), a Census population table,
or files in the product's own layout into the user database; list and delete them, and choose
one as the data source. The synthetic database is never touched."""
import tempfile
from pathlib import Path

import streamlit as st

from analytics.data import imports, store
from analytics.data.readers import MAX_BYTES, InputError
from analytics.data.reference import outcome_catalogue
from analytics.data.returns import LINKS
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
        "**Statutory returns, as you hold them** (several files at once, or one zip of them): "
        "the **CIN census** XML, the **SSDA903** header and episodes CSV files, a **school "
        "census** extract with its exclusions, and a **youth justice** case extract. Children "
        "in several returns are linked by the identifier you choose (LAchildID, UPN, or a "
        "shared pseudonymous hash); the identifiers themselves are never stored. Templates and "
        "fake samples: `docs/returns.md` and `data/samples/`.\n\n"
        "**A Census population table** in the layout ONS's *create a custom dataset* tool "
        "downloads (ethnic group, sex and age): the denominator for data that count only the "
        "children with an outcome.\n\n")
    st.markdown(
        "**Aggregate counts** (CSV, Excel or Parquet): one row per group with columns naming the "
        "group (e.g. `ethnicity`, `sex`), `events` (children with the outcome) and `population` "
        "(children), and optionally `outcome` and `period` (e.g. `2023/24`). An export from this "
        "dashboard can be imported back (computed columns are ignored). Without `population` "
        "it is a counts-only table, paired with a population table on the RRI explorer.\n\n"
        "**Record-level data**: one row per child and academic year. Ethnicity may be a DfE code "
        "(`BCRB`), a DfE or ONS 2021 category, or a major group (`Black`). Columns:")
    st.dataframe(store.record_columns(), hide_index=True, width="stretch")
    st.caption(f"Files up to {MAX_BYTES // 1_000_000} MB. Spreadsheets must hold values, not formulas.")

with st.form("import", clear_on_submit=False):
    uploads = st.file_uploader("Files (the parts of a return together, or one zip)",
                               type=["csv", "xlsx", "parquet", "xml", "zip"],
                               accept_multiple_files=True)
    left, right = st.columns([3, 2])
    name = left.text_input("Dataset name (lower-case letters, digits and _)",
                           placeholder="e.g. returns_2024")
    link = right.selectbox("Link children across returns by", LINKS,
                           help="LAchildID (CIN census, SSDA903, youth justice child_id), UPN, or "
                                "hash: each return's own identifier field holds the same "
                                "pseudonymous hash.")
    submitted = st.form_submit_button("Import", type="primary", icon=":material/upload:")
if submitted:
    if not uploads:
        st.error("Choose the file or files to import.")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for upload in uploads:
                paths.append(Path(tmp) / Path(upload.name).name)
                paths[-1].write_bytes(upload.getvalue())
            try:
                result = imports.import_files(paths, name=name.strip() or None, link=link)
            except (InputError, ValueError) as e:
                st.error(str(e), icon=":material/error:")
            else:
                data.clear_after_import()
                names = ", ".join(u.name for u in uploads)
                st.session_state["import_notes"] = result.notes
                if result.kind != "population":
                    st.session_state["pending_source"] = result.name
                st.session_state["import_message"] = (
                    f"Imported **{names}** as {result.kind} dataset **{result.name}** "
                    f"({result.rows:,} rows)." + (" It is now the data source."
                                                  if result.kind != "population" else
                                                  " Pair counts with it on the RRI explorer."))
                st.rerun()
if "import_message" in st.session_state:
    st.success(st.session_state.pop("import_message"))
    for note in st.session_state.pop("import_notes", []):
        st.caption(f"Note: {note}")

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
            f"population table ({row.n_rows:,} rows), a denominator for counts"
            if row.kind == "population" else
            f"{row.n_rows:,} groups by {', '.join(row.group_cols)}"
            + (" (counts only: pair with a population table)" if row.kind == "counts" else ""))
    left.markdown(f"**{row.name}** ({row.kind}) from `{row.source_file}`, imported "
                  f"{row.imported_at:%d %b %Y %H:%M}: {what}")
    if right.button("Delete", key=f"delete-{row.name}", icon=":material/delete:"):
        store.delete_dataset(row.name)
        data.clear_after_import()
        st.rerun()
