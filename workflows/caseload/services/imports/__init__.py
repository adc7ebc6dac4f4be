"""Bringing an existing caseload in (issue 17 item 9): a county adopting the engine imports
the recipients its current system already pays, from a CSV (UTF-8) or XLSX export.

The file
    One row per household member, the way county systems export "家庭成员明细": every row
    repeats its household's columns (township, village, address, area, programme, amount,
    start month, bank account, last check date) and names one member; rows with the same
    ``户主身份证号码`` and ``救助类别`` are one household's benefit, and one of them is the
    applicant's own row (``成员身份证号码`` equal to ``户主身份证号码``, relation 本人). The
    header row names the columns (``COLUMNS``; the page offers an empty template).

The check (``dry_run=True`` writes nothing)
    Every row is validated: ID numbers (``workflows.core.id_numbers``), the township and
    village (code or name) within the importer's scope, the amount (yuan, at most two
    decimals, not negative), the start month and last check date (not in the future), and
    that a household's rows agree. Every problem is reported with its file line, column and
    reason; **a file with any problem imports nothing** (all or nothing: a county fixes its
    export and imports it again, so no household is half brought in).

Idempotent re-import
    A household whose applicant already has a benefit of the same programme that is not
    stopped (in the same county) is not imported again. When the file's monthly amount
    differs from the benefit's, the difference is *reported* and nothing is changed: an
    amount changes only by a change decision with a lawful ground (MSL 32).

What is written
    The household and its members (an existing household of the applicant in the county is
    reused and only the members missing from it are added), the benefit in force with its
    opening history row (kind "纳入保障", ground ``Ground.MIGRATED``, decided by the importer
    on the import day, no workflow case), its next re-check scheduled from the last check
    date by the county's cadence (``recheck_schedule``: 6 or 12 months, MSL 31), and the
    audit event ``caseload.benefit_migrated`` with the importer, the file's SHA-256 and line.
    The old system paid up to the import: the engine pays a migrated benefit from the month
    after the import (or its start month, if later), so no arrears arise for months the old
    system already paid; ``Benefit.starts`` keeps the original start month.

Who may import
    A county officer (``act_county_officer``) for the townships of their county, a township
    approver (``act_approver``) for their own township.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows.core.access import holds
from workflows.core.audit import audit_record
from workflows.core.id_numbers import age_from_id, normalise_id_number, validate_id_number
from workflows.core.models import County, Township, Village
from workflows.core.models.rules import Area
from workflows.core.money import CENT, is_exact_amount
from workflows.core.scope import regions_where
from workflows.core.uploads import ERR_FILE_EMPTY, ERR_FILE_ROWS, load_table
from workflows.households.models import Household, HouseholdMember

from ..models import Benefit, BenefitChange, BenefitKind, BenefitStatus, ChangeKind, Ground, Programme
from ..months import month_of, next_month
from .benefits import _today
from .rechecks import recheck_schedule

ERR_NOT_ALLOWED = _("只有县级民政工作人员或本乡镇（街道）审批人可以导入原系统在保名册。")
ERR_REQUIRED = _("必须填写。")
ERR_MISSING_COLUMNS = _("表头缺少以下列：%(columns)s。")
ERR_PROGRAMME = _("未知的救助类别：请填写“低保”或“特困”。")
ERR_AREA = _("未知的户籍类别：请填写“城市”或“农村”。")
ERR_RELATION = _("未知的与户主关系：请填写本人、配偶、子女、父母或其他。")
ERR_YES_NO = _("请填写“是”或“否”。")
ERR_TOWNSHIP_UNKNOWN = _("未知的乡镇（街道）：请填写本县的乡镇（街道）名称或区划代码。")
ERR_TOWNSHIP_SCOPE = _("该乡镇（街道）不在您的导入范围内。")
ERR_VILLAGE_UNKNOWN = _("未知的村（社区），或该村（社区）不属于所填乡镇（街道）。")
ERR_AMOUNT = _("金额应为不小于零的数字，最多两位小数（元）。")
ERR_MONTH = _("请按“2024-03”的格式填写月份。")
ERR_DATE = _("请按“2024-03-15”的格式填写日期。")
ERR_FUTURE = _("不能晚于今天。")
ERR_MONTH_FUTURE = _("发放起始月不能晚于下个月。")
ERR_TOO_LONG = _("内容过长（最多 %(max)d 个字）。")
ERR_APPLICANT_ROW = _("户主本人一行的关系应填“本人”。")
ERR_NOT_APPLICANT = _("只有户主本人一行的关系可以填“本人”。")
ERR_NO_APPLICANT_ROW = _("该家庭缺少户主本人一行（成员身份证号码与户主身份证号码相同）。")
ERR_MEMBER_TWICE = _("同一家庭中该成员出现了不止一次。")
ERR_INCONSISTENT = _("同一家庭各行此列的内容不一致（以该家庭第一行为准）。")
ERR_AMOUNT_DIFFERS = _(
    "该户已有在保记录，现为每月 %(current)s 元，文件为 %(file)s 元；未作修改，如需调整请作出变更决定。"
)
ERR_PREVIEW_EXPIRED = _("预检结果已失效，请重新上传文件并预检。")

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20000

# header (as the county's export names it) -> key; the order is the template's.
COLUMNS = {
    "户主身份证号码": "applicant_id",
    "救助类别": "programme",
    "乡镇（街道）": "township",
    "村（社区）": "village",
    "家庭住址": "address",
    "户籍类别": "area",
    "成员姓名": "name",
    "成员身份证号码": "id_number",
    "与户主关系": "relation",
    "有劳动能力": "can_work",
    "残疾": "is_disabled",
    "在校生": "is_student",
    "月保障金额（元）": "amount",
    "发放起始月": "starts",
    "收款账户": "bank_account",
    "上次复核日期": "last_checked",
}
OPTIONAL_COLUMNS = frozenset({"有劳动能力", "残疾", "在校生", "收款账户"})
HEADER_OF = {key: header for header, key in COLUMNS.items()}
#: Columns of a household (the same on each of its rows).
HOUSEHOLD_KEYS = ("township", "village", "address", "area", "amount", "starts", "bank_account", "last_checked")

PROGRAMME_WORDS = {
    "低保": Programme.DIBAO, "最低生活保障": Programme.DIBAO, "城市低保": Programme.DIBAO,
    "农村低保": Programme.DIBAO, "特困": Programme.TEKUN, "特困供养": Programme.TEKUN,
    "特困人员": Programme.TEKUN, "特困人员救助供养": Programme.TEKUN,
}  # fmt: skip
AREA_WORDS = {"城市": Area.URBAN, "城镇": Area.URBAN, "农村": Area.RURAL}
Relation = HouseholdMember.Relation
RELATION_WORDS = {
    "本人": Relation.APPLICANT, "户主": Relation.APPLICANT, "申请人": Relation.APPLICANT,
    "配偶": Relation.SPOUSE, "妻": Relation.SPOUSE, "夫": Relation.SPOUSE, "妻子": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE, "父母": Relation.PARENT, "父亲": Relation.PARENT, "母亲": Relation.PARENT,
    "其他": Relation.OTHER_DEPENDANT,
}  # fmt: skip
CHILD_WORDS = frozenset({"子女", "子", "女", "儿子", "女儿"})  # minor or adult child by age
YES_WORDS, NO_WORDS = frozenset({"是", "有", "Y", "YES", "1"}), frozenset({"否", "无", "N", "NO", "0", ""})
MONTH_FORMATS = (
    r"(\d{4})-(\d{1,2})(?:-\d{1,2})?",
    r"(\d{4})/(\d{1,2})(?:/\d{1,2})?",
    r"(\d{4})年(\d{1,2})月",
    r"(\d{4})(\d{2})",
)
DATE_FORMATS = (r"(\d{4})-(\d{1,2})-(\d{1,2})", r"(\d{4})/(\d{1,2})/(\d{1,2})", r"(\d{4})年(\d{1,2})月(\d{1,2})日",
                r"(\d{4})(\d{2})(\d{2})")  # fmt: skip


# --- who may import where ----------------------------------------------------------------
def import_townships(user) -> QuerySet[Township]:
    """The townships ``user`` may import for: every township of a county where they are a
    county officer, and their own township where they are an approver."""
    if not getattr(user, "is_authenticated", False):
        return Township.objects.none()
    counties = regions_where(user, "act_county_officer", County)
    approved = regions_where(user, "act_approver", Township)
    return Township.objects.filter(Q(county__in=counties) | Q(pk__in=approved.values("pk"))).select_related("county")


def may_import_into(user, township: Township) -> bool:
    """Does ``user`` import for ``township`` (a county officer of its county or its approver)?"""
    return holds(user, "act_county_officer", county=township.county_id) or holds(
        user, "act_approver", township=township.pk
    )


def may_import(user) -> bool:
    return import_townships(user).exists()


def require_import_townships(user) -> QuerySet[Township]:
    townships = import_townships(user)
    if not townships.exists():
        raise PermissionDenied(ERR_NOT_ALLOWED)
    return townships


# --- the report ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RowProblem:
    row: int  # the line of the file (the header is line 1)
    column: str
    message: str


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


# --- reading --------------------------------------------------------------------------------
def read_rows(*, content: bytes, file_name: str) -> list[dict]:
    """The data rows of a CSV (UTF-8, with or without BOM) or XLSX file as {header: value},
    without blank lines; ``ValidationError`` for a file that cannot be imported at all."""
    dataset = load_table(content=content, file_name=file_name, max_bytes=MAX_IMPORT_BYTES)
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    missing = [h for h in COLUMNS if h not in headers and h not in OPTIONAL_COLUMNS]
    if missing:
        raise ValidationError(ERR_MISSING_COLUMNS, params={"columns": "、".join(missing)}, code="missing_columns")
    rows = []
    for line, values in enumerate(dataset, start=2):
        if all(v in (None, "") for v in values):
            continue
        row = {COLUMNS[h]: v for h, v in zip(headers, values, strict=False) if h in COLUMNS}
        row["_line"] = line
        rows.append(row)
    if not rows:
        raise ValidationError(ERR_FILE_EMPTY, code="file_empty")
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationError(ERR_FILE_ROWS, params={"rows": MAX_IMPORT_ROWS}, code="file_rows")
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_month(value) -> datetime.date:
    if isinstance(value, datetime.date):
        return month_of(value if not isinstance(value, datetime.datetime) else value.date())
    text = _text(value)
    for pattern in MONTH_FORMATS:
        m = re.fullmatch(pattern, text)
        if m:
            try:
                return datetime.date(int(m.group(1)), int(m.group(2)), 1)
            except ValueError:
                break
    raise ValueError(text)


def _parse_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    for pattern in DATE_FORMATS:
        m = re.fullmatch(pattern, text)
        if m:
            try:
                return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                break
    raise ValueError(text)


def _parse_amount(value) -> Decimal:
    text = _text(value).replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not is_exact_amount(amount):
        raise ValueError(text)
    return amount.quantize(CENT)


class _Regions:
    """The townships of the importer's counties and their villages, looked up by code or
    name once; whether the importer may import for a township is ``may_import_into``."""

    def __init__(self, townships: QuerySet[Township], actor):
        self.actor = actor
        county_ids = set(townships.values_list("county_id", flat=True))
        self.townships: dict[str, list[Township]] = {}
        for t in Township.objects.filter(county_id__in=county_ids):
            self.townships.setdefault(t.code, []).append(t)
            self.townships.setdefault(t.name, []).append(t)
        self.allowed: dict[int, bool] = {}
        self.villages: dict[tuple[int, str], Village] = {}
        for v in Village.objects.filter(township__county_id__in=county_ids):
            self.villages[(v.township_id, v.code)] = v
            self.villages[(v.township_id, v.name)] = v

    def _allowed(self, township: Township) -> bool:
        if township.pk not in self.allowed:
            self.allowed[township.pk] = may_import_into(self.actor, township)
        return self.allowed[township.pk]

    def township(self, text: str) -> Township:
        found = self.townships.get(text, [])
        if not found:
            raise ValueError(ERR_TOWNSHIP_UNKNOWN)
        in_scope = [t for t in found if self._allowed(t)]
        if not in_scope:
            raise ValueError(ERR_TOWNSHIP_SCOPE)
        return in_scope[0]

    def village(self, township: Township, text: str) -> Village:
        village = self.villages.get((township.pk, text))
        if village is None:
            raise ValueError(ERR_VILLAGE_UNKNOWN)
        return village


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


def _check_row(row: dict, regions: _Regions, today: datetime.date, err) -> dict:
    """The row's cleaned values; each problem is passed to ``err(key, message)``."""
    out: dict = {}

    def required(key) -> str:
        text = _text(row.get(key))
        if not text:
            err(key, ERR_REQUIRED)
        return text

    def limited(key, text, limit):
        if len(text) > limit:
            err(key, gettext(ERR_TOO_LONG) % {"max": limit})
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


def _check(rows: list[dict], townships, actor, today: datetime.date, report: ImportReport) -> list[_Household]:
    regions = _Regions(townships, actor)
    households: dict[tuple[str, str], _Household] = {}
    for row in rows:
        line = row["_line"]

        def err(key, message, line=line):
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
                    message=gettext(ERR_AMOUNT_DIFFERS) % {"current": f"{benefit.monthly_amount:,.2f}",
                                                            "file": f"{amount:,.2f}"},
                )
            )  # fmt: skip
    report.problems.sort(key=lambda p: (p.row, list(COLUMNS).index(p.column) if p.column in COLUMNS else -1))
    report.households = len(households)
    report.existing = sum(1 for h in households.values() if h.existing is not None)
    report.new = report.households - report.existing
    return list(households.values())


# --- writing --------------------------------------------------------------------------------
def _household_for(h: _Household, actor, cache: dict) -> Household:
    """The applicant's household in the county (reused, the missing members added) or a new one."""
    v = h.values
    key = (h.applicant_id, v["township"].county_id)
    household = cache.get(key)
    if household is None:
        household = (
            Household.objects.filter(
                county_id=v["township"].county_id,
                members__relation=Relation.APPLICANT,
                members__id_number=h.applicant_id,
            )
            .order_by("-pk")
            .first()
        )
    if household is None:
        household = Household.objects.create(
            county_id=v["township"].county_id, township=v["township"], village=v["village"], area=v["area"],
            address=v["address"], bank_account=v["bank_account"], created_by=actor,
        )  # fmt: skip
    elif v["bank_account"] and not household.bank_account:
        household.bank_account = v["bank_account"]
        household.save(update_fields=["bank_account"])
    cache[key] = household
    present = set(household.members.values_list("id_number", flat=True))
    HouseholdMember.objects.bulk_create(
        HouseholdMember(household=household, name=m.name, id_number=m.id_number, relation=m.relation,
                        can_work=m.can_work, is_disabled=m.is_disabled, is_student=m.is_student)
        for m in h.members if m.id_number not in present
    )  # fmt: skip
    return household


def _migrate(h: _Household, *, actor, today: datetime.date, file_sha256: str, file_name: str, cache: dict) -> Benefit:
    v = h.values
    household = _household_for(h, actor, cache)
    amount, starts = v["amount"], v["starts"]
    paid_from = max(starts, next_month(today))  # the old system paid up to the import
    benefit = Benefit.objects.create(
        household=household, programme=h.programme,
        kind=BenefitKind.MONTHLY if amount > 0 else BenefitKind.RECOGNITION, monthly_amount=amount, starts=starts,
        status=BenefitStatus.IN_FORCE, county_id=v["township"].county_id, township=v["township"],
    )  # fmt: skip
    BenefitChange.objects.create(
        benefit=benefit, kind=ChangeKind.OPEN, ground=Ground.MIGRATED,
        reasons=gettext("从原系统迁入：原系统自%(starts)s起发放，上次复核日期%(checked)s；本系统自%(paid)s起发放。")
        % {"starts": f"{starts:%Y-%m}", "checked": f"{v['last_checked']:%Y-%m-%d}", "paid": f"{paid_from:%Y-%m}"},
        old_amount=None, new_amount=amount, old_status="", new_status=BenefitStatus.IN_FORCE, decided_on=today,
        effective_month=paid_from, decided_by=actor,
    )  # fmt: skip
    audit_record(
        action="caseload.benefit_migrated", target=benefit, actor=actor,
        changes={"status": [None, benefit.status], "monthly_amount": [None, str(amount)]},
        data={"programme": h.programme, "kind": benefit.kind, "starts": starts, "paid_from": paid_from,
              "last_checked": v["last_checked"], "file_sha256": file_sha256, "file_name": file_name, "row": h.line},
    )  # fmt: skip
    recheck_schedule(benefit=benefit, after=v["last_checked"], actor=actor)
    return benefit


@transaction.atomic
def caseload_import(*, content: bytes, file_name: str, dry_run: bool, actor) -> ImportReport:
    """Check (``dry_run``: nothing is written) or import a caseload file (see the module).

    All or nothing: a file with any problem imports nothing. Households already in force
    are skipped (amount differences reported, not applied), so importing the same file
    twice brings nobody in twice."""
    townships = require_import_townships(actor)
    report = ImportReport(file_sha256=hashlib.sha256(content).hexdigest())
    rows = read_rows(content=content, file_name=file_name)
    report.rows = len(rows)
    today = _today()
    households = _check(rows, townships, actor, today, report)
    if dry_run or report.problems:
        return report
    cache: dict = {}
    counties = set()
    for h in households:
        if h.existing is None:
            benefit = _migrate(h, actor=actor, today=today, file_sha256=report.file_sha256, file_name=file_name,
                               cache=cache)  # fmt: skip
            counties.add(benefit.county_id)
    for county in County.objects.filter(pk__in=counties):
        audit_record(
            action="caseload.import", target=county, actor=actor,
            data={"file_sha256": report.file_sha256, "file_name": file_name, "rows": report.rows,
                  "new": report.new, "existing": report.existing, "differences": len(report.differences)},
        )  # fmt: skip
    report.written = True
    return report
