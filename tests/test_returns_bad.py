"""Bad statutory returns of each format (wrong schema year, unknown codes, missing mandatory
fields, duplicates, and more) are refused with a message naming the file, the child element
or row, and the field; the user database is byte-for-byte unchanged."""
from __future__ import annotations

import hashlib
import zipfile

import pytest

from analytics.data import imports, store
from analytics.data.readers import InputError

CIN = """<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <Header><CollectionDetails><Collection>CIN</Collection><Year>{year}</Year>
    <ReferenceDate>{year}-03-31</ReferenceDate></CollectionDetails></Header>
  <Children>
    <Child>
      <ChildIdentifiers><LAchildID>C1</LAchildID><PersonBirthDate>2012-05-01</PersonBirthDate>
        <GenderCurrent>1</GenderCurrent></ChildIdentifiers>
      <ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>
      <CINdetails><CINreferralDate>{prev}-06-01</CINreferralDate><ReferralSource>1A</ReferralSource>
        <ReferralNFA>false</ReferralNFA></CINdetails>
    </Child>
    <Child>
      <ChildIdentifiers><LAchildID>{id2}</LAchildID><PersonBirthDate>2010-02-11</PersonBirthDate>
        {gender}</ChildIdentifiers>
      <ChildCharacteristics><Ethnicity>{eth}</Ethnicity></ChildCharacteristics>
      <CINdetails><CINreferralDate>{prev}-07-01</CINreferralDate><ReferralSource>{source}</ReferralSource>
        <Assessments><AssessmentActualStartDate>{prev}-07-03</AssessmentActualStartDate>
          <FactorsIdentifiedAtAssessment><AssessmentFactors>{factor}</AssessmentFactors>
          </FactorsIdentifiedAtAssessment></Assessments>{plan}
        <ReferralNFA>false</ReferralNFA></CINdetails>
    </Child>
  </Children>
</Message>
"""
CIN_OK = dict(year=2024, prev=2023, id2="C2", gender="<GenderCurrent>2</GenderCurrent>",
              eth="BCRB", source="1A", factor="13A", plan="")
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nL1,1,01/05/2010,WBRI,UN1,,\nL2,2,11/02/2009,BAFR,A123456789012,,\n"
EPISODES = ("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
            "L1,01/05/2023,S,C2,N1,U1,PR1,,,,,,\nL2,01/06/2023,S,V2,N4,U3,PR1,10/01/2024,{rec},,,,\n")
CENSUS = ("UPN,CensusDate,Sex,DOB,Ethnicity,FSMeligible,SENprovision,LAEstab\n"
          "A123456789012,2024-01-18,M,2012-05-01,WBRI,true,N,9994001\n"
          "B123456789012,2024-01-18,F,2011-03-02,{eth},false,{sen},9994001\n")
EXCLUSIONS = "UPN,Category,StartDate,Sessions\nA123456789012,FIXD,2023-11-02,2\n{extra}"
YJ = ("child_id,sex,date_of_birth,ethnicity,offence_date,outcome_date,legal_outcome,remand\n"
      "Y1,Male,2008-04-01,Black or Black British,2023-05-01,2023-07-01,referral_order,none\n"
      "Y2,Female,2009-01-01,{eth},2023-06-01,2023-09-01,{outcome},ryda\n")


@pytest.fixture()
def stored_db(tmp_path):
    """A user store already holding one dataset (it must survive every refusal)."""
    db = tmp_path / "store"
    src = tmp_path / "first.csv"
    src.write_text("ethnicity,sex,events,population\nWBRI,Male,40,1000\nBCRB,Male,30,250\n")
    store.import_file(src, "first", db)
    return db


def digest(path):
    """A fingerprint of every file under a store folder."""
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.name != ".lock")
    return [(str(p.relative_to(path)), hashlib.sha256(p.read_bytes()).hexdigest()) for p in files]


def cin(**change):
    return CIN.format(**{**CIN_OK, **change})


BAD = {
    # CIN census ---------------------------------------------------------------------------
    "cin wrong year (24A before 2022)": (
        {"cin_2019.xml": cin(year=2019, prev=2018, factor="24A")},
        ["cin_2019.xml", "Child 2 (LAchildID 'C2'", "field 'AssessmentFactors'",
         "'24A' is a AssessmentFactors code only from 2022, not in 2019"]),
    "cin wrong year (18A after 2020)": (
        {"cin.xml": cin(factor="18A")},
        ["Child 2 (LAchildID 'C2'", "field 'AssessmentFactors'", "only until 2020, not in 2024"]),
    "cin wrong year (CIN plan dates before 2022)": (
        {"cin.xml": cin(year=2021, prev=2020).replace(
            "<ReferralNFA>false</ReferralNFA></CINdetails>\n    </Child>\n  </Children>",
            "<CINPlanDates><CINPlanStartDate>2020-08-01</CINPlanStartDate></CINPlanDates>"
            "<ReferralNFA>false</ReferralNFA></CINdetails>\n    </Child>\n  </Children>")},
        ["Child 2 (LAchildID 'C2'", "CINdetails 1", "field 'CINPlanDates'", "from 2022, not in 2021"]),
    "cin unsupported year": (
        {"cin.xml": cin(year=2016, prev=2015)},
        ["Header/CollectionDetails", "field 'Year'", "2016 is not supported"]),
    "cin unknown ethnicity": (
        {"cin.xml": cin(eth="XXXX")},
        ["Child 2 (LAchildID 'C2'", "field 'Ethnicity'", "'XXXX' is not a Ethnicity code"]),
    "cin unknown referral source": (
        {"cin.xml": cin(source="7Z")},
        ["Child 2 (LAchildID 'C2'", "CINdetails 1", "field 'ReferralSource'", "'7Z'"]),
    "cin missing GenderCurrent": (
        {"cin.xml": cin(gender="")},
        ["Child 2 (LAchildID 'C2'", "field 'GenderCurrent'", "missing (it is mandatory)"]),
    "cin missing LAchildID": (
        {"cin.xml": cin(id2="")},
        ["Child 2 (line", "field 'LAchildID'", "missing"]),
    "cin missing plan category": (
        {"cin.xml": cin(plan="<ChildProtectionPlans><CPPstartDate>2023-08-01</CPPstartDate>"
                             "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>"
                             "<NumberOfPreviousCPP>1</NumberOfPreviousCPP></ChildProtectionPlans>")},
        ["ChildProtectionPlans 1", "field 'LatestCategoryOfAbuse'", "missing"]),
    "cin duplicate child": (
        {"cin.xml": cin(id2="C1")},
        ["Child 2 (LAchildID 'C1'", "field 'LAchildID'", "duplicate child", "also Child 1"]),
    "cin malformed": (
        {"cin.xml": cin()[:-30]},
        ["cin.xml", "not well-formed XML (line"]),
    "cin external entity": (
        {"cin.xml": cin().replace('<?xml version="1.0" encoding="UTF-8"?>',
                                  '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
                         .replace("<LAchildID>C2</LAchildID>", "<LAchildID>&x;</LAchildID>")},
        ["cin.xml", "field 'LAchildID'", "missing"]),
    # SSDA903 ------------------------------------------------------------------------------
    "903 wrong year (E45 before 2019)": (
        {"SSDA903_2018_header.csv": HEADER,
         "SSDA903_2018_episodes.csv": EPISODES.format(rec="E45").replace("2023", "2017").replace("2024", "2018")},
        ["SSDA903_2018_episodes.csv", "row 3", "field 'REC'", "'E45' is a REC code only from 2019, not in 2018"]),
    "903 wrong year (E43 after 2018)": (
        {"SSDA903_2024_header.csv": HEADER, "SSDA903_2024_episodes.csv": EPISODES.format(rec="E43")},
        ["row 3", "field 'REC'", "only until 2018, not in 2024"]),
    "903 unknown legal status": (
        {"SSDA903_2024_header.csv": HEADER,
         "SSDA903_2024_episodes.csv": EPISODES.format(rec="E11").replace(",V2,", ",Q9,")},
        ["SSDA903_2024_episodes.csv", "row 3", "field 'LS'", "'Q9' is not a LS code"]),
    "903 missing DOB column": (
        {"SSDA903_2024_header.csv": HEADER.replace(",DOB", ",BIRTH"),
         "SSDA903_2024_episodes.csv": EPISODES.format(rec="E11")},
        ["SSDA903_2024_header.csv", "field 'DOB'", "missing column"]),
    "903 empty ethnicity": (
        {"SSDA903_2024_header.csv": HEADER.replace(",BAFR,", ",,"),
         "SSDA903_2024_episodes.csv": EPISODES.format(rec="E11")},
        ["SSDA903_2024_header.csv", "row 3", "field 'ETHNIC'", "empty (it is mandatory)"]),
    "903 duplicate child": (
        {"SSDA903_2024_header.csv": HEADER + "L1,1,01/05/2010,WBRI,UN1,,\n",
         "SSDA903_2024_episodes.csv": EPISODES.format(rec="E11")},
        ["SSDA903_2024_header.csv", "row 4", "field 'CHILD'", "duplicate child (the same as row 2)"]),
    "903 duplicate episode": (
        {"SSDA903_2024_header.csv": HEADER,
         "SSDA903_2024_episodes.csv": EPISODES.format(rec="E11") + "L1,01/05/2023,S,C2,N1,U1,PR1,,,,,,\n"},
        ["SSDA903_2024_episodes.csv", "row 4", "field 'CHILD,DECOM'", "duplicate episode"]),
    "903 episode of an unknown child": (
        {"SSDA903_2024_header.csv": HEADER,
         "SSDA903_2024_episodes.csv": EPISODES.format(rec="E11") + "L9,01/05/2023,S,C2,N1,U1,PR1,,,,,,\n"},
        ["SSDA903_2024_episodes.csv", "row 4", "field 'CHILD'", "'L9' is not in the header file"]),
    "903 without its episodes": (
        {"SSDA903_2024_header.csv": HEADER},
        ["SSDA903_2024_header.csv", "needs its episodes file"]),
    # school census -----------------------------------------------------------------------
    "census wrong year (statement in 2024)": (
        {"census.csv": CENSUS.format(eth="BCRB", sen="S")},
        ["census.csv", "row 3", "field 'SENprovision'", "'S' is a SENprovision code only until 2018, not in 2024"]),
    "census unknown ethnicity": (
        {"census.csv": CENSUS.format(eth="ZZZZ", sen="K")},
        ["census.csv", "row 3", "field 'Ethnicity'", "'ZZZZ' is not a DfE ethnicity code"]),
    "census unknown SEN code": (
        {"census.csv": CENSUS.format(eth="BCRB", sen="Q")},
        ["row 3", "field 'SENprovision'", "'Q' is not a SENprovision code"]),
    "census missing FSM column": (
        {"census.csv": CENSUS.format(eth="BCRB", sen="K").replace("FSMeligible", "FreeMeals")},
        ["census.csv", "field 'FSMeligible'", "missing column"]),
    "census duplicate pupil": (
        {"census.csv": CENSUS.format(eth="BCRB", sen="K") + "A123456789012,2024-01-18,M,2012-05-01,WBRI,true,N,9994001\n"},
        ["census.csv", "row 4", "field 'UPN'", "duplicate pupil (the same as row 2)"]),
    "exclusion of an unknown category": (
        {"census.csv": CENSUS.format(eth="BCRB", sen="K"),
         "exclusions.csv": EXCLUSIONS.format(extra="B123456789012,EXPL,2024-02-01,\n")},
        ["exclusions.csv", "row 3", "field 'Category'", "'EXPL' is not a Category code"]),
    "exclusion outside the census years": (
        {"census.csv": CENSUS.format(eth="BCRB", sen="K"),
         "exclusions.csv": EXCLUSIONS.format(extra="B123456789012,FIXD,2024-10-01,2\n")},
        ["exclusions.csv", "row 3", "field 'StartDate'", "is in 2024/25, but the census files cover 2023/24"]),
    "duplicate exclusion": (
        {"census.csv": CENSUS.format(eth="BCRB", sen="K"),
         "exclusions.csv": EXCLUSIONS.format(extra="A123456789012,FIXD,2023-11-02,2\n")},
        ["exclusions.csv", "row 3", "duplicate exclusion (the same as row 2)"]),
    "exclusions without a census": (
        {"exclusions.csv": EXCLUSIONS.format(extra="")},
        ["exclusions.csv", "needs the school census"]),
    # youth justice ------------------------------------------------------------------------
    "yj wrong year (final warning in 2023)": (
        {"yj.csv": YJ.format(eth="White", outcome="final_warning")},
        ["yj.csv", "row 3", "field 'legal_outcome'", "'final_warning' is a legal_outcome code only until 2013, not in 2024"]),
    "yj unknown outcome": (
        {"yj.csv": YJ.format(eth="White", outcome="telling off")},
        ["yj.csv", "row 3", "field 'legal_outcome'", "'telling_off' is not a legal_outcome code"]),
    "yj unknown ethnicity": (
        {"yj.csv": YJ.format(eth="Martian", outcome="fine")},
        ["yj.csv", "row 3", "column 'ethnicity'", "unrecognised ethnicity 'Martian'"]),
    "yj missing outcome": (
        {"yj.csv": YJ.format(eth="White", outcome="")},
        ["yj.csv", "row 3", "field 'legal_outcome'", "empty (it is mandatory)"]),
    "yj duplicate row": (
        {"yj.csv": YJ.format(eth="White", outcome="fine") + "Y1,Male,2008-04-01,Black or Black British,2023-05-01,2023-07-01,referral_order,none\n"},
        ["yj.csv", "row 4", "duplicate outcome (the same as row 2)"]),
    "yj under the age of criminal responsibility": (
        {"yj.csv": YJ.format(eth="White", outcome="fine").replace("2009-01-01", "2014-01-01")},
        ["yj.csv", "row 3", "field 'offence_date'", "under 10"]),
}


@pytest.mark.parametrize("files, expected", BAD.values(), ids=BAD.keys())
def test_bad_return_is_refused_and_nothing_changes(stored_db, tmp_path, files, expected):
    before = digest(stored_db)
    paths = []
    for name, text in files.items():
        paths.append(tmp_path / name)
        paths[-1].write_text(text)
    with pytest.raises(InputError) as err:
        imports.import_files(paths, "second", stored_db)
    for part in expected:
        assert part in str(err.value)
    assert "root:" not in str(err.value)
    assert digest(stored_db) == before
    assert list(store.list_datasets(stored_db)["name"]) == ["first"]


def test_good_versions_of_the_bad_files_import(tmp_path):
    """The fixtures above are bad only where the test says: unchanged, they import."""
    db = tmp_path / "store"
    files = {"cin.xml": cin(), "SSDA903_2024_header.csv": HEADER,
             "SSDA903_2024_episodes.csv": EPISODES.format(rec="E11"),
             "census.csv": CENSUS.format(eth="BCRB", sen="K"),
             "exclusions.csv": EXCLUSIONS.format(extra=""), "yj.csv": YJ.format(eth="White", outcome="fine")}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = imports.import_files([tmp_path / n for n in files], "good", db)
    assert result.periods == ["2023/24"]


def test_zip_bomb_and_stray_members_are_refused(stored_db, tmp_path):
    before = digest(stored_db)
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("yj.csv", "child_id," + "0" * 3_000_000)
    with pytest.raises(InputError, match=r"big.zip: the files hold .* over the 1.0 MB limit"):
        imports.import_files([big], "second", stored_db, max_bytes=1_000_000)
    parts = []
    for i in range(2):                      # each under the limit, together over it
        parts.append(tmp_path / f"SSDA903_2024_part{i}.csv")
        parts[-1].write_text(HEADER + "X,1,01/01/2010,WBRI,UN1,,\n" * 20_000)
    with pytest.raises(InputError, match=r"SSDA903_2024_part1.csv: the files hold .* over the 1.0 MB limit"):
        imports.import_files(parts, "second", stored_db, max_bytes=1_000_000)
    stray = tmp_path / "stray.zip"
    with zipfile.ZipFile(stray, "w") as z:
        z.writestr("notes.txt", "hello")
    with pytest.raises(InputError, match=r"stray.zip: notes.txt is not a CSV or XML return"):
        imports.import_files([stray], "second", stored_db)
    assert digest(stored_db) == before


def test_returns_and_other_files_do_not_mix(stored_db, tmp_path):
    (tmp_path / "yj.csv").write_text(YJ.format(eth="White", outcome="fine"))
    (tmp_path / "counts.csv").write_text("ethnicity,events,population\nWBRI,1,10\n")
    with pytest.raises(InputError, match=r"counts.csv: is not a statutory return"):
        imports.import_files([tmp_path / "yj.csv", tmp_path / "counts.csv"], "x", stored_db)
