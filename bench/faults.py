"""Fault injection for the user store and the importers: parallel writers, kill -9 at random
points of an import, and hostile files. The tests run a few trials of each
(tests/test_faults.py); this script runs as many as you ask and prints the figures.

    python -m bench.faults [--trials 20] [--writers 4] [--kills 30] [--json FILE]

Figures: trials, datasets lost (must be 0), datasets half-written (must be 0), leftovers after
recovery (must be 0), kills that interrupted a write, and for each hostile file its exit
status, seconds to refusal and peak memory of the importing process. Nothing is asserted on
time: this prints figures.
"""
from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics.data import store  # noqa: E402

AGG = "ethnicity,sex,events,population\nWBRI,Male,40,1000\nBCRB,Male,30,250\nBAFR,Female,12,300\n"

#: A writer process: imports its datasets, deletes every other one, and tries to take a name
#: every writer wants (exactly one may win). Prints the names it expects to remain.
WRITER = """
import json, sys
sys.path.insert(0, {root!r})
from analytics.data import store
from analytics.data.readers import InputError
root, src, prefix, n = {store_dir!r}, {src!r}, {prefix!r}, {n}
kept, won = [], False
for j in range(n):
    name = f"{{prefix}}_{{j}}"
    store.import_file(src, name, root)
    if j % 2:
        store.delete_dataset(name, root)
    else:
        kept.append(name)
try:
    store.import_file(src, "contested", root)
    won = True
except InputError:
    pass
print(json.dumps({{"kept": kept, "won": won}}))
"""


def _snapshot(root: Path) -> dict[str, int]:
    """name -> rows of every dataset in the store, read from its file (raises if one is
    unreadable: a half-written dataset)."""
    table = store.list_datasets(root, user=None)
    if table.attrs["problems"]:
        raise AssertionError(f"unreadable dataset files: {table.attrs['problems']}")
    out = {}
    for row in table.itertuples():
        with store.connect_dataset({"path": row.path}) as con:
            out[row.name] = int(con.execute(
                "SELECT count(*) FROM counts" if row.kind == "aggregate"
                else "SELECT count(*) FROM child_year").fetchone()[0])
    return out


def _leftovers(root: Path) -> list[str]:
    """Files that are neither a dataset, a sharing file, a lock nor the audit log."""
    spaces = root / "workspaces"
    if not spaces.exists():
        return []
    kept = (".lock", store.SUFFIX, store.SHARE)
    return sorted(str(p.relative_to(root)) for p in spaces.rglob("*") if p.is_file()
                  and (p.name.startswith(store.TMP) or not p.name.endswith(kept)))


def parallel_trial(root: Path, writers: int = 4, per_writer: int = 4) -> dict:
    """Several processes import and delete at once; every kept dataset must be there, whole,
    no deleted one may be, and exactly one writer may win the contested name."""
    root.parent.mkdir(parents=True, exist_ok=True)
    src = root.parent / "agg.csv"
    src.write_text(AGG)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER.format(
        root=str(ROOT), store_dir=str(root), src=str(src), prefix=f"w{i}", n=per_writer)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(writers)]
    expected, winners, errors = set(), 0, []
    for p in procs:
        out, err = p.communicate()
        if p.returncode != 0:
            errors.append(err[-500:])
            continue
        result = json.loads(out.strip().splitlines()[-1])
        expected |= set(result["kept"])
        winners += result["won"]
    found = _snapshot(root)
    expected.add("contested")
    return {"lost": len(expected - set(found)), "resurrected": len(set(found) - expected),
            "winners_of_one_name": winners, "writer_errors": errors,
            "leftovers": _leftovers(root)}


def records_file(path: Path, rows: int = 60_000) -> Path:
    """A record-level CSV large enough that writing it takes a moment (a window to kill in)."""
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(1)
    codes = ["WBRI", "BCRB", "BAFR", "APKN", "MWBC", "CHNE", "WOTH"]
    df = pd.DataFrame({"child_id": np.arange(rows), "period": "2023/24",
                       "sex": rng.choice(["Male", "Female"], rows),
                       "ethnicity": rng.choice(codes, rows), "age": rng.integers(5, 17, rows),
                       "on_roll": 1, "suspensions": rng.poisson(0.1, rows),
                       "fsm": rng.integers(0, 2, rows)})
    df.to_csv(path, index=False)
    return path


def _writing(root: Path) -> bool:
    spaces = root / "workspaces"
    return spaces.exists() and any(p.name.startswith(store.TMP) for p in spaces.rglob("*"))


def _wait_for_write(proc, root: Path, timeout: float = 60) -> float | None:
    """Poll until the import's temporary file appears; the time it appeared (None: the
    process ended first)."""
    end = time.perf_counter() + timeout
    while time.perf_counter() < end and proc.poll() is None:
        if _writing(root):
            return time.perf_counter()
        time.sleep(0.002)
    return None


def kill_trials(root: Path, kills: int, seed: int = 0) -> dict:
    """Start an import and kill -9 it, `kills` times: half the kills at a random moment of
    the whole import, half at a random moment after its temporary file appeared (the write;
    the machine's load moves these moments, so the figures count the kills that did land
    during a write).
    After each: the datasets stored before are unchanged, the killed one is absent or whole,
    and start-up recovery leaves nothing behind."""
    rng = random.Random(seed)
    root.parent.mkdir(parents=True, exist_ok=True)
    src = records_file(root.parent / "records.csv")
    store.import_file(root.parent / _agg(root.parent), "before", root)
    cmd = [sys.executable, "-m", "analytics", "import", str(src), "--store", str(root)]
    durations, writes = [], []
    for t in range(2):                       # the faster of two runs: the machine may be busy
        start = time.perf_counter()
        proc = subprocess.Popen(cmd + ["--name", f"timing{t}"], cwd=ROOT, stdout=subprocess.DEVNULL)
        began = _wait_for_write(proc, root)
        proc.wait()
        finished = time.perf_counter()
        durations.append(finished - start)
        writes.append(finished - (began or start))
        store.delete_dataset(f"timing{t}", root)
    duration, write = min(durations), min(writes)
    before = _snapshot(root)
    lost = half = left = interrupted = completed = 0
    for k in range(kills):
        name = f"killed_{k}"
        proc = subprocess.Popen(cmd + ["--name", name], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        if k % 2:
            _wait_for_write(proc, root)
            time.sleep(rng.uniform(0, 0.8) * write)
        else:
            time.sleep(rng.uniform(0, 1.0) * duration)
        interrupted += _writing(root) and proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        store.recover(root)
        left += len(_leftovers(root))
        try:
            after = _snapshot(root)
        except AssertionError:
            half += 1
            continue
        lost += sum(1 for n, rows in before.items() if after.get(n) != rows)
        if name in after:
            completed += 1
            half += after[name] != 60_000
            before[name] = after[name]
    return {"kills": kills, "interrupted_a_write": interrupted, "completed_before_kill": completed,
            "lost": lost, "half_written": half, "leftovers": left,
            "import_seconds": round(duration, 2), "write_seconds": round(write, 2)}


def _agg(folder: Path) -> Path:
    path = folder / "before.csv"
    path.write_text(AGG)
    return path


# -- hostile files ------------------------------------------------------------------------

def _xlsx(rows) -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rewrite(data: bytes, part: str, change) -> bytes:
    """The workbook with one part's XML replaced by change(old_xml)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info.filename, change(body) if info.filename == part else body)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
GOOD_ROWS = [["ethnicity", "events", "population"], ["WBRI", 4, 100], ["BCRB", 5, 100]]


def dimension_bomb() -> bytes:
    """A few kB whose sheet declares every cell Excel allows (16,384 x 1,048,576)."""
    import re
    return _rewrite(_xlsx(GOOD_ROWS), SHEET, lambda x: re.sub(
        rb'<dimension ref="[^"]+"', b'<dimension ref="A1:XFD1048576"', x))


def entity_bomb() -> bytes:
    """Billion laughs: nested entities in the sheet's XML."""
    dtd = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                      for i in range(1, 10)) + b"]>")
    return _rewrite(_xlsx(GOOD_ROWS), SHEET, lambda x: dtd + x.split(b"?>", 1)[-1].replace(
        b"<v>4</v>", b"<v>&lol9;</v>", 1))


def unpacked_bomb() -> bytes:
    """An honest zip whose sheet unpacks to 300 MB (rows of the same few bytes)."""
    rows = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * (300_000_000 // 48)
    return _rewrite(_xlsx(GOOD_ROWS), SHEET, lambda x: x.replace(b"</sheetData>", rows + b"</sheetData>"))


def lying_zip() -> bytes:
    """The sheet's zip headers declare 1 kB but the data unpack to 50 MB."""
    data = bytearray(_rewrite(_xlsx(GOOD_ROWS), SHEET, lambda x: x.replace(
        b"</sheetData>", b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 1_000_000 + b"</sheetData>")))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        local = zf.getinfo(SHEET).header_offset
    small = (1024).to_bytes(4, "little")
    data[local + 22:local + 26] = small                       # local header: uncompressed size
    pos = bytes(data).find(b"PK\x01\x02")
    while pos != -1:                                          # central directory entries
        name_len = int.from_bytes(data[pos + 28:pos + 30], "little")
        if data[pos + 46:pos + 46 + name_len] == SHEET.encode():
            data[pos + 24:pos + 28] = small
        pos = bytes(data).find(b"PK\x01\x02", pos + 4)
    return bytes(data)


def malformed_xml() -> bytes:
    return _rewrite(_xlsx(GOOD_ROWS), SHEET, lambda x: x.replace(b"</sheetData>", b"<row><c>"))


HOSTILE = {
    "dimension_bomb.xlsx": dimension_bomb,
    "entity_bomb.xlsx": entity_bomb,
    "unpacked_bomb.xlsx": unpacked_bomb,
    "lying_zip.xlsx": lying_zip,
    "malformed_xml.xlsx": malformed_xml,
    "not_a_zip.xlsx": lambda: b"PK\x03\x04 this is not really a zip file" * 10,
    "wide.csv": lambda: ("," * 100_000 + "\n1\n").encode(),
    "count_1e30.csv": lambda: b"ethnicity,events,population\nWBRI,5,100\nBCRB,1e30,1e31\n",
    "count_int64_max.csv": lambda: b"ethnicity,events,population\nWBRI,5,9223372036854775807\n",
    "count_2p53_plus_1.csv": lambda: b"ethnicity,events,population\nWBRI,5,9007199254740993\n",
    "count_inf.csv": lambda: b"ethnicity,events,population\nWBRI,5,100\nBCRB,inf,100\n",
    "count_nan.csv": lambda: b"ethnicity,events,population\nWBRI,nan,100\n",
    "suspensions_overflow.csv": lambda: b"period,sex,ethnicity,age,suspensions\n2023/24,Male,WBRI,12,40000\n",
    "absence_inf.csv": lambda: b"period,sex,ethnicity,age,absence_pct\n2023/24,Male,WBRI,12,inf\n",
}

#: The row and column each hostile file's message must name (None: the file as a whole).
WHERE = {"count_1e30.csv": (3, "events"), "count_int64_max.csv": (2, "population"),
         "count_2p53_plus_1.csv": (2, "population"), "count_inf.csv": (3, "events"),
         "count_nan.csv": (2, "events"), "suspensions_overflow.csv": (2, "suspensions"),
         "absence_inf.csv": (2, "absence_pct")}

IMPORT_CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from analytics.cli import main
import analytics.data.store, openpyxl, pyarrow.parquet   # loaded before the clock starts
t0 = time.perf_counter()
rc = main(["import", {path!r}, "--name", "hostile", "--store", {store_dir!r}])
hwm = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]
print(json.dumps({{"rc": rc, "seconds": time.perf_counter() - t0, "peak_mb": int(hwm) / 1024}}))
"""


def hostile_import(folder: Path, name: str, root: Path) -> dict:
    """Import one hostile file in a fresh process; its exit status, message, seconds from
    the start of the import to its end (libraries already loaded) and peak memory (the
    process's own high-water mark, libraries included)."""
    path = folder / name
    path.write_bytes(HOSTILE[name]())
    r = subprocess.run([sys.executable, "-c", IMPORT_CHILD.format(
        root=str(ROOT), path=str(path), store_dir=str(root))], capture_output=True, text=True,
        cwd=ROOT)
    try:
        figures = json.loads(r.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        figures = {"rc": r.returncode, "seconds": None, "peak_mb": None}
    return {"file": name, "size_kb": round(path.stat().st_size / 1024, 1),
            "message": r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "", **figures}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=20, help="parallel-writer trials")
    p.add_argument("--writers", type=int, default=4, help="writer processes per trial")
    p.add_argument("--kills", type=int, default=30, help="imports killed with SIGKILL")
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    results = {"parallel": [], "kill": None, "hostile": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for t in range(args.trials):
            folder = tmp / f"parallel{t}"
            folder.mkdir()
            results["parallel"].append(parallel_trial(folder / "store", args.writers))
        folder = tmp / "kill"
        folder.mkdir()
        results["kill"] = kill_trials(folder / "store", args.kills)
        folder = tmp / "hostile"
        folder.mkdir()
        for name in HOSTILE:
            results["hostile"].append(hostile_import(folder, name, folder / "store"))
            shutil.rmtree(folder / "store", ignore_errors=True)
    par = results["parallel"]
    print(f"parallel writers: {len(par)} trials x {args.writers} processes; datasets lost "
          f"{sum(r['lost'] for r in par)}, deleted ones back {sum(r['resurrected'] for r in par)}, "
          f"trials where the contested name had not exactly one winner "
          f"{sum(r['winners_of_one_name'] != 1 for r in par)}, writer errors "
          f"{sum(len(r['writer_errors']) for r in par)}, leftovers {sum(len(r['leftovers']) for r in par)}")
    k = results["kill"]
    print(f"kill -9: {k['kills']} kills ({k['interrupted_a_write']} during a write, "
          f"{k['completed_before_kill']} after the import finished; an import takes "
          f"{k['import_seconds']} s, its write {k['write_seconds']} s); datasets lost {k['lost']}, half-written {k['half_written']}, "
          f"leftovers after recovery {k['leftovers']}")
    for h in results["hostile"]:
        secs = f"{h['seconds']:.2f} s" if h["seconds"] is not None else "?"
        peak = f"{h['peak_mb']:.0f} MB" if h["peak_mb"] is not None else "?"
        print(f"{h['file']:26s} {h['size_kb']:>9} kB  exit {h['rc']}  {secs:>7}  peak {peak:>7}  {h['message'][:110]}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
