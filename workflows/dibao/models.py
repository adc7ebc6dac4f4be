"""Minimum living allowance (低保) and extreme-poverty support (特困) cases.

One process model serves both programmes (``programme``); ``DibaoFlow`` and
``TekunFlow`` drive it. The case keeps everything the decision rests on: the
acceptance date and deadlines (MSL 22), the one-time missing-materials notice
(MSL 10), the staff-relative register (MSL 11, 20), the finance-check result
and the rule versions used (MSL 23), the notice rounds and objections
(MSL 19), the three signatures and the decision (MSL 21).

Personal data stays on ``workflows.households``; public notices are built from
``workflows.dibao.documents.PublicNoticeData``, which cannot carry it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.core import programmes
from workflows.core.cases import CaseFields
from workflows.core.models import AssetLimit, DibaoStandard
from workflows.core.programmes import Programme

MONEY = {"max_digits": 12, "decimal_places": 2}
USER = settings.AUTH_USER_MODEL


def _user_fk(verbose_name, related_name="+"):
    return models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name=related_name, verbose_name=verbose_name
    )


def tekun_criteria_met(*, no_work_ability, no_income, no_supporter) -> bool:
    """TK 4-8: a 特困 person has no work ability, no income source and no supporter able to
    support them, all three (the rule is the 特困 spec's intake criteria)."""
    return programmes.spec(Programme.TEKUN).intake.met(
        no_work_ability=no_work_ability, no_income=no_income, no_supporter=no_supporter
    )


class Channel(models.TextChoices):
    ONLINE = "online", _("申请人网上申请")
    PAPER_CASE_WORKER = "paper_case_worker", _("乡镇窗口书面申请（经办人录入）")
    PAPER_VILLAGE_ASSISTANT = "paper_village_assistant", _("协理员受委托代为申请")


class ExtensionReason(models.TextChoices):
    """The only lawful reasons to extend to 45 working days (MSL 22, N22 4(1))."""

    OBJECTION = "objection", _("公示有异议")
    HOUSEHOLD_SPLIT = "household_split", _("人户分离")
    CROSS_AREA = "cross_area", _("异地申请")
    HARD_INVESTIGATION = "hard_investigation", _("调查核实难度大")


class Decision(models.TextChoices):
    APPROVED = "approved", _("确认享受")
    REFUSED = "refused", _("不予确认")
    TERMINATED = "terminated", _("终止审核确认")  # MSL 29: refusal to cooperate without reason


class DeadlineKind(models.TextChoices):
    """The legal deadlines a case is watched for (overdue alerts)."""

    DECISION = "decision", _("审核确认期限（MSL 22）")
    INVESTIGATION = "investigation", _("启动家庭经济状况调查期限（MSL 15）")
    DATA_CHECK = "data_check", _("启动信息核对期限（MSL 17）")
    REFUSAL_LETTER = "refusal_letter", _("书面告知不予确认期限（MSL 21）")


@dataclass(frozen=True)
class StageDeadline:
    """One deadline of a case: due date, and the date it was met (None while open)."""

    kind: str
    due_on: datetime.date
    met_on: datetime.date | None

    @property
    def label(self) -> str:
        return str(DeadlineKind(self.kind).label)

    def overdue_on(self, today: datetime.date) -> bool:
        """Past its date on ``today`` while not met, or met only after it."""
        if self.met_on is not None:
            return self.met_on > self.due_on
        return today > self.due_on


class ObjectionRoute(models.TextChoices):
    REINVESTIGATE = "reinvestigate", _("重新调查核实")
    APPRAISAL = "appraisal", _("组织民主评议")


class DibaoProcess(CaseFields, Process):
    CASE_PREFIX = programmes.spec(Programme.DIBAO).case_prefix  # per case: ``assign_case_number``

    programme = models.CharField(
        _("救助类别"),
        max_length=16,
        choices=partial(programmes.choices_for, "dibao.DibaoProcess"),
        default=Programme.DIBAO,
    )
    household = models.ForeignKey(
        "households.Household",
        null=True,
        on_delete=models.PROTECT,
        related_name="dibao_cases",
        verbose_name=_("申请家庭"),
    )
    channel = models.CharField(_("申请渠道"), max_length=32, choices=Channel.choices)
    filed_by = _user_fk(_("录入人"))
    entrustment_note = models.CharField(_("委托情况"), max_length=200, blank=True)
    # 单人户 (domain.md §8): a disabled or seriously ill member asks to be enrolled alone.
    single_person_member = models.ForeignKey(
        "households.HouseholdMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请参照单人户的成员"),
    )

    # tekun eligibility claimed at intake (TK 4-8), confirmed by the home visit
    tekun_no_work_ability = models.BooleanField(_("无劳动能力"), default=False)
    tekun_no_income = models.BooleanField(_("无生活来源"), default=False)
    tekun_no_supporter = models.BooleanField(_("无法定赡养、抚养、扶养义务人或其无履行能力"), default=False)
    tekun_confirmed = models.BooleanField(_("入户调查核实特困条件"), null=True)

    # acceptance and deadlines (MSL 10, 22)
    missing_materials = models.JSONField(_("一次性告知缺少的材料"), default=list, blank=True)
    missing_notified_on = models.DateField(_("一次性告知日期"), null=True, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    accepted_by = _user_fk(_("受理人"))
    delegated = models.BooleanField(_("乡镇受委托审核确认"), default=True)
    # MSL 15: the township starts the investigation within 3 working days of acceptance;
    # requesting the data check is one of the ways it starts (as are home visits).
    investigation_due_on = models.DateField(_("启动调查期限"), null=True, blank=True)
    investigation_started_on = models.DateField(_("启动调查日期"), null=True, blank=True)
    # MSL 17: the county starts the data check within 3 working days of the request.
    check_requested_on = models.DateField(_("提请核对日期"), null=True, blank=True)
    check_due_on = models.DateField(_("启动核对期限"), null=True, blank=True)
    check_started_on = models.DateField(_("启动核对日期"), null=True, blank=True)
    due_on = models.DateField(_("办理期限"), null=True, blank=True)
    extension_reason = models.CharField(_("延期事由"), max_length=24, choices=ExtensionReason.choices, blank=True)
    extended_due_on = models.DateField(_("延期后期限"), null=True, blank=True)

    # staff-relative register (MSL 11, 20)
    staff_relative = models.BooleanField(_("近亲属备案"), default=False)
    staff_relative_links = models.JSONField(_("近亲属关系"), default=list, blank=True)
    staff_relative_user_ids = models.JSONField(_("回避人员"), default=list, blank=True)
    county_visit_done = models.BooleanField(_("县级已入户核查"), default=False)

    # household-finance check
    finance_check_id = models.PositiveBigIntegerField(_("核对编号"), null=True, blank=True)
    finance_outcome = models.CharField(_("核对结论"), max_length=16, blank=True)
    finance_result = models.JSONField(_("核对结果"), default=dict, blank=True)
    # MSL 18: a failed check is told to the applicant; an objection with evidence re-checks
    check_failure_notified_on = models.DateField(_("核对结果告知日期"), null=True, blank=True)
    recheck_pending = models.BooleanField(_("复查核对中"), default=False)

    # preliminary opinion and amount (MSL 23)
    standard = models.ForeignKey(
        DibaoStandard, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("适用标准")
    )
    asset_limit = models.ForeignKey(
        AssetLimit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("适用财产限额")
    )
    amount_computation = models.JSONField(_("计算过程"), default=dict, blank=True)
    proposes_approval = models.BooleanField(_("初审意见：拟确认"), null=True)
    proposed_amount = models.DecimalField(
        _("拟保障金额（元/月）"), null=True, blank=True, validators=[MinValueValidator(Decimal("0"))], **MONEY
    )
    proposal_note = models.TextField(_("初审意见"), blank=True)
    proposed_by = _user_fk(_("初审人"))

    # public notice (MSL 19, TK 15)
    notice_round = models.PositiveSmallIntegerField(_("公示轮次"), default=0)
    objection_route = models.CharField(_("异议处理方式"), max_length=16, choices=ObjectionRoute.choices, blank=True)

    # decision (MSL 21)
    handler_signed_by = _user_fk(_("经办人签字"))
    section_chief_signed_by = _user_fk(_("股室负责人签字"))
    township_head_signed_by = _user_fk(_("乡镇负责人签字"))
    decision = models.CharField(_("审核确认结论"), max_length=16, choices=Decision.choices, blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    monthly_amount = models.DecimalField(
        _("保障金额（元/月）"), null=True, blank=True, validators=[MinValueValidator(Decimal("0"))], **MONEY
    )
    payment_starts = models.DateField(_("发放起始月"), null=True, blank=True)
    # set when the county revokes the approval in sampling review (SAI 66, 68)
    benefit_stopped_from = models.DateField(_("停发起始月"), null=True, blank=True)
    refusal_reasons = models.JSONField(_("不予确认理由"), default=list, blank=True)
    letter_due_on = models.DateField(_("书面告知期限"), null=True, blank=True)
    letter_issued_on = models.DateField(_("书面告知日期"), null=True, blank=True)
    sampling_pool_since = models.DateTimeField(_("纳入抽查范围时间"), null=True, blank=True)
    # termination (MSL 29): the applicant refused to cooperate without reason
    terminated_on = models.DateField(_("终止日期"), null=True, blank=True)
    termination_reason = models.TextField(_("终止理由"), blank=True)
    terminated_by = _user_fk(_("终止决定人"))

    class Meta:
        verbose_name = _("低保/特困案件")
        verbose_name_plural = _("低保/特困案件")
        indexes = [
            models.Index(fields=["township", "due_on"], name="dibao_township_due"),
            models.Index(fields=["township", "decision"], name="dibao_township_decision"),
            models.Index(fields=["township", "staff_relative"], name="dibao_township_relative"),
            models.Index(fields=["programme", "township"], name="dibao_programme_township"),
        ]

    def __str__(self):
        return self.case_number or f"#{self.pk}"

    def assign_case_number(self) -> str:
        self.CASE_PREFIX = self.spec.case_prefix
        return super().assign_case_number()

    # --- deadlines ------------------------------------------------------
    @property
    def effective_due_on(self) -> datetime.date | None:
        return self.extended_due_on or self.due_on

    def stage_deadlines(self) -> list[StageDeadline]:
        """The case's legal deadlines that have a date (MSL 15, 17, 21, 22), in order.

        The decision deadline runs until a decision (or termination); the refusal
        letter's only after a refusal.
        """
        out = []
        if self.investigation_due_on:
            out.append(StageDeadline(DeadlineKind.INVESTIGATION, self.investigation_due_on,
                                     self.investigation_started_on))  # fmt: skip
        if self.check_due_on:
            out.append(StageDeadline(DeadlineKind.DATA_CHECK, self.check_due_on, self.check_started_on))
        due = self.effective_due_on
        if due and not self.decision:
            out.append(StageDeadline(DeadlineKind.DECISION, due, None))
        if self.decision == Decision.REFUSED and self.letter_due_on:
            out.append(StageDeadline(DeadlineKind.REFUSAL_LETTER, self.letter_due_on, self.letter_issued_on))
        return out

    # --- separation of duties (domain.md §1; MSL 11, 20) ----------------------
    # Whoever investigated or proposed may not decide; the head is not the chief.
    _INVESTIGATION = {"home_visit", "county_home_visit", "re_investigate", "democratic_appraisal", "propose"}
    separation_rules = {
        "choose_objection_route": _INVESTIGATION,
        "sign_section_chief": _INVESTIGATION,
        "sign_township_head": _INVESTIGATION | {"sign_section_chief"},
    }
    # Staff whose own or declared relative's ID is in the household act on no node.
    household_field = "household"

    def investigator_ids(self) -> set[int]:
        ids = set()
        for a, b in self.home_visits.values_list("investigator_1_id", "investigator_2_id"):
            ids.update({a, b})
        return ids

    def excluded_actor_ids(self, node_name: str) -> set[int]:
        """The declared rules (``workflows.core.separation``), plus what only this case
        knows: both investigators named on a visit record (not only who entered it),
        and staff matched on the staff-relative register (MSL 11)."""
        excluded = super().excluded_actor_ids(node_name)
        excluded |= {int(pk) for pk in self.staff_relative_user_ids or []}
        if node_name in ("sign_section_chief", "sign_township_head", "choose_objection_route"):
            excluded |= self.investigator_ids()
            if self.proposed_by_id:
                excluded.add(self.proposed_by_id)
        if node_name == "sign_township_head" and self.section_chief_signed_by_id:
            excluded.add(self.section_chief_signed_by_id)
        return excluded

    @classmethod
    def separation_sql(cls, user) -> list[tuple[frozenset[str], models.Q]]:
        """``excluded_actor_ids`` as SQL for the queue and inbox (``separation.excluded_tasks_q``):
        (nodes, Q over this model selecting the cases ``user`` may not act on at those nodes).
        Few groups on purpose: each becomes one correlated EXISTS per listed task."""
        from django.db import connection

        took_part = (
            models.Q(home_visits__investigator_1=user)
            | models.Q(home_visits__investigator_2=user)
            | models.Q(proposed_by=user)
        )
        if connection.features.supports_json_field_contains:
            related = models.Q(staff_relative=True, staff_relative_user_ids__contains=[user.pk])
        else:  # SQLite (the demo): the flagged cases naming this user, read once
            named = [
                pk
                for pk, ids in cls.objects.filter(staff_relative=True).values_list("pk", "staff_relative_user_ids")
                if user.pk in {int(i) for i in ids or ()}
            ]
            related = models.Q(pk__in=named)
        return [
            (frozenset(cls.flow_node_names()), related),
            (frozenset({"sign_section_chief", "choose_objection_route", "sign_township_head"}), took_part),
            (frozenset({"sign_township_head"}), models.Q(section_chief_signed_by=user)),
        ]

    @classmethod
    def flow_node_names(cls) -> list[str]:
        """Human nodes of the dibao and 特困 flows (they share this model and their node names)."""
        from .flows import DibaoFlow

        return [node.name for node in DibaoFlow.instance.nodes() if node.task_type == "HUMAN"]

    # --- routing conditions (named, used by the flow graph) -------------------
    @property
    def returns_directly(self) -> bool:
        """After a send-back (退回), the re-done opinion goes straight back to the step that
        sent it (直达) — unless it now proposes approval on a case never posted: a proposal
        to grant is publicly noticed first (MSL 19)."""
        from workflows.core.sendback import direct_return_node

        if self.proposes_approval and self.notice_round == 0:
            return False
        return direct_return_node(self) is not None

    @property
    def returns_to_sign_handler(self) -> bool:
        from workflows.core.sendback import direct_return_node

        return direct_return_node(self) == "sign_handler"

    @property
    def returns_to_sign_section_chief(self) -> bool:
        from workflows.core.sendback import direct_return_node

        return direct_return_node(self) == "sign_section_chief"

    @property
    def has_missing_materials(self) -> bool:
        return bool(self.missing_materials) and self.accepted_on is None

    @property
    def needs_county_visit(self) -> bool:
        return self.staff_relative and not self.county_visit_done

    @property
    def goes_to_notice(self) -> bool:
        """Only a proposal to grant the benefit is posted (MSL 19); refusals are decided directly."""
        return bool(self.proposes_approval)

    @property
    def current_notice(self) -> NoticeRound | None:
        return self.notices.filter(round=self.notice_round).first() if self.notice_round else None

    @property
    def notice_ends_at(self) -> datetime.datetime:
        return self.current_notice.ends_at

    def shift_clock_back(self, by) -> None:
        """Demo fast-forward: the current notice was posted ``by`` earlier, so it ends now."""
        notice = self.current_notice
        if notice is not None and by:
            notice.posted_at -= by
            notice.ends_at -= by
            notice.save(update_fields=["posted_at", "ends_at"])

    @property
    def has_objection(self) -> bool:
        notice = self.current_notice
        return bool(notice) and notice.objections.exists()

    @property
    def route_is_reinvestigation(self) -> bool:
        return self.objection_route == ObjectionRoute.REINVESTIGATE

    @property
    def is_approved(self) -> bool:
        return self.decision == Decision.APPROVED

    @property
    def spec(self) -> programmes.ProgrammeSpec:
        """The programme's spec (workflows/core/programmes.py): what to ask instead of branching."""
        return programmes.spec(self.programme)

    def meets_intake_criteria(self) -> bool:
        """The programme's intake claims all hold (特困: TK 4-8; dibao claims none)."""
        return self.spec.intake.met(
            no_work_ability=self.tekun_no_work_ability, no_income=self.tekun_no_income,
            no_supporter=self.tekun_no_supporter,
        )  # fmt: skip

    def meets_tekun_criteria(self) -> bool:
        """TK 4-8: no work ability, no income source, no supporter able to support."""
        return tekun_criteria_met(
            no_work_ability=self.tekun_no_work_ability, no_income=self.tekun_no_income,
            no_supporter=self.tekun_no_supporter,
        )  # fmt: skip

    def unresolved_objections(self):
        return Objection.objects.filter(notice__process=self, resolved_at__isnull=True)


class Attachment(models.Model):
    """An uploaded application material (pdf/jpg/png, size-limited)."""

    class Kind(models.TextChoices):
        APPLICATION = "application", _("申请书")
        ID_CARDS = "id_cards", _("身份证、户口簿")
        INCOME_PROOF = "income_proof", _("收入证明")
        ENTRUSTMENT = "entrustment", _("委托书")
        OTHER = "other", _("其他材料")

    process = models.ForeignKey(
        DibaoProcess, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("案件")
    )
    kind = models.CharField(_("材料类别"), max_length=16, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to="dibao/attachments/%Y/%m/")
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = _user_fk(_("上传人"))

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")

    def __str__(self):
        return f"{self.get_kind_display()} {self.file.name}"


class StaffKinRecord(models.Model):
    """One line of the county's register of staff and their near relatives (MSL 11):
    a village-committee member, township staff member or case handler, and either one
    relative they declared or (relation "self", no relative) the person alone.

    Kept flat, one row per staff person and relation, rather than a person table with a
    relatives table: a row is exactly one line of the import file, so re-importing a file
    updates the same rows (county + staff ID + relative ID), and the matching at filing
    stays one query over two indexed columns. Maintained only through
    ``workflows.dibao.register`` (audited)."""

    class Position(models.TextChoices):
        CASE_HANDLER = "case_handler", _("经办人员")
        VILLAGE_COMMITTEE = "village_committee", _("村（居）委会成员")
        TOWNSHIP_STAFF = "township_staff", _("乡镇（街道）工作人员")

    class Relation(models.TextChoices):
        SELF = "self", _("本人")
        SPOUSE = "spouse", _("配偶")
        PARENT = "parent", _("父母")
        CHILD = "child", _("子女")
        SIBLING = "sibling", _("兄弟姐妹")
        GRANDPARENT = "grandparent", _("祖父母、外祖父母")
        GRANDCHILD = "grandchild", _("孙子女、外孙子女")

    # The county owns the register (county officers maintain it); township and village say
    # where the person works, as precisely as known.
    county = models.ForeignKey("core.County", on_delete=models.PROTECT, related_name="+", verbose_name=_("县（区）"))
    township = models.ForeignKey(
        "core.Township", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇")
    )
    village = models.ForeignKey(
        "core.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("村（社区）"),
    )  # fmt: skip
    staff_name = models.CharField(_("工作人员姓名"), max_length=50)
    staff_id_number = models.CharField(_("工作人员身份证号码"), max_length=18, blank=True, db_index=True)
    staff_user = _user_fk(_("系统账号"))
    position = models.CharField(_("职务类别"), max_length=24, choices=Position.choices)
    relative_name = models.CharField(_("亲属姓名"), max_length=50, blank=True)
    relative_id_number = models.CharField(_("亲属身份证号码"), max_length=18, blank=True, db_index=True)
    relation = models.CharField(_("关系"), max_length=16, choices=Relation.choices)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = _user_fk(_("更新人"))

    class Meta:
        verbose_name = _("工作人员近亲属名录")
        verbose_name_plural = _("工作人员近亲属名录")
        ordering = ["staff_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "staff_id_number", "relative_id_number"],
                condition=~models.Q(staff_id_number=""),
                name="staffkin_one_line_per_relation",
            )
        ]

    def __str__(self):
        if self.relation == self.Relation.SELF:
            return f"{self.staff_name} · {self.get_relation_display()}"
        return f"{self.staff_name} · {self.get_relation_display()} {self.relative_name}"

    def save(self, *args, **kwargs):
        # The region is given as precisely as known; the coarser levels follow from it.
        if self.village_id and not self.township_id:
            self.township = self.village.township
        if self.township_id and not self.county_id:
            self.county = self.township.county
        super().save(*args, **kwargs)


class HomeVisit(models.Model):
    """入户调查 record: at least two investigators, signed by family members present (MSL 16)."""

    process = models.ForeignKey(
        DibaoProcess, on_delete=models.CASCADE, related_name="home_visits", verbose_name=_("案件")
    )
    investigator_1 = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("调查人一"))
    investigator_2 = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("调查人二"))
    visited_on = models.DateField(_("调查日期"))
    findings = models.TextField(_("调查情况"))
    family_signatories = models.CharField(_("在场家庭成员签字"), max_length=200)
    is_county = models.BooleanField(_("县级入户核查"), default=False)
    is_reinvestigation = models.BooleanField(_("异议后重新调查"), default=False)
    recorded_by = _user_fk(_("录入人"))
    recorded_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("入户调查记录")
        verbose_name_plural = _("入户调查记录")
        constraints = [
            models.CheckConstraint(
                name="homevisit_two_distinct_investigators",
                condition=~models.Q(investigator_1=models.F("investigator_2")),
            )
        ]

    def __str__(self):
        return f"{self.process} {self.visited_on}"


class NoticeRound(models.Model):
    """One 7-day public notice (MSL 19, TK 15); the token opens the public objection form."""

    process = models.ForeignKey(DibaoProcess, on_delete=models.CASCADE, related_name="notices", verbose_name=_("案件"))
    round = models.PositiveSmallIntegerField(_("轮次"))
    token = models.CharField(_("公示码"), max_length=43, unique=True)
    posted_at = models.DateTimeField(_("张贴时间"))
    ends_at = models.DateTimeField(_("公示期满"))
    # None for a recognition without cash (低收入家庭认定, LB24): its notice shows no amount
    proposed_amount = models.DecimalField(_("拟保障金额（元/月）"), null=True, blank=True, **MONEY)
    document_id = models.PositiveBigIntegerField(_("公示文书"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        constraints = [models.UniqueConstraint(fields=["process", "round"], name="notice_unique_round")]

    def __str__(self):
        return f"{self.process} 第{self.round}轮公示"

    def is_open(self, at: datetime.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.posted_at <= at < self.ends_at


class Objection(models.Model):
    """An objection to a notice, by anyone, anonymous included (MSL 19)."""

    notice = models.ForeignKey(NoticeRound, on_delete=models.PROTECT, related_name="objections", verbose_name=_("公示"))
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)
    anonymous = models.BooleanField(_("匿名"), default=False)
    name = models.CharField(_("异议人"), max_length=50, blank=True)
    contact = models.CharField(_("联系方式"), max_length=50, blank=True)
    content = models.TextField(_("异议内容"))
    recorded_by = _user_fk(_("登记人"))
    resolution = models.TextField(_("处理结果"), blank=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self):
        return f"{self.notice} 异议 {self.received_at:%Y-%m-%d}"


class DemocraticAppraisal(models.Model):
    """民主评议 held on an objection (MSL 19; ZB20 24)."""

    process = models.ForeignKey(
        DibaoProcess, on_delete=models.CASCADE, related_name="appraisals", verbose_name=_("案件")
    )
    notice_round = models.PositiveSmallIntegerField(_("公示轮次"))
    held_on = models.DateField(_("评议日期"))
    participants = models.PositiveSmallIntegerField(_("参加人数"))
    votes_for = models.PositiveSmallIntegerField(_("同意票"))
    votes_against = models.PositiveSmallIntegerField(_("反对票"))
    conclusion = models.TextField(_("评议结论"))
    recorded_by = _user_fk(_("录入人"))

    class Meta:
        verbose_name = _("民主评议")
        verbose_name_plural = _("民主评议")

    def __str__(self):
        return f"{self.process} 评议 {self.held_on}"


class CheckObjection(models.Model):
    """The applicant's objection to a failed data check, with evidence (MSL 18): it starts a
    new check; the old check and its evidence stay as they were."""

    process = models.ForeignKey(
        DibaoProcess, on_delete=models.CASCADE, related_name="check_objections", verbose_name=_("案件")
    )
    statement = models.TextField(_("异议理由"))
    evidence = models.FileField(_("证明材料"), upload_to="dibao/check_objections/%Y/%m/")
    old_check_id = models.PositiveBigIntegerField(_("原核对编号"))
    new_check_id = models.PositiveBigIntegerField(_("复查核对编号"))
    recorded_by = _user_fk(_("登记人"))
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("核对结果异议")
        verbose_name_plural = _("核对结果异议")

    def __str__(self):
        return f"{self.process} {self.old_check_id}→{self.new_check_id}"


class OverdueAlert(models.Model):
    """A case past its deadline, shown to the township approver and the county."""

    process = models.ForeignKey(
        DibaoProcess, on_delete=models.CASCADE, related_name="overdue_alerts", verbose_name=_("案件")
    )
    township = models.ForeignKey(
        "core.Township", on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇（街道）")
    )
    kind = models.CharField(_("期限类别"), max_length=16, choices=DeadlineKind.choices, default=DeadlineKind.DECISION)
    due_on = models.DateField(_("办理期限"))
    raised_on = models.DateField(_("提醒日期"))
    working_days_overdue = models.PositiveSmallIntegerField(_("逾期工作日"))

    class Meta:
        verbose_name = _("逾期提醒")
        verbose_name_plural = _("逾期提醒")
        constraints = [
            models.UniqueConstraint(fields=["process", "kind", "due_on"], name="overdue_unique_per_kind_due")
        ]
        indexes = [models.Index(fields=["township", "raised_on"])]

    def __str__(self):
        return f"{self.process} {self.due_on}"
