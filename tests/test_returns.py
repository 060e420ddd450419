"""Statutory returns: the same children give the same RRIs whether they come as a return or in
the product's own layout; bad returns are refused naming the file, the child element or row
and the field, with nothing stored."""
from __future__ import annotations

import hashlib
import re
import zipfile

import pandas as pd
import pytest

from analytics import ROOT
from analytics.data import imports, store
from analytics.data.counts import counts
from analytics.data.readers import InputError
from analytics.views.tables import Options, rri_for_outcome
from tests import returns_writers as w

OPTIONS = Options(comparison="overall", suppress=0, adjust="none")


@pytest.fixture(scope="module")
def truth():
    return w.fake_children(n=1500, years=(2022, 2023), seed=5)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def put(folder, name, text):
    path = folder / name
    path.write_text(text)
    return path


def dataset(root, name):
    """A read-only connection to an imported dataset's file."""
    return store.connect_dataset(store.dataset_info(name, root))


def both(tmp_path, native_rows, columns, paths, link="LAchildID"):
    """Import the children in the product's layout and as returns; connections to both."""
    root = tmp_path / "store"
    src = tmp_path / "native.csv"
    w.native(native_rows, columns).to_csv(src, index=False)
    store.import_file(src, "native", root)
    imports.import_files(paths, "returns", root, link=link)
    returns = dataset(root, "returns")
    return returns, dataset(root, "native"), returns


def true_counts(cur, outcome, **kw):
    """Counts without their cell keys: each import draws its own random record keys."""
    table = counts(cur, outcome, **kw)
    return table.drop(columns=[c for c in table.columns if c.endswith("_ckey")])


def same_rri(a, b, outcome, breakdown, periods):
    left = rri_for_outcome(a, outcome, breakdown, periods, options=OPTIONS)
    right = rri_for_outcome(b, outcome, breakdown, periods, options=OPTIONS)
    assert left["events"].sum() > 0
    pd.testing.assert_frame_equal(left, right)


def test_cin_census_round_trip(truth, tmp_path):
    paths = [put(tmp_path, f"cin_{y}.xml", w.cin_xml(truth, y)) for y in (2023, 2024)]
    rows = truth[truth["cin"] | truth["nfa_only"]]
    con, native, returns = both(tmp_path, rows, ["cin", "cpp", "concern_gangs", "concern_cse"], paths)
    for period in (["2022/23"], ["2023/24"], ["2022/23", "2023/24"]):
        same_rri(native, returns, "cpp_given_cin", ["ethnicity_minor"], period)
        same_rri(native, returns, "cpp_given_cin", ["ethnicity_major", "sex"], period)
    for outcome in ("cin", "cpp", "concern_gangs", "concern_cse"):
        pd.testing.assert_frame_equal(true_counts(native, outcome, by=["ethnicity_code", "sex", "age_band"]),
                                      true_counts(returns, outcome, by=["ethnicity_code", "sex", "age_band"]))
    info = imports.returns_info(returns)
    assert set(info.loc[info["kind"] == "covers", "value"]) == {"cin"}
    assert {"cin", "cpp"} <= set(info.loc[info["kind"] == "paired", "value"])
    assert imports.returns_info(native) is None


def test_ssda903_round_trip(truth, tmp_path):
    paths = []
    for y in (2023, 2024):
        head, eps = w.ssda903(truth, y)
        paths += [put(tmp_path, f"SSDA903_{y}_header.csv", head),
                  put(tmp_path, f"SSDA903_{y}_episodes.csv", eps)]
    con, native, returns = both(tmp_path, truth[truth["looked_after"]], ["looked_after"], paths)
    got = true_counts(returns, "looked_after", by=["ethnicity_minor", "sex", "age_band", "period"])
    pd.testing.assert_frame_equal(
        true_counts(native, "looked_after", by=["ethnicity_minor", "sex", "age_band", "period"]), got)
    assert got["events"].sum() == truth["looked_after"].sum()


def test_school_census_round_trip(truth, tmp_path):
    paths = []
    for start in (2022, 2023):
        census, excl = w.school_census(truth, start)
        paths += [put(tmp_path, f"census_{start}.csv", census),
                  put(tmp_path, f"exclusions_{start}.csv", excl)]
    rows = truth[truth["on_roll"]]
    con, native, returns = both(tmp_path, rows, ["on_roll", "school", "fsm", "sen", "suspensions",
                                                 "permanent_exclusion"], paths, link="UPN")
    for outcome in ("suspension", "permanent_exclusion", "fsm", "sen_support", "ehcp",
                    "permanent_given_suspension"):
        same_rri(native, returns, outcome, ["ethnicity_minor", "sex"], ["2022/23", "2023/24"])
    same_rri(native, returns, "suspension", ["school"], ["2023/24"])


@pytest.mark.parametrize("ethnicity", ["code", "yjb"])
def test_youth_justice_round_trip(truth, tmp_path, ethnicity):
    path = put(tmp_path, "yj.csv", w.youth_justice(truth, ethnicity=ethnicity))
    extract = pd.read_csv(path)
    rows = truth[truth["la_id"].isin(extract["child_id"])
                 & (truth["proven_offence"] | (truth["age"].between(10, 17) & (truth["uid"] % 97 == 0)))]
    rows = rows.assign(offence_prev_year=rows["offence_prev_year"].where(rows["start"] > 2022))
    if ethnicity == "yjb":
        rows = rows.assign(code=rows["code"].str[0].map(w.YJB))
    con, native, returns = both(tmp_path, rows, ["proven_offence", "custody", "remand",
                                                 "first_time_entrant", "offence_prev_year"], [path])
    level = "ethnicity_minor" if ethnicity == "code" else "ethnicity_major"
    for outcome in ("custody_given_offence", "remand_given_offence", "fte_among_offenders"):
        same_rri(native, returns, outcome, [level], ["2022/23", "2023/24"])
    same_rri(native, returns, "reoffending", [level], ["2023/24"])


def test_linked_returns_one_child_one_row(truth, tmp_path):
    """CIN census, SSDA903 and school census linked by UPN: a child in all three is one child
    with all three outcomes; a child in none of a return's year is 'no', not 'unknown'."""
    y = 2024
    head, eps = w.ssda903(truth, y)
    census, excl = w.school_census(truth, y - 1)
    paths = [put(tmp_path, "cin.xml", w.cin_xml(truth, y)),
             put(tmp_path, f"SSDA903_{y}_header.csv", head),
             put(tmp_path, f"SSDA903_{y}_episodes.csv", eps),
             put(tmp_path, "census.csv", census), put(tmp_path, "excl.csv", excl)]
    db = tmp_path / "store"
    result = imports.import_files(paths, "linked", db, link="UPN")
    year = truth[truth["start"] == y - 1]
    known = year[year["on_roll"] | year["cin"] | year["nfa_only"] | year["looked_after"]]
    assert result.rows == len(known)
    with dataset(db, "linked") as cur:
        got = counts(cur, "looked_after_given_cin", by=["sex"])
        pupils = counts(cur, "cin", by=["sex"], filters={"school_phase": ["Not recorded"]})
    want = year[year["cin"]].groupby("sex")["looked_after"].agg(["sum", "size"])
    assert list(got["events"]) == list(want["sum"]) and list(got["population"]) == list(want["size"])
    assert pupils["events"].sum() == (year["cin"] & year["on_roll"]).sum()
    assert any("linked across returns by UPN" in n for n in result.notes)


def test_zip_imports_like_its_files(truth, tmp_path):
    y = 2024
    head, eps = w.ssda903(truth, y)
    files = {"cin.xml": w.cin_xml(truth, y), f"SSDA903_{y}_header.csv": head,
             f"SSDA903_{y}_episodes.csv": eps}
    paths = [put(tmp_path, n, t) for n, t in files.items()]
    bundle = tmp_path / "returns.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        for n, t in files.items():
            z.writestr(f"returns/{n}", t)
    db = tmp_path / "store"
    a = imports.import_files(paths, "files", db)
    b = imports.import_files([bundle], "zipped", db)
    assert (a.rows, a.outcomes, a.periods) == (b.rows, b.outcomes, b.periods)


def test_hash_link(truth, tmp_path):
    """--link hash: each return's identifier field holds the shared hash; raw IDs refused."""
    y = 2024
    hashed = truth.assign(la_id=truth["hash"], upn=truth["hash"])
    head, eps = w.ssda903(hashed, y)
    paths = [put(tmp_path, "cin.xml", w.cin_xml(hashed, y)),
             put(tmp_path, f"SSDA903_{y}_header.csv", head),
             put(tmp_path, f"SSDA903_{y}_episodes.csv", eps)]
    db = tmp_path / "store"
    result = imports.import_files(paths, "hashed", db, link="hash")
    year = hashed[hashed["start"] == y - 1]
    assert result.rows == len(year[year["cin"] | year["nfa_only"] | year["looked_after"]])
    raw = [put(tmp_path, "raw.xml", w.cin_xml(truth, y))]
    with pytest.raises(InputError, match=r"raw.xml, field 'LAchildID': with --link hash"):
        imports.import_files(raw, "raw", db, link="hash")


def test_samples_import(tmp_path):
    """The fake samples shipped in data/samples import, alone and as one zip."""
    from analytics import ROOT
    samples = ROOT / "data" / "samples"
    db = tmp_path / "store"
    r = imports.import_files([samples / "fake_returns_2024.zip"], "all", db, link="UPN")
    assert r.periods == ["2023/24"] and "cpp_given_cin" in r.outcomes and "suspension" in r.outcomes
    for i, files in enumerate([["fake_cin_census_2024.xml"],
                               ["fake_SSDA903_2024_header.csv", "fake_SSDA903_2024_episodes.csv"],
                               ["fake_school_census_2024.csv", "fake_school_exclusions_2024.csv"],
                               ["fake_youth_justice_2024.csv"]]):
        imports.import_files([samples / f for f in files], f"s{i}", db)


@pytest.mark.parametrize("link", ["LAchildID", "UPN"])
def test_linked_note_counts_children_in_good_english(link, tmp_path):
    """The import note says "1 child linked" and "54 children linked", never "1 children"."""
    samples = ROOT / "data" / "samples"
    done = imports.import_files([samples / "fake_returns_2024.zip"], "linked", tmp_path / "store",
                                link=link)
    [note] = [n for n in done.notes if "linked across returns" in n]
    count, noun = re.match(r"([\d,]+) (child|children) linked", note).groups()
    assert noun == ("child" if count == "1" else "children"), note
