"""The catalogue of datasets, read from the files themselves, and who may see, share and
delete each: private workspaces, sharing with groups, admins."""
from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pandas as pd

from analytics.data import audit, queries
from analytics.data.access import LOCAL, User
from analytics.data.dataset_files import (
    LEGACY,
    SHARE,
    SUFFIX,
    TMP,
    StoreError,
    _files,
    _fsync_dir,
    _lock,
    _reason,
    check_name,
    glob_escape,
    user_data_dir,
)

CATALOGUE_COLUMNS = ["id", "name", "owner", "owner_name", "kind", "source_file", "imported_at",
                     "n_rows", "group_cols", "outcomes", "periods", "ethnicity_level",
                     "shared_with", "path"]
_INFO: dict[tuple, dict] = {}      # (path, inode, mtime) -> catalogue row: files never change


def _info(path: Path) -> dict:
    st = path.stat()
    key = (str(path), st.st_ino, st.st_mtime_ns)
    if key not in _INFO:
        with duckdb.connect(str(path), read_only=True) as con:
            row = con.execute(queries.load("user_list_datasets")).df().iloc[0].to_dict()
        if len(_INFO) > 1000:
            _INFO.clear()
        _INFO[key] = row
    return dict(_INFO[key])


def _shared_with(path: Path) -> list[str]:
    share = path.with_name(path.name[: -len(SUFFIX)] + SHARE)
    try:
        return sorted(json.loads(share.read_text())["groups"])
    except FileNotFoundError:
        return []


def _visible(row: dict, user: User | None) -> bool:
    if user is None or row["owner"] == user.id:
        return True
    shared = set(row["shared_with"])
    return bool(shared) and (user.is_admin or bool(shared & set(user.groups)))


def list_datasets(root: Path | None = None, user: User | None = LOCAL) -> pd.DataFrame:
    """The datasets `user` may see (None: every dataset, for the operator's CLI), read from
    the files themselves. Files that cannot be read are left out and named in
    `.attrs["problems"]`; an unreadable store raises StoreError."""
    root = Path(root or user_data_dir())
    spaces = root / "workspaces"
    rows, problems = [], []
    try:
        folders = sorted(p for p in spaces.iterdir() if p.is_dir()) if spaces.exists() else []
    except OSError as e:
        raise StoreError(f"the user data folder {root} cannot be read ({_reason(e)})") from None
    if root.exists() and not root.is_dir():
        raise StoreError(f"the user data folder {root} is not a folder")
    if (root / LEGACY).exists():
        problems.append(f"the single-file store {LEGACY} of an earlier version is still in {root}: "
                        "its datasets are not offered; import them again, then delete the file "
                        "to remove its data")
    for folder in folders:
        try:
            paths = _files(folder)
        except OSError as e:
            problems.append(f"workspace {folder.name} cannot be read ({_reason(e)})")
            continue
        for path in paths:
            try:
                row = _info(path)
                row["shared_with"] = _shared_with(path)
            except FileNotFoundError:
                continue                                   # deleted while we looked
            except Exception as e:                         # noqa: BLE001 - a corrupt file
                problems.append(f"dataset file {folder.name}/{path.name} cannot be read "
                                f"({type(e).__name__}); it is not offered")
                continue
            if not _visible(row, user):
                continue
            mine = row["owner"] == (user or LOCAL).id      # ids are relative to the viewer
            row["id"] = row["name"] if mine else f"{row['owner']}/{row['name']}"
            row["path"] = str(path)
            rows.append(row)
    table = pd.DataFrame(rows, columns=CATALOGUE_COLUMNS)
    if len(table):
        table = table.sort_values(["imported_at", "id"], ignore_index=True)
    table.attrs["problems"] = problems
    return table


def dataset_info(dataset_id: str, root: Path | None = None, user: User | None = LOCAL) -> pd.Series:
    table = list_datasets(root, user)
    match = table[table["id"] == dataset_id]
    if match.empty:
        raise KeyError(f"no dataset named {dataset_id!r}")
    return match.iloc[0]


def _check_id(dataset_id: str) -> str:
    """`name` or `owner/name`, with a valid name."""
    check_name(dataset_id.rpartition("/")[2])
    return dataset_id


def delete_dataset(dataset_id: str, root: Path | None = None, user: User = LOCAL) -> None:
    """Remove a dataset's file (and so its data) from disk. Owners delete their own; an
    admin may delete a dataset shared with a group."""
    root = Path(root or user_data_dir())
    _check_id(dataset_id)
    info = dataset_info(dataset_id, root, user)
    if info["owner"] != user.id and not (user.is_admin and len(info["shared_with"])):
        raise PermissionError(f"{dataset_id!r} belongs to {info['owner_name']}; only they or an "
                              "admin can delete it")
    path = Path(info["path"])
    with _lock(path.parent):
        path.unlink(missing_ok=True)
        path.with_name(path.name[: -len(SUFFIX)] + SHARE).unlink(missing_ok=True)
        for extra in path.parent.glob(glob_escape(path.name) + ".wal"):
            extra.unlink(missing_ok=True)
        _fsync_dir(path.parent)
    audit.record(root, user, "delete", f"{info['kind']} dataset from {info['source_file']}",
                 dataset=f"{info['owner']}/{info['name']}")


def share_dataset(dataset_id: str, groups, root: Path | None = None, user: User = LOCAL) -> None:
    """Share a dataset with named groups (an empty list makes it private again). Owners share
    their own datasets with their own groups; an admin may unshare any."""
    root = Path(root or user_data_dir())
    _check_id(dataset_id)
    info = dataset_info(dataset_id, root, user)
    groups = sorted(set(groups))
    own = info["owner"] == user.id
    if not (own and user.can_import) and not (user.is_admin and not groups):
        raise PermissionError(f"only the owner of {dataset_id!r} can share it")
    foreign = set(groups) - set(user.groups) if not user.is_admin else set()
    if foreign:
        raise PermissionError(f"you are not a member of {', '.join(sorted(foreign))}")
    path = Path(info["path"])
    share = path.with_name(path.name[: -len(SUFFIX)] + SHARE)
    with _lock(path.parent):
        if not path.exists():
            raise KeyError(f"no dataset named {dataset_id!r}")
        if groups:
            tmp = share.with_name(TMP + share.name)
            tmp.write_text(json.dumps({"groups": groups, "by": user.id}))
            os.replace(tmp, share)
        else:
            share.unlink(missing_ok=True)
        _fsync_dir(path.parent)
    audit.record(root, user, "share" if groups else "unshare",
                 f"shared with {', '.join(groups)}" if groups else "made private",
                 dataset=f"{info['owner']}/{info['name']}")


def connect_dataset(info) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a dataset's file (`info`: its catalogue row). Every file
    has a unique name, so a connection never sees another version of the dataset."""
    return duckdb.connect(str(info["path"]), read_only=True)


def aggregate_table(con) -> pd.DataFrame:
    """The counts table of an aggregate (or counts-only) dataset."""
    return con.execute(queries.render("user_read_table", table="counts")).df()


def population_table(con) -> pd.DataFrame:
    """The table of a population dataset (analytics.data.population layout)."""
    return con.execute(queries.render("user_read_table", table="population")).df()
