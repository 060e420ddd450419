"""Your data: import record-level or aggregate files into your workspace, list, share and
delete them, and choose one as the data source. The synthetic database is never touched."""
import tempfile
from pathlib import Path

import streamlit as st

from analytics import ROOT
from analytics.data import store
from analytics.data.readers import MAX_BYTES, MAX_COLUMNS, MAX_ROWS, InputError
from analytics.data.reference import outcome_catalogue
from ui import data, state

state.current(allow_aggregate=True)
user = data.user()
st.title("Your data")
if user.local:
    root = data.store_root().resolve()
    folder = root.relative_to(ROOT) if root.is_relative_to(ROOT) else root
    st.markdown(
        "Bring your own data. **Your data stay on this machine**: each dataset you import is a "
        f"file of its own in the folder `{folder}`, apart from the synthetic "
        "borough, and becomes a data source for every page. Nobody else can open them unless "
        "this computer serves the dashboard on a network (see `docs/deployment.md`). A file "
        "with a problem is refused with the row and column to fix; nothing is stored and "
        "datasets imported before are unchanged. Deleting a dataset removes its file.")
else:
    st.markdown(
        "Bring your own data. Datasets you import go into your **private workspace** on this "
        "server: only you see them until you share one with a group you belong to. Every "
        "import, delete, share, export and report is written to the audit log. A file with a "
        "problem is refused with the row and column to fix; nothing is stored. Deleting a "
        "dataset removes its file.")

flash = st.session_state.pop("your_data_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")
table = data.datasets()
for problem in table.attrs.get("problems", []):
    st.warning(f"Part of the user data cannot be read: {problem}. The synthetic borough and "
               "the other datasets still work.", icon=":material/warning:")

with st.expander("What files can I import?", expanded=False):
    st.markdown(
        "**Aggregate counts** (CSV, Excel or Parquet): one row per group with columns naming the "
        "group (e.g. `ethnicity`, `sex`), `events` (children with the outcome) and `population` "
        "(children), and optionally `outcome` and `period` (e.g. `2023/24`). An export from this "
        "dashboard can be imported back (computed columns are ignored).\n\n"
        "**Record-level data**: one row per child and academic year. Ethnicity may be a DfE code "
        "(`BCRB`), a DfE or ONS 2021 category, or a major group (`Black`). Columns:")
    st.dataframe(store.record_columns(), hide_index=True, width="stretch")
    st.caption(f"Files up to {MAX_BYTES // 1_000_000} MB, {MAX_ROWS:,} rows and "
               f"{MAX_COLUMNS} columns; counts up to 2^53. Spreadsheets must hold values, "
               "not formulas.")

if not user.can_import:
    st.info(f"Your role ({user.role}) lets you use datasets shared with your groups; importing "
            "needs the analyst role.", icon=":material/lock:")
else:
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
                    result = store.import_file(path, name=name.strip() or None,
                                               root=data.store_root(), user=user)
                except (InputError, ValueError, PermissionError, store.StoreError) as e:
                    st.error(str(e), icon=":material/error:")
                else:
                    data.new_run()
                    st.session_state["pending_source"] = result.name
                    st.session_state["your_data_flash"] = (
                        f"Imported **{upload.name}** as {result.kind} dataset **{result.name}** "
                        f"({result.rows:,} rows). It is now the data source.")
                    st.rerun()


def _delete(row) -> None:
    try:
        store.delete_dataset(row.id, data.store_root(), user)
    except (KeyError, PermissionError, store.StoreError) as e:
        st.error(str(e), icon=":material/error:")
        return
    data.forget_deleted()
    data.new_run()
    was_source = st.session_state.get("source") == row.id
    if was_source:                        # set before the sidebar's widget on the next run
        st.session_state["pending_source"] = data.SYNTHETIC
    st.session_state["your_data_flash"] = (
        f"Deleted **{row.id}**: its file is removed from disk."
        + (" The data source is now the synthetic borough." if was_source else ""))
    st.rerun()


def _share(row, groups) -> None:
    try:
        store.share_dataset(row.id, groups, data.store_root(), user)
    except (KeyError, PermissionError, store.StoreError) as e:
        st.error(str(e), icon=":material/error:")
        return
    data.new_run()
    st.session_state["your_data_flash"] = (
        f"**{row.id}** is now " + (f"shared with {', '.join(groups)}." if groups else "private."))
    st.rerun()


labels = outcome_catalogue().set_index("key")["label"]
mine = table[table["owner"] == user.id]
others = table[table["owner"] != user.id]
st.subheader("Your datasets")
if mine.empty:
    st.caption("None yet.")
for row in mine.itertuples():
    what = (f"{row.n_rows:,} child-years; outcomes: "
            f"{', '.join(labels.get(o, o) for o in row.outcomes) or 'none'}"
            if row.kind == "records" else
            f"{row.n_rows:,} groups by {', '.join(row.group_cols)}")
    current = " **(the current data source)**" if data.source() == row.id else ""
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.markdown(f"**{row.name}** ({row.kind}) from `{row.source_file}`, imported "
                  f"{row.imported_at:%d %b %Y %H:%M}: {what}{current}")
    if right.button("Delete", key=f"delete-{row.id}", icon=":material/delete:",
                    help="Remove this dataset and its file from disk"):
        _delete(row)
    if user.groups:
        shared = left.multiselect("Shared with groups", list(user.groups),
                                  default=[g for g in row.shared_with if g in user.groups],
                                  key=f"share-{row.id}", placeholder="Private (only you)")
        if sorted(shared) != sorted(g for g in row.shared_with if g in user.groups):
            _share(row, shared)

if not user.local:
    st.subheader("Shared with you")
    if others.empty:
        st.caption("No datasets are shared with your groups.")
    for row in others.itertuples():
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.markdown(f"**{row.id}** ({row.kind}) from `{row.source_file}`, shared by "
                      f"{row.owner_name} with {', '.join(row.shared_with)}")
        if user.is_admin:
            if right.button("Unshare", key=f"unshare-{row.id}", icon=":material/lock:"):
                _share(row, [])
            if right.button("Delete", key=f"delete-{row.id}", icon=":material/delete:"):
                _delete(row)
