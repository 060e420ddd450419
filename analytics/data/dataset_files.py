"""One DuckDB file per dataset under the user data folder: dataset and workspace names,
locks, writing a new file and renaming it into place, and removing what interrupted writes
left behind."""
from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from analytics import ROOT
from analytics.data import queries
from analytics.data.readers import InputError

#: The user data folder: workspaces of dataset files and the audit log.
DEFAULT_USER_DATA = ROOT / "data" / "user"
#: Environment variable naming another user data folder (tests, deployments).
USER_DATA_ENV = "DISPROP_USER_DATA"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")


def user_data_dir() -> Path:
    return Path(os.environ.get(USER_DATA_ENV) or DEFAULT_USER_DATA)


def check_name(name: str) -> str:
    """Dataset names become table/schema names, so only [a-z][a-z0-9_]* is allowed."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ValueError(f"dataset name {name!r}: use lower-case letters, digits and _ "
                         "(starting with a letter, at most 40 characters)")
    return name


def default_name(path) -> str:
    stem = re.sub(r"[^a-z0-9_]+", "_", Path(path).stem.lower()).strip("_") or "data"
    return check_name(("d_" + stem if not stem[0].isalpha() else stem)[:40])


# A dataset is one DuckDB file, `workspaces/<owner>/<name>.<token>.duckdb` under the user
# data folder. A new dataset is written to a temporary file in the same folder (held under
# its own lock while it is written), checkpointed, closed and fsync'd, then renamed into
# place under the workspace's lock, which is also where the name is checked: a dataset
# appears whole or not at all, and imports never wait for each other except for the rename.
# The catalogue is the set of files (each holds its own catalogue row), so readers always see
# the current list. A delete unlinks the file. `recover()` removes what an interrupted write
# left: temporary files whose writer's lock is free (the writer died).

TMP = ".tmp."
SUFFIX = ".duckdb"
SHARE = ".share.json"
#: The one-file store of earlier versions (never read: it is reported until deleted).
LEGACY = "user.duckdb"
LOCK_TIMEOUT = 60


class StoreError(RuntimeError):
    """The store could not be read or written (disk full, unreadable folder, ...)."""


def workspace_folder(owner: str) -> str:
    """A safe folder name for a user id (emails contain '@' and '.')."""
    slug = re.sub(r"[^a-z0-9_]+", "_", owner.lower()).strip("_")[:40] or "user"
    if slug == owner:
        return slug
    return f"{slug}-{hashlib.sha256(owner.encode()).hexdigest()[:10]}"


def _workspace(root: Path, owner: str) -> Path:
    return Path(root) / "workspaces" / workspace_folder(owner)


def _lock(folder: Path) -> FileLock:
    return FileLock(str(folder / ".lock"), timeout=LOCK_TIMEOUT)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _files(folder: Path, name: str | None = None) -> list[Path]:
    """The dataset files of a workspace (of one name, if given)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.name.endswith(SUFFIX) and not p.name.startswith(".")
                  and (name is None or p.name.split(".")[0] == name))


def glob_escape(text: str) -> str:
    """`text` as a literal in a glob pattern."""
    return re.sub(r"([*?[])", r"[\1]", text)


def recover(root: Path | None = None) -> list[Path]:
    """Remove what interrupted writes left behind (temporary files whose writer is gone,
    sharing files of deleted datasets); returns the paths removed."""
    root = Path(root or user_data_dir())
    removed = []
    spaces = root / "workspaces"
    if not spaces.is_dir():
        return removed
    for folder in spaces.iterdir():
        if not folder.is_dir():
            continue
        for lock_path in folder.glob(TMP + "*.lock"):
            lock = FileLock(str(lock_path), timeout=0)
            try:
                lock.acquire()
            except Timeout:
                continue                                   # a writer is still at work
            try:
                stem = lock_path.name[: -len(".lock")]
                for leftover in folder.glob(glob_escape(stem) + "*"):
                    if leftover != lock_path:
                        leftover.unlink(missing_ok=True)
                        removed.append(leftover)
            finally:
                lock.release()
            lock_path.unlink(missing_ok=True)
            removed.append(lock_path)
        for tmp in folder.glob(TMP + "*"):
            # a temporary file without its lock file: its writer died before the lock existed
            # or after it was removed; no live writer holds such a file
            if not (folder / (tmp.name.split(SUFFIX)[0] + ".lock")).exists() and tmp.suffix != ".lock":
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
        live = {p.name[: -len(SUFFIX)] for p in _files(folder)}
        for share in folder.glob("*" + SHARE):
            if share.name[: -len(SHARE)] not in live:
                share.unlink(missing_ok=True)
                removed.append(share)
    return removed


def _write_dataset(folder: Path, name: str, fill, source_file) -> None:
    """Write a new dataset file with `fill(con)` and rename it into place; InputError if the
    name is taken (checked under the workspace lock, so two imports cannot both win)."""
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(4)
    stem = f"{TMP}{name}.{token}"
    tmp = folder / f"{stem}{SUFFIX}"
    writer = FileLock(str(folder / f"{stem}.lock"), timeout=0)
    writer.acquire()
    try:
        try:
            with duckdb.connect(str(tmp)) as con:
                fill(con)
                con.execute(queries.load("checkpoint"))
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            with _lock(folder):
                if _files(folder, name):
                    raise InputError(source_file, f"a dataset named {name!r} already exists; delete it "
                                           "first or choose another name")
                os.rename(tmp, folder / f"{name}.{token}{SUFFIX}")
                _fsync_dir(folder)
        except (duckdb.IOException, OSError) as e:
            raise StoreError(f"could not write dataset {name!r} ({_reason(e)}); nothing was "
                             "stored") from None
        finally:
            for leftover in folder.glob(glob_escape(stem) + "*"):
                if not leftover.name.endswith(".lock"):
                    leftover.unlink(missing_ok=True)
    finally:
        writer.release()
        (folder / f"{stem}.lock").unlink(missing_ok=True)


def _reason(e: Exception) -> str:
    text = str(e)
    if "No space left" in text or getattr(e, "errno", None) == 28:
        return "the disk is full"
    return text.splitlines()[0][:200] if text else type(e).__name__
