"""Forms of the dibao / 特困 nodes. Field-level validation reuses the services'
validators, so the form and the service (also used by the portal) agree."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.core import programmes
from workflows.core.models import County, Township, Village
from workflows.core.models.rules import Area
from workflows.core.programmes import Programme
from workflows.households.models import DeclaredIncome, HouseholdMember, RigidExpense
from workflows.households.validators import (
    ERR_EXPENSE_AMOUNT,
    ERR_EXPENSE_KIND,
    ERR_INCOME_AMOUNT,
    ERR_INCOME_KIND,
)

from . import services
from .models import Attachment, ExtensionReason, ObjectionRoute, StaffKinRecord, tekun_criteria_met


def bootstrap_widgets(form: forms.BaseForm) -> None:
    """Bootstrap 5 class names on the widgets, so the staff base styles the form."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def _users_with(codename: str, region) -> forms.ModelChoiceField:
    from guardian.shortcuts import get_users_with_perms

    users = get_users_with_perms(region, only_with_perms_in=[codename], with_superusers=False)
    return get_user_model().objects.filter(pk__in=[u.pk for u in users]).order_by("username")


# --- intake ---------------------------------------------------------------------
class ApplicationForm(forms.Form):
    programme = Programme.DIBAO
    village = forms.ModelChoiceField(label=_("村（社区）"), queryset=Village.objects.none())
    area = forms.ChoiceField(label=_("户籍类别"), choices=Area.choices)
    address = forms.CharField(label=_("家庭住址"), max_length=200)
    phone = forms.CharField(label=_("联系电话"), max_length=20)
    bank_account = forms.CharField(label=_("收款账户"), max_length=40, required=False)
    deposits = forms.DecimalField(
        label=_("家庭存款合计（元）"), min_value=Decimal("0"), decimal_places=2, max_digits=12, initial=Decimal("0")
    )
    entrustment_note = forms.CharField(label=_("委托情况说明"), max_length=200, required=False)
    declares_staff_relative = forms.BooleanField(
        label=_("家庭成员是经办人员或村（居）委会成员的近亲属"), required=False
    )
    staff_relative_staff_name = forms.CharField(label=_("相关工作人员姓名"), max_length=50, required=False)
    staff_relative_member_name = forms.CharField(label=_("近亲属（家庭成员）姓名"), max_length=50, required=False)
    staff_relative_relation = forms.ChoiceField(
        label=_("亲属关系"), choices=[("", "---"), *StaffKinRecord.Relation.choices], required=False
    )
    staff_relative_position = forms.ChoiceField(
        label=_("工作人员类别"), choices=[("", "---"), *StaffKinRecord.Position.choices], required=False
    )
    single_person_name = forms.CharField(
        label=_("申请参照单人户单独纳入低保的成员姓名（选填）"),
        max_length=50,
        required=False,
        help_text=_("家庭中的重度残疾人或重病患者可依申请单独纳入低保；是否符合由县（区）单人户规则和核对结果认定。"),
    )
    upload_application = forms.FileField(label=_("书面申请书（PDF/JPG/PNG，≤5MB）"))
    upload_id_cards = forms.FileField(label=_("身份证、户口簿"), required=False)
    upload_income_proof = forms.FileField(label=_("收入证明"), required=False)
    upload_entrustment = forms.FileField(label=_("委托书（协理员代为申请时必交）"), required=False)

    UPLOAD_FIELDS = {
        "upload_application": Attachment.Kind.APPLICATION,
        "upload_id_cards": Attachment.Kind.ID_CARDS,
        "upload_income_proof": Attachment.Kind.INCOME_PROOF,
        "upload_entrustment": Attachment.Kind.ENTRUSTMENT,
    }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not programmes.spec(self.programme).intake.single_person_household:
            del self.fields["single_person_name"]  # 单人户 is a dibao rule (domain.md §8)
        bootstrap_widgets(self)
        from workflows.core.scope import regions_where

        townships = regions_where(user, "act_case_worker", Township)
        villages = regions_where(user, "act_village_assistant", Village)
        self.fields["village"].queryset = (
            Village.objects.filter(township__in=townships) | Village.objects.filter(pk__in=villages)
        ).select_related("township")

    def _clean_upload(self, name):
        upload = self.cleaned_data.get(name)
        if upload:
            services.validate_upload(upload)
        return upload

    def clean_upload_application(self):
        return self._clean_upload("upload_application")

    def clean_upload_id_cards(self):
        return self._clean_upload("upload_id_cards")

    def clean_upload_income_proof(self):
        return self._clean_upload("upload_income_proof")

    def clean_upload_entrustment(self):
        return self._clean_upload("upload_entrustment")

    def clean(self):
        data = super().clean()
        village = data.get("village")
        if village is not None:
            try:
                channel = services.filing_channel(self.user, village)
            except ValidationError as exc:
                self.add_error("village", exc)
                return data
            if channel == services.Channel.PAPER_VILLAGE_ASSISTANT and not data.get("upload_entrustment"):
                self.add_error("upload_entrustment", services.ERR_ENTRUSTMENT)
        if data.get("declares_staff_relative"):
            for name in ("staff_relative_staff_name", "staff_relative_member_name", "staff_relative_relation"):
                if not data.get(name):
                    self.add_error(name, _("申报近亲属关系时此项必填。"))
        return data

    def uploads(self) -> list[services.UploadInput]:
        return [
            services.UploadInput(kind=kind, file=self.cleaned_data[name])
            for name, kind in self.UPLOAD_FIELDS.items()
            if self.cleaned_data.get(name)
        ]

    def staff_links(self) -> list[services.StaffLinkInput]:
        if not self.cleaned_data.get("declares_staff_relative"):
            return []
        d = self.cleaned_data
        return [
            services.StaffLinkInput(
                member_name=d["staff_relative_member_name"],
                staff_name=d["staff_relative_staff_name"],
                relation=d["staff_relative_relation"],
                position=d.get("staff_relative_position") or "",
            )
        ]


class TekunApplicationForm(ApplicationForm):
    programme = Programme.TEKUN
    no_work_ability = forms.BooleanField(label=_("无劳动能力（TK 5）"), required=False)
    no_income = forms.BooleanField(label=_("无生活来源（TK 6）"), required=False)
    no_supporter = forms.BooleanField(
        label=_("无法定赡养、抚养、扶养义务人，或其无履行义务能力（TK 7-8）"), required=False
    )

    def clean(self):
        data = super().clean()
        if not tekun_criteria_met(
            no_work_ability=data.get("no_work_ability"), no_income=data.get("no_income"),
            no_supporter=data.get("no_supporter"),
        ):  # fmt: skip
            self.add_error("no_work_ability", services.ERR_TEKUN_CRITERIA)
        return data

    def tekun(self) -> services.TekunInput:
        d = self.cleaned_data
        return services.TekunInput(
            no_work_ability=d["no_work_ability"], no_income=d["no_income"], no_supporter=d["no_supporter"]
        )


class LowIncomeApplicationForm(ApplicationForm):
    """低收入家庭认定 (LB24): the dibao intake; the essential spending of the members' rows
    (MSL 13) decides the 刚性支出困难家庭 category."""

    programme = Programme.LOW_INCOME


class MemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    relation = forms.ChoiceField(label=_("与申请人关系"), choices=HouseholdMember.Relation.choices)
    is_student = forms.BooleanField(label=_("全日制在校生"), required=False)
    is_disabled = forms.BooleanField(label=_("残疾"), required=False)
    has_serious_illness = forms.BooleanField(label=_("重病"), required=False)
    can_work = forms.BooleanField(label=_("有劳动能力"), required=False)
    income_kind = forms.ChoiceField(label=_("收入类别"), choices=DeclaredIncome.Kind.choices, initial="wage")
    monthly_income = forms.DecimalField(
        label=_("月均收入（元）"), min_value=Decimal("0"), decimal_places=2, max_digits=12, initial=Decimal("0")
    )
    income_kind_2 = forms.ChoiceField(
        label=_("第二项收入类别（没有则不填）"), choices=[("", "---"), *DeclaredIncome.Kind.choices], required=False
    )
    monthly_income_2 = forms.DecimalField(
        label=_("第二项收入每月金额（元）"), min_value=Decimal("0.01"), decimal_places=2, max_digits=12, required=False
    )
    expense_kind = forms.ChoiceField(
        label=_("刚性支出类别（MSL 13，无则不填）"), choices=[("", "---"), *RigidExpense.Kind.choices], required=False
    )
    expense_monthly = forms.DecimalField(
        label=_("刚性支出月均金额（元）"), min_value=Decimal("0.01"), decimal_places=2, max_digits=12, required=False
    )
    expense_proof = forms.FileField(label=_("刚性支出凭证（PDF/JPG/PNG，≤5MB）"), required=False)
    expense_kind_2 = forms.ChoiceField(
        label=_("第二项刚性支出类别（没有则不填）"), choices=[("", "---"), *RigidExpense.Kind.choices], required=False
    )
    expense_monthly_2 = forms.DecimalField(
        label=_("第二项刚性支出月均金额（元）"), min_value=Decimal("0.01"), decimal_places=2, max_digits=12,
        required=False,
    )  # fmt: skip
    expense_proof_2 = forms.FileField(label=_("第二项刚性支出凭证（PDF/JPG/PNG，≤5MB）"), required=False)
    signed_check_authorisation = forms.BooleanField(label=_("已签署核对授权书"), required=False)
    signed_truthfulness = forms.BooleanField(label=_("已签署真实性承诺书"), required=False)

    # A row counts once it names someone (or declares spending): the preselected
    # relation and income kind of a blank row are not a member (issue 14).
    KEY_FIELDS = ("name", "id_number", "monthly_income_2", "expense_monthly", "expense_monthly_2")
    # (kind, amount[, proof]) field names of the extra income row and the spending rows
    INCOME_ROWS = (("income_kind_2", "monthly_income_2"),)
    EXPENSE_ROWS = (("expense_kind", "expense_monthly", "expense_proof"),
                    ("expense_kind_2", "expense_monthly_2", "expense_proof_2"))  # fmt: skip

    def has_changed(self):
        return any(str(self.data.get(self.add_prefix(name)) or "").strip() for name in self.KEY_FIELDS)

    # How the staff intake page groups a member's fields; "more" rows start folded.
    FIELD_GROUPS = (
        (_("身份与关系"), ("name", "id_number", "relation", "is_student", "is_disabled", "has_serious_illness",
                          "can_work"), False),
        (_("收入（MSL 13）"), ("income_kind", "monthly_income"), False),
        (_("刚性支出（MSL 13）"), ("expense_kind", "expense_monthly", "expense_proof"), False),
        (_("第二项收入或刚性支出"), ("income_kind_2", "monthly_income_2", "expense_kind_2", "expense_monthly_2",
                                   "expense_proof_2"), True),
        (_("授权与承诺（MSL 9）"), ("signed_check_authorisation", "signed_truthfulness", "DELETE"), False),
    )  # fmt: skip

    def field_groups(self) -> list[dict]:
        """[{"title", "fields", "folded"}]; a folded group opens when it holds a value or an error."""
        groups = []
        for title, names, folded in self.FIELD_GROUPS:
            fields = [self[n] for n in names if n in self.fields]
            if fields:
                used = self.is_bound and any(
                    self.data.get(self.add_prefix(n)) or self.files.get(self.add_prefix(n)) or n in self.errors
                    for n in names
                    if n in self.fields
                )
                groups.append({"title": title, "fields": fields, "folded": folded and not used})
        return groups

    def clean_id_number(self):
        from workflows.households.validators import normalise_id_number, validate_id_number

        value = normalise_id_number(self.cleaned_data["id_number"])
        validate_id_number(value)
        return value

    def _clean_proof(self, name):
        upload = self.cleaned_data.get(name)
        if upload:
            services.validate_upload(upload)
        return upload

    def clean_expense_proof(self):
        return self._clean_proof("expense_proof")

    def clean_expense_proof_2(self):
        return self._clean_proof("expense_proof_2")

    def clean(self):
        data = super().clean()
        pairs = [(k, a, ERR_INCOME_AMOUNT, ERR_INCOME_KIND) for k, a in self.INCOME_ROWS]
        pairs += [(k, a, ERR_EXPENSE_AMOUNT, ERR_EXPENSE_KIND) for k, a, _proof in self.EXPENSE_ROWS]
        for kind_field, amount_field, err_amount, err_kind in pairs:
            if kind_field not in self.fields:
                continue
            kind, amount = data.get(kind_field), data.get(amount_field)
            if kind and amount is None and amount_field not in self.errors:
                self.add_error(amount_field, err_amount)
            elif amount is not None and not kind:
                self.add_error(kind_field, err_kind)
        if self.errors:
            return data
        try:
            services.validate_member(self.member(), timezone.localdate())
        except ValidationError as exc:
            fields = {"minor_child_age": "relation", "adult_child": "relation", "expense_kind": "expense_kind",
                      "expense_amount": "expense_monthly", "upload_type": "expense_proof",
                      "upload_size": "expense_proof", "income_kind": "income_kind_2",
                      "income_amount": "monthly_income_2"}  # fmt: skip
            self.add_error(fields.get(exc.code, "id_number"), exc)
        return data

    def member(self) -> services.MemberInput:
        d = self.cleaned_data
        return services.MemberInput(
            name=d["name"], id_number=d["id_number"], relation=d["relation"], is_student=d["is_student"],
            is_disabled=d["is_disabled"], has_serious_illness=d["has_serious_illness"], can_work=d["can_work"],
            income_kind=d["income_kind"], monthly_income=d["monthly_income"] or Decimal("0"),
            signed_check_authorisation=d["signed_check_authorisation"], signed_truthfulness=d["signed_truthfulness"],
            other_incomes=self.other_incomes(), rigid_expenses=self.rigid_expenses(),
        )  # fmt: skip

    def other_incomes(self) -> tuple[services.IncomeInput, ...]:
        d = self.cleaned_data
        return tuple(
            services.IncomeInput(kind=d[kind], monthly_amount=d[amount])
            for kind, amount in self.INCOME_ROWS
            if d.get(kind) and d.get(amount) is not None
        )

    def rigid_expenses(self) -> tuple[services.ExpenseInput, ...]:
        d = self.cleaned_data
        return tuple(
            services.ExpenseInput(kind=d[kind], monthly_amount=d[amount], proof=d.get(proof) or None)
            for kind, amount, proof in self.EXPENSE_ROWS
            if d.get(kind) and d.get(amount) is not None
        )


MAX_MEMBERS = 15
# the no-JavaScript "add a row" submit button of every intake's member rows (templates/dibao/_member_rows.html)
ADD_MEMBER = "add_member"
ERR_NO_MEMBERS = _("请至少填写一名家庭成员（申请人本人）。")
ERR_TOO_MANY_MEMBERS = _("一户最多填写 %(num)s 名家庭成员。")


class BaseMemberFormSet(forms.BaseFormSet):
    """1 to ``MAX_MEMBERS`` members. Every row may be left blank (a blank row is
    ignored) and any row may be marked deleted, so a 1-person household and a
    household of 15 file through the same page."""

    # Django's formset counts the rows against max_num; say it in the household's words.
    default_error_messages = {**forms.BaseFormSet.default_error_messages, "too_many_forms": ERR_TOO_MANY_MEMBERS}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("删除此成员")
        bootstrap_widgets(form)

    def clean(self):
        if any(self.errors):
            return
        members = self.members()
        if not members:
            raise ValidationError(ERR_NO_MEMBERS, code="no_members")
        try:
            services.validate_household(members, timezone.localdate())
        except ValidationError as exc:
            raise ValidationError(exc.messages, code=exc.code) from exc

    def filled_forms(self) -> list[MemberForm]:
        """The rows that describe a member: not blank, not marked deleted."""
        return [
            f
            for f in self.forms
            if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE") and f.has_changed()
        ]

    def members(self) -> list[services.MemberInput]:
        return [f.member() for f in self.filled_forms()]


def member_formset_factory(formset: type[BaseMemberFormSet] = BaseMemberFormSet):
    """Member rows for every intake (dibao, 特困, temporary assistance): 1 to 15 members,
    blank rows ignored, any row deletable."""
    return forms.formset_factory(
        MemberForm,
        formset=formset,
        extra=1,
        min_num=0,
        max_num=MAX_MEMBERS,
        absolute_max=MAX_MEMBERS,
        validate_max=True,
        can_delete=True,
    )


MemberFormSet = member_formset_factory()


def member_formset_adding_row(data, files=None, *, formset_class=None) -> BaseMemberFormSet:
    """The no-JavaScript "add a row" fallback: the posted rows plus one blank row
    (``formset_class``: the intake's own member formset, dibao's by default)."""
    data = data.copy()
    key = "members-TOTAL_FORMS"
    try:
        total = int(data.get(key, "1"))
    except ValueError:
        total = 1
    data[key] = str(max(1, min(total + 1, MAX_MEMBERS)))
    return (formset_class or MemberFormSet)(data, files, prefix="members")


# --- task forms -----------------------------------------------------------------
MATERIAL_CHOICES = [(k, v) for k, v in services.MATERIALS.items()]


class AcceptForm(forms.Form):
    """Acceptance. The deadline wording follows the programme: dibao counts 20/30
    working days to the decision and may be extended to 45 (MSL 22); 特困 counts per
    stage (TK 13, 15, 16) whether delegated or not, and has no 45-day extension."""

    missing = forms.MultipleChoiceField(
        label=_("缺少的材料（一次性全部列出）"),
        choices=MATERIAL_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    delegated = forms.BooleanField(label=_("乡镇受县级委托审核确认（20 个工作日）"), required=False, initial=True)
    extension_reason = forms.ChoiceField(
        label=_("延期事由（45 个工作日）"),
        choices=[("", "---"), *[(c, label) for c, label in ExtensionReason.choices if c != "objection"]],
        required=False,
    )

    def __init__(self, *args, programme: str = Programme.DIBAO, **kwargs):
        super().__init__(*args, **kwargs)
        policy = programmes.spec(programme).deadlines
        if policy.staged:
            self.fields["delegated"].label = _("乡镇受县级委托审核确认")
            self.fields["delegated"].help_text = _(
                "特困人员认定的期限不因委托而改变：受理后 15 个工作日内提出初审意见（TK 13），"
                "公示结束后 10 个工作日内作出决定（TK 16）。"
            )
        else:
            self.fields["delegated"].help_text = _("未受委托的，自受理之日起 30 个工作日内作出决定（MSL 22）。")
        if not policy.extendable:
            del self.fields["extension_reason"]

    def clean(self):
        data = super().clean()
        data.setdefault("extension_reason", "")
        return data


class CompleteMaterialsForm(forms.Form):
    received = forms.MultipleChoiceField(
        label=_("已收到的材料"), choices=MATERIAL_CHOICES, widget=forms.CheckboxSelectMultiple
    )


class StaffChoiceField(forms.ModelChoiceField):
    """Staff are chosen by the name people know them by, not their login (issue 14 §2).
    Staff in ``flagged`` are named with ``flag`` (e.g. an approver chosen as investigator)."""

    flagged: frozenset[int] = frozenset()
    flag = ""

    def label_from_instance(self, obj):
        name = obj.get_full_name() or obj.username
        return f"{name}（{self.flag}）" if obj.pk in self.flagged else name


APPROVER_FLAG = _("审批人员：选为调查人后不能签批本案")
WARN_APPROVER_INVESTIGATOR = _(
    "%(name)s 是审批人员。按职责分离规定，调查人不能签批本案件（初审、审核确认环节须由其他审批人员办理）。"
    "如确需由其调查，请勾选下方的确认。"
)


class HomeVisitForm(forms.Form):
    investigator_1 = StaffChoiceField(label=_("调查人一"), queryset=get_user_model().objects.none())
    investigator_2 = StaffChoiceField(label=_("调查人二"), queryset=get_user_model().objects.none())
    visited_on = forms.DateField(label=_("调查日期"))
    findings = forms.CharField(label=_("调查情况"), widget=forms.Textarea)
    family_signatories = forms.CharField(label=_("在场家庭成员签字"), max_length=200)
    tekun_confirmed = forms.BooleanField(label=_("核实符合特困条件（TK 4-8）"), required=False)
    confirm_approver_investigator = forms.BooleanField(
        label=_("我已知悉：所选调查人中有审批人员，其将不能签批本案件（职责分离）"), required=False
    )

    def __init__(self, *args, process, county=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.approver_ids: frozenset[int] = frozenset()
        if county:
            qs = _users_with("act_county_officer", County.objects.get(pk=process.county_id))
        else:
            township = Township.objects.get(pk=process.township_id)
            approvers = _users_with("act_approver", township)
            # An investigator may not sign the case (workflows.core.separation; DibaoProcess.
            # excluded_actor_ids): choosing an approver is allowed, but said (issue 14 §2).
            self.approver_ids = frozenset(approvers.values_list("pk", flat=True))
            qs = _users_with("act_case_worker", township) | approvers
        for name in ("investigator_1", "investigator_2"):
            self.fields[name].queryset = qs.distinct()
            self.fields[name].flagged, self.fields[name].flag = self.approver_ids, APPROVER_FLAG
        if not self.approver_ids:
            del self.fields["confirm_approver_investigator"]
        if not process.spec.intake.confirmed_by_home_visit:
            del self.fields["tekun_confirmed"]

    def clean(self):
        data = super().clean()
        a, b = data.get("investigator_1"), data.get("investigator_2")
        if a and b and a.pk == b.pk:
            self.add_error("investigator_2", services.ERR_INVESTIGATORS_DISTINCT)
        if not data.get("confirm_approver_investigator"):
            for name in ("investigator_1", "investigator_2"):
                user = data.get(name)
                if user is not None and user.pk in self.approver_ids and name not in self.errors:
                    self.add_error(name, WARN_APPROVER_INVESTIGATOR % {"name": user.get_full_name() or user.username})
        return data


class ReinvestigateForm(HomeVisitForm):
    resolution = forms.CharField(label=_("异议核实结论"), widget=forms.Textarea)


class ProposeForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("初审意见"), choices=[("1", _("拟确认享受")), ("0", _("拟不予确认"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("意见说明"), widget=forms.Textarea)


class ObjectionRouteForm(forms.Form):
    route = forms.ChoiceField(label=_("异议处理方式"), choices=ObjectionRoute.choices)


class AppraisalForm(forms.Form):
    held_on = forms.DateField(label=_("评议日期"))
    participants = forms.IntegerField(label=_("参加人数"), min_value=1)
    votes_for = forms.IntegerField(label=_("同意票"), min_value=0)
    votes_against = forms.IntegerField(label=_("反对票"), min_value=0)
    conclusion = forms.CharField(label=_("评议结论"), widget=forms.Textarea)


class SignForm(forms.Form):
    opinion = forms.CharField(label=_("签字意见"), widget=forms.Textarea)


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审核确认"), choices=[("1", _("确认享受")), ("0", _("不予确认"))], coerce=lambda v: v == "1"
    )
    reasons = forms.CharField(label=_("不予确认理由（每行一条）"), widget=forms.Textarea, required=False)

    def clean(self):
        data = super().clean()
        if data.get("approve") is False and not (data.get("reasons") or "").strip():
            self.add_error("reasons", services.ERR_REFUSAL_NEEDS_REASON)
        return data

    def reason_list(self) -> list[str]:
        return [r.strip() for r in (self.cleaned_data.get("reasons") or "").splitlines() if r.strip()]


class ObjectionForm(forms.Form):
    anonymous = forms.BooleanField(label=_("匿名反映"), required=False)
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    contact = forms.CharField(label=_("联系方式"), max_length=50, required=False)
    content = forms.CharField(label=_("异议内容"), widget=forms.Textarea)


class TerminateForm(forms.Form):
    """Ending the review because the applicant refuses to cooperate without reason (MSL 29)."""

    reason = forms.CharField(
        label=_("终止理由"),
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        help_text=_("写明申请人拒不配合的具体情形及告知经过（例如：两次书面通知入户调查，均无正当理由拒绝）。"),
    )
    confirm = forms.BooleanField(
        label=_("我确认申请人无正当理由拒不配合，决定终止本次审核确认程序。"),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class CheckObjectionForm(forms.Form):
    """The applicant's objection to a failed data check, with evidence (MSL 18)."""

    statement = forms.CharField(label=_("异议理由"), widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}))
    evidence = forms.FileField(
        label=_("证明材料"),
        help_text=_("PDF、JPG 或 PNG，不超过 5 MB。"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )

    def clean_evidence(self):
        upload = self.cleaned_data["evidence"]
        services.validate_upload(upload)
        return upload
