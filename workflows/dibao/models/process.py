"""The case process (DibaoProcess): its columns, deadlines, separation of duties and the
named routing conditions the flow graph asks."""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.core import programmes
from workflows.core.cases import CaseFields
from workflows.core.models import AssetLimit, DibaoStandard
from workflows.core.programmes import Programme

from .choices import (
    MONEY,
    Channel,
    DeadlineKind,
    Decision,
    ExtensionReason,
    ObjectionRoute,
    StageDeadline,
    _user_fk,
    tekun_criteria_met,
)

if TYPE_CHECKING:
    from .review import NoticeRound


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
    # The nodes neither investigator nor the proposer may act on.
    _AFTER_INVESTIGATION = frozenset({"sign_section_chief", "sign_township_head", "choose_objection_route"})

    def investigator_ids(self) -> set[int]:
        ids = set()
        for a, b in self.home_visits.values_list("investigator_1_id", "investigator_2_id"):
            ids.update({a, b})
        return ids

    def excluded_actor_ids(self, node_name: str) -> set[int]:
        """The declared rules (``workflows.core.separation``), plus what only this case
        knows: both investigators named on a visit record (not only who entered it),
        and staff matched on the staff-relative register (MSL 11)."""
        excluded = super().excluded_actor_ids(node_name)  # the investigators too: ``excluded_actor_queries``
        excluded |= {int(pk) for pk in self.staff_relative_user_ids or []}
        if node_name in self._AFTER_INVESTIGATION and self.proposed_by_id:
            excluded.add(self.proposed_by_id)
        if node_name == "sign_township_head" and self.section_chief_signed_by_id:
            excluded.add(self.section_chief_signed_by_id)
        return excluded

    def excluded_actor_queries(self, node_name: str) -> list[models.QuerySet]:
        """Both investigators named on a visit record (``investigator_ids``), read in the
        statement of the declared rules instead of a read of their own."""
        if node_name not in self._AFTER_INVESTIGATION:
            return []
        visits = self.home_visits.order_by()
        return [visits.values_list(column, flat=True) for column in ("investigator_1_id", "investigator_2_id")]

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
            (cls._AFTER_INVESTIGATION, took_part),
            (frozenset({"sign_township_head"}), models.Q(section_chief_signed_by=user)),
        ]

    @classmethod
    def flow_node_names(cls) -> list[str]:
        """Human nodes of the dibao and 特困 flows (they share this model and their node names)."""
        from ..flows import DibaoFlow

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
        from .review import Objection

        return Objection.objects.filter(notice__process=self, resolved_at__isnull=True)
