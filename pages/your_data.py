"""Your data: import statutory returns (several files or a zip), a Census population table,
or files in the product's own layout into your workspace; list, share and delete them, and
choose one as the data source. The synthetic database is never touched."""
import tempfile
from pathlib import Path

import streamlit as st

from analytics import ROOT
from analytics.data import imports, store
from analytics.data.readers import MAX_BYTES, MAX_COLUMNS, MAX_ROWS, InputError
from analytics.data.reference import outcome_catalogue
from analytics.data.returns import LINKS
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
    for note in st.session_state.pop("your_data_notes", []):
        st.caption(f"Note: {note}")
table = data.datasets()
for problem in table.attrs.get("problems", []):
    st.warning(f"Part of the user data cannot be read: {problem}. The synthetic borough and "
               "the other datasets still work.", icon=":material/warning:")

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
    st.caption(f"Files up to {MAX_BYTES // 1_000_000} MB, {MAX_ROWS:,} rows and "
               f"{MAX_COLUMNS} columns; counts up to 2^53. Spreadsheets must hold values, "
               "not formulas.")

if not user.can_import:
    st.info(f"Your role ({user.role}) lets you use datasets shared with your groups; importing "
            "needs the analyst role.", icon=":material/lock:")
else:
    with st.form("import", clear_on_submit=False):
        uploads = st.file_uploader("Files (the parts of a return together, or one zip)",
                                   type=["csv", "xlsx", "parquet", "xml", "zip"],
                                   accept_multiple_files=True)
        left, right = st.columns([3, 2])
        name = left.text_input("Dataset name (lower-case letters, digits and _)",
                               placeholder="e.g. returns_2024")
        link = right.selectbox("Link children across returns by", LINKS,
                               help="LAchildID (CIN census, SSDA903, youth justice child_id), UPN, "
                                    "or hash: each return's own identifier field holds the same "
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
                    result = imports.import_files(paths, name=name.strip() or None,
                                                  root=data.store_root(), link=link, user=user)
                except (InputError, ValueError, PermissionError, store.StoreError) as e:
                    st.error(str(e), icon=":material/error:")
                else:
                    data.new_run()
                    names = ", ".join(u.name for u in uploads)
                    if result.kind not in data.NOT_SOURCES:
                        st.session_state["pending_source"] = result.name
                    st.session_state["your_data_notes"] = result.notes
                    st.session_state["your_data_flash"] = (
                        f"Imported **{names}** as {result.kind} dataset **{result.name}** "
                        f"({result.rows:,} rows)." + (
                            " Pair counts with it on the RRI explorer."
                            if result.kind == "population" else
                            f" DfE's council figures for {', '.join(result.periods)}: see "
                            "How we compare." if result.kind == "areas" else
                            " It is now the data source."))
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
            f"population table ({row.n_rows:,} rows), a denominator for counts"
            if row.kind == "population" else
            f"DfE's council figures, {', '.join(row.periods)} ({row.n_rows:,} rows), on "
            "How we compare" if row.kind == "areas" else
            f"{row.n_rows:,} groups by {', '.join(row.group_cols)}"
            + (" (counts only: pair with a population table)" if row.kind == "counts" else ""))
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
