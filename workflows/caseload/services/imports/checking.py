"""Checking an import file's rows (nothing is written): the report of problems and the
households the rows make up."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeAlias

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from workflows.core.id_numbers import age_from_id, normalise_id_number, validate_id_number
from workflows.core.models import Township
from workflows.core.models.rules import Area
from workflows.core.types import Staff, StrOrPromise
from workflows.core.uploads import RowProblem

from ...models import Benefit, BenefitStatus, Programme
from ...months import next_month
from .reading import _parse_amount, _parse_date, _parse_month, _Regions, _text
from .vocabulary import (
    AREA_WORDS,
    CHILD_WORDS,
    COLUMNS,
    ERR_AMOUNT,
    ERR_AMOUNT_DIFFERS,
    ERR_APPLICANT_ROW,
    ERR_AREA,
    ERR_DATE,
    ERR_FUTURE,
    ERR_INCONSISTENT,
    ERR_MEMBER_TWICE,
    ERR_MONTH,
    ERR_MONTH_FUTURE,
    ERR_NO_APPLICANT_ROW,
    ERR_NOT_APPLICANT,
    ERR_PROGRAMME,
    ERR_RELATION,
    ERR_REQUIRED,
    ERR_TOO_LONG,
    ERR_YES_NO,
    HEADER_OF,
    HOUSEHOLD_KEYS,
    NO_WORDS,
    PROGRAMME_WORDS,
    RELATION_WORDS,
    YES_WORDS,
    Relation,
)

#: Reports a problem of a row: ``err(column key, message)``.
_Err: TypeAlias = Callable[[str, StrOrPromise], None]


# --- the report ----------------------------------------------------------------------------
@dataclass
class ImportReport:
    rows: int = 0
    households: int = 0
    new: int = 0  # benefits that are (or would be) created
    existing: int = 0  # households already in force: nothing done
    problems: list[RowProblem] = field(default_factory=list)
    differences: list[RowProblem] = field(default_factory=list)  # reported, not applied
    file_sha256: str = ""
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


# --- checking -----------------------------------------------------------------------------
@dataclass
class _Member:
    line: int
    name: str
    id_number: str
    relation: str
    can_work: bool
    is_disabled: bool
    is_student: bool


@dataclass
class _Household:
    line: int  # the household's first line
    applicant_id: str
    programme: str
    values: dict
    members: list[_Member] = field(default_factory=list)
    existing: Benefit | None = None
    faulty: bool = False  # a row of it has a problem


def _check_row(row: dict, regions: _Regions, today: datetime.date, err: _Err) -> dict:
    """The row's cleaned values; each problem is passed to ``err(key, message)``."""
    out: dict = {}

    def required(key: str) -> str:
        text = _text(row.get(key))
        if not text:
            err(key, ERR_REQUIRED)
        return text

    def limited(key: str, text: str, limit: int) -> str:
        if len(text) > limit:
            err(key, ERR_TOO_LONG % {"max": limit})
        return text

    for key in ("applicant_id", "id_number"):
        number = normalise_id_number(required(key))
        if number:
            try:
                validate_id_number(number)
            except ValidationError as e:
                for message in e.messages:
                    err(key, message)
                number = ""
        out[key] = number
    programme = required("programme")
    out["programme"] = PROGRAMME_WORDS.get(programme) or (programme if programme in Programme.values else None)
    if programme and out["programme"] is None:
        err("programme", ERR_PROGRAMME)
    area = required("area")
    labels = {str(label): value for value, label in Area.choices}
    out["area"] = AREA_WORDS.get(area) or labels.get(area) or (area if area in Area.values else None)
    if area and out["area"] is None:
        err("area", ERR_AREA)
    out["township"] = out["village"] = None
    township_text, village_text = required("township"), required("village")
    if township_text:
        try:
            out["township"] = regions.township(township_text)
        except ValueError as e:
            err("township", e.args[0])
    if out["township"] is not None and village_text:
        try:
            out["village"] = regions.village(out["township"], village_text)
        except ValueError as e:
            err("village", e.args[0])
    out["address"] = limited("address", required("address"), 200)
    out["name"] = limited("name", required("name"), 50)
    out["bank_account"] = limited("bank_account", _text(row.get("bank_account")).replace(" ", ""), 40)
    for key in ("can_work", "is_disabled", "is_student"):
        word = _text(row.get(key)).upper()
        out[key] = word in YES_WORDS
        if word not in YES_WORDS | NO_WORDS:
            err(key, ERR_YES_NO)
    relation = required("relation")
    labels = {str(label): value for value, label in Relation.choices}
    out["relation"] = RELATION_WORDS.get(relation) or labels.get(relation)
    if relation in CHILD_WORDS and out["id_number"]:
        out["relation"] = (
            Relation.MINOR_CHILD if age_from_id(out["id_number"], today) < 18 else Relation.ADULT_DEPENDENT_CHILD
        )
    if relation and out["relation"] is None and not (relation in CHILD_WORDS and not out["id_number"]):
        err("relation", ERR_RELATION)
    if out["id_number"] and out["applicant_id"]:
        is_self = out["id_number"] == out["applicant_id"]
        if is_self and out["relation"] not in (None, Relation.APPLICANT):
            err("relation", ERR_APPLICANT_ROW)
        if not is_self and out["relation"] == Relation.APPLICANT:
            err("relation", ERR_NOT_APPLICANT)
    out["amount"] = out["starts"] = out["last_checked"] = None
    if required("amount"):
        try:
            out["amount"] = _parse_amount(row.get("amount"))
        except ValueError:
            err("amount", ERR_AMOUNT)
    if _text(row.get("starts")):
        try:
            out["starts"] = _parse_month(row.get("starts"))
        except ValueError:
            err("starts", ERR_MONTH)
        else:
            if out["starts"] > next_month(today):
                err("starts", ERR_MONTH_FUTURE)
                out["starts"] = None
    else:
        err("starts", ERR_REQUIRED)
    if _text(row.get("last_checked")):
        try:
            out["last_checked"] = _parse_date(row.get("last_checked"))
        except ValueError:
            err("last_checked", ERR_DATE)
        else:
            if out["last_checked"] > today:
                err("last_checked", ERR_FUTURE)
                out["last_checked"] = None
    else:
        err("last_checked", ERR_REQUIRED)
    return out


def _existing_benefits(households: list[_Household]) -> dict[tuple[str, str, int], Benefit]:
    """Benefits not stopped, by (applicant ID, programme, county), for the file's applicants."""
    ids = {h.applicant_id for h in households}
    found = {}
    rows = (
        Benefit.objects.exclude(status=BenefitStatus.STOPPED)
        .filter(household__members__relation=Relation.APPLICANT, household__members__id_number__in=ids)
        .values_list("pk", "programme", "county_id", "household__members__id_number")
    )
    benefits = Benefit.objects.in_bulk({pk for pk, *_ in rows})
    for pk, programme, county_id, id_number in rows:
        found[(id_number, programme, county_id)] = benefits[pk]
    return found


def _check(
    rows: list[dict], townships: QuerySet[Township], actor: Staff, today: datetime.date, report: ImportReport
) -> list[_Household]:
    regions = _Regions(townships, actor)
    households: dict[tuple[str, str], _Household] = {}
    for row in rows:
        line = row["_line"]

        def err(key: str, message: StrOrPromise, line: int = line) -> None:
            report.problems.append(RowProblem(row=line, column=HEADER_OF.get(key, ""), message=str(message)))

        before = len(report.problems)
        values = _check_row(row, regions, today, err)
        if not values["applicant_id"] or not values["programme"]:
            continue
        key = (values["applicant_id"], values["programme"])
        household = households.get(key)
        if household is None:
            household = households[key] = _Household(
                line=line, applicant_id=key[0], programme=key[1], values={k: values[k] for k in HOUSEHOLD_KEYS}
            )
        else:
            for k in HOUSEHOLD_KEYS:
                if household.values[k] is not None and values[k] is not None and values[k] != household.values[k]:
                    err(k, ERR_INCONSISTENT)
        if values["id_number"] and any(m.id_number == values["id_number"] for m in household.members):
            err("id_number", ERR_MEMBER_TWICE)
        if len(report.problems) != before:
            household.faulty = True
        elif values["id_number"]:
            household.members.append(
                _Member(line=line, name=values["name"], id_number=values["id_number"], relation=values["relation"],
                        can_work=values["can_work"], is_disabled=values["is_disabled"], is_student=values["is_student"])
            )  # fmt: skip
    for household in households.values():
        has_applicant = any(m.id_number == household.applicant_id for m in household.members)
        if not has_applicant and not household.faulty:
            report.problems.append(
                RowProblem(row=household.line, column=HEADER_OF["applicant_id"], message=str(ERR_NO_APPLICANT_ROW))
            )
    existing = _existing_benefits(list(households.values()))
    for household in households.values():
        township = household.values["township"]
        if township is None:
            continue
        benefit = existing.get((household.applicant_id, household.programme, township.county_id))
        household.existing = benefit
        amount = household.values["amount"]
        if benefit is not None and amount is not None and benefit.monthly_amount != amount:
            report.differences.append(
                RowProblem(
                    row=household.line, column=HEADER_OF["amount"],
                    message=ERR_AMOUNT_DIFFERS % {"current": f"{benefit.monthly_amount:,.2f}",
                                                            "file": f"{amount:,.2f}"},
                )
            )  # fmt: skip
    report.problems.sort(key=lambda p: (p.row, list(COLUMNS).index(p.column) if p.column in COLUMNS else -1))
    report.households = len(households)
    report.existing = sum(1 for h in households.values() if h.existing is not None)
    report.new = report.households - report.existing
    return list(households.values())
