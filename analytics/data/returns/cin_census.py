"""The Children in Need census: DfE's XML return (one <Child> per child in need during the
year to 31 March, with episodes of need, assessments and child protection plans).

Checked against the fields and code lists of the collection year's specification
(data/reference/returns/cin_census_*.csv, 2017 onwards: the years differ in assessment
factors, referral sources, closure reasons and the CIN plan element). Read with lxml with
entity resolution and network access off, so a hostile file cannot expand or fetch anything.

Each child becomes one row for the collection year: `cin` (an episode of need open during the
year whose referral was not "no further action", as DfE counts children in need), `cpp` (a
child protection plan open during the year) and the assessment concerns (factors of
assessments started during the year).
"""
from __future__ import annotations

import pandas as pd
from lxml import etree

from analytics.data.returns.common import (
    ReturnError,
    ReturnFrame,
    age_at_start,
    check_codes,
    fields,
    first_year,
    flag,
    latest_year,
    parse_dates,
    period_label,
)

FORMAT = "cin_census"
PARSER = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
              remove_comments=True, remove_pis=True)
CONCERNS = {"concern_gangs": "13A", "concern_cce": "24A", "concern_cse": "11A"}


def looks_like(name: str, head: bytes) -> bool:
    """An XML file whose root is a CIN census <Message> (DfE's root element)."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"<") and b"<Message" in text and b"<Children" in text


def _local(tree) -> None:
    """Drop namespaces: some MIS exports add one; the element names are what matter."""
    for el in tree.iter():
        if isinstance(el.tag, str):
            el.tag = etree.QName(el).localname


def _text(el, name: str) -> str:
    found = el.find(name)
    return "" if found is None or found.text is None else found.text.strip()


def _parse(path, data: bytes):
    try:
        root = etree.fromstring(data, etree.XMLParser(**PARSER))
    except etree.XMLSyntaxError as e:
        raise ReturnError(path, f"not well-formed XML (line {e.lineno}): {e.msg}") from None
    _local(root)
    if root.tag != "Message" or root.find("Children") is None:
        raise ReturnError(path, "not a CIN census file: the root must be <Message> holding "
                                "<Children>", field=root.tag)
    return root


def _year(path, root) -> tuple[int, pd.Timestamp]:
    details = root.find("Header/CollectionDetails")
    year_text = _text(details, "Year") if details is not None else ""
    ref_text = _text(details, "ReferenceDate") if details is not None else ""
    where = {"where": "Header/CollectionDetails"}
    if not year_text and not ref_text:
        raise ReturnError(path, "no collection year: give Year or ReferenceDate", **where,
                          field="ReferenceDate")
    ref = None
    if ref_text:
        ref = parse_dates(pd.Series([ref_text]), path, "ReferenceDate", lambda i: where).iloc[0]
    if year_text:
        if not (year_text.isdigit() and len(year_text) == 4):
            raise ReturnError(path, f"{year_text!r} is not a year", **where, field="Year")
        year = int(year_text)
        if ref is not None and ref.year != year:
            raise ReturnError(path, f"ReferenceDate {ref_text} is not in the collection year "
                                    f"{year}", **where, field="ReferenceDate")
    else:
        year = ref.year
    if year < first_year(FORMAT):
        raise ReturnError(path, f"collection year {year} is not supported: the product holds "
                                f"the CIN census specifications from {first_year(FORMAT)}", **where,
                          field="Year")
    return year, ref if ref is not None else pd.Timestamp(f"{year}-03-31")


def _elements(path, root, year: int) -> tuple[list, list, list, list]:
    """The children, CIN episodes, protection plans and assessment factors of the file as
    rows of text, each with where it is in the file; mandatory elements checked."""
    spec = fields(FORMAT).set_index("element")
    children, episodes, plans, factors = [], [], [], []
    for i, child in enumerate(root.iterfind("Children/Child"), start=1):
        ids, chars = child.find("ChildIdentifiers"), child.find("ChildCharacteristics")
        la_id = _text(ids, "LAchildID") if ids is not None else ""
        where = f"Child {i}" + (f" (LAchildID {la_id!r}, line {child.sourceline})" if la_id
                                else f" (line {child.sourceline})")
        for part, el in (("ChildIdentifiers", ids), ("ChildCharacteristics", chars)):
            if el is None:
                raise ReturnError(path, "missing (it is mandatory)", where=where, field=part)
        details = child.findall("CINdetails")
        if not details:
            raise ReturnError(path, "missing (it is mandatory)", where=where, field="CINdetails")
        for name in ("LAchildID", "GenderCurrent"):
            if not _text(ids, name):
                raise ReturnError(path, "missing (it is mandatory)", where=where, field=name)
        if not _text(chars, "Ethnicity"):
            raise ReturnError(path, "missing (it is mandatory)", where=where, field="Ethnicity")
        children.append({"where": where, "LAchildID": la_id, "UPN": _text(ids, "UPN"),
                         "birth": _text(ids, "PersonBirthDate"),
                         "sex": _text(ids, "GenderCurrent"),
                         "ethnicity": _text(chars, "Ethnicity")})
        for k, d in enumerate(details, start=1):
            dwhere = f"{where}, CINdetails {k}"
            for name in ("CINreferralDate", "ReferralNFA"):
                if not _text(d, name):
                    raise ReturnError(path, "missing (it is mandatory)", where=dwhere, field=name)
            first = int(spec.loc["CINPlanDates", "first_year"])
            if d.find("CINPlanDates") is not None and year < first:
                raise ReturnError(path, f"CINPlanDates is collected from {first}, not in {year}: "
                                        f"is this a {year} return?", where=dwhere,
                                  field="CINPlanDates")
            episodes.append({"child": i - 1, "where": dwhere,
                             "referral": _text(d, "CINreferralDate"),
                             "closure": _text(d, "CINclosureDate"),
                             "nfa": _text(d, "ReferralNFA"),
                             "source": _text(d, "ReferralSource"),
                             "need": _text(d, "PrimaryNeedCode"),
                             "reason": _text(d, "ReasonForClosure")})
            for m, a in enumerate(d.findall("Assessments"), start=1):
                awhere = f"{dwhere}, Assessments {m}"
                if not _text(a, "AssessmentActualStartDate"):
                    raise ReturnError(path, "missing (it is mandatory)", where=awhere,
                                      field="AssessmentActualStartDate")
                for f in a.iterfind("FactorsIdentifiedAtAssessment/AssessmentFactors"):
                    factors.append({"child": i - 1, "where": awhere,
                                    "start": _text(a, "AssessmentActualStartDate"),
                                    "factor": (f.text or "").strip()})
            for m, p in enumerate(d.findall("ChildProtectionPlans"), start=1):
                pwhere = f"{dwhere}, ChildProtectionPlans {m}"
                for name in ("CPPstartDate", "InitialCategoryOfAbuse", "LatestCategoryOfAbuse"):
                    if not _text(p, name):
                        raise ReturnError(path, "missing (it is mandatory)", where=pwhere,
                                          field=name)
                plans.append({"child": i - 1, "where": pwhere, "start": _text(p, "CPPstartDate"),
                              "end": _text(p, "CPPendDate"),
                              "initial": _text(p, "InitialCategoryOfAbuse"),
                              "latest": _text(p, "LatestCategoryOfAbuse")})
    return children, episodes, plans, factors


def read(path, data: bytes) -> ReturnFrame:
    """One CIN census XML file, validated, as one row per child for its collection year."""
    root = _parse(path, data)
    year, ref = _year(path, root)
    start_year = year - 1
    year_start = pd.Timestamp(f"{start_year}-04-01")
    children, episodes, plans, factors = _elements(path, root, year)
    if not children:
        raise ReturnError(path, "no <Child> elements", field="Children")
    kids, eps = pd.DataFrame(children), pd.DataFrame(episodes)
    plans = pd.DataFrame(plans, columns=["child", "where", "start", "end", "initial", "latest"])
    factors = pd.DataFrame(factors, columns=["child", "where", "start", "factor"])

    def at(table):
        return lambda i: {"where": table["where"].iloc[i]}

    sex = check_codes(kids["sex"], FORMAT, "GenderCurrent", year, path, at(kids))
    check_codes(kids["ethnicity"], FORMAT, "Ethnicity", year, path, at(kids))
    nfa = check_codes(eps["nfa"], FORMAT, "ReferralNFA", year, path, at(eps))
    for col, fld in (("source", "ReferralSource"), ("need", "PrimaryNeedCode"),
                     ("reason", "ReasonForClosure")):
        check_codes(eps[col], FORMAT, fld, year, path, at(eps))
    for col in ("initial", "latest"):
        check_codes(plans[col], FORMAT, "CategoryOfAbuse", year, path, at(plans))
    check_codes(factors["factor"], FORMAT, "AssessmentFactors", year, path, at(factors))

    dup = kids["LAchildID"].duplicated(keep="first")
    if dup.any():
        i = int(dup.to_numpy().argmax())
        first = int((kids["LAchildID"] == kids["LAchildID"].iloc[i]).to_numpy().argmax())
        raise ReturnError(path, f"duplicate child: LAchildID {kids['LAchildID'].iloc[i]!r} is "
                                f"also {kids['where'].iloc[first].split(' (')[0]}",
                          where=kids["where"].iloc[i], field="LAchildID")
    birth = parse_dates(kids["birth"], path, "PersonBirthDate", at(kids), required=False)
    referral = parse_dates(eps["referral"], path, "CINreferralDate", at(eps))
    closure = parse_dates(eps["closure"], path, "CINclosureDate", at(eps), required=False)
    _in_order(path, referral, closure, eps, "CINclosureDate", "CINreferralDate")
    late = referral > ref
    if late.any():
        i = int(late.to_numpy().argmax())
        raise ReturnError(path, f"{eps['referral'].iloc[i]} is after the reference date "
                                f"{ref:%Y-%m-%d}", where=eps["where"].iloc[i],
                          field="CINreferralDate")
    open_in_year = (referral <= ref) & (closure.isna() | (closure >= year_start))
    in_need = (open_in_year & (nfa == "no")).groupby(eps["child"]).any()
    cpp = pd.Series(False, index=kids.index)
    if len(plans):
        start = parse_dates(plans["start"], path, "CPPstartDate", at(plans))
        end = parse_dates(plans["end"], path, "CPPendDate", at(plans), required=False)
        _in_order(path, start, end, plans, "CPPendDate", "CPPstartDate")
        live = (start <= ref) & (end.isna() | (end >= year_start))
        cpp = live.groupby(plans["child"]).any().reindex(kids.index, fill_value=False)
    out = pd.DataFrame({"own_id": kids["LAchildID"], "LAchildID": kids["LAchildID"],
                        "UPN": kids["UPN"].replace("", pd.NA),
                        "period": period_label(start_year), "sex": sex,
                        "ethnicity": kids["ethnicity"],
                        "cin": flag(in_need.reindex(kids.index, fill_value=False)),
                        "cpp": flag(cpp)})
    out["age"] = age_at_start(birth, start_year)
    started = parse_dates(factors["start"], path, "AssessmentActualStartDate", at(factors))
    in_year = (started >= year_start) & (started <= ref)
    for col, code in CONCERNS.items():
        hit = (in_year & (factors["factor"] == code)).groupby(factors["child"]).any()
        out[col] = flag(hit.reindex(kids.index, fill_value=False))
    if year < 2022:                        # 24A (criminal exploitation) collected from 2022
        out["concern_cce"] = ""
    notes = []
    unborn = birth.isna()
    if unborn.any():
        notes.append(f"{int(unborn.sum())} unborn children (no PersonBirthDate) not counted")
    unknown_sex = sex == ""
    if (unknown_sex & ~unborn).any():
        notes.append(f"{int((unknown_sex & ~unborn).sum())} children with GenderCurrent 0 or 9 "
                     "(not recorded or indeterminate) not counted: the product needs Female or Male")
    if year > latest_year(FORMAT):
        notes.append(f"{year} return checked against the {latest_year(FORMAT)} specification "
                     "(the latest the product holds)")
    out = out[~unborn & ~unknown_sex].reset_index(drop=True)
    out["age"] = out["age"].astype(str)
    return ReturnFrame(FORMAT, [str(path)], out, [period_label(start_year)], {"cin"}, notes)


def _in_order(path, start, end, table, end_field, start_field) -> None:
    bad = end.notna() & (end < start)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise ReturnError(path, f"{end.iloc[i]:%Y-%m-%d} is before {start_field} "
                                f"{start.iloc[i]:%Y-%m-%d}", where=table["where"].iloc[i],
                          field=end_field)
