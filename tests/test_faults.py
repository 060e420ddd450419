"""Fault injection: parallel writers, kill -9 during imports, hostile files, a corrupt store,
hostile URL values, a dataset too large to draw, a deleted synthetic database. A few trials
each here (figures printed at the end of the run); `python -m bench.faults` runs more.

The browser half (hostile URL values on every page in Chromium) is in tests/test_browser.py.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import cli
from analytics.data import audit, store
from analytics.data.access import User
from analytics.data.db import build_settings, connect, ensure_database, fingerprint
from analytics.data.readers import InputError
from bench import faults
from tests.apptest import new_app
from tests.figures import FIGURES

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))
GOOD = faults.AGG


def _state(root: Path) -> list:
    """Every file of a store's workspaces with its hash (locks aside)."""
    files = sorted(p for p in (root / "workspaces").rglob("*") if p.is_file() and p.name != ".lock")
    return [(str(p.relative_to(root)), hashlib.sha256(p.read_bytes()).hexdigest()) for p in files]


# -- the store under concurrency and kills -------------------------------------------------

def test_parallel_writers_lose_nothing(tmp_path):
    trials, lost = 2, 0
    for t in range(trials):
        result = faults.parallel_trial(tmp_path / f"t{t}" / "store", writers=4, per_writer=4)
        assert result["writer_errors"] == []
        assert result["resurrected"] == 0, "a deleted dataset came back"
        assert result["winners_of_one_name"] == 1, "two imports took the same name"
        assert result["leftovers"] == []
        lost += result["lost"]
    FIGURES["parallel writers"] = f"{trials} trials x 4 processes x 5 imports; datasets lost {lost}"
    assert lost == 0


def test_kill_during_import_leaves_whole_datasets_and_no_leftovers(tmp_path):
    result = faults.kill_trials(tmp_path / "store", kills=3, seed=11)
    FIGURES["kill -9 during import"] = (
        f"{result['kills']} kills ({result['interrupted_a_write']} during a write); datasets lost "
        f"{result['lost']}, half-written {result['half_written']}, leftovers {result['leftovers']}")
    assert result["lost"] == 0 and result["half_written"] == 0 and result["leftovers"] == 0


def test_recovery_removes_an_interrupted_write_but_not_a_live_one(tmp_path):
    """A temporary file whose writer died is removed; one whose writer holds its lock stays."""
    from filelock import FileLock
    root = tmp_path / "store"
    store.import_file(_csv(tmp_path), "kept", root)
    folder = root / "workspaces" / "local"
    dead = folder / f"{store.TMP}dead.0000aaaa{store.SUFFIX}"
    dead.write_bytes(b"half a database")
    (folder / f"{store.TMP}dead.0000aaaa.lock").touch()
    (folder / f"{store.TMP}dead.0000aaaa{store.SUFFIX}.wal").write_bytes(b"wal")
    live = folder / f"{store.TMP}live.1111bbbb{store.SUFFIX}"
    live.write_bytes(b"being written")
    # the live writer is another process holding the lock
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from filelock import FileLock; "
        f"l = FileLock({str(folder / (store.TMP + 'live.1111bbbb.lock'))!r}); l.acquire(); "
        "print('held', flush=True); time.sleep(60)")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        removed = {p.name for p in store.recover(root)}
        assert dead.name in removed and f"{dead.name}.wal" in removed
        assert live.exists()
    finally:
        holder.kill()
        holder.wait()
    assert FileLock(str(folder / f"{store.TMP}live.1111bbbb.lock"), timeout=0).acquire()
    store.recover(root)
    assert not live.exists()
    assert list(store.list_datasets(root)["name"]) == ["kept"]


def test_delete_removes_the_data_from_disk(tmp_path):
    root = tmp_path / "store"
    src = tmp_path / "secret.csv"
    src.write_text("area,events,population\nVerySecretAreaName,5,100\nOther,7,90\n")
    store.import_file(src, "secret", root)
    assert any(b"VerySecretAreaName" in p.read_bytes() for p in (root / "workspaces").rglob("*.duckdb"))
    store.delete_dataset("secret", root)
    leftover = [p for p in root.rglob("*") if p.is_file() and p.name != "audit.jsonl"
                and b"VerySecretAreaName" in p.read_bytes()]
    assert leftover == [] and store.list_datasets(root).empty


def _csv(folder: Path, text: str = GOOD, name: str = "good.csv") -> Path:
    path = folder / name
    path.write_text(text)
    return path


# -- hostile files --------------------------------------------------------------------------

IN_PROCESS = [n for n in faults.HOSTILE if n != "unpacked_bomb.xlsx"]   # 300 MB: bench only


@pytest.mark.parametrize("name", IN_PROCESS)
def test_hostile_file_is_refused_with_file_row_column_and_nothing_changes(tmp_path, name):
    root = tmp_path / "store"
    store.import_file(_csv(tmp_path), "before", root)
    before = _state(root)
    path = tmp_path / name
    path.write_bytes(faults.HOSTILE[name]())
    with pytest.raises(InputError) as err:
        store.import_file(path, "hostile", root)
    text = str(err.value)
    assert text.startswith(f"file {name}") and "Traceback" not in text and str(tmp_path) not in text
    if name in faults.WHERE:
        row, column = faults.WHERE[name]
        assert f"row {row}, column '{column}'" in text
    assert _state(root) == before
    assert list(store.list_datasets(root)["name"]) == ["before"]


@pytest.mark.parametrize("name", ["dimension_bomb.xlsx", "entity_bomb.xlsx", "malformed_xml.xlsx"])
def test_bombs_exit_2_with_little_memory(tmp_path, name):
    """The command line refuses each with status 2; the importing process's peak memory
    (libraries included, about 200 MB) stays far from the 23 GB the dimension bomb took."""
    result = faults.hostile_import(tmp_path, name, tmp_path / "store")
    FIGURES[f"{name} refused"] = (f"exit {result['rc']} in {result['seconds']:.2f} s, peak memory "
                                  f"{result['peak_mb']:.0f} MB: {result['message'][:90]}")
    assert result["rc"] == 2
    assert result["message"].startswith(f"error: file {name}")
    assert result["peak_mb"] < 400


def test_dimension_bomb_is_refused_before_the_workbook_is_opened(tmp_path, monkeypatch):
    """The declared size is checked on the zip entry itself: openpyxl is never called."""
    import openpyxl
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(faults.dimension_bomb())

    def forbidden(*args, **kwargs):
        raise AssertionError("load_workbook was called")
    monkeypatch.setattr(openpyxl, "load_workbook", forbidden)
    with pytest.raises(InputError, match="declares 16,384 columns"):
        store.import_file(path, "bomb", tmp_path / "store")


@pytest.mark.parametrize("bad", ["with\nnewline\n", "trailing\n", "Upper", "1digit", "a" * 41,
                                 "dot.name", "sl/ash"])
def test_bad_dataset_names_are_refused(tmp_path, capsys, bad):
    with pytest.raises(ValueError, match="dataset name"):
        store.check_name(bad)
    assert cli.main(["import", str(_csv(tmp_path)), "--name", bad]) == 2
    err = capsys.readouterr().err
    assert "error: dataset name" in err and "Traceback" not in err


def test_the_command_line_exits_2_from_a_fresh_process(tmp_path):
    r = subprocess.run([sys.executable, "-m", "analytics", "import", str(_csv(tmp_path)),
                        "--name", "trailing\n"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and r.stderr.startswith("error: dataset name")


@pytest.mark.parametrize("args", [
    ["rri", "--db", "/nonexistent/borough.duckdb", "--outcome", "custody", "--out", "x.csv"],
    ["rri", "--counts", "COUNTS", "--out", "OUT.docx"],
    ["rri", "--counts", "COUNTS", "--reference", "Nobody", "--out", "OUT.docx"],
    ["delete", "no_such_dataset"],
    ["import", "/nonexistent/file.csv"],
])
def test_bad_command_line_input_exits_2(tmp_path, capsys, args):
    counts = _csv(tmp_path)
    args = [str(counts) if a == "COUNTS" else str(tmp_path / "out.docx") if a == "OUT.docx"
            else a for a in args]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err


def test_a_full_disk_is_a_message_and_nothing_is_stored(tmp_path, monkeypatch):
    import duckdb
    root = tmp_path / "store"
    store.import_file(_csv(tmp_path), "before", root)
    before = _state(root)
    real = duckdb.connect

    def full(path, *args, **kwargs):
        if ".tmp." in str(path):
            raise duckdb.IOException("could not write file: No space left on device")
        return real(path, *args, **kwargs)
    monkeypatch.setattr(duckdb, "connect", full)
    with pytest.raises(store.StoreError, match=r"\(the disk is full\); nothing was stored"):
        store.import_file(_csv(tmp_path, name="more.csv"), "more", root)
    monkeypatch.setattr(duckdb, "connect", real)
    assert _state(root) == before
    assert store.recover(root) == []


# -- access and audit -----------------------------------------------------------------------

ALICE = User("alice@council.example", "Alice", "analyst", ("yjs",))
BOB = User("bob@council.example", "Bob", "analyst", ("yjs",))
CAROL = User("carol@council.example", "Carol", "viewer", ("education",))
ADA = User("ada@council.example", "Ada", "admin", ())


def test_workspaces_are_private_until_shared_with_a_group(tmp_path):
    root = tmp_path / "store"
    store.import_file(_csv(tmp_path), "alices", root, user=ALICE)
    assert list(store.list_datasets(root, BOB)["id"]) == []
    assert list(store.list_datasets(root, ADA)["id"]) == []       # private: not even an admin
    with pytest.raises(PermissionError):
        store.share_dataset("alices", ["education"], root, ALICE)   # not her group
    store.share_dataset("alices", ["yjs"], root, ALICE)
    assert list(store.list_datasets(root, BOB)["id"]) == ["alice@council.example/alices"]
    assert list(store.list_datasets(root, CAROL)["id"]) == []
    with pytest.raises(PermissionError):
        store.delete_dataset("alice@council.example/alices", root, BOB)
    with pytest.raises(PermissionError):
        store.import_file(_csv(tmp_path), "carols", root, user=CAROL)   # viewers import nothing
    assert ADA.may_unprotect(None) and ALICE.may_unprotect(ALICE.id)
    assert not BOB.may_unprotect(ALICE.id) and not CAROL.may_unprotect(None)
    store.share_dataset("alice@council.example/alices", [], root, ADA)    # admin unshares
    assert list(store.list_datasets(root, BOB)["id"]) == []
    store.share_dataset("alices", ["yjs"], root, ALICE)
    store.delete_dataset("alice@council.example/alices", root, ADA)       # admin deletes shared
    assert store.list_datasets(root, None).empty


def test_audit_log_records_who_what_and_detects_tampering(tmp_path):
    root = tmp_path / "store"
    store.import_file(_csv(tmp_path), "one", root, user=ALICE)
    store.share_dataset("one", ["yjs"], root, ALICE)
    audit.record(root, BOB, "export", "csv table", "alice@council.example/one",
                 audit.protection_label(0))
    store.delete_dataset("one", root, ALICE)
    table, problems = audit.read(root)
    assert problems == []
    assert list(table["action"]) == ["import", "share", "export", "delete"]
    assert list(table["user"]) == [ALICE.id, ALICE.id, BOB.id, ALICE.id]
    assert table.loc[2, "protection"] == "UNPROTECTED (suppress 0)"
    r = subprocess.run([sys.executable, "-m", "analytics", "audit", "--store", str(root)],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "chain of hashes intact" in r.stdout and "UNPROTECTED" in r.stdout
    lines = (root / audit.FILE).read_text().splitlines()
    (root / audit.FILE).write_text("\n".join(lines[:1] + lines[2:]) + "\n")    # remove a line
    assert audit.read(root)[1]
    r = subprocess.run([sys.executable, "-m", "analytics", "audit", "--store", str(root)],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "BROKEN" in r.stdout


def test_cli_exports_and_reports_are_audited(tmp_path, user_data):
    counts = _csv(tmp_path)
    r = subprocess.run([sys.executable, "-m", "analytics", "rri", "--counts", str(counts),
                        "--comparison", "overall", "--suppress", "0", "--out", str(tmp_path / "o.csv")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    table, _ = audit.read(user_data)
    last = table.iloc[-1]
    assert (last["action"], last["user"], last["protection"]) == ("export", "local", "UNPROTECTED (suppress 0)")


# -- pages: corrupt store, hostile URLs, large data, deletes --------------------------------

def _run(page: str, params: dict | None = None):
    at = new_app()
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.switch_page(page)
    return at.run()


def _no_traceback(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    text = " ".join(str(getattr(e, "value", "")) for e in at.main) + " ".join(
        str(getattr(e, "value", "")) for e in at.sidebar)
    assert "Traceback" not in text


@pytest.mark.parametrize("page", PAGES)
def test_every_page_works_with_a_corrupt_store(app_env, user_data, tmp_path, page):
    store.import_file(_csv(tmp_path), "good", user_data)
    folder = user_data / "workspaces" / "local"
    (folder / f"broken.0123abcd{store.SUFFIX}").write_bytes(os.urandom(4096))
    at = _run(page)
    _no_traceback(at)
    assert any("cannot be read" in w.value for w in at.sidebar.warning)
    assert at.selectbox(key="source").options == ["Synthetic borough", "good"]


def test_an_unreadable_store_leaves_the_synthetic_borough_working(app_env, user_data, monkeypatch):
    user_data.parent.mkdir(parents=True, exist_ok=True)
    user_data.write_text("not a folder")
    at = _run("pages/your_data.py")
    _no_traceback(at)
    assert any("not a folder" in w.value for w in at.warning)
    at = _run("pages/overview.py")
    _no_traceback(at)
    assert at.selectbox(key="source").options == ["Synthetic borough"]


HOSTILE_URLS = [
    {"suppress": "inf", "min_pop": "-1e309", "min_events": "nan", "level": "2"},
    {"suppress": "-5", "min_pop": "99999999999", "min_events": "0", "years": "7"},
    {"period": "1999/00", "eth": "<script>", "cmp": "x" * 500, "source": "../../etc/passwd",
     "ci": "🙂", "adjust": "", "by_sex": "maybe", "sex": "Other", "ref": "Nobody"},
]


@pytest.mark.parametrize("params", HOSTILE_URLS, ids=["numbers", "ranges", "choices"])
@pytest.mark.parametrize("page", PAGES)
def test_hostile_url_values_are_clamped_or_refused_with_a_message(app_env, page, params):
    at = _run(page, params)
    _no_traceback(at)
    notes = " ".join(w.value for w in at.warning)
    if "suppress" in params:
        assert "Suppress groups smaller than" in notes
    if params.get("source"):
        assert "not available" in notes
    o = at.session_state["filters"].options
    assert 0 <= o.suppress <= 20 and 1 <= o.min_population <= 1_000_000 and 1 <= o.min_events
    FIGURES["hostile URL values (AppTest)"] = f"{len(HOSTILE_URLS)} links x {len(PAGES)} pages, no exception"


def test_a_viewer_cannot_switch_protection_off_by_url(app_env, monkeypatch):
    from ui import access
    monkeypatch.setattr(access, "current_user", lambda: CAROL)
    at = _run("pages/explorer.py", {"suppress": "0"})
    _no_traceback(at)
    assert at.session_state["filters"].options.suppress == 5
    assert any("outside 5 to 20" in w.value for w in at.warning)


def test_ten_thousand_groups_draw_the_top_groups_and_download(app_env, user_data, tmp_path):
    from analytics.outputs import charts
    from analytics.outputs.charts.forest import MAX_GROUPS, forest, top_groups
    from analytics.views import tables
    from analytics.views.tables import Options
    rng = np.random.default_rng(3)
    n = 10_000
    pop = rng.integers(200, 2000, n)
    big = pd.DataFrame({"area": [f"area_{i:05d}" for i in range(n)],
                        "events": rng.binomial(pop, 0.05), "population": pop})
    path = tmp_path / "big.parquet"
    big.to_parquet(path)
    store.import_file(path, "big", user_data)
    at = new_app()
    at.session_state["source"] = "big"
    at.switch_page("pages/explorer.py")
    at.run()
    _no_traceback(at)
    assert any(f"draws the {MAX_GROUPS} groups" in c.value for c in at.caption)
    assert len(at.get("vega_lite_chart")) == 1
    assert len(at.dataframe[0].value) == n                       # the table lists every group
    result = tables.rri_for_aggregate(big, options=Options(comparison="overall"), unit=100)
    result = result.assign(group=result["area"])
    figure = charts.board_chart(forest(top_groups(result)[0]), title="t", subtitle="s")
    assert charts.to_png(figure).startswith(b"\x89PNG") and "<svg" in charts.to_svg(figure)


def test_deleting_the_current_source_shows_it_and_the_name_can_be_used_again(app_env, user_data, tmp_path):
    store.import_file(_csv(tmp_path), "mine", user_data)
    at = new_app()
    at.session_state["source"] = "mine"
    at.switch_page("pages/your_data.py")
    at.run()
    assert any("the current data source" in m.value for m in at.markdown)
    at.button(key="delete-mine").click().run()
    _no_traceback(at)
    assert any("removed from disk" in s.value and "synthetic borough" in s.value for s in at.success)
    assert at.selectbox(key="source").value == "Synthetic borough"
    assert not list((user_data / "workspaces" / "local").glob("mine.*"))
    store.import_file(_csv(tmp_path, text=GOOD.replace("40,1000", "41,1000"), name="again.csv"),
                      "mine", user_data)
    at.run()
    at.selectbox(key="source").set_value("mine").run()
    _no_traceback(at)
    assert at.selectbox(key="source").value == "mine"


def test_another_session_sees_an_import_at_once_and_stops_serving_a_delete(app_env, user_data, tmp_path):
    at = _run("pages/overview.py")
    assert at.selectbox(key="source").options == ["Synthetic borough"]
    store.import_file(_csv(tmp_path), "fresh", user_data)          # as the CLI would
    at.run()
    assert at.selectbox(key="source").options == ["Synthetic borough", "fresh"]
    at.selectbox(key="source").set_value("fresh").run()
    store.delete_dataset("fresh", user_data)
    at.run()
    _no_traceback(at)
    assert at.selectbox(key="source").value == "Synthetic borough"
    assert any("not available" in w.value for w in at.warning)


# -- the synthetic borough ------------------------------------------------------------------

def test_a_deleted_synthetic_database_comes_back_with_its_seed(borough_db, tmp_path):
    path = tmp_path / "borough.duckdb"
    ensure_database(path)
    path.unlink()
    ensure_database(path)                                          # rebuilt from build.toml
    with connect(path) as new, connect(borough_db) as old:
        assert new.execute("SELECT seed FROM build_info").fetchone()[0] == build_settings()["seed"]
        assert fingerprint(new, "child_year") == fingerprint(old, "child_year")


def test_a_shared_deployment_shows_only_sign_in_until_signed_in(app_env):
    """With [auth] in the secrets (a shared deployment), a signed-out visitor gets the sign-in
    page and nothing else: no data, no filters."""
    at = new_app()
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback",
                          "cookie_secret": "x" * 32, "client_id": "dashboard",
                          "client_secret": "secret",
                          "server_metadata_url": "http://localhost:8080/.well-known/openid-configuration"}
    at.run()
    _no_traceback(at)
    assert [t.value for t in at.title] == ["Disproportionality dashboard"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.selectbox and not at.dataframe


def test_roles_and_groups_come_from_the_access_config():
    from analytics.data.access import user_from_config
    config = {"default_role": "viewer",
              "users": {"Alice@Council.example": {"role": "admin", "groups": ["yjs", "Bad Group!"]}}}
    alice = user_from_config({"email": "alice@council.example", "name": "Alice"}, config)
    assert (alice.role, alice.groups) == ("admin", ("yjs",))
    other = user_from_config({"email": "someone@council.example"}, config)
    assert other.role == "viewer" and other.groups == () and not other.can_import
    with pytest.raises(ValueError):
        user_from_config({"email": "x@y"}, {"users": {"x@y": {"role": "superuser"}}})


def test_the_old_single_file_store_is_reported_not_served(tmp_path):
    root = tmp_path / "store"
    root.mkdir()
    (root / "user.duckdb").write_bytes(b"old store")
    table = store.list_datasets(root)
    assert table.empty and "user.duckdb" in table.attrs["problems"][0]
