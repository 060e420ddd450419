"""The append-only audit log of imports, deletes, shares, exports and reports: who, when,
what, and the protection mode of what left the tool.

One JSON object a line in `audit.jsonl` in the user data folder. Lines are only ever
appended (O_APPEND, under a lock, fsync'd), and each carries the SHA-256 of the line before
it, so `python -m analytics audit` can show that no line was changed or removed since.
"""
from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from filelock import FileLock

from analytics.data.access import User

FILE = "audit.jsonl"
COLUMNS = ["time", "user", "role", "action", "what", "dataset", "protection"]
GENESIS = "0" * 64


def protection_label(suppress: int | None) -> str:
    """How an output was protected, in words for the log."""
    if suppress is None:
        return ""
    return f"protected (suppress {suppress})" if suppress > 1 else "UNPROTECTED (suppress 0)"


def _last_hash(path: Path) -> str:
    if not path.exists() or path.stat().st_size == 0:
        return GENESIS
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 65536))
        last = f.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    return hashlib.sha256(last).hexdigest()


def record(root: Path, user: User, action: str, what: str, dataset: str = "",
           protection: str = "") -> dict:
    """Append one entry; returns it."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    path = root / FILE
    entry = {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "user": user.id, "role": user.role, "action": action, "what": what,
             "dataset": dataset, "protection": protection}
    with FileLock(str(path) + ".lock", timeout=30):
        entry["prev"] = _last_hash(path)
        line = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    return entry


def read(root: Path) -> tuple[pd.DataFrame, list[str]]:
    """The log as a table, and the problems found checking its chain (empty: intact)."""
    path = Path(root) / FILE
    rows, problems, prev = [], [], GENESIS
    if path.exists():
        with open(path, "rb") as f:
            for n, line in enumerate(f, start=1):
                raw = line.rstrip(b"\n")
                try:
                    entry = json.loads(raw)
                except ValueError:
                    problems.append(f"line {n} is not a log entry")
                    prev = hashlib.sha256(raw).hexdigest()
                    continue
                if entry.get("prev") != prev:
                    problems.append(f"line {n}: the line before it was changed or removed")
                prev = hashlib.sha256(raw).hexdigest()
                rows.append({c: entry.get(c, "") for c in COLUMNS})
    return pd.DataFrame(rows, columns=COLUMNS), problems
