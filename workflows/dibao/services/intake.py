"""Filing an application (MSL 4-11): the household, its members, uploads and consents."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from workflows.core import programmes
from workflows.core.access import holds
from workflows.core.id_numbers import age_from_id
from workflows.core.models import (
    County,
    Township,
    Village,
)
from workflows.core.money import round_to_fen
from workflows.core.scope import regions_where
from workflows.core.types import AnyUser, Staff

# Test seams are looked up through the package, so that patching
# ``workflows.dibao.services.<name>`` reaches every caller.
from workflows.dibao import services
from workflows.households.models import (
    ADULT_AGE,
    DeclaredAsset,
    DeclaredIncome,
    HouseholdMember,
)
from workflows.households.services import household_register
from workflows.households.validators import (
    normalise_id_number,
    validate_declared_income,
    validate_id_number,
    validate_rigid_expense,
)

from ..models import (
    Attachment,
    Channel,
    DibaoProcess,
    StaffKinRecord,
)
from ..register import RegisterMatch, register_matches
from .common import _audit
from .errors import (
    ERR_ADULT_CHILD,
    ERR_CHECK_AUTHORISATION,
    ERR_DUPLICATE_ID,
    ERR_ENTRUSTMENT,
    ERR_MINOR_CHILD_AGE,
    ERR_NO_APPLICANT,
    ERR_SINGLE_PERSON_NOT_MEMBER,
    ERR_SINGLE_PERSON_NOT_QUALIFIED,
    ERR_SINGLE_PERSON_PROGRAMME,
    ERR_TEKUN_CRITERIA,
    ERR_TRUTHFULNESS,
    ERR_UPLOAD_SIZE,
    ERR_UPLOAD_TYPE,
    ERR_VILLAGE_OUTSIDE,
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_SIGNATURES = {".pdf": (b"%PDF",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".png": (b"\x89PNG",)}


# ==============================================================================
# Intake (MSL 4-11)
# ==============================================================================
@dataclass(frozen=True)
class IncomeInput:
    """A further income of a member (a second kind besides ``income_kind``; MSL 13)."""

    kind: str
    monthly_amount: Decimal


@dataclass(frozen=True)
class ExpenseInput:
    """One essential-spending row of a member (刚性支出, MSL 13)."""

    kind: str
    monthly_amount: Decimal
    proof: UploadedFile | None = None


@dataclass(frozen=True)
class MemberInput:
    name: str
    id_number: str
    relation: str
    is_student: bool = False
    is_disabled: bool = False
    has_serious_illness: bool = False
    can_work: bool = False
    income_kind: str = DeclaredIncome.Kind.WAGE
    monthly_income: Decimal = Decimal("0")
    signed_check_authorisation: bool = False
    signed_truthfulness: bool = False
    other_incomes: tuple[IncomeInput, ...] = ()
    rigid_expenses: tuple[ExpenseInput, ...] = ()


@dataclass(frozen=True)
class UploadInput:
    kind: str
    file: File


@dataclass(frozen=True)
class StaffLinkInput:
    member_name: str
    staff_name: str
    relation: str
    position: str


@dataclass(frozen=True)
class TekunInput:
    no_work_ability: bool
    no_income: bool
    no_supporter: bool


@dataclass
class ApplicationInput:
    village: Village
    area: str
    address: str
    phone: str
    bank_account: str
    members: list[MemberInput]
    deposits: Decimal = Decimal("0")
    uploads: list[UploadInput] = field(default_factory=list)
    staff_links: list[StaffLinkInput] = field(default_factory=list)
    entrustment_note: str = ""
    tekun: TekunInput | None = None
    # 单人户 (domain.md §8): the name of the member who asks to be enrolled alone
    single_person_name: str = ""


def validate_single_person(app: ApplicationInput, programme: str) -> MemberInput | None:
    """The member who asks to be enrolled alone (单人户, domain.md §8), or None: a dibao
    application only, a member named once, registered disabled or seriously ill. Whether
    the county rule lets them is the means test's decision (it needs the incomes found)."""
    name = (app.single_person_name or "").strip()
    if not name:
        return None
    if not programmes.spec(programme).intake.single_person_household:
        raise ValidationError(ERR_SINGLE_PERSON_PROGRAMME, code="single_person_programme")
    named = [m for m in app.members if m.name.strip() == name]
    if len(named) != 1:
        raise ValidationError(ERR_SINGLE_PERSON_NOT_MEMBER % {"name": name}, code="single_person_not_member")
    if not (named[0].is_disabled or named[0].has_serious_illness):
        raise ValidationError(ERR_SINGLE_PERSON_NOT_QUALIFIED % {"name": name}, code="single_person_not_qualified")
    return named[0]


def validate_upload(upload: File) -> None:
    """Type by extension and magic bytes; size limit."""
    name = (upload.name or "").lower()
    ext = name[name.rfind(".") :] if "." in name else ""
    if ext not in UPLOAD_SIGNATURES:
        raise ValidationError(ERR_UPLOAD_TYPE, code="upload_type")
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(ERR_UPLOAD_SIZE % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}, code="upload_size")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in UPLOAD_SIGNATURES[ext]):
        raise ValidationError(ERR_UPLOAD_TYPE, code="upload_type")


def validate_member(member: MemberInput, on: datetime.date) -> None:
    """One member's ID (GB 11643), MSL 7 membership and essential spending (MSL 13)."""
    validate_id_number(member.id_number)
    for i in member.other_incomes:
        validate_declared_income(i.kind, i.monthly_amount)
    for e in member.rigid_expenses:
        validate_rigid_expense(e.kind, e.monthly_amount)
        if e.proof:
            validate_upload(e.proof)
    age = age_from_id(member.id_number, on)
    if member.relation == HouseholdMember.Relation.MINOR_CHILD and age >= ADULT_AGE:
        raise ValidationError(ERR_MINOR_CHILD_AGE, code="minor_child_age")
    if member.relation == HouseholdMember.Relation.ADULT_DEPENDENT_CHILD and not (
        member.is_student or member.is_disabled or member.has_serious_illness
    ):
        raise ValidationError(ERR_ADULT_CHILD, code="adult_child")


def validate_household(members: list[MemberInput], on: datetime.date) -> None:
    """Household-level rules: one applicant, unique IDs, consents of every adult (MSL 7, 9)."""
    if sum(m.relation == HouseholdMember.Relation.APPLICANT for m in members) != 1:
        raise ValidationError(ERR_NO_APPLICANT, code="no_applicant")
    ids = [normalise_id_number(m.id_number) for m in members]
    if len(set(ids)) != len(ids):
        raise ValidationError(ERR_DUPLICATE_ID, code="duplicate_id")
    unsigned = []
    for m in members:
        adult = age_from_id(m.id_number, on) >= ADULT_AGE
        if adult and not m.signed_check_authorisation:
            unsigned.append(m.name)
    if unsigned:
        raise ValidationError(ERR_CHECK_AUTHORISATION % {"names": "、".join(unsigned)}, code="check_authorisation")
    applicant = next(m for m in members if m.relation == HouseholdMember.Relation.APPLICANT)
    if not applicant.signed_truthfulness:
        raise ValidationError(ERR_TRUTHFULNESS, code="truthfulness")


def filing_channel(actor: AnyUser, village: Village) -> str:
    """The channel the actor files through, or ``PermissionDenied``/``ValidationError``."""
    if holds(actor, "act_case_worker", township=village.township_id):
        return Channel.PAPER_CASE_WORKER
    if holds(actor, "act_village_assistant", village=village.pk):
        return Channel.PAPER_VILLAGE_ASSISTANT
    raise ValidationError(ERR_VILLAGE_OUTSIDE, code="village_outside")


def can_file(user: AnyUser) -> bool:
    return user.is_authenticated and (
        regions_where(user, "act_case_worker", Township).exists()
        or regions_where(user, "act_village_assistant", Village).exists()
    )


def match_staff_relatives(id_numbers: list[str], county: County) -> list[RegisterMatch]:
    """Register lines naming a member as the staff person or a declared relative (MSL 11)."""
    return register_matches(id_numbers, county)


@transaction.atomic
def dibao_application_file(
    *,
    process: DibaoProcess,
    programme: str,
    application: ApplicationInput,
    actor: Staff,
    channel: str | None = None,
) -> DibaoProcess:
    """File an application (Start node): household, members, declarations,
    consents, uploads, staff-relative links. Saves nothing if any rule fails.

    ``channel`` is derived from the actor's role unless given (the applicant
    portal passes ``Channel.ONLINE``).
    """
    app = application
    today = services._today()
    if channel is None:
        channel = filing_channel(actor, app.village)
    for m in app.members:
        validate_member(m, today)
    validate_household(app.members, today)
    for u in app.uploads:
        validate_upload(u.file)
    if channel == Channel.PAPER_VILLAGE_ASSISTANT and not any(
        u.kind == Attachment.Kind.ENTRUSTMENT for u in app.uploads
    ):
        raise ValidationError(ERR_ENTRUSTMENT, code="entrustment")
    criteria = programmes.spec(programme).intake
    if criteria.has_claims:
        t = app.tekun
        if t is None or not criteria.met(**asdict(t)):
            raise ValidationError(ERR_TEKUN_CRITERIA, code="tekun_criteria")
    alone = validate_single_person(app, programme)

    village = app.village
    household, members = household_register(
        village=village,
        area=app.area,
        address=app.address,
        phone=app.phone,
        bank_account=app.bank_account,
        members=app.members,
        signed_on=today,
        actor=actor,
        entrusted=channel == Channel.PAPER_VILLAGE_ASSISTANT,
    )
    if app.deposits:
        DeclaredAsset.objects.create(
            household=household, kind=DeclaredAsset.Kind.DEPOSIT, value=round_to_fen(app.deposits)
        )

    process.programme = programme
    process.household = household
    process.village = village
    process.township = village.township
    process.county = village.township.county
    process.channel = channel
    process.filed_by = actor
    process.entrustment_note = app.entrustment_note
    if alone is not None:
        process.single_person_member = next(
            m for m in members if normalise_id_number(m.id_number) == normalise_id_number(alone.id_number)
        )
    if app.tekun:
        process.tekun_no_work_ability = app.tekun.no_work_ability
        process.tekun_no_income = app.tekun.no_income
        process.tekun_no_supporter = app.tekun.no_supporter

    links: list[dict[str, Any]] = [
        {"source": "declared", "member": s.member_name, "staff": s.staff_name, "relation": s.relation,
         "position": s.position}
        for s in app.staff_links
    ]  # fmt: skip
    matched = match_staff_relatives([m.id_number for m in members], process.county)
    member_names = {m.id_number: m.name for m in members}
    links += [
        {"source": "matched", "member": member_names.get(x.member_id_number, x.record.relative_name),
         "staff": x.record.staff_name, "relation": StaffKinRecord.Relation.SELF if x.as_staff else x.record.relation,
         "position": x.record.position,
         "register_line": x.record.pk}
        for x in matched
    ]  # fmt: skip
    from workflows.core.separation import users_related_to

    system_staff = users_related_to([m.id_number for m in members])
    links += [{"source": "staff_register", "staff_user": pk} for pk in sorted(system_staff)]
    process.staff_relative = bool(links)
    process.staff_relative_links = links
    process.staff_relative_user_ids = sorted({pk for x in matched for pk in x.staff_user_ids} | system_staff)
    process.open_case(
        county_id=village.township.county_id,
        township_id=village.township_id,
        village_id=village.pk,
        action="dibao.file",
        actor=actor,
        changes={"programme": [None, programme], "channel": [None, channel], "household": [None, household.pk]},
        data={
            "members": len(members),
            "rigid_expenses": [
                {"member": m.name, "kind": e.kind, "monthly_amount": str(round_to_fen(e.monthly_amount))}
                for m in app.members
                for e in m.rigid_expenses
            ],
            "attachments": len(app.uploads),
            "staff_relative": process.staff_relative,
            **({"single_person_member": process.single_person_member_id} if alone is not None else {}),
        },
    )
    for u in app.uploads:
        Attachment.objects.create(process=process, kind=u.kind, file=u.file, size=u.file.size, uploaded_by=actor)
    if process.staff_relative:
        _audit(
            process, "dibao.staff_relative_registered", actor,
            data={"links": len(links), "sources": sorted({link["source"] for link in links}),
                  "register_lines": [x.record.pk for x in matched]},
        )  # fmt: skip
    return process
